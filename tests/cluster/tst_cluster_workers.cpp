// Two API nodes and two workers share one PostgreSQL and one Redis. Each worker takes one run
// at a time (--max-concurrent-runs 1), so the first run lands on worker A and the second,
// submitted once A is full, on worker B. Worker A is SIGKILLed mid-run: its run fails exactly
// once (one tool_end "worker lost", one final run_status) while B's run carries on and
// succeeds, and both API nodes tell the same story, live and through REST.
// Everything (the test, its sockets and HTTP clients) runs on the test's main thread; the
// servers, Redis and PostgreSQL are child processes. The binary comes from CREWDECK_SERVER_BIN.
#include "tests/cluster/clusterharness.h"

using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

class TestClusterWorkers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void oneOfTwoWorkersKilled();

private:
    QList<ClusterNode *> nodes() { return {&m_api1, &m_api2, &m_workerA, &m_workerB}; }

    ClusterHarness m_cluster;
    ClusterNode m_api1{u"api1"_s, u"api"_s};
    ClusterNode m_api2{u"api2"_s, u"api"_s};
    ClusterNode m_workerA{u"workerA"_s, u"worker"_s, {u"--max-concurrent-runs"_s, u"1"_s}};
    ClusterNode m_workerB{u"workerB"_s, u"worker"_s, {u"--max-concurrent-runs"_s, u"1"_s}};
};

void TestClusterWorkers::initTestCase()
{
    if (const QString why = ClusterHarness::missing(); !why.isEmpty())
        QSKIP(qPrintable(why));
    QString error;
    QVERIFY2(m_cluster.start(&error), qPrintable(error));
    // Worker B comes later, once worker A holds the first run.
    for (ClusterNode *n : {&m_api1, &m_api2, &m_workerA})
        QVERIFY2(m_cluster.startNode(*n), qPrintable(n->logTail()));
    QVERIFY(m_cluster.login(m_api1.port));
    for (ClusterNode *n : {&m_api1, &m_api2, &m_workerA})
        QTRY_COMPARE_WITH_TIMEOUT(ClusterHarness::readyz(n->port), 200, 30000);
    // One heartbeat period (2 s): every API node has seen the worker announce itself.
    QTest::qWait(2500);
}

void TestClusterWorkers::cleanupTestCase()
{
    const bool failed = QTest::currentTestFailed();
    for (ClusterNode *n : nodes()) {
        if (failed && n->process)
            qWarning().noquote() << "----" << n->name << "log tail ----\n" << n->logTail();
        n->stop();
    }
    m_cluster.pg.reset();
}

void TestClusterWorkers::oneOfTwoWorkersKilled()
{
    const QString crewA = m_cluster.createCrew(m_api1.port, u"Doomed"_s);
    const QString crewB = m_cluster.createCrew(m_api2.port, u"Survivor"_s);
    QVERIFY(!crewA.isEmpty() && !crewB.isEmpty());
    LiveSocket mission1, mission2;
    mission1.open(m_api1.port, u"/ws/mission"_s, m_cluster.token);
    mission2.open(m_api2.port, u"/ws/mission"_s, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(!mission1.ofType(u"snapshot"_s).isEmpty() &&
                                 !mission2.ofType(u"snapshot"_s).isEmpty(),
                             20000);

    // Run A on worker A (the only worker): `exec`, so the tool dies with its worker.
    const QString runA = m_cluster.submitRun(m_api1.port, crewA,
                                             u"echo '::progress 10 started A'; exec sleep 120"_s);
    QVERIFY(!runA.isEmpty());
    LiveSocket watchA1, watchA2;
    watchA1.open(m_api1.port, u"/ws/runs/"_s + runA, m_cluster.token);
    watchA2.open(m_api2.port, u"/ws/runs/"_s + runA, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(watchA1.hasMessage(u"started A"_s), 60000);

    // Worker B joins; worker A is full, so run B (about 30 s of ticks) can only go to B.
    QVERIFY2(m_cluster.startNode(m_workerB), qPrintable(m_workerB.logTail()));
    QTRY_COMPARE_WITH_TIMEOUT(ClusterHarness::readyz(m_workerB.port), 200, 30000);
    const QString runB = m_cluster.submitRun(
        m_api2.port, crewB,
        u"for i in $(seq 1 150); do echo \"::progress $i tick $i\"; sleep 0.2; done"_s);
    QVERIFY(!runB.isEmpty());
    LiveSocket watchB1, watchB2;
    watchB1.open(m_api1.port, u"/ws/runs/"_s + runB, m_cluster.token);
    watchB2.open(m_api2.port, u"/ws/runs/"_s + runB, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(watchB2.hasMessage(u"tick 5"_s), 60000);
    QCOMPARE(m_cluster.runStatus(m_api1.port, runA), u"running"_s);

    m_workerA.process->kill();
    QVERIFY(m_workerA.process->waitForFinished(20000));

    // Run A: failed within 30 s on both API nodes (worker B or an API node settles it).
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.runStatus(m_api1.port, runA), u"failed"_s, 30000);
    QCOMPARE(m_cluster.runStatus(m_api2.port, runA), u"failed"_s);
    QTRY_VERIFY_WITH_TIMEOUT(watchA1.closed && watchA2.closed, 30000);
    const QList<QJsonObject> restA = m_cluster.restEvents(m_api1.port, runA);
    QVERIFY(m_cluster.restEvents(m_api2.port, runA) == restA);
    QVERIFY(strictlyIncreasing(seqsOf(restA)));
    QCOMPARE(eventsOfType(restA, u"tool_start"_s).size(), 1);
    const auto endsA = eventsOfType(restA, u"tool_end"_s);
    QCOMPARE(endsA.size(), 1);
    QCOMPARE(endsA.first().value(u"status"_s).toString(), u"failed"_s);
    QCOMPARE(endsA.first().value(u"message"_s).toString(), u"worker lost"_s);
    QCOMPARE(eventsOfType(restA, u"run_status"_s).size(), 2); // running, failed
    QCOMPARE(restA.last().value(u"type"_s).toString(), u"run_status"_s);
    QCOMPARE(restA.last().value(u"status"_s).toString(), u"failed"_s);
    QVERIFY(watchA1.ofType() == restA);
    QVERIFY(watchA2.ofType() == restA);

    // Run B carried on and succeeded, every tick once, the same on both nodes.
    QVERIFY(!watchB1.closed && !watchB2.closed);
    QTRY_VERIFY_WITH_TIMEOUT(watchB1.closed && watchB2.closed, 60000);
    QCOMPARE(watchB1.closeCode, 1000);
    QCOMPARE(m_cluster.runStatus(m_api1.port, runB), u"succeeded"_s);
    QCOMPARE(m_cluster.runStatus(m_api2.port, runB), u"succeeded"_s);
    const QList<QJsonObject> restB = m_cluster.restEvents(m_api2.port, runB);
    QVERIFY(m_cluster.restEvents(m_api1.port, runB) == restB);
    QCOMPARE(eventsOfType(restB, u"tool_progress"_s).size(), 150);
    QCOMPARE(eventsOfType(restB, u"tool_end"_s).size(), 1);
    QCOMPARE(eventsOfType(restB, u"tool_end"_s).first().value(u"status"_s).toString(),
             u"success"_s);
    QVERIFY(strictlyIncreasing(seqsOf(restB)));
    QVERIFY(watchB1.ofType(u"reset"_s).isEmpty() && watchB2.ofType(u"reset"_s).isEmpty());
    QVERIFY(watchB1.ofType() == restB);
    QVERIFY(watchB2.ofType() == restB);

    // Worker B still serves every crew: none went offline, both end available, and both API
    // nodes' mission streams carried the same signals.
    for (const QString &crew : {crewA, crewB}) {
        QTRY_VERIFY_WITH_TIMEOUT(crewSignals(mission1, crew).endsWith(u"available"_s) &&
                                     crewSignals(mission2, crew) == crewSignals(mission1, crew),
                                 30000);
        QVERIFY2(!crewSignals(mission1, crew).contains(u"offline"_s),
                 qPrintable(crewSignals(mission1, crew).join(u',')));
    }
    QVERIFY(mission1.ofType(u"signal"_s) == mission2.ofType(u"signal"_s));
    QVERIFY(strictlyIncreasing(mission1.eventSeqs()));

    // The lost run is not run again later, and the survivor takes the next run of crew A.
    const QString next = m_cluster.submitRun(m_api2.port, crewA, u"echo '::progress 100 again'"_s);
    QVERIFY(!next.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.runStatus(m_api1.port, next), u"succeeded"_s, 60000);
    QVERIFY(m_cluster.restEvents(m_api2.port, runA) == restA);
}

QTEST_GUILESS_MAIN(TestClusterWorkers)
#include "tst_cluster_workers.moc"
