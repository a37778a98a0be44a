// RunsModel against a real in-process server: cursor paging through canFetchMore/fetchMore
// (checked by QAbstractItemModelTester), server-side filters, and live rows.
#include "app/models/runsmodel.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "shared/timeutil.h"
#include "tests/support/apilogin.h"
#include "tests/support/testserver.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::client;

class TestRunsModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void pagesThroughEveryRunOnce();
    void filtersByStatusAndCrew();
    void filtersByDateRange();
    void newRunAppearsAtTheTop();

private:
    bool loadAll(RunsModel &model);
    std::unique_ptr<testsupport::TestServer> m_server;
    AuthSession *m_session = nullptr;
    ApiClient *m_api = nullptr;
    QString m_orgId, m_crewA, m_crewB, m_token;
    QStringList m_expectedIds; // newest first
    int m_failedCount = 0;
    int m_crewBCount = 0;
    qint64 m_baseMs = 0;
    static constexpr int SeedCount = 130;
};

void TestRunsModel::initTestCase()
{
    m_server = std::make_unique<testsupport::TestServer>();
    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    const auto user =
        m_server->createUser(u"Acme"_s, u"ann@acme.test"_s, u"admin"_s, u"password123"_s);
    QVERIFY(!user.id.isEmpty());
    m_orgId = user.orgId;
    m_token = m_server->tokenFor(user);
    auto makeCrew = [this](const QString &name) {
        const auto r = m_server->post(
            u"/crews"_s,
            QJsonObject{
                {u"name"_s, name},
                {u"agents"_s, QJsonArray{QJsonObject{{u"name"_s, u"Ada"_s},
                                                     {u"role"_s, u"dev"_s},
                                                     {u"tools"_s, QJsonArray{u"script"_s}}}}}},
            m_token);
        return r.status == 201 ? r.json().value(u"id"_s).toString() : QString();
    };
    m_crewA = makeCrew(u"Alpha"_s);
    m_crewB = makeCrew(u"Beta"_s);
    QVERIFY(!m_crewA.isEmpty() && !m_crewB.isEmpty());

    // Seeded straight into the store, finished at once: more than two pages of 50.
    server::Store *store = m_server->store();
    const QJsonArray steps{QJsonObject{{u"tool"_s, u"script"_s},
                                       {u"params"_s, QJsonObject{{u"command"_s, u"true"_s}}}}};
    m_baseMs = QDateTime::currentMSecsSinceEpoch() - qint64(SeedCount) * 60000 - 3600000;
    for (int i = 0; i < SeedCount; ++i) {
        const bool onB = i % 4 == 0;
        const qint64 t = m_baseMs + qint64(i) * 60000; // one a minute, oldest first
        const Run run = store->createRun(m_orgId, onB ? m_crewB : m_crewA, steps, 60, t);
        QVERIFY(!run.id.isEmpty());
        store->markRunStarted(run.id, t + 10);
        const bool failed = i % 3 == 0;
        store->markRunFinished(run.id, failed ? RunState::Failed : RunState::Succeeded,
                               t + 1000 + i);
        m_expectedIds.prepend(run.id);
        m_failedCount += failed ? 1 : 0;
        m_crewBCount += onB ? 1 : 0;
    }

    m_session = new AuthSession(this);
    m_api = new ApiClient(m_session, this);
    QVERIFY(testsupport::loginApi(*m_api, *m_server, u"ann@acme.test"_s, u"password123"_s));
}

void TestRunsModel::cleanupTestCase()
{
    if (m_server)
        m_server->stop();
}

// Asks for pages the way a view does until the model has no more; false on a timeout.
bool TestRunsModel::loadAll(RunsModel &model)
{
    if (!QTest::qWaitFor([&] { return model.hasLoaded() && !model.isLoading(); }, 20000))
        return false;
    while (model.canFetchMore({})) {
        const int before = model.rowCount();
        model.fetchMore({});
        if (!QTest::qWaitFor([&] { return !model.isLoading(); }, 20000))
            return false;
        if (model.rowCount() <= before && model.hasMore())
            return false; // no progress: would loop forever
    }
    return true;
}

void TestRunsModel::pagesThroughEveryRunOnce()
{
    RunsModel model(m_api);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPageSize(50);
    QSignalSpy pages(&model, &RunsModel::pageLoaded);
    model.setFilter({});
    QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded() && !model.isLoading(), 20000);
    QCOMPARE(model.rowCount(), 50); // one page, not everything
    QVERIFY(model.canFetchMore({}));
    QVERIFY(loadAll(model));
    QCOMPARE(model.rowCount(), SeedCount);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(pages.size(), 3); // 50 + 50 + 30
    QStringList ids;
    for (int r = 0; r < model.rowCount(); ++r)
        ids.append(model.index(r, 0).data(RunsModel::RunIdRole).toString());
    QCOMPARE(ids, m_expectedIds); // newest first, each once, none missing
    // Cells carry what the server holds.
    const Run *newest = model.runAt(0);
    QVERIFY(newest);
    QCOMPARE(model.index(0, RunsModel::StatusColumn).data(RunsModel::StatusRole).toString(),
             newest->status);
    QCOMPARE(model.index(0, 0).data(RunsModel::DurationMsRole).toLongLong(), *newest->durationMs);
}

void TestRunsModel::filtersByStatusAndCrew()
{
    RunsModel model(m_api);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPageSize(20);
    RunQuery q;
    q.status = RunState::Failed;
    model.setFilter(q);
    QVERIFY(loadAll(model));
    QCOMPARE(model.rowCount(), m_failedCount);
    for (int r = 0; r < model.rowCount(); ++r)
        QCOMPARE(model.index(r, 0).data(RunsModel::StatusRole).toString(), RunState::Failed);

    RunQuery c;
    c.crewId = m_crewB;
    model.setFilter(c); // a reset while the old filter's rows are shown
    QVERIFY(loadAll(model));
    QCOMPARE(model.rowCount(), m_crewBCount);
    for (int r = 0; r < model.rowCount(); ++r)
        QCOMPARE(model.index(r, 0).data(RunsModel::CrewIdRole).toString(), m_crewB);
}

void TestRunsModel::filtersByDateRange()
{
    RunsModel model(m_api);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPageSize(7);
    RunQuery q;
    // Seeded runs 10..19 (created at base + i minutes): from inclusive, to exclusive.
    q.from = fromMs(m_baseMs + 10 * 60000);
    q.to = fromMs(m_baseMs + 20 * 60000);
    model.setFilter(q);
    QVERIFY(loadAll(model));
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.index(0, 0).data(RunsModel::RunIdRole).toString(),
             m_expectedIds.at(SeedCount - 1 - 19));
    QCOMPARE(model.index(9, 0).data(RunsModel::RunIdRole).toString(),
             m_expectedIds.at(SeedCount - 1 - 10));
}

void TestRunsModel::newRunAppearsAtTheTop()
{
    RunsModel model(m_api);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPageSize(10);
    model.setFilter({});
    QTRY_VERIFY_WITH_TIMEOUT(model.hasLoaded() && !model.isLoading(), 20000);
    QCOMPARE(model.rowCount(), 10);

    // A real run, started over REST; its run_status (as a socket would deliver it) brings it in.
    const auto started = m_server->post(
        u"/crews/"_s + m_crewA + u"/runs"_s,
        QJsonObject{{u"steps"_s, QJsonArray{QJsonObject{
                                     {u"tool"_s, u"script"_s},
                                     {u"params"_s, QJsonObject{{u"command"_s, u"echo hi"_s}}}}}}},
        m_token);
    QCOMPARE(started.status, 202);
    const QString runId = started.json().value(u"id"_s).toString();
    model.applyRunStatus(RunStatusEvent{m_crewA, runId, RunState::Running});
    QTRY_VERIFY_WITH_TIMEOUT(model.rowOf(runId) >= 0, 20000);
    QCOMPARE(model.rowOf(runId), 0);
    // (The tester asks for more pages on every insert; let that settle.)
    QTRY_VERIFY_WITH_TIMEOUT(!model.isLoading(), 20000);
    const int rows = model.rowCount();
    QVERIFY(rows >= 11);

    // It ends: the row takes the final status and duration from REST.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_server->get(u"/runs/"_s + runId, m_token).json().value(u"status"_s).toString() ==
            RunState::Succeeded,
        30000);
    model.applyRunStatus(RunStatusEvent{m_crewA, runId, RunState::Succeeded});
    QTRY_VERIFY_WITH_TIMEOUT(model.index(0, 0).data(RunsModel::DurationMsRole).isValid(), 20000);
    QCOMPARE(model.index(0, 0).data(RunsModel::StatusRole).toString(), RunState::Succeeded);
    QCOMPARE(model.rowOf(runId), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!model.isLoading(), 20000);
    int seen = 0;
    for (int r = 0; r < model.rowCount(); ++r)
        seen += model.index(r, 0).data(RunsModel::RunIdRole).toString() == runId ? 1 : 0;
    QCOMPARE(seen, 1); // updated in place, not added twice
    QVERIFY(model.rowCount() >= rows);
}

QTEST_GUILESS_MAIN(TestRunsModel)
#include "tst_runsmodel.moc"
