// Offline start and "Remember me" (issue 17) against a real crewdeck server in this process
// (TestServer on a fixed loopback port across restarts): a live session fills the offline
// cache; started with the server down the app opens from it, marked offline with the time,
// cards greyed and server actions disabled; the server comes back and the same app goes live
// with the cards equal to REST. Remember me with a fake keychain; sign out forgets; headless
// keychains disable the checkbox. CSV injection through the page's export.
#include "app/models/dashboarddata.h"
#include "app/models/offlinecache.h"
#include "app/net/authsession.h"
#include "app/net/livesocket.h"
#include "app/ui/analytics/analyticspage.h"
#include "app/ui/analytics/exportui.h"
#include "app/ui/appcontroller.h"
#include "app/ui/card.h"
#include "app/ui/credentialstore.h"
#include "app/ui/dashboardpage.h"
#include "app/ui/format.h"
#include "app/ui/liveindicator.h"
#include "app/ui/logindialog.h"
#include "app/ui/mainwindow.h"
#include "app/ui/responsivegrid.h"
#include "app/ui/theme.h"
#include "tests/gui/fakekeychain.h"
#include "tests/gui/guitest.h"
#include "tests/support/testserver.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::ui;
using crewdeck::client::LiveSocket;
using crewdeck::testsupport::FakeCredentialStore;

namespace {
const QString Email = u"ann@acme.test"_s;
const QString Password = u"password123"_s;
const QString EvilName = u"=HYPERLINK(\"http://evil.test\",\"x\")"_s;
constexpr int SeededRuns = 6;

void snap(QWidget *w, const QString &name)
{
    const QString dir = qEnvironmentVariable("CREWDECK_SCREENSHOT_DIR");
    if (!dir.isEmpty() && w)
        w->grab().save(dir + u"/crewdeck-"_s + name + u".png"_s);
}

QListWidgetItem *sidebarItem(MainWindow *w, const QString &key)
{
    for (int i = 0; i < w->sidebar()->count(); ++i) {
        if (w->sidebar()->item(i)->data(Qt::UserRole).toString() == key)
            return w->sidebar()->item(i);
    }
    return nullptr;
}

// The dashboard's crew rows (objectName crew_<id>) with the colour of their status dot.
QList<std::pair<QWidget *, QColor>> crewDots(DashboardPage *page)
{
    QList<std::pair<QWidget *, QColor>> out;
    const auto rows = page->findChildren<QWidget *>(QRegularExpression(u"^crew_"_s));
    for (QWidget *row : rows) {
        if (row->isHidden())
            continue; // replaced, deleted later
        const QWidget *dot = row->findChild<QWidget *>(u"crewDot"_s);
        out.append({row, dot ? dot->property("dotColor").value<QColor>() : QColor()});
    }
    return out;
}
} // namespace

class TestOffline : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void noCacheSaysUnreachable();
    void cacheOpensOfflineThenGoesLive();
    void dialogLoginWithServerDownOpensOffline();
    void rememberMeWithFakeKeychainAndSignOutForgets();
    void rememberMeDisabledWithoutKeychain();
    void realKeychainWhereAvailable();
    void runsCsvNeutralisesFormulaCrewNames();
    void exportDialogStartsInDocumentsAndRemembers();

private:
    void prepare(AppController &ctl, FakeCredentialStore *store = nullptr);
    // Starts `ctl` with --email/--password-stdin at the server's URL (also while it is
    // stopped) and waits (20 s) for `ready()`.
    bool startApp(AppController &ctl, const std::function<bool()> &ready);
    bool ensureServer();
    std::unique_ptr<testsupport::TestServer> m_server;
    quint16 m_port = 0;
    QTemporaryDir m_settingsDir;
    QTemporaryDir m_cacheDir;
    QString m_token;
    QUrl m_url; // the server's, also while it is stopped
    FakeCredentialStore m_noKeychain;
};

void TestOffline::initTestCase()
{
    qunsetenv("CREWDECK_API_URL");
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"CrewDeckTest"_s);
    QCoreApplication::setApplicationName(u"tst_offline"_s);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    m_noKeychain.reason = u"No keychain in this test."_s;

    testsupport::TestServer::Options o;
    o.configure = [this](server::ServerConfig &c) {
        c.listenPort = m_port; // 0 the first time; the same port after a restart
        c.wsHeartbeatSeconds = 2;
    };
    m_server = std::make_unique<testsupport::TestServer>(o);
    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    m_port = m_server->port();
    m_url = m_server->baseUrl();
    const auto user = m_server->createUser(u"Acme"_s, Email, u"admin"_s, Password);
    QVERIFY(!user.id.isEmpty());
    m_token = m_server->login(Email, Password);
    const QString crewId = m_server->createCrew(m_token, EvilName);
    QVERIFY(!crewId.isEmpty());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < SeededRuns; ++i) {
        const qint64 created = now - (i + 1) * 600000;
        const Run run =
            m_server->seedRun(user.orgId, crewId,
                              {.createdMs = created,
                               .startedMs = created + 100,
                               .finishedMs = created + 900,
                               .state = i % 2 ? RunState::Failed : RunState::Succeeded});
        QVERIFY(!run.id.isEmpty());
    }
}

void TestOffline::cleanupTestCase()
{
    if (m_server)
        m_server->stop();
}

void TestOffline::init()
{
    QSettings().clear();
    QVERIFY(ensureServer());
}

bool TestOffline::ensureServer()
{
    if (m_server->app() && m_server->app()->isRunning())
        return true;
    QString err;
    if (!m_server->start(&err))
        qWarning() << err;
    return m_server->app() && m_server->app()->isRunning() && m_server->port() == m_port;
}

void TestOffline::prepare(AppController &ctl, FakeCredentialStore *store)
{
    ctl.offlineMode()->setCacheDirectory(m_cacheDir.path());
    ctl.setCredentialStore(store ? store : &m_noKeychain);
    ctl.setBackoff(100, 800);
}

bool TestOffline::startApp(AppController &ctl, const std::function<bool()> &ready)
{
    LaunchOptions o;
    o.serverUrl = m_url.toString();
    o.email = Email;
    o.password = Password;
    ctl.start(o);
    return QTest::qWaitFor(ready, 20000);
}

void TestOffline::noCacheSaysUnreachable()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 dead = probe.serverPort();
    probe.close();
    AppController ctl;
    prepare(ctl);
    QSignalSpy failed(&ctl, &AppController::loginFailed);
    LaunchOptions o;
    o.serverUrl = u"http://127.0.0.1:%1"_s.arg(dead);
    o.email = Email;
    o.password = Password;
    ctl.start(o);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 20000);
    QVERIFY(!ctl.isOffline());
    QVERIFY(!ctl.mainWindow());
    QVERIFY(ctl.loginDialog() && ctl.loginDialog()->isVisible());
    QVERIFY2(ctl.loginDialog()->errorText().contains(u"connection was refused"_s),
             qPrintable(ctl.loginDialog()->errorText()));
}

void TestOffline::cacheOpensOfflineThenGoesLive()
{
    const QUrl url = m_url;
    client::OfflineCache cache(m_cacheDir.path());
    cache.remove(url, Email);
    // 1. A live session: what it shows goes into the cache (written at the latest when the
    //    session is torn down).
    {
        AppController ctl;
        prepare(ctl);
        QVERIFY(startApp(ctl, [&] {
            return ctl.isDashboardLive() && ctl.dashboard()->isSettled() &&
                   ctl.analyticsPage()->isLoaded();
        }));
        const int loads = ctl.analyticsPage()->data()->loadCount();
        QVERIFY(ctl.analyticsPage()->setPreset(u"30d"_s));
        QTRY_VERIFY_WITH_TIMEOUT(ctl.analyticsPage()->data()->loadCount() > loads, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(ctl.missionSocket()->hasResumePoint(), 20000);
    }
    QString err;
    const auto cached = cache.load(url, Email, &err);
    QVERIFY2(cached, qPrintable(err));
    QVERIFY(cached->stats && cached->tokens && cached->rentals && cached->crews);
    QCOMPARE(cached->stats->totalRuns, qint64(SeededRuns));
    QCOMPARE(cached->analyticsRange->preset, u"30d"_s);
    QCOMPARE(cached->analytics.size(), 5);
    QVERIFY(cached->missionSeq);
    QVERIFY(QFile::exists(cache.fileFor(url, Email)));

    // The newest recent run as the cache would hold it mid-run.
    {
        client::CachedState st = *cached;
        QVERIFY(st.stats && !st.stats->recentRuns.isEmpty());
        st.stats->recentRuns.first().status = RunState::Running;
        QVERIFY2(cache.save(url, Email, st, &err), qPrintable(err));
    }
    const QString runningId = cached->stats->recentRuns.first().id;

    // 2. The server is down: the app opens from the cache, marked offline.
    m_server->stop();
    AppController ctl;
    prepare(ctl);
    QSignalSpy failed(&ctl, &AppController::loginFailed);
    QSignalSpy offline(&ctl, &AppController::dashboardOffline);
    QVERIFY(startApp(ctl, [&] { return ctl.isOffline() && ctl.mainWindow(); }));
    QCOMPARE(offline.size(), 1);
    QCOMPARE(failed.size(), 0);
    QVERIFY(!ctl.loginDialog() || !ctl.loginDialog()->isVisible());
    MainWindow *w = ctl.mainWindow();
    w->resize(1400, 1000);
    QCOMPARE(ctl.offlineSince(), cached->savedAt);
    const QString hhmm =
        QLocale().toString(cached->savedAt.toLocalTime().time(), QLocale::ShortFormat);
    QVERIFY2(w->offlineNotice().startsWith(u"Offline \u2014 last updated "_s + hhmm),
             qPrintable(w->offlineNotice()));
    QTRY_VERIFY_WITH_TIMEOUT(w->offlineNotice().contains(u"retrying in"_s), 5000);
    QCOMPARE(w->liveIndicator()->mode(), LiveIndicator::Mode::Offline);
    QVERIFY(w->findChild<QLabel *>(u"userLabel"_s)->text() == Email);
    // The cached values, greyed; nothing that needs the server can be clicked.
    DashboardPage *page = w->dashboardPage();
    QVERIFY(page->isOffline());
    QVERIFY(!page->grid()->isEnabled());
    QVERIFY(!page->card(u"total_runs"_s)->isEnabled());
    QCOMPARE(page->statCard(u"total_runs"_s)->value(), formatCount(cached->stats->totalRuns));
    QCOMPARE(ctl.dashboard()->crewsModel()->rowCount(), cached->crews->size());
    QVERIFY(page->bannerText().isEmpty()); // the window's notice says it once
    // Crew statuses are only the last known ones: neutral dots, never a live green, and the
    // cached status in the tooltip.
    const auto offlineDots = crewDots(page);
    QCOMPARE(offlineDots.size(), cached->crews->size());
    for (const auto &[row, color] : offlineDots) {
        const QString status = row->property("crewStatus").toString();
        QVERIFY(color.isValid());
        for (const QString &s : {CrewStatus::Available, CrewStatus::Busy, CrewStatus::Offline})
            QVERIFY2(color != crewStatusColor(s), qPrintable(row->objectName()));
        QCOMPARE(row->toolTip(), u"Last known: "_s + crewStatusText(status));
    }
    // So is a run that was running; finished runs keep their colours (they are facts).
    {
        const auto *button = page->findChild<QPushButton *>(u"run_"_s + runningId);
        QVERIFY(button && !button->isHidden());
        const QColor dot =
            button->findChild<QWidget *>(u"runDot"_s)->property("dotColor").value<QColor>();
        QVERIFY(dot != runStatusColor(RunState::Running));
        QCOMPARE(button->toolTip(), u"Last known: Running"_s);
        int finished = 0;
        for (const Run &r : cached->stats->recentRuns.mid(1)) {
            const auto *b = page->findChild<QPushButton *>(u"run_"_s + r.id);
            if (!b || b->isHidden())
                continue; // the card shows the newest few
            ++finished;
            QCOMPARE(b->findChild<QWidget *>(u"runDot"_s)->property("dotColor").value<QColor>(),
                     runStatusColor(r.status));
        }
        QVERIFY(finished > 0);
    }
    for (const QString &key : {u"runs"_s, u"crews"_s, u"graph"_s}) {
        QListWidgetItem *item = sidebarItem(w, key);
        QVERIFY2(item, qPrintable(key));
        QVERIFY(!(item->flags() & Qt::ItemIsEnabled));
        QCOMPARE(item->toolTip(), u"Needs a connection to the server."_s);
        QVERIFY(!w->showPage(key));
    }
    AnalyticsPage *analytics = ctl.analyticsPage();
    QVERIFY(analytics->isOffline());
    QVERIFY(analytics->isLoaded());
    QCOMPARE(analytics->range().preset, u"30d"_s);
    QVERIFY(!analytics->presetBox()->isEnabled());
    QCOMPARE(analytics->data()->series(u"runs"_s).toJson(),
             cached->analytics.value(u"runs"_s).toJson());
    QTest::qWait(300); // the last layout pass before the picture
    snap(w, u"dashboard-offline"_s);
    QVERIFY(w->showPage(u"analytics"_s));
    snap(w, u"analytics-offline"_s);
    QVERIFY(w->showPage(u"dashboard"_s));
    QVERIFY(ctl.offlineMode()->attempts() >= 1 ||
            QTest::qWaitFor([&] { return ctl.offlineMode()->attempts() >= 1; }, 5000));

    // 3. Meanwhile the server comes back with something new; the same app goes live.
    QVERIFY(ensureServer());
    const auto beta = m_server->post(
        u"/crews"_s,
        QJsonObject{{u"name"_s, u"Beta crew"_s},
                    {u"agents"_s, QJsonArray{QJsonObject{{u"name"_s, u"Bob"_s},
                                                         {u"role"_s, u"tester"_s},
                                                         {u"tools"_s, QJsonArray{u"pytest"_s}}}}}},
        m_token);
    QCOMPARE(beta.status, 201);
    QTRY_VERIFY_WITH_TIMEOUT(ctl.isDashboardLive() && ctl.dashboard()->isSettled(), 30000);
    QCOMPARE(failed.size(), 0);
    QVERIFY(!ctl.isOffline());
    w = ctl.mainWindow();
    QVERIFY(w && w->isVisible());
    QVERIFY(w->offlineNotice().isEmpty());
    QCOMPARE(w->currentPage(), u"dashboard"_s);
    QTRY_COMPARE_WITH_TIMEOUT(w->liveIndicator()->mode(), LiveIndicator::Mode::Live, 20000);
    page = w->dashboardPage();
    QVERIFY(!page->isOffline());
    QVERIFY(page->grid()->isEnabled());
    QVERIFY(sidebarItem(w, u"runs"_s)->flags() & Qt::ItemIsEnabled);
    // The cards are REST's, not the cache's.
    const auto stats =
        DashboardStats::fromJson(m_server->get(u"/dashboard/stats"_s, m_token).json());
    QVERIFY(stats);
    QCOMPARE(page->statCard(u"total_runs"_s)->value(), formatCount(stats->totalRuns));
    QCOMPARE(page->statCard(u"tokens"_s)->value(), formatCount(stats->totalTokens));
    const auto crews = m_server->get(u"/crews"_s, m_token).jsonArray();
    QTRY_COMPARE_WITH_TIMEOUT(ctl.dashboard()->crewsModel()->rowCount(), int(crews.size()), 10000);
    QCOMPARE(int(crews.size()), cached->crews->size() + 1);
    // Live again: the dots are the statuses' colours, no "last known".
    QTRY_COMPARE_WITH_TIMEOUT(crewDots(page).size(), int(crews.size()), 10000);
    for (const auto &[row, color] : crewDots(page)) {
        QCOMPARE(color, crewStatusColor(row->property("crewStatus").toString()));
        QVERIFY(row->toolTip().isEmpty());
    }
    QVERIFY(!ctl.analyticsPage()->isOffline());
    QCOMPARE(ctl.analyticsPage()->range().preset, u"30d"_s); // the range it showed, refreshed
    snap(w, u"dashboard-back-live"_s);
}

void TestOffline::dialogLoginWithServerDownOpensOffline()
{
    const QUrl url = m_url;
    client::OfflineCache cache(m_cacheDir.path());
    {
        AppController ctl;
        prepare(ctl);
        QVERIFY(
            startApp(ctl, [&] { return ctl.isDashboardLive() && ctl.dashboard()->isSettled(); }));
    }
    QVERIFY(cache.load(url, Email));
    m_server->stop();
    AppController ctl;
    prepare(ctl);
    ctl.start();
    LoginDialog *dlg = ctl.loginDialog();
    QVERIFY(dlg);
    dlg->setServerUrl(url.toString());
    dlg->setEmail(Email.toUpper()); // the same account
    dlg->setPassword(Password);
    dlg->submit();
    QTRY_VERIFY_WITH_TIMEOUT(ctl.isOffline() && ctl.mainWindow(), 20000);
    QVERIFY(!dlg->isVisible());
    QVERIFY(ensureServer());
    QTRY_VERIFY_WITH_TIMEOUT(ctl.isDashboardLive(), 30000);
    QVERIFY(!ctl.isOffline());
}

void TestOffline::rememberMeWithFakeKeychainAndSignOutForgets()
{
    FakeCredentialStore store;
    const QUrl url = m_url;
    const QString key = CredentialStore::keyFor(url, Email);
    {
        AppController ctl;
        prepare(ctl, &store);
        ctl.start();
        LoginDialog *dlg = ctl.loginDialog();
        QVERIFY(dlg);
        QCheckBox *remember = dlg->rememberCheck();
        QVERIFY(remember->isEnabled());
        QVERIFY(!remember->isChecked()); // opt-in
        dlg->setServerUrl(url.toString());
        dlg->setEmail(Email);
        dlg->setPassword(Password);
        remember->setChecked(true);
        QTest::mouseClick(dlg->findChild<QPushButton *>(u"loginButton"_s), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(ctl.mainWindow() != nullptr, 20000);
        QCOMPARE(store.secrets.value(key), Password);
    }
    // Never in QSettings: not under any key, not in the file.
    {
        QSettings s;
        for (const QString &k : s.allKeys())
            QVERIFY2(!s.value(k).toString().contains(Password), qPrintable(k));
        s.sync();
        QFile f(s.fileName());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().contains(Password.toUtf8()));
        QCOMPARE(s.value(u"login/remember"_s).toBool(), true);
    }
    // The next start logs in with it, no dialog.
    {
        AppController ctl;
        prepare(ctl, &store);
        QSignalSpy shown(&ctl, &AppController::loginShown);
        ctl.start();
        QTRY_VERIFY_WITH_TIMEOUT(ctl.isDashboardLive(), 20000);
        QCOMPARE(shown.size(), 0);
        QVERIFY(store.reads >= 1);
        // Sign out forgets it (and this account's offline cache).
        QTest::mouseClick(ctl.mainWindow()->findChild<QToolButton *>(u"logoutButton"_s),
                          Qt::LeftButton);
        QTRY_VERIFY(ctl.mainWindow() == nullptr);
        QVERIFY(!store.secrets.contains(key));
        QVERIFY(!client::OfflineCache(m_cacheDir.path()).load(url, Email));
        QVERIFY(ctl.loginDialog()->isVisible());
        QVERIFY(!ctl.loginDialog()->rememberCheck()->isChecked());
    }
    QCOMPARE(QSettings().value(u"login/remember"_s).toBool(), false);
    // And the start after that asks again.
    {
        AppController ctl;
        prepare(ctl, &store);
        QSignalSpy shown(&ctl, &AppController::loginShown);
        ctl.start();
        QTRY_COMPARE(shown.size(), 1);
        QVERIFY(!ctl.mainWindow());
    }
}

void TestOffline::rememberMeDisabledWithoutKeychain()
{
    AppController ctl;
    prepare(ctl, &m_noKeychain);
    ctl.start();
    QCheckBox *remember = ctl.loginDialog()->rememberCheck();
    QVERIFY(!remember->isEnabled());
    QCOMPARE(remember->toolTip(), m_noKeychain.reason);
    // A remembered flag from an earlier desktop session does not make it try either.
    QSettings().setValue(u"login/remember"_s, true);
    AppController again;
    prepare(again, &m_noKeychain);
    QSignalSpy shown(&again, &AppController::loginShown);
    again.start();
    QCOMPARE(shown.size(), 1);
}

void TestOffline::realKeychainWhereAvailable()
{
    KeychainStore real;
    if (!real.isAvailable()) {
        // Headless (this CI): the dialog says why instead of offering it.
        QVERIFY(!real.unavailableReason().isEmpty());
        LoginDialog dlg(nullptr, &real);
        QVERIFY(!dlg.rememberCheck()->isEnabled());
        QCOMPARE(dlg.rememberCheck()->toolTip(), real.unavailableReason());
        QSKIP("no Secret Service / KWallet here; the round trip runs where one is");
    }
    const QString key = u"crewdeck-test "_s + QString::number(QDateTime::currentMSecsSinceEpoch());
    bool wrote = false;
    real.write(key, u"s3cret"_s, this, [&](bool ok, const QString &) { wrote = ok; });
    QTRY_VERIFY_WITH_TIMEOUT(wrote, 10000);
    std::optional<QString> back;
    bool answered = false;
    real.read(key, this, [&](std::optional<QString> v) {
        back = v;
        answered = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(answered, 10000);
    QCOMPARE(back.value_or(QString()), u"s3cret"_s);
    real.remove(key);
    answered = false;
    real.read(key, this, [&](std::optional<QString> v) {
        back = v;
        answered = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(answered, 10000);
    QVERIFY(!back);
}

void TestOffline::runsCsvNeutralisesFormulaCrewNames()
{
    AppController ctl;
    prepare(ctl);
    QVERIFY(startApp(ctl, [&] { return ctl.analyticsPage() && ctl.analyticsPage()->isLoaded(); }));
    QTemporaryDir out;
    const QString file = out.filePath(u"runs.csv"_s);
    bool finished = false, ok = false;
    QString message;
    ctl.analyticsPage()->exportRunsCsv(file, [&](bool o, const QString &m) {
        finished = true;
        ok = o;
        message = m;
    });
    QTRY_VERIFY_WITH_TIMEOUT(finished, 20000);
    QVERIFY2(ok, qPrintable(message));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QCOMPARE(bytes.count("\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\""),
             qsizetype(SeededRuns));
    QVERIFY(!bytes.contains(",=HYPERLINK") && !bytes.contains(",\"=HYPERLINK"));
}

void TestOffline::exportDialogStartsInDocumentsAndRemembers()
{
    // Test mode: Documents is a directory of this test, created here.
    const QString docs = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    QVERIFY(!docs.isEmpty());
    QVERIFY(QDir().mkpath(docs));
    QCOMPARE(ExportUi::initialFolder(), docs);
    QVERIFY(QDir::currentPath() != docs);
    QTemporaryDir other;
    ExportUi::rememberFolder(other.filePath(u"report.pdf"_s));
    QCOMPARE(ExportUi::initialFolder(), QDir(other.path()).absolutePath());
    // A remembered folder that is gone: back to Documents.
    const QString gone = other.path();
    other.remove();
    QVERIFY(!QFileInfo::exists(gone));
    QCOMPARE(ExportUi::initialFolder(), docs);
}

QTEST_MAIN(TestOffline)
#include "tst_offline.moc"
