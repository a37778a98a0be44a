#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;

// Runs crewdeck-bench's modes for about a second each against a real crewdeck-server child
// and checks that they finish cleanly and report. Thread: the test's main thread.
class TstBenchSmoke : public QObject
{
    Q_OBJECT

private:
    // Runs the bench with `args`; returns its stdout, fails the test on a non-zero exit.
    QByteArray runBench(const QStringList &args,
                        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
    {
        const QString bin = qEnvironmentVariable("CREWDECK_BENCH_BIN");
        if (bin.isEmpty())
            return {};
        QProcess p;
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::SeparateChannels);
        p.start(bin, args);
        if (!p.waitForStarted(10000))
            return {};
        if (!p.waitForFinished(180000)) {
            p.kill();
            p.waitForFinished();
            qWarning("bench did not finish");
            return {};
        }
        const QByteArray out = p.readAllStandardOutput();
        if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
            qWarning("bench exit %d\nstdout:\n%s\nstderr:\n%s", p.exitCode(), out.constData(),
                     p.readAllStandardError().constData());
            return {};
        }
        return out;
    }

    static double field(const QByteArray &line, const QString &key)
    {
        const QRegularExpression re(u"\\b"_s + key + u"=([-0-9.]+)"_s);
        const auto m = re.match(QString::fromUtf8(line));
        return m.hasMatch() ? m.captured(1).toDouble() : -1;
    }

    static QByteArray resultLine(const QByteArray &out, const QByteArray &prefix)
    {
        for (const QByteArray &line : out.split('\n')) {
            if (line.startsWith(prefix))
                return line;
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariableIsEmpty("CREWDECK_BENCH_BIN"), "CREWDECK_BENCH_BIN not set");
        QVERIFY2(!qEnvironmentVariableIsEmpty("CREWDECK_SERVER_BIN"),
                 "CREWDECK_SERVER_BIN not set");
    }

    void fanout()
    {
        const QByteArray out = runBench(
            {u"fanout"_s, u"--clients"_s, u"4"_s, u"--rate"_s, u"200"_s, u"--seconds"_s, u"1"_s});
        const QByteArray line = resultLine(out, "RESULT fanout ");
        QVERIFY2(!line.isEmpty(), out.constData());
        QCOMPARE(field(line, u"clients"_s), 4.0);
        // Every client saw the printed lines (200 in 1 s), none was dropped by the server.
        QCOMPARE(field(line, u"events"_s), 200.0);
        QVERIFY(field(line, u"delivered_per_s"_s) > 0);
        QVERIFY(field(line, u"p99_ms"_s) >= 0);
        QVERIFY(field(line, u"rss_kb"_s) > 0);
        QCOMPARE(field(line, u"closed"_s), 0.0);
    }

    // --compare-tls: the same fan-out plain and then over wss (raw TLS clients), both lossless.
    void fanoutCompareTls()
    {
        const QByteArray out =
            runBench({u"fanout"_s, u"--compare-tls"_s, u"--raw-clients"_s, u"--clients"_s, u"4"_s,
                      u"--rate"_s, u"200"_s, u"--seconds"_s, u"1"_s});
        const QByteArray plain = resultLine(out, "RESULT fanout clients=4 ");
        QVERIFY2(!plain.isEmpty(), out.constData());
        QCOMPARE(field(plain, u"tls"_s), 0.0);
        QByteArray tls;
        for (const QByteArray &line : out.split('\n')) {
            if (line.startsWith("RESULT fanout ") && line.endsWith(" tls=1"))
                tls = line;
        }
        QVERIFY2(!tls.isEmpty(), out.constData());
        QCOMPARE(field(tls, u"events"_s), 200.0);
        QCOMPARE(field(tls, u"lossless"_s), 1.0);
    }

    void restTls()
    {
        const QByteArray out = runBench({u"rest"_s, u"--tls"_s, u"--connections"_s, u"2"_s,
                                         u"--seconds"_s, u"1"_s, u"--runs"_s, u"1000"_s});
        const QByteArray runs = resultLine(out, "RESULT rest route=/runs ");
        QVERIFY2(!runs.isEmpty(), out.constData());
        QCOMPARE(field(runs, u"tls"_s), 1.0);
        QVERIFY(field(runs, u"req_per_s"_s) > 0);
        QCOMPARE(field(runs, u"errors"_s), 0.0);
    }

    void fanoutIdle()
    {
        const QByteArray out = runBench({u"fanout"_s, u"--idle"_s, u"20"_s});
        const QByteArray line = resultLine(out, "RESULT fanout idle=");
        QVERIFY2(!line.isEmpty(), out.constData());
        QVERIFY(field(line, u"rss_after_kb"_s) > 0);
    }

    void rest()
    {
        const QByteArray out = runBench({u"rest"_s, u"--connections"_s, u"2"_s, u"--seconds"_s,
                                         u"1"_s, u"--runs"_s, u"1000"_s});
        const QByteArray stats = resultLine(out, "RESULT rest route=/dashboard/stats ");
        const QByteArray runs = resultLine(out, "RESULT rest route=/runs ");
        QVERIFY2(!stats.isEmpty(), out.constData());
        QVERIFY2(!runs.isEmpty(), out.constData());
        QVERIFY(field(stats, u"req_per_s"_s) > 0);
        QCOMPARE(field(stats, u"errors"_s), 0.0);
        QCOMPARE(field(runs, u"errors"_s), 0.0);
    }

    void timeseries()
    {
        const QByteArray out = runBench({u"timeseries"_s, u"--connections"_s, u"2"_s,
                                         u"--seconds"_s, u"1"_s, u"--runs"_s, u"2000"_s,
                                         u"--metric"_s, u"runs"_s, u"--metric"_s, u"latency"_s});
        // Two metrics x two ranges x (1 connection, 2 connections).
        int lines = 0;
        for (const QByteArray &line : out.split('\n')) {
            if (!line.startsWith("RESULT timeseries "))
                continue;
            ++lines;
            QVERIFY2(field(line, u"req_per_s"_s) > 0, line.constData());
            QCOMPARE(field(line, u"errors"_s), 0.0);
        }
        QVERIFY2(lines == 8, out.constData());
        QVERIFY(!resultLine(out,
                            "RESULT timeseries metric=latency range=30d bucket=hour connections=2 ")
                     .isEmpty());
    }

    void toolstart()
    {
        // Both servers (sandboxed, --unsafe-tools) start, run two one-line tools each, and
        // report both latencies.
        const QByteArray out = runBench({u"toolstart"_s, u"--runs"_s, u"2"_s});
        for (const char *side : {"sandboxed", "unsandboxed"}) {
            for (const char *to : {"tool_start", "first_line"}) {
                const QByteArray line =
                    resultLine(out, QByteArray("RESULT side=") + side + " to=" + to + ' ');
                QVERIFY2(!line.isEmpty(), out.constData());
                QVERIFY(field(line, u"p50_ms"_s) > 0);
            }
        }
        QVERIFY(!resultLine(out, "RESULT sandbox_cost_p50_ms ").isEmpty());
    }

    void storeAppend()
    {
        // In-process: the event log into a SQLite file, then reads and a prune on it. 400,000
        // prefilled events over 20 runs, 8 days: each run's oldest eighth is past the default
        // retention and beyond its newest 10,000, so the prune deletes something.
        const QByteArray out = runBench({u"store-append"_s, u"--rate"_s, u"2000"_s, u"--seconds"_s,
                                         u"1"_s, u"--prefill"_s, u"400000"_s});
        const QByteArray line = resultLine(out, "RESULT mode=store-append ");
        QVERIFY2(!line.isEmpty(), out.constData());
        QCOMPARE(field(line, u"events"_s), 2000.0);
        QVERIFY(field(line, u"cpu_us_per_event"_s) > 0);
        QVERIFY(field(line, u"run_page_us"_s) > 0);
        QVERIFY(field(line, u"prune_horizon"_s) > 0);
    }

    void cluster()
    {
        // PostgreSQL + Redis + an API node + a worker node; one short rate.
        if (QStandardPaths::findExecutable(u"redis-server"_s).isEmpty() &&
            !QFileInfo(u"/usr/bin/redis-server"_s).isExecutable())
            QSKIP("redis-server is not installed");
        if (QDir(u"/usr/lib/postgresql"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty())
            QSKIP("PostgreSQL is not installed");
        const QByteArray out =
            runBench({u"cluster"_s, u"--rates"_s, u"200"_s, u"--seconds"_s, u"1"_s});
        const QByteArray fanout = resultLine(out, "RESULT fanout clients=1 rate=200 ");
        QVERIFY2(!fanout.isEmpty(), out.constData());
        QCOMPARE(field(fanout, u"events"_s), 200.0);
        QCOMPARE(field(fanout, u"lossless"_s), 1.0);
        const QByteArray cpu = resultLine(out, "RESULT cluster rate=200 ");
        QVERIFY2(!cpu.isEmpty(), out.constData());
        QVERIFY(field(cpu, u"worker_cpu_pct"_s) > 0);
    }

    void app()
    {
#ifndef CREWDECK_BENCH_APP
        QSKIP("crewdeck-bench was built without the app (CREWDECK_BUILD_APP=OFF)");
#else
        // The app's widgets on the offscreen platform, whatever the caller's display.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        const QByteArray out =
            runBench({u"app"_s, u"--rate"_s, u"2000"_s, u"--seconds"_s, u"1"_s}, env);
        const QByteArray line = resultLine(out, "RESULT app ");
        QVERIFY2(!line.isEmpty(), out.constData());
        QCOMPARE(field(line, u"rate"_s), 2000.0);
        // The bench exits 1 when the graph or the toasts missed any stored event.
        QVERIFY(field(line, u"events"_s) > 0);
        QCOMPARE(field(line, u"graph_applied"_s), field(line, u"events"_s));
        QCOMPARE(field(line, u"toasts_applied"_s), field(line, u"events"_s));
        QVERIFY(field(line, u"rss_kb"_s) > 0);
#endif
    }
};

QTEST_GUILESS_MAIN(TstBenchSmoke)
#include "tst_bench_smoke.moc"
