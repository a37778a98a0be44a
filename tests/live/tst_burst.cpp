// Bursts through the in-process server (issue 13): a `script` step prints N `::progress` lines
// as fast as a pipe allows, watched by 1, 20 and 200 reading clients on /ws/graph and on
// /ws/runs/{id}. Every client gets every event, in order, and no socket is closed (the run
// stream only with 1000 after the final run_status); a finished run of 20,000 events replays
// completely and then closes with 1000. Real runs, real sockets; main thread only.
#include "server/core/auth/passwords.h"
#include "server/model/store.h"
#include "shared/types.h"
#include "tests/live/burstreader.h"
#include "tests/support/testserver.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimer>
#include <QtTest>
#include <memory>
#include <vector>

using namespace crewdeck;
using namespace crewdeck::server;
using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

namespace {

// What the readers count: tool_progress frames (the lines of the burst).
const QByteArray kProgress = "\"type\":\"tool_progress\"";

// N `::progress` lines from /bin/sh builtins only: as fast as the pipe takes them.
QString burstCommand(int lines)
{
    return u"i=0; while [ $i -lt %1 ]; do i=$((i+1)); echo \"::progress $((i%100)) burst $i\"; done"_s
        .arg(lines);
}

// Runs the event loop until `done` (checked every 20 ms) or the timeout. Unlike QTRY_* /
// QTest::qWait, which sleep 10 ms between event-processing rounds, this keeps the loop busy:
// server and readers share this thread, and the sleeps would be most of the measured time.
bool spinUntil(const std::function<bool()> &done, int timeoutMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(20);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    poll.start();
    loop.exec();
    return done();
}

} // namespace

class TestBurst : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void burstReachesEveryReader_data();
    void burstReachesEveryReader();
    void finishedRunReplaysEverythingThenCloses();

private:
    QString memberToken(const QString &orgBase);
    QString createCrew(const QString &token);
    QString startRun(const QString &crewId, const QString &token, int lines);
    qint64 restEventCount(const QString &runId, const QString &token);

    std::unique_ptr<TestServer> m_server;
    QByteArray m_hash;
    QString m_adminToken;
    QString m_lastRun; // the 20,000-line run, replayed by the last test
    QString m_lastToken;
    int m_counter = 0;
};

void TestBurst::initTestCase()
{
    m_server = std::make_unique<TestServer>();
    QString error;
    QVERIFY2(m_server->start(&error), qPrintable(error));
    m_hash = passwords::hash(u"password123"_s);
    QVERIFY(!m_hash.isEmpty());
}

void TestBurst::cleanupTestCase()
{
    if (m_server)
        m_server->stop();
    m_server.reset();
}

QString TestBurst::memberToken(const QString &orgBase)
{
    const QString name = orgBase + QString::number(++m_counter);
    const QString orgId = m_server->ensureOrg(name);
    StoreError err = StoreError::None;
    const auto admin = m_server->store()->createUser(orgId, u"admin@"_s + name + u".test"_s,
                                                     Roles::Admin, m_hash, &err);
    const auto member = m_server->store()->createUser(orgId, u"member@"_s + name + u".test"_s,
                                                      Roles::Member, m_hash, &err);
    if (!admin || !member)
        return {};
    m_adminToken = m_server->tokenFor(*admin);
    return m_server->tokenFor(*member);
}

QString TestBurst::createCrew(const QString &)
{
    const QJsonObject body{
        {u"name"_s, u"Burst"_s},
        {u"agents"_s, QJsonArray{QJsonObject{{u"name"_s, u"Printer"_s},
                                             {u"role"_s, u"prints"_s},
                                             {u"tools"_s, QJsonArray{u"script"_s}}}}}};
    const auto r = m_server->post(u"/crews"_s, body, m_adminToken);
    return r.status == 201 ? r.json().value(u"id"_s).toString() : QString();
}

QString TestBurst::startRun(const QString &crewId, const QString &token, int lines)
{
    const QJsonObject step{{u"tool"_s, u"script"_s},
                           {u"params"_s, QJsonObject{{u"command"_s, burstCommand(lines)}}}};
    const auto r = m_server->post(u"/crews/"_s + crewId + u"/runs"_s,
                                  QJsonObject{{u"steps"_s, QJsonArray{step}}}, token);
    return r.status == 202 ? r.json().value(u"id"_s).toString() : QString();
}

qint64 TestBurst::restEventCount(const QString &runId, const QString &token)
{
    qint64 count = 0;
    qint64 since = 0;
    for (;;) {
        const auto r = m_server->get(u"/runs/%1/events?since=%2"_s.arg(runId).arg(since), token);
        const QJsonArray page = r.json().value(u"events"_s).toArray();
        if (r.status != 200 || page.isEmpty())
            return count;
        count += page.size();
        since = page.last().toObject().value(u"seq"_s).toInteger();
    }
}

void TestBurst::burstReachesEveryReader_data()
{
    QTest::addColumn<int>("lines");
    QTest::addColumn<int>("clients");
    for (int lines : {5000, 20000}) {
        for (int clients : {1, 20, 200})
            QTest::addRow("%d lines, %d readers per stream", lines, clients) << lines << clients;
    }
}

// `clients` readers on the crew's graph (connected before the run) and `clients` on the run's
// stream (connected right after the POST: they read the start from the ring or the store and
// then follow live). QWebSocket clients up to 20, raw readers for 200.
void TestBurst::burstReachesEveryReader()
{
    QFETCH(int, lines);
    QFETCH(int, clients);
    const QString token = memberToken(u"burst"_s);
    QVERIFY(!token.isEmpty());
    const QString crew = createCrew(token);
    QVERIFY(!crew.isEmpty());
    const bool raw = clients > 20;
    std::vector<std::unique_ptr<BurstReader>> graph, run;
    for (int i = 0; i < clients; ++i) {
        graph.push_back(std::make_unique<BurstReader>(raw, kProgress));
        graph.back()->open(m_server->port(), u"/ws/graph?crew_id="_s + crew, token);
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(graph.begin(), graph.end(), [](const auto &r) { return r->connected; }), 30000);

    QElapsedTimer clock;
    clock.start();
    const QString runId = startRun(crew, token, lines);
    QVERIFY(!runId.isEmpty());
    for (int i = 0; i < clients; ++i) {
        run.push_back(std::make_unique<BurstReader>(raw, kProgress));
        run.back()->open(m_server->port(), u"/ws/runs/"_s + runId, token);
    }
    qint64 graphDoneMs = -1, runDoneMs = -1;
    const auto done = [&] {
        const bool graphDone = std::all_of(graph.begin(), graph.end(), [&](const auto &r) {
            return r->marked >= lines && !r->closed;
        });
        const bool runDone =
            std::all_of(run.begin(), run.end(), [](const auto &r) { return r->closed; });
        if (graphDone && graphDoneMs < 0)
            graphDoneMs = clock.elapsed();
        if (runDone && runDoneMs < 0)
            runDoneMs = clock.elapsed();
        return graphDone && runDone;
    };
    spinUntil(
        [&] {
            return done() ||
                   std::any_of(graph.begin(), graph.end(), [](const auto &r) { return r->closed; });
        },
        240000);
    const qint64 ms = clock.elapsed();

    const qint64 stored = restEventCount(runId, token);
    // tool_start, the lines, tool_end, run_status running and final (output lines may add
    // coalesced events; there are none here).
    QCOMPARE(stored, qint64(lines) + 4);
    for (const auto &r : graph) {
        QVERIFY2(!r->closed, qPrintable(u"graph reader closed with %1"_s.arg(r->closeCode)));
        QCOMPARE(r->marked, qint64(lines));
        QCOMPARE(r->events, qint64(lines) + 2); // + tool_start and tool_end
        QVERIFY(r->ordered);
    }
    for (const auto &r : run) {
        QVERIFY(r->closed);
        if (!raw)
            QCOMPARE(r->closeCode, 1000);
        QCOMPARE(r->events, stored);
        QCOMPARE(r->marked, qint64(lines));
        QVERIFY(r->ordered);
        QVERIFY(r->finalStatus);
        QCOMPARE(r->eventsAfterFinal, 0);
    }
    qInfo("%d lines to %d + %d readers: %lld ms from POST to the last delivery (graph readers "
          "done after %lld ms, run readers after %lld ms)",
          lines, clients, clients, ms, graphDoneMs, runDoneMs);
    if (lines == 20000) {
        m_lastRun = runId;
        m_lastToken = token;
    }
}

// A finished run of 20,000 events (older than nothing in the ring here, and again with a
// resume from the middle): every event, in order, then 1000.
void TestBurst::finishedRunReplaysEverythingThenCloses()
{
    if (m_lastRun.isEmpty())
        QSKIP("needs the 20,000-line run of burstReachesEveryReader");
    const qint64 stored = restEventCount(m_lastRun, m_lastToken);
    QVERIFY(stored > 20000);
    for (const bool raw : {false, true}) {
        BurstReader r(raw, kProgress);
        r.open(m_server->port(), u"/ws/runs/"_s + m_lastRun, m_lastToken);
        QTRY_VERIFY_WITH_TIMEOUT(r.closed, 120000);
        QCOMPARE(r.closeCode, 1000);
        QCOMPARE(r.events, stored);
        QCOMPARE(r.marked, qint64(20000));
        QVERIFY(r.ordered);
        QVERIFY(r.finalStatus);
    }
}

QTEST_GUILESS_MAIN(TestBurst)
#include "tst_burst.moc"
