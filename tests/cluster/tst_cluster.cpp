// Scale-out: several crewdeck-server processes share one PostgreSQL and one Redis. node1 and
// node2 are API nodes, node3 (later node4) the worker. Clients on one node watch runs submitted
// on another and executed on a third; then the worker is SIGKILLed mid-run, and Redis is
// SIGKILLed for 10 s mid-run. Finally the cross-node print -> receive latency is measured.
// Everything (the test, its sockets and its HTTP client) runs on the test's main thread; the
// servers, Redis and PostgreSQL are child processes. The binary comes from CREWDECK_SERVER_BIN.
#include "tests/cluster/clusterharness.h"

#include <QFileInfo>
#include <algorithm>
#include <chrono>

using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

namespace {

QList<QJsonObject> onlyRun(const QList<QJsonObject> &events, const QString &runId)
{
    QList<QJsonObject> out;
    for (const auto &e : events) {
        if (e.value(u"run_id"_s).toString() == runId)
            out.append(e);
    }
    return out;
}

// The statuses the mission stream reported for one crew, in order.
QStringList signalsFor(const LiveSocket &mission, const QString &crewId)
{
    QStringList out;
    for (const auto &e : mission.ofType(u"signal"_s)) {
        if (e.value(u"crew_id"_s).toString() == crewId)
            out.append(e.value(u"status"_s).toString());
    }
    return out;
}

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

class TestCluster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void crossNodeRun();
    void snapshotsAgreeAcrossNodes();
    void workerKilledMidRun();
    void redisOutageMidRun();
    void crossNodeLatency();

private:
    // The current worker node (node3, or node4 once node3 was killed).
    ClusterNode &worker() { return m_worker4 && m_worker4->process ? *m_worker4 : m_node3; }
    void dumpLogs();

    ClusterHarness m_cluster;
    ClusterNode m_node1{u"node1"_s, u"api"_s};
    ClusterNode m_node2{u"node2"_s, u"api"_s};
    ClusterNode m_node3{u"node3"_s, u"worker"_s};
    std::unique_ptr<ClusterNode> m_worker4;
};

void TestCluster::initTestCase()
{
    if (const QString why = ClusterHarness::missing(); !why.isEmpty())
        QSKIP(qPrintable(why));
    QString error;
    QVERIFY2(m_cluster.start(&error), qPrintable(error));
    for (ClusterNode *node : {&m_node1, &m_node2, &m_node3})
        QVERIFY2(m_cluster.startNode(*node), qPrintable(node->logTail()));
    QVERIFY(m_cluster.login(m_node1.port));
    // The token of node1 works on node2 (same secret), and every node is ready.
    HttpClient http2(ClusterHarness::url(m_node2.port));
    QCOMPARE(http2.get(u"/crews"_s, m_cluster.token).status, 200);
    for (const ClusterNode *n : {&m_node1, &m_node2, &m_node3})
        QTRY_COMPARE_WITH_TIMEOUT(ClusterHarness::readyz(n->port), 200, 30000);
    // One heartbeat period (2 s) so that every API node has seen the worker announce itself.
    QTest::qWait(2500);
}

void TestCluster::cleanupTestCase()
{
    for (ClusterNode *n : {&m_node1, &m_node2, &m_node3, m_worker4.get()}) {
        if (n)
            n->stop();
    }
    if (QTest::currentTestFailed())
        dumpLogs();
    m_cluster.pg.reset();
}

void TestCluster::dumpLogs()
{
    for (const ClusterNode *n : {&m_node1, &m_node2, &m_node3, m_worker4.get()}) {
        if (n && n->process)
            qWarning().noquote() << "----" << n->name << "log tail ----\n" << n->logTail();
    }
}

// a. Watchers on node1, submission on node2, execution on the worker.
void TestCluster::crossNodeRun()
{
    const QString crew = m_cluster.createCrew(m_node2.port, u"Cross"_s);
    QVERIFY(!crew.isEmpty());

    LiveSocket mission, graph;
    mission.open(m_node1.port, u"/ws/mission"_s, m_cluster.token);
    graph.open(m_node1.port, u"/ws/graph?crew_id="_s + crew, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(mission.connected && graph.connected, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(!mission.ofType(u"snapshot"_s).isEmpty(), 20000);

    const QString runId =
        m_cluster.submitRun(m_node2.port, crew,
                            u"echo '::progress 10 one'; sleep 0.3; echo plain output; "
                            "echo '::progress 50 two'; sleep 0.3; echo '::progress 90 three'"_s);
    QVERIFY(!runId.isEmpty());
    LiveSocket run;
    run.open(m_node1.port, u"/ws/runs/"_s + runId, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(run.closed, 60000);
    QCOMPARE(run.closeCode, 1000);
    QCOMPARE(m_cluster.runStatus(m_node1.port, runId), u"succeeded"_s);
    QTRY_VERIFY_WITH_TIMEOUT(graph.has(u"tool_end"_s), 30000);

    const QList<QJsonObject> rest1 = m_cluster.restEvents(m_node1.port, runId);
    const QList<QJsonObject> rest2 = m_cluster.restEvents(m_node2.port, runId);
    QVERIFY(!rest1.isEmpty());
    QVERIFY(rest1 == rest2);
    QVERIFY(strictlyIncreasing(seqsOf(rest1)));
    // Three ::progress lines (with a percentage); the plain line is an output-only progress.
    qsizetype withPercent = 0;
    for (const auto &e : eventsOfType(rest1, u"tool_progress"_s))
        withPercent += e.value(u"progress"_s).isDouble() ? 1 : 0;
    QCOMPARE(withPercent, 3);
    QCOMPARE(eventsOfType(rest1, u"tool_start"_s).size(), 1);
    QCOMPARE(rest1.last().value(u"status"_s).toString(), u"succeeded"_s);

    // The run socket (opened after the submission) got exactly the run's events.
    QVERIFY(run.ofType(u"reset"_s).isEmpty());
    QVERIFY(run.ofType() == rest1);

    // The graph socket (open before the run, on another node than the worker) got every
    // tool event live, in order, exactly as stored.
    QList<QJsonObject> toolEvents;
    for (const auto &e : rest1) {
        if (e.value(u"type"_s).toString().startsWith(u"tool_"_s))
            toolEvents.append(e);
    }
    QTRY_COMPARE_WITH_TIMEOUT(onlyRun(graph.ofType(), runId).size(), toolEvents.size(), 20000);
    QVERIFY(strictlyIncreasing(graph.eventSeqs()));
    QVERIFY(onlyRun(graph.ofType(), runId) == toolEvents);

    // Mission: the crew went busy, then available again.
    QTRY_VERIFY_WITH_TIMEOUT(signalsFor(mission, crew).contains(u"available"_s) &&
                                 signalsFor(mission, crew).lastIndexOf(u"available"_s) >
                                     signalsFor(mission, crew).indexOf(u"busy"_s) &&
                                 signalsFor(mission, crew).contains(u"busy"_s),
                             30000);
    QVERIFY(strictlyIncreasing(mission.eventSeqs()));
    QVERIFY2(!signalsFor(mission, crew).contains(u"offline"_s),
             qPrintable(signalsFor(mission, crew).join(u',')));
}

// A crew created through node 1 is `available` in node 2's mission snapshot (the status is the
// store's, written once by compare-and-set, not each node's memory), and both nodes' snapshots
// list the same statuses.
void TestCluster::snapshotsAgreeAcrossNodes()
{
    const QString crew = m_cluster.createCrew(m_node1.port, u"Everywhere"_s);
    QVERIFY(!crew.isEmpty());
    auto statusIn = [&](quint16 port) {
        LiveSocket m;
        m.open(port, u"/ws/mission"_s, m_cluster.token);
        if (!QTest::qWaitFor([&] { return !m.ofType(u"snapshot"_s).isEmpty(); }, 20000))
            return QString();
        for (const QJsonValue &c : m.ofType(u"snapshot"_s).first().value(u"crews"_s).toArray()) {
            if (c.toObject().value(u"crew_id"_s).toString() == crew)
                return c.toObject().value(u"status"_s).toString();
        }
        return u"missing"_s;
    };
    QTRY_COMPARE_WITH_TIMEOUT(statusIn(m_node2.port), u"available"_s, 20000);
    QCOMPARE(statusIn(m_node1.port), u"available"_s);
}

// b. SIGKILL the only worker mid-run. Its lease (the heartbeat) expires and the API nodes
// settle the run themselves: failed ("worker lost") once, on both nodes, within 30 s, and the
// crews go offline everywhere. A new worker (node4) brings them back and runs the next run.
void TestCluster::workerKilledMidRun()
{
    const QString crew = m_cluster.createCrew(m_node1.port, u"Doomed"_s);
    QVERIFY(!crew.isEmpty());
    LiveSocket mission;
    mission.open(m_node1.port, u"/ws/mission"_s, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(!mission.ofType(u"snapshot"_s).isEmpty(), 20000);

    // `exec`: sleep is the tool process itself, so the worker's death takes it along.
    const QString runId =
        m_cluster.submitRun(m_node2.port, crew, u"echo '::progress 10 started'; exec sleep 120"_s);
    QVERIFY(!runId.isEmpty());
    LiveSocket watch;
    watch.open(m_node2.port, u"/ws/runs/"_s + runId, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(watch.hasMessage(u"started"_s), 60000);
    QCOMPARE(m_cluster.runStatus(m_node1.port, runId), u"running"_s);
    QTRY_VERIFY_WITH_TIMEOUT(signalsFor(mission, crew).contains(u"busy"_s), 30000);

    ClusterNode &dead = worker();
    dead.process->kill();
    QVERIFY(dead.process->waitForFinished(20000));

    // Within 30 s on both API nodes, with nobody else alive to do it.
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.runStatus(m_node1.port, runId), u"failed"_s, 30000);
    QCOMPARE(m_cluster.runStatus(m_node2.port, runId), u"failed"_s);
    QTRY_VERIFY_WITH_TIMEOUT(signalsFor(mission, crew).endsWith(u"offline"_s), 30000);
    QCOMPARE(ClusterHarness::readyz(m_node1.port), 200); // the API node itself is fine
    LiveSocket mission2;
    mission2.open(m_node2.port, u"/ws/mission"_s, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(!mission2.ofType(u"snapshot"_s).isEmpty(), 20000);
    for (const QJsonValue &c : mission2.ofType(u"snapshot"_s).first().value(u"crews"_s).toArray())
        QCOMPARE(c.toObject().value(u"status"_s).toString(), u"offline"_s);

    QTRY_VERIFY_WITH_TIMEOUT(watch.closed, 30000);
    QCOMPARE(watch.closeCode, 1000);
    const QList<QJsonObject> rest = m_cluster.restEvents(m_node1.port, runId);
    QVERIFY(watch.ofType() == rest);
    QVERIFY(strictlyIncreasing(seqsOf(rest)));
    // Ran once and ended once: one tool_start, one "started" progress, one tool_end
    // ("worker lost"), one final run_status, whichever node saw the lease expire first.
    QCOMPARE(eventsOfType(rest, u"tool_start"_s).size(), 1);
    QCOMPARE(eventsOfType(rest, u"tool_progress"_s).size(), 1);
    const auto ends = eventsOfType(rest, u"tool_end"_s);
    QCOMPARE(ends.size(), 1);
    QCOMPARE(ends.first().value(u"status"_s).toString(), u"failed"_s);
    QCOMPARE(ends.first().value(u"message"_s).toString(), u"worker lost"_s);
    QCOMPARE(rest.last().value(u"type"_s).toString(), u"run_status"_s);
    QCOMPARE(rest.last().value(u"status"_s).toString(), u"failed"_s);
    QCOMPARE(eventsOfType(rest, u"run_status"_s).size(), 2); // running, failed
    // One offline signal for the crew, not one per node.
    QCOMPARE(signalsFor(mission, crew).count(u"offline"_s), 1);

    // A new worker: the crews are served again, and the next run succeeds.
    m_worker4 = std::make_unique<ClusterNode>(ClusterNode{u"node4"_s, u"worker"_s});
    QVERIFY2(m_cluster.startNode(*m_worker4), qPrintable(m_worker4->logTail()));
    QTRY_VERIFY_WITH_TIMEOUT(signalsFor(mission, crew).endsWith(u"available"_s), 30000);
    const QString next = m_cluster.submitRun(m_node1.port, crew, u"echo '::progress 100 again'"_s);
    QVERIFY(!next.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.runStatus(m_node2.port, next), u"succeeded"_s, 60000);
    // Nothing ran the lost run a second time later on.
    QTest::qWait(3000);
    QVERIFY(m_cluster.restEvents(m_node2.port, runId) == rest);
    QVERIFY(strictlyIncreasing(mission.eventSeqs()));
}

// c. Redis SIGKILLed for 10 s mid-run: the nodes keep serving from the store; live clients
// miss nothing and get nothing twice; a client that resumes on the other node gets the rest.
void TestCluster::redisOutageMidRun()
{
    QVERIFY(worker().process && worker().process->state() == QProcess::Running);
    const QString crew = m_cluster.createCrew(m_node1.port, u"Weather"_s);
    QVERIFY(!crew.isEmpty());
    LiveSocket mission;
    mission.open(m_node1.port, u"/ws/mission"_s, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(!mission.ofType(u"snapshot"_s).isEmpty(), 20000);

    // About 20 s of ::progress every 200 ms.
    const QString runId = m_cluster.submitRun(
        m_node2.port, crew,
        u"for i in $(seq 1 100); do echo \"::progress $i tick $i\"; sleep 0.2; done"_s);
    QVERIFY(!runId.isEmpty());
    LiveSocket on1, on2, leaver;
    on1.open(m_node1.port, u"/ws/runs/"_s + runId, m_cluster.token);
    on2.open(m_node2.port, u"/ws/runs/"_s + runId, m_cluster.token);
    leaver.open(m_node2.port, u"/ws/runs/"_s + runId, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(on1.hasMessage(u"tick 5"_s) && on2.hasMessage(u"tick 5"_s) &&
                                 leaver.hasMessage(u"tick 5"_s),
                             60000);

    m_cluster.redis.kill();
    QTRY_COMPARE_WITH_TIMEOUT(ClusterHarness::readyz(m_node1.port), 503, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(ClusterHarness::readyz(m_node2.port), 503, 20000);
    // Both clients keep receiving while Redis is away (the nodes poll the store).
    const qsizetype n1 = on1.ofType(u"tool_progress"_s).size();
    const qsizetype n2 = on2.ofType(u"tool_progress"_s).size();
    QTRY_VERIFY_WITH_TIMEOUT(on1.ofType(u"tool_progress"_s).size() > n1 + 3, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(on2.ofType(u"tool_progress"_s).size() > n2 + 3, 10000);
    QVERIFY(!on1.closed && !on2.closed);

    // One client leaves during the outage and comes back on the other node.
    const QList<QJsonObject> leaverPart1 = leaver.ofType();
    const qint64 leaverLast = leaver.lastEventSeq();
    leaver.ws.abort();
    QVERIFY(leaverLast > 0);
    QTest::qWait(1000);
    LiveSocket resumed;
    resumed.open(m_node1.port, u"/ws/runs/%1?since=%2"_s.arg(runId).arg(leaverLast),
                 m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(resumed.connected, 20000);

    QTest::qWait(6000); // about 10 s without Redis in all
    QVERIFY(!worker().process || worker().process->state() == QProcess::Running);
    QVERIFY2(m_cluster.redis.start(), qPrintable(m_cluster.redis.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(ClusterHarness::readyz(m_node1.port), 200, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(ClusterHarness::readyz(m_node2.port), 200, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(ClusterHarness::readyz(worker().port), 200, 30000);

    QTRY_VERIFY_WITH_TIMEOUT(on1.closed && on2.closed && resumed.closed, 90000);
    QCOMPARE(m_cluster.runStatus(m_node1.port, runId), u"succeeded"_s);
    const QList<QJsonObject> rest = m_cluster.restEvents(m_node2.port, runId);
    QVERIFY(m_cluster.restEvents(m_node1.port, runId) == rest);
    QCOMPARE(eventsOfType(rest, u"tool_progress"_s).size(), 100);
    QVERIFY(strictlyIncreasing(seqsOf(rest)));
    QVERIFY(on1.ofType(u"reset"_s).isEmpty() && on2.ofType(u"reset"_s).isEmpty());
    QVERIFY(on1.ofType() == rest);
    QVERIFY(on2.ofType() == rest);
    QVERIFY(resumed.ofType(u"reset"_s).isEmpty());
    QVERIFY(leaverPart1 + resumed.ofType() == rest);

    // The worker stayed alive all along: the crew was never reported offline, and it ends
    // available.
    QTRY_VERIFY_WITH_TIMEOUT(signalsFor(mission, crew).endsWith(u"available"_s), 30000);
    QVERIFY2(!signalsFor(mission, crew).contains(u"offline"_s),
             qPrintable(signalsFor(mission, crew).join(u',')));
    // The cluster takes new runs again.
    const QString after = m_cluster.submitRun(m_node1.port, crew, u"echo '::progress 100 after'"_s);
    QVERIFY(!after.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.runStatus(m_node2.port, after), u"succeeded"_s, 60000);
}

// 2. Cross-node latency: the worker prints timestamps; a client on an API node computes
// receive time - print time. Reported, not asserted.
void TestCluster::crossNodeLatency()
{
    QVERIFY(worker().process && worker().process->state() == QProcess::Running);
    const QString crew = m_cluster.createCrew(m_node1.port, u"Clock"_s);
    QVERIFY(!crew.isEmpty());
    LiveSocket graph;
    QList<qint64> latenciesUs;
    connect(&graph.ws, &QWebSocket::textMessageReceived, this, [&latenciesUs](const QString &m) {
        const qint64 now = nowNs();
        if (!m.contains(u"lat "_s))
            return;
        const QJsonObject o = QJsonDocument::fromJson(m.toUtf8()).object();
        const QString message = o.value(u"message"_s).toString();
        const QStringList parts = message.split(u' ');
        if (parts.size() != 2 || parts.first() != u"lat"_s)
            return;
        bool ok = false;
        const qint64 printed = parts.at(1).toLongLong(&ok);
        if (ok)
            latenciesUs.append((now - printed) / 1000);
    });
    graph.open(m_node1.port, u"/ws/graph?crew_id="_s + crew, m_cluster.token);
    QTRY_VERIFY_WITH_TIMEOUT(graph.connected, 20000);

    const int lines = 400;
    const QString runId = m_cluster.submitRun(
        m_node2.port, crew,
        u"/usr/bin/python3 -u -c 'import time\nfor i in range(%1):\n"
        "    print(\"::progress %d lat %d\" % (i * 100 // %1, time.time_ns()), flush=True)\n"
        "    time.sleep(0.01)\n'"_s.arg(lines));
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_cluster.runStatus(m_node1.port, runId), u"succeeded"_s, 90000);
    QTRY_COMPARE_WITH_TIMEOUT(latenciesUs.size(), lines, 30000);

    std::sort(latenciesUs.begin(), latenciesUs.end());
    const auto pct = [&latenciesUs](double p) {
        const qsizetype i =
            qMin<qsizetype>(latenciesUs.size() - 1, qsizetype(p * double(latenciesUs.size())));
        return double(latenciesUs.at(i)) / 1000.0;
    };
    qInfo("cross-node ::progress print -> WebSocket receive (worker node -> PostgreSQL -> Redis -> "
          "API node), "
          "%lld samples at ~100/s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
          qint64(latenciesUs.size()), pct(0.50), pct(0.90), pct(0.99),
          double(latenciesUs.last()) / 1000.0);
}

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
