// "Runs for real" against the crewdeck-server program: `serve --demo` as a child process,
// watched through real WebSocket clients; then SIGKILL mid-run, a restart on the same port and
// data dir, resume with since, and finally SIGTERM. The binary comes from CREWDECK_SERVER_BIN.
// Everything runs on the test's main thread.
#include "tests/live/livesocket.h"
#include "tests/support/processutil.h"
#include "tests/support/testserver.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

namespace {

} // namespace

class TestLiveE2e : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void demoKillRestartTerminate();

private:
    // Starts `serve --demo` on `port` with `dataDir`; waits for /healthz.
    bool startServer(QProcess &p, quint16 port, const QString &dataDir);

    QString m_bin;
};

void TestLiveE2e::initTestCase()
{
    m_bin = qEnvironmentVariable("CREWDECK_SERVER_BIN");
    if (m_bin.isEmpty())
        QSKIP("CREWDECK_SERVER_BIN is not set (run through ctest)");
    QVERIFY2(QFileInfo(m_bin).isExecutable(), qPrintable(m_bin));
}

bool TestLiveE2e::startServer(QProcess &p, quint16 port, const QString &dataDir)
{
    p.setProcessEnvironment(cleanEnv());
    p.setProgram(m_bin);
    p.setArguments({u"serve"_s, u"--demo"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(port),
                    u"--data-dir"_s, dataDir, u"--python"_s, u"/usr/bin/python3"_s});
    // The port was just released by a killed server: retry a few times if bind loses a race.
    for (int attempt = 0; attempt < 5; ++attempt) {
        p.start();
        if (!p.waitForStarted(10000))
            return false;
        if (waitHealthy(port))
            return true;
        if (p.state() == QProcess::Running) {
            p.kill();
            p.waitForFinished(10000);
        }
        qWarning() << "server did not come up:" << p.readAllStandardError().right(2000);
        QTest::qWait(1000);
    }
    return false;
}

void TestLiveE2e::demoKillRestartTerminate()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString dataDir = dir.filePath(u"data"_s);
    const quint16 port = freePort();
    QVERIFY(port != 0);
    HttpClient http(QUrl(u"http://127.0.0.1:%1"_s.arg(port)));

    auto server = std::make_unique<QProcess>();
    QVERIFY(startServer(*server, port, dataDir));
    QByteArray serverLog;

    // Log in as the demo user.
    auto r = http.post(u"/auth/login"_s, QJsonObject{{u"email"_s, u"demo@crewdeck.local"_s},
                                                     {u"password"_s, u"demo-password"_s}});
    QCOMPARE(r.status, 200);
    const QString token = r.json().value(u"access_token"_s).toString();
    QVERIFY(!token.isEmpty());
    r = http.get(u"/crews"_s, token);
    QCOMPARE(r.status, 200);
    const QJsonArray crews = r.jsonArray();
    QVERIFY(!crews.isEmpty());
    const QString demoCrew = crews.first().toObject().value(u"id"_s).toString();

    // Mission: a snapshot first, then signals as the demo pipelines (started at once) work.
    auto mission = std::make_unique<LiveSocket>();
    mission->open(port, u"/ws/mission"_s, token);
    QTRY_VERIFY_WITH_TIMEOUT(!mission->frames.isEmpty(), 20000);
    QCOMPARE(mission->ws.subprotocol(), u"crewdeck.v1"_s);
    QCOMPARE(mission->frames.first().value(u"type"_s).toString(), u"snapshot"_s);
    QCOMPARE(mission->frames.first().value(u"crews"_s).toArray().size(), crews.size());

    // Graph of a demo crew: real tool events of its pipelines.
    auto graph = std::make_unique<LiveSocket>();
    graph->open(port, u"/ws/graph?crew_id="_s + demoCrew, token);
    QTRY_VERIFY_WITH_TIMEOUT(graph->connected || graph->closed, 20000);
    QVERIFY(graph->connected);
    QTRY_VERIFY_WITH_TIMEOUT(graph->has(u"tool_end"_s), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(!mission->ofType(u"signal"_s).isEmpty(), 60000);
    for (const auto &e : graph->ofType()) {
        QCOMPARE(e.value(u"crew_id"_s).toString(), demoCrew);
        QVERIFY(e.value(u"type"_s).toString().startsWith(u"tool_"_s));
    }
    QVERIFY(strictlyIncreasing(graph->eventSeqs()));
    QVERIFY(strictlyIncreasing(mission->eventSeqs()));

    // Our own long run on a crew of our own: certainly executing when the server is killed.
    // Its `sleep` grandchild dies with the server: the tool sandbox (bwrap, with PDEATHSIG
    // from the server and --die-with-parent inside) ends with it; nothing is left for the
    // restarted server to find.
    const QByteArray sleepArg = uniqueNumber();
    const QString command =
        u"sleep %1 & (setsid env -i sleep %1 &); echo '::progress 10 started'; wait"_s.arg(
            QString::fromLatin1(sleepArg));
    const QJsonObject crewBody{
        {u"name"_s, u"E2E"_s},
        {u"agents"_s, QJsonArray{QJsonObject{{u"name"_s, u"Runner"_s},
                                             {u"role"_s, u"e2e"_s},
                                             {u"tools"_s, QJsonArray{u"script"_s}}}}}};
    r = http.post(u"/crews"_s, crewBody, token);
    QCOMPARE(r.status, 201);
    const QString myCrew = r.json().value(u"id"_s).toString();
    const QJsonObject runBody{
        {u"steps"_s, QJsonArray{QJsonObject{{u"tool"_s, u"script"_s},
                                            {u"params"_s, QJsonObject{{u"command"_s, command}}}}}}};
    r = http.post(u"/crews/"_s + myCrew + u"/runs"_s, runBody, token);
    QCOMPARE(r.status, 202);
    const QString runId = r.json().value(u"id"_s).toString();
    auto runWatch = std::make_unique<LiveSocket>();
    runWatch->open(port, u"/ws/runs/"_s + runId, token);
    QTRY_VERIFY_WITH_TIMEOUT(runWatch->hasMessage(u"started"_s), 60000);
    QCOMPARE(http.get(u"/runs/"_s + runId, token).json().value(u"status"_s).toString(),
             u"running"_s);

    // SIGKILL mid-run: no goodbye, the sockets just drop.
    server->kill();
    QVERIFY(server->waitForFinished(20000));
    serverLog += server->readAllStandardError();
    QTRY_VERIFY_WITH_TIMEOUT(runWatch->closed && graph->closed && mission->closed, 30000);
    // (QWebSocket reports 1000 for a connection that dropped without a close frame, so the
    // close code says nothing here; the stream itself must not have ended.)
    QCOMPARE(runWatch->ofType(u"run_status"_s).size(), 1);
    const QList<QJsonObject> runPart1 = runWatch->ofType();
    const QList<QJsonObject> graphPart1 = graph->ofType();
    const QList<QJsonObject> missionPart1 = mission->ofType();
    const qint64 runLast = runWatch->lastEventSeq();
    const qint64 graphLast = graph->lastEventSeq();
    const qint64 missionLast = mission->lastEventSeq();
    QVERIFY(runLast > 0 && graphLast > 0 && missionLast > 0);

    QTRY_COMPARE_WITH_TIMEOUT(liveProcessesWithArg(sleepArg), 0, 20000);

    // Same port, same data dir.
    server = std::make_unique<QProcess>();
    QVERIFY(startServer(*server, port, dataDir));
    QCOMPARE(liveProcessesWithArg(sleepArg), 0);

    // The interrupted run is failed, and its watcher resumes with the rest, no gap.
    QString status;
    QTRY_VERIFY_WITH_TIMEOUT(
        (status = http.get(u"/runs/"_s + runId, token).json().value(u"status"_s).toString()) ==
            u"failed"_s,
        30000);
    auto runAgain = std::make_unique<LiveSocket>();
    runAgain->open(port, u"/ws/runs/%1?since=%2"_s.arg(runId).arg(runLast), token);
    QTRY_VERIFY_WITH_TIMEOUT(runAgain->closed, 30000);
    QCOMPARE(runAgain->closeCode, 1000);
    QVERIFY(runAgain->ofType(u"reset"_s).isEmpty());
    const QList<QJsonObject> runAll = runPart1 + runAgain->ofType();
    QVERIFY(strictlyIncreasing(seqsOf(runAll)));
    r = http.get(u"/runs/"_s + runId + u"/events"_s, token);
    QCOMPARE(r.status, 200);
    QVERIFY(runAll == toObjects(r.json().value(u"events"_s).toArray()));
    QCOMPARE(runAll.last().value(u"type"_s).toString(), u"run_status"_s);
    QCOMPARE(runAll.last().value(u"status"_s).toString(), u"failed"_s);
    const auto ends = runAgain->ofType(u"tool_end"_s);
    QCOMPARE(ends.size(), 1);
    QCOMPARE(ends.first().value(u"status"_s).toString(), u"failed"_s);
    QVERIFY(ends.first().value(u"exit_code"_s).isNull());

    // The demo crew's graph continues after the restart: strictly increasing, no duplicate.
    graph = std::make_unique<LiveSocket>();
    graph->open(port, u"/ws/graph?crew_id=%1&since=%2"_s.arg(demoCrew).arg(graphLast), token);
    mission = std::make_unique<LiveSocket>();
    mission->open(port, u"/ws/mission?since=%1"_s.arg(missionLast), token);
    QTRY_VERIFY_WITH_TIMEOUT(graph->has(u"tool_end"_s) && graph->has(u"tool_start"_s), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(!mission->ofType(u"signal"_s).isEmpty(), 60000);
    QVERIFY(graph->ofType(u"reset"_s).isEmpty());
    QVERIFY(mission->ofType(u"reset"_s).isEmpty());
    QVERIFY(mission->ofType(u"snapshot"_s).isEmpty()); // resumed with since: no snapshot
    const QList<QJsonObject> graphAll = graphPart1 + graph->ofType();
    const QList<QJsonObject> missionAll = missionPart1 + mission->ofType();
    QVERIFY(strictlyIncreasing(seqsOf(graphAll)));
    QVERIFY(strictlyIncreasing(seqsOf(missionAll)));
    const QList<qint64> graphSeqs = seqsOf(graphAll);
    QCOMPARE(QSet<qint64>(graphSeqs.cbegin(), graphSeqs.cend()).size(), graphAll.size());
    for (const auto &e : graph->ofType())
        QCOMPARE(e.value(u"crew_id"_s).toString(), demoCrew);

    // SIGTERM: exit code 0, the live sockets get 1001.
    QVERIFY(!graph->closed && !mission->closed);
    server->terminate();
    QVERIFY(server->waitForFinished(60000));
    QCOMPARE(server->exitStatus(), QProcess::NormalExit);
    QCOMPARE(server->exitCode(), 0);
    serverLog += server->readAllStandardError();
    QTRY_VERIFY_WITH_TIMEOUT(graph->closed && mission->closed, 30000);
    QCOMPARE(graph->closeCode, 1001);
    QCOMPARE(mission->closeCode, 1001);

    // The logs talk about sockets and requests but never carry the token.
    QVERIFY(!serverLog.isEmpty());
    QVERIFY(serverLog.contains("ws open"));
    QVERIFY(!serverLog.contains(token.toUtf8()));
    const QByteArray signature = token.toUtf8().mid(token.toUtf8().lastIndexOf('.') + 1);
    QVERIFY(!signature.isEmpty());
    QVERIFY(!serverLog.contains(signature));
}

QTEST_GUILESS_MAIN(TestLiveE2e)
#include "tst_live_e2e.moc"
