// Bursts and non-readers against the crewdeck-server program (CREWDECK_SERVER_BIN), its memory
// read from /proc: 20 readers on /ws/graph and 20 on /ws/runs/{id} get every event of a
// 20,000-line burst in order; a client that stops reading while a run prints ~200 MB of
// `::progress` lines costs the server less than 64 MB of RSS while another reader gets
// everything; a client flooding pings without reading costs less than 64 MB too.
// Everything runs on the test's main thread.
#include "tests/live/burstreader.h"
#include "tests/live/livesocket.h"
#include "tests/support/metrics.h"
#include "tests/support/processutil.h"
#include "tests/support/testserver.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>
#include <vector>

using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

namespace {

const QByteArray kProgress = "\"type\":\"tool_progress\"";

qint64 rssKb(qint64 pid)
{
    QFile f(u"/proc/%1/status"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

QJsonObject scriptRun(const QString &command)
{
    const QJsonObject step{{u"tool"_s, u"script"_s},
                           {u"params"_s, QJsonObject{{u"command"_s, command}}}};
    return QJsonObject{{u"steps"_s, QJsonArray{step}}, {u"timeout_s"_s, 600}};
}

} // namespace

class TestBurstE2e : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void burstOf20000ToReadersOfBothStreams();
    void nonReaderWhileARunPrints200MB();
    void pingFloodingNonReader();

private:
    // Polls the server's VmRSS while `done` is false; returns the largest value seen (kB).
    qint64 watchRss(const std::function<bool()> &done, int timeoutMs);
    QString startRun(const QString &command);

    QString m_bin;
    QTemporaryDir m_dir;
    QProcess m_server;
    quint16 m_port = 0;
    QString m_token;
    QString m_crew;
    std::unique_ptr<HttpClient> m_http;
};

void TestBurstE2e::initTestCase()
{
    m_bin = qEnvironmentVariable("CREWDECK_SERVER_BIN");
    if (m_bin.isEmpty())
        QSKIP("CREWDECK_SERVER_BIN is not set (run through ctest)");
    QVERIFY2(QFileInfo(m_bin).isExecutable(), qPrintable(m_bin));
    QVERIFY(m_dir.isValid());
    const QString dataDir = m_dir.filePath(u"data"_s);

    QProcess add;
    add.setProcessEnvironment(cleanEnv());
    add.start(m_bin, {u"useradd"_s, u"--org"_s, u"burst"_s, u"--email"_s, u"admin@burst.test"_s,
                      u"--role"_s, u"admin"_s, u"--password-stdin"_s, u"--data-dir"_s, dataDir});
    QVERIFY(add.waitForStarted(10000));
    add.write("password123\n");
    add.closeWriteChannel();
    QVERIFY(add.waitForFinished(60000));
    QCOMPARE(add.exitCode(), 0);

    m_port = freePort();
    QVERIFY(m_port != 0);
    m_server.setProcessEnvironment(cleanEnv());
    m_server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_server.start(m_bin, {u"serve"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(m_port),
                           u"--data-dir"_s, dataDir});
    QVERIFY(m_server.waitForStarted(10000));
    m_http = std::make_unique<HttpClient>(QUrl(u"http://127.0.0.1:%1"_s.arg(m_port)));
    QTRY_VERIFY_WITH_TIMEOUT(m_http->get(u"/healthz"_s).status == 200, 30000);
    const auto login =
        m_http->post(u"/auth/login"_s, QJsonObject{{u"email"_s, u"admin@burst.test"_s},
                                                   {u"password"_s, u"password123"_s}});
    QCOMPARE(login.status, 200);
    m_token = login.json().value(u"access_token"_s).toString();
    const QJsonObject crew{
        {u"name"_s, u"Burst"_s},
        {u"agents"_s, QJsonArray{QJsonObject{{u"name"_s, u"Printer"_s},
                                             {u"role"_s, u"prints"_s},
                                             {u"tools"_s, QJsonArray{u"script"_s}}}}}};
    const auto created = m_http->post(u"/crews"_s, crew, m_token);
    QCOMPARE(created.status, 201);
    m_crew = created.json().value(u"id"_s).toString();
}

void TestBurstE2e::cleanupTestCase()
{
    if (m_server.state() == QProcess::Running) {
        m_server.terminate();
        if (!m_server.waitForFinished(20000))
            m_server.kill();
    }
}

QString TestBurstE2e::startRun(const QString &command)
{
    const auto r = m_http->post(u"/crews/"_s + m_crew + u"/runs"_s, scriptRun(command), m_token);
    return r.status == 202 ? r.json().value(u"id"_s).toString() : QString();
}

qint64 TestBurstE2e::watchRss(const std::function<bool()> &done, int timeoutMs)
{
    qint64 peak = rssKb(m_server.processId());
    QDeadlineTimer deadline(timeoutMs);
    while (!done() && !deadline.hasExpired()) {
        QTest::qWait(50);
        peak = std::max(peak, rssKb(m_server.processId()));
    }
    return peak;
}

void TestBurstE2e::burstOf20000ToReadersOfBothStreams()
{
    const int lines = 20000;
    std::vector<std::unique_ptr<BurstReader>> graph, run;
    for (int i = 0; i < 20; ++i) {
        graph.push_back(std::make_unique<BurstReader>(false, kProgress));
        graph.back()->open(m_port, u"/ws/graph?crew_id="_s + m_crew, m_token);
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(graph.begin(), graph.end(), [](const auto &r) { return r->connected; }), 30000);
    const QString runId = startRun(
        u"i=0; while [ $i -lt %1 ]; do i=$((i+1)); echo \"::progress $((i%100)) burst $i\"; done"_s
            .arg(lines));
    QVERIFY(!runId.isEmpty());
    for (int i = 0; i < 20; ++i) {
        run.push_back(std::make_unique<BurstReader>(false, kProgress));
        run.back()->open(m_port, u"/ws/runs/"_s + runId, m_token);
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(run.begin(), run.end(), [](const auto &r) { return r->closed; }), 240000);
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(graph.begin(), graph.end(), [&](const auto &r) { return r->marked >= lines; }),
        60000);
    for (const auto &r : graph) {
        QVERIFY(!r->closed);
        QCOMPARE(r->marked, qint64(lines));
        QVERIFY(r->ordered);
    }
    for (const auto &r : run) {
        QCOMPARE(r->closeCode, 1000);
        QCOMPARE(r->marked, qint64(lines));
        QCOMPARE(r->events, qint64(lines) + 4);
        QVERIFY(r->ordered);
        QCOMPARE(r->eventsAfterFinal, 0);
    }
    // The gateway's write passes and its pacing are on /metrics (--ws-coalesce-ms default 3,
    // --ws-coalesce-busy-ms 8). A burst is busy: readers catching up get slices of hundreds
    // of frames per write.
    const HttpResponse metrics = m_http->get(u"/metrics"_s, m_token);
    QCOMPARE(metrics.status, 200);
    const double passes = metricValue(metrics.body, "crewdeck_ws_write_passes_total");
    const double busy = metricValue(metrics.body, "crewdeck_ws_busy_passes_total");
    QVERIFY(passes > 0);
    QVERIFY2(busy > 0 && busy <= passes,
             qPrintable(u"busy passes %1 of %2"_s.arg(busy).arg(passes)));
    QVERIFY(metricValue(metrics.body, "crewdeck_ws_coalesce_wait_ms") >= 0);
    QCOMPARE(metricValue(metrics.body, "crewdeck_limit_ws_coalesce_ms"), 3.0);
    QCOMPARE(metricValue(metrics.body, "crewdeck_limit_ws_coalesce_busy_ms"), 8.0);
}

// ~1,000,000 `::progress` lines of ~215 bytes (~215 MB printed): a raw client on the run that
// never reads, a lean reader that gets every event. The server holds one slice for the
// non-reader and its shared ring (32 MiB) for everyone.
void TestBurstE2e::nonReaderWhileARunPrints200MB()
{
    const int lines = 1000000;
    const QString pad(200, u'x');
    // The sandbox has /usr (yes, head) read-only.
    const QString runId = startRun(u"yes '::progress 50 %1' | head -n %2"_s.arg(pad).arg(lines));
    QVERIFY(!runId.isEmpty());
    QTcpSocket slow;
    QByteArray slowData;
    QVERIFY(rawUpgrade(slow, m_port, u"/ws/runs/"_s + runId, m_token, &slowData));
    slow.setReadBufferSize(1024);
    BurstReader reader(true, kProgress);
    reader.open(m_port, u"/ws/runs/"_s + runId, m_token);
    QTRY_VERIFY_WITH_TIMEOUT(reader.connected, 20000);
    QTest::qWait(300);
    const qint64 before = rssKb(m_server.processId());
    const qint64 peak = watchRss([&] { return reader.closed; }, 600000);
    qInfo("non-reader: server RSS %lld kB before, peak %lld kB (+%lld kB) while the reader got "
          "%lld events",
          before, peak, peak - before, reader.events);
    QVERIFY(reader.closed);
    QCOMPARE(reader.closeCode, 1000);
    QCOMPARE(reader.marked, qint64(lines));
    QVERIFY(reader.ordered);
    QVERIFY2(peak - before < 64 * 1024, qPrintable(u"RSS grew by %1 kB"_s.arg(peak - before)));
    slow.abort();
}

// 256 MiB of 125-byte RFC 6455 pings from a client that reads nothing.
void TestBurstE2e::pingFloodingNonReader()
{
    QTcpSocket flood;
    QByteArray in;
    QVERIFY(rawUpgrade(flood, m_port, u"/ws/mission"_s, m_token, &in));
    flood.setReadBufferSize(1024);
    QByteArray ping;
    ping.append(char(0x89));
    ping.append(char(0x80 | 125));
    ping.append("\x01\x02\x03\x04", 4);
    ping.append(QByteArray(125, 'p'));
    QByteArray chunk;
    for (int i = 0; i < 4096; ++i)
        chunk += ping;
    const qint64 before = rssKb(m_server.processId());
    qint64 peak = before;
    qint64 sent = 0;
    QDeadlineTimer deadline(300000);
    while (sent < 256LL * 1024 * 1024 && flood.state() == QAbstractSocket::ConnectedState &&
           !deadline.hasExpired()) {
        if (flood.bytesToWrite() < 4 * chunk.size()) {
            flood.write(chunk);
            sent += chunk.size();
        }
        QTest::qWait(flood.bytesToWrite() > 0 ? 1 : 0);
        peak = std::max(peak, rssKb(m_server.processId()));
    }
    qInfo("ping flood: %lld MiB sent, server RSS %lld kB before, peak %lld kB (+%lld kB), %s",
          sent >> 20, before, peak, peak - before,
          flood.state() == QAbstractSocket::ConnectedState ? "still connected"
                                                           : "closed by the server");
    QVERIFY2(peak - before < 64 * 1024, qPrintable(u"RSS grew by %1 kB"_s.arg(peak - before)));
    QCOMPARE(m_http->get(u"/healthz"_s).status, 200);
}

QTEST_GUILESS_MAIN(TestBurstE2e)
#include "tst_burst_e2e.moc"
