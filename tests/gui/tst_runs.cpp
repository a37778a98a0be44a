// Runs, run detail and the start-run dialog, driven as a user would, against a real
// in-process server whose runs execute real processes.
#include "app/models/runsmodel.h"
#include "app/models/toolcallsmodel.h"
#include "app/net/livesocket.h"
#include "app/ui/appcontroller.h"
#include "app/ui/mainwindow.h"
#include "app/ui/runs/logview.h"
#include "app/ui/runs/rundetailpage.h"
#include "app/ui/runs/runspage.h"
#include "app/ui/runs/startrundialog.h"
#include "app/ui/runs/timelinewidget.h"
#include "tests/gui/guitest.h"
#include "tests/support/testserver.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::ui;

namespace {
const QString Password = u"password123"_s;
void snap(QWidget *w, const QString &name)
{
    const QString dir = qEnvironmentVariable("CREWDECK_SCREENSHOT_DIR");
    if (!dir.isEmpty() && w)
        w->grab().save(dir + u"/crewdeck-"_s + name + u".png"_s);
}
QJsonObject scriptStep(const QString &command)
{
    return QJsonObject{{u"tool"_s, u"script"_s},
                       {u"params"_s, QJsonObject{{u"command"_s, command}}}};
}
} // namespace

class TestRuns : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void dialogValidatesBeforeSending();
    void runFromDialogMatchesServer();
    void cancelFromTheUi();
    void viewerSeesNoCancelOrRerun();
    void rerunRepeatsTheSteps();
    void logFollowPausesAndResumes();
    void runsPageListsAndOpensRuns();

private:
    bool login(AppController &ctl, const QString &email);
    QString startRun(const QJsonArray &steps, std::optional<int> timeoutS = std::nullopt);
    std::unique_ptr<testsupport::TestServer> m_server;
    QTemporaryDir m_settingsDir;
    QString m_token;
    QString m_crewId;
};

void TestRuns::initTestCase()
{
    QCoreApplication::setOrganizationName(u"CrewDeckTest"_s);
    QCoreApplication::setApplicationName(u"tst_runs"_s);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    m_server = std::make_unique<testsupport::TestServer>();
    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    const auto admin = m_server->createUser(u"Acme"_s, u"ann@acme.test"_s, u"admin"_s, Password);
    QVERIFY(!admin.id.isEmpty());
    QVERIFY(
        !m_server->createUser(u"Acme"_s, u"vic@acme.test"_s, u"viewer"_s, Password).id.isEmpty());
    m_token = m_server->tokenFor(admin);
    const auto crew = m_server->post(
        u"/crews"_s,
        QJsonObject{{u"name"_s, u"Alpha crew"_s},
                    {u"agents"_s,
                     QJsonArray{QJsonObject{
                         {u"name"_s, u"Ada"_s},
                         {u"role"_s, u"builder"_s},
                         {u"tools"_s, QJsonArray{u"script"_s, u"pytest"_s, u"git_clone"_s}}}}}},
        m_token);
    QCOMPARE(crew.status, 201);
    m_crewId = crew.json().value(u"id"_s).toString();
}

void TestRuns::cleanupTestCase()
{
    if (m_server)
        m_server->stop();
}

void TestRuns::init()
{
    QSettings().clear();
}

bool TestRuns::login(AppController &ctl, const QString &email)
{
    return testsupport::startApp(ctl, *m_server, email, Password, [&] {
        return ctl.mainWindow() && ctl.runsPage() && ctl.runDetailPage();
    });
}

QString TestRuns::startRun(const QJsonArray &steps, std::optional<int> timeoutS)
{
    QJsonObject body{{u"steps"_s, steps}};
    if (timeoutS)
        body.insert(u"timeout_s"_s, *timeoutS);
    const auto r = m_server->post(u"/crews/"_s + m_crewId + u"/runs"_s, body, m_token);
    return r.status == 202 ? r.json().value(u"id"_s).toString() : QString();
}

void TestRuns::dialogValidatesBeforeSending()
{
    AppController ctl;
    QVERIFY(login(ctl, u"ann@acme.test"_s));
    RunsPage *page = ctl.runsPage();
    ctl.mainWindow()->showPage(u"runs"_s);
    QTest::mouseClick(page->findChild<QPushButton *>(u"newRunButton"_s), Qt::LeftButton);
    StartRunDialog *dlg = page->findChild<StartRunDialog *>();
    QVERIFY(dlg);
    QTRY_VERIFY_WITH_TIMEOUT(dlg->crewsLoaded(), 20000);
    const int before =
        int(m_server->get(u"/runs"_s, m_token).json().value(u"items"_s).toArray().size());
    // The single default step is a script with no command.
    QTest::mouseClick(dlg->buttons()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QVERIFY2(dlg->errorText().contains(u"params.command"_s), qPrintable(dlg->errorText()));
    QVERIFY(dlg->isVisible());
    // git_clone needs a URL; an option-looking URL is refused by the protocol's own check.
    StepEditor *s = dlg->steps().at(0);
    s->toolCombo()->setCurrentIndex(s->toolCombo()->findData(u"git_clone"_s));
    QTest::keyClicks(s->urlEdit(), u"--upload-pack=evil"_s);
    QTest::mouseClick(dlg->buttons()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QVERIFY2(dlg->errorText().contains(u"url"_s), qPrintable(dlg->errorText()));
    // Reordering and removing rows.
    StepEditor *second = dlg->addStep();
    QCOMPARE(dlg->steps().size(), 2);
    QTest::mouseClick(second->upButton(), Qt::LeftButton);
    QCOMPARE(dlg->steps().at(0), second);
    QTest::mouseClick(second->removeButton(), Qt::LeftButton);
    QCOMPARE(dlg->steps().size(), 1);
    // Pytest args are split like a shell would.
    s->toolCombo()->setCurrentIndex(s->toolCombo()->findData(u"pytest"_s));
    QTest::keyClicks(s->argsEdit(), u"-q -k \"fast and not slow\""_s);
    QString err;
    const auto req = dlg->request(&err);
    QVERIFY2(req, qPrintable(err));
    QCOMPARE(req->steps.at(0).params.value(u"args"_s).toArray(),
             (QJsonArray{u"-q"_s, u"-k"_s, u"fast and not slow"_s}));
    dlg->reject();
    QCOMPARE(int(m_server->get(u"/runs"_s, m_token).json().value(u"items"_s).toArray().size()),
             before);
}

void TestRuns::runFromDialogMatchesServer()
{
    AppController ctl;
    QVERIFY(login(ctl, u"ann@acme.test"_s));
    RunsPage *page = ctl.runsPage();
    ctl.mainWindow()->showPage(u"runs"_s);
    QTest::mouseClick(page->findChild<QPushButton *>(u"newRunButton"_s), Qt::LeftButton);
    StartRunDialog *dlg = page->findChild<StartRunDialog *>();
    QVERIFY(dlg);
    QTRY_VERIFY_WITH_TIMEOUT(dlg->crewsLoaded(), 20000);
    dlg->crewCombo()->setCurrentIndex(dlg->crewCombo()->findData(m_crewId));
    StepEditor *first = dlg->steps().at(0);
    first->toolCombo()->setCurrentIndex(first->toolCombo()->findData(u"script"_s));
    QTest::keyClicks(
        first->commandEdit(),
        u"echo hello-from-ui; echo ::progress 50 halfway; echo ::tokens 7; echo first-done"_s);
    QTest::mouseClick(dlg->findChild<QPushButton *>(u"addStepButton"_s), Qt::LeftButton);
    StepEditor *second = dlg->steps().at(1);
    QTest::keyClicks(second->commandEdit(), u"echo second-step-output"_s);
    QTest::mouseClick(dlg->buttons()->button(QDialogButtonBox::Ok), Qt::LeftButton);

    RunDetailPage *detail = ctl.runDetailPage();
    QTRY_VERIFY_WITH_TIMEOUT(!detail->runId().isEmpty(), 20000);
    QCOMPARE(ctl.mainWindow()->currentPage(), u"run"_s);
    const QString runId = detail->runId();
    QTRY_COMPARE_WITH_TIMEOUT(detail->model()->run().status, RunState::Succeeded, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(detail->model()->run().durationMs.has_value(), 20000);

    const auto rest = m_server->get(u"/runs/"_s + runId, m_token);
    QCOMPARE(rest.status, 200);
    const auto run = Run::fromJson(rest.json());
    QVERIFY(run);
    QCOMPARE(run->status, RunState::Succeeded);
    QCOMPARE(run->toolCalls.size(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(detail->model()->run().tokens, run->tokens, 20000);
    QCOMPARE(run->tokens, 7);
    const auto &calls = detail->model()->toolCalls();
    QCOMPARE(calls.size(), run->toolCalls.size());
    QCOMPARE(detail->timeline()->rowCount(), 2);
    for (int i = 0; i < calls.size(); ++i) {
        QCOMPARE(calls.at(i).id, run->toolCalls.at(i).id);
        QCOMPARE(calls.at(i).status, run->toolCalls.at(i).status);
        QCOMPARE(calls.at(i).status, CallState::Success);
        QCOMPARE(calls.at(i).durationMs, run->toolCalls.at(i).durationMs);
        QVERIFY(!detail->timeline()->barRect(calls.at(i).id).isEmpty());
    }
    // Bars are placed in start order along the axis.
    QVERIFY(detail->timeline()->barRect(calls.at(0).id).left() <=
            detail->timeline()->barRect(calls.at(1).id).left());

    // The log of each step shows that step's output.
    detail->timeline()->setSelectedToolCall(calls.at(0).id);
    QTRY_VERIFY_WITH_TIMEOUT(detail->logView()->text().contains(u"hello-from-ui"_s), 10000);
    QVERIFY(detail->logView()->text().contains(u"first-done"_s));
    QVERIFY(!detail->logView()->text().contains(u"::tokens"_s));
    QCOMPARE(detail->model()->progressOf(calls.at(0).id), std::optional<int>(50));
    detail->timeline()->setSelectedToolCall(calls.at(1).id);
    QTRY_VERIFY_WITH_TIMEOUT(detail->logView()->text().contains(u"second-step-output"_s), 10000);
    QVERIFY(!detail->logView()->text().contains(u"hello-from-ui"_s));
    snap(ctl.mainWindow(), u"run-detail"_s);

    // A viewer-free admin sees Re-run, and no Cancel on a finished run.
    QVERIFY(!detail->rerunButton()->isHidden());
    QVERIFY(detail->cancelButton()->isHidden());
}

void TestRuns::cancelFromTheUi()
{
    const QString runId = startRun({scriptStep(u"echo started; sleep 30"_s)});
    QVERIFY(!runId.isEmpty());
    AppController ctl;
    QVERIFY(login(ctl, u"ann@acme.test"_s));
    ctl.openRun(runId);
    RunDetailPage *detail = ctl.runDetailPage();
    QTRY_COMPARE_WITH_TIMEOUT(detail->model()->run().status, RunState::Running, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(detail->logView()->text().contains(u"started"_s), 20000);
    QVERIFY(!detail->cancelButton()->isHidden());
    QTest::mouseClick(detail->cancelButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(detail->model()->run().status, RunState::Cancelled, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(detail->cancelButton()->isHidden(), 10000);
    const auto run = Run::fromJson(m_server->get(u"/runs/"_s + runId, m_token).json());
    QVERIFY(run);
    QCOMPARE(run->status, RunState::Cancelled);
    QCOMPARE(run->toolCalls.size(), 1);
    QCOMPARE(run->toolCalls.at(0).status, CallState::Cancelled);
    QTRY_COMPARE_WITH_TIMEOUT(detail->model()->toolCalls().at(0).status, CallState::Cancelled,
                              10000);
    QVERIFY(detail->errorText().isEmpty());
}

void TestRuns::viewerSeesNoCancelOrRerun()
{
    const QString runId = startRun({scriptStep(u"sleep 30"_s)});
    QVERIFY(!runId.isEmpty());
    {
        AppController ctl;
        QVERIFY(login(ctl, u"vic@acme.test"_s));
        QVERIFY(ctl.runsPage()->findChild<QPushButton *>(u"newRunButton"_s)->isHidden());
        ctl.openRun(runId);
        RunDetailPage *detail = ctl.runDetailPage();
        QTRY_COMPARE_WITH_TIMEOUT(detail->model()->run().status, RunState::Running, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(detail->isLoaded(), 20000);
        QVERIFY(detail->cancelButton()->isHidden());
        QVERIFY(detail->rerunButton()->isHidden());
        snap(ctl.mainWindow(), u"run-detail-viewer"_s);
    }
    QCOMPARE(m_server->post(u"/runs/"_s + runId + u"/cancel"_s, {}, m_token).status, 202);
}

void TestRuns::rerunRepeatsTheSteps()
{
    // A non-default time limit: the re-run must carry it over.
    const QString runId = startRun({scriptStep(u"echo rerun-me"_s)}, 47);
    QVERIFY(!runId.isEmpty());
    AppController ctl;
    QVERIFY(login(ctl, u"ann@acme.test"_s));
    ctl.openRun(runId);
    RunDetailPage *detail = ctl.runDetailPage();
    QTRY_COMPARE_WITH_TIMEOUT(detail->model()->run().status, RunState::Succeeded, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(detail->rerunButton()->isEnabled(), 10000);
    QTest::mouseClick(detail->rerunButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(detail->runId() != runId, 20000);
    const QString newId = detail->runId();
    QTRY_COMPARE_WITH_TIMEOUT(detail->model()->run().status, RunState::Succeeded, 30000);
    const auto oldRun = Run::fromJson(m_server->get(u"/runs/"_s + runId, m_token).json());
    const auto newRun = Run::fromJson(m_server->get(u"/runs/"_s + newId, m_token).json());
    QVERIFY(oldRun && newRun);
    QCOMPARE(newRun->crewId, oldRun->crewId);
    QCOMPARE(newRun->toolCalls.size(), 1);
    QCOMPARE(newRun->toolCalls.at(0).params, oldRun->toolCalls.at(0).params);
    QCOMPARE(newRun->toolCalls.at(0).agentId, oldRun->toolCalls.at(0).agentId);
    QCOMPARE(oldRun->timeoutS, std::optional<int>(47));
    QCOMPARE(newRun->timeoutS, std::optional<int>(47));
    QTRY_VERIFY_WITH_TIMEOUT(detail->logView()->text().contains(u"rerun-me"_s), 10000);
}

void TestRuns::logFollowPausesAndResumes()
{
    LogView view;
    view.resize(400, 200);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    for (int i = 0; i < 300; ++i)
        view.appendText(u"line %1"_s.arg(i));
    QScrollBar *sb = view.editor()->verticalScrollBar();
    QVERIFY(view.isFollowing());
    QCOMPARE(sb->value(), sb->maximum());
    // The user scrolls up: following pauses and new lines do not move the view.
    sb->setValue(sb->maximum() / 2);
    QVERIFY(!view.isFollowing());
    QVERIFY(!view.followButton()->isChecked());
    const int held = sb->value();
    view.appendText(u"more"_s);
    QCOMPARE(sb->value(), held);
    // Back at the bottom: following resumes.
    sb->setValue(sb->maximum());
    QVERIFY(view.isFollowing());
    view.appendText(u"tail"_s);
    QCOMPARE(sb->value(), sb->maximum());
    // The button resumes as well.
    sb->setValue(0);
    QVERIFY(!view.isFollowing());
    QTest::mouseClick(view.followButton(), Qt::LeftButton);
    QVERIFY(view.isFollowing());
    QCOMPARE(sb->value(), sb->maximum());
    // Bounded.
    for (int i = 0; i < LogView::MaxBlocks + 100; ++i)
        view.appendText(u"x"_s);
    QCOMPARE(view.editor()->blockCount(), LogView::MaxBlocks);
}

void TestRuns::runsPageListsAndOpensRuns()
{
    const QString runId = startRun({scriptStep(u"echo listed"_s)});
    QVERIFY(!runId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(
        m_server->get(u"/runs/"_s + runId, m_token).json().value(u"status"_s).toString() ==
            RunState::Succeeded,
        30000);
    AppController ctl;
    QVERIFY(login(ctl, u"ann@acme.test"_s));
    RunsPage *page = ctl.runsPage();
    ctl.mainWindow()->showPage(u"runs"_s);
    QTRY_VERIFY_WITH_TIMEOUT(page->isLoaded(), 20000);
    const int total =
        int(m_server->get(u"/runs?limit=200"_s, m_token).json().value(u"items"_s).toArray().size());
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), total, 20000);
    // Filter by status: only succeeded rows.
    auto *status = page->findChild<QComboBox *>(u"statusFilter"_s);
    status->setCurrentIndex(status->findData(RunState::Cancelled));
    QTRY_VERIFY_WITH_TIMEOUT(page->isLoaded() && !page->model()->isLoading(), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(page->model()->hasLoaded(), 20000);
    for (int r = 0; r < page->model()->rowCount(); ++r)
        QCOMPARE(page->model()->index(r, 0).data(client::RunsModel::StatusRole).toString(),
                 RunState::Cancelled);
    status->setCurrentIndex(0);
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), total, 20000);

    // A new run shows up live (its tool_start on the crew's graph stream), at the top.
    QTRY_VERIFY_WITH_TIMEOUT(ctl.streams()->graphSocket(m_crewId) &&
                                 ctl.streams()->graphSocket(m_crewId)->state() ==
                                     client::LiveSocket::State::Live,
                             20000);
    const QString live = startRun({scriptStep(u"sleep 1; echo live"_s)});
    QTRY_VERIFY_WITH_TIMEOUT(page->model()->rowOf(live) >= 0, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(page->model()
                                  ->index(page->model()->rowOf(live), 0)
                                  .data(client::RunsModel::StatusRole)
                                  .toString(),
                              RunState::Succeeded, 30000);
    snap(ctl.mainWindow(), u"runs"_s);

    // Double-click opens the run.
    const QModelIndex src =
        page->model()->index(page->model()->rowOf(runId), client::RunsModel::CrewColumn);
    const QModelIndex idx = page->proxy()->mapFromSource(src);
    page->view()->scrollTo(idx);
    QTRY_VERIFY_WITH_TIMEOUT(
        page->view()->viewport()->rect().intersects(page->view()->visualRect(idx)), 10000);
    const QRect rect = page->view()->visualRect(idx);
    QTest::mouseClick(page->view()->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseDClick(page->view()->viewport(), Qt::LeftButton, {}, rect.center());
    QTRY_COMPARE_WITH_TIMEOUT(ctl.runDetailPage()->runId(), runId, 10000);
    QCOMPARE(ctl.mainWindow()->currentPage(), u"run"_s);

    // The hidden run page keeps "Runs" highlighted; clicking it goes back to the list.
    QListWidget *sidebar = ctl.mainWindow()->sidebar();
    QVERIFY(sidebar->currentItem());
    QCOMPARE(sidebar->currentItem()->data(Qt::UserRole).toString(), u"runs"_s);
    // Reached from another page (dashboard), the run page still highlights Runs.
    ctl.mainWindow()->showPage(u"dashboard"_s);
    QCOMPARE(sidebar->currentItem()->data(Qt::UserRole).toString(), u"dashboard"_s);
    ctl.openRun(runId);
    QCOMPARE(ctl.mainWindow()->currentPage(), u"run"_s);
    QCOMPARE(sidebar->currentItem()->data(Qt::UserRole).toString(), u"runs"_s);
    const QRect runsRect = sidebar->visualItemRect(sidebar->currentItem());
    QTest::mouseClick(sidebar->viewport(), Qt::LeftButton, {}, runsRect.center());
    QTRY_COMPARE_WITH_TIMEOUT(ctl.mainWindow()->currentPage(), u"runs"_s, 10000);
}

QTEST_MAIN(TestRuns)
#include "tst_runs.moc"
