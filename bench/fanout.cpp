#include "bench/benchutil.h"

#include "shared/types.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QTcpSocket>
#include <QTextStream>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>
#include <functional>
#include <unistd.h>

using namespace Qt::StringLiterals;

// `fanout`: N WebSocket clients in this process on one crew's /ws/graph stream, a real run
// whose script step prints `::progress` lines stamped with the wall clock, and the server in
// its own process. Measures delivered messages/s, print->receive latency, server CPU and RSS.
// `fanout --idle N`: server RSS per idle /ws/graph connection. Thread: main thread only.
namespace crewdeck::bench {
namespace {

struct Client
{
    QWebSocket *socket = nullptr;
    QTcpSocket *raw = nullptr; // --raw-clients: a minimal RFC 6455 reader instead of QWebSocket
    QByteArray in;             // raw: unparsed bytes
    qint64 received = 0;       // stamped tool_progress messages
    bool connected = false;
    bool sawToolEnd = false;
    int closeCode = -1; // set when the server closed it
};

struct CpuSample
{
    qint64 mono;
    double serverCpu;
    double selfCpu;
};

QString printerCommand(const QString &python, int rate, int seconds)
{
    // Paced to `rate` lines/s: sleeps only when ahead by more than 0.5 ms, so at high rates
    // lines leave in small bursts. Every line is flushed: its stamp is the moment it leaves.
    const qint64 lines = qint64(rate) * seconds;
    return python + u" -c 'import sys,time\n"
                    "r=%1\nn=%2\nw=sys.stdout.write\nf=sys.stdout.flush\ns=time.time()\n"
                    "for i in range(n):\n"
                    " d=s+i/r-time.time()\n"
                    " if d>0.0005: time.sleep(d)\n"
                    " w(\"::progress %d t=%d\\n\"%(i%100,time.time_ns()))\n"
                    " f()\n'"_s.arg(rate)
                        .arg(lines);
}

// --burst: `lines` lines as fast as the pipe takes them (stdout block-buffered), each stamped
// when it is formatted: what a chatty tool does to the live view at once.
QString burstCommand(const QString &python, int lines)
{
    return python + u" -c 'import sys,time\n"
                    "w=sys.stdout.write\n"
                    "for i in range(%1):\n"
                    " w(\"::progress %d t=%d\\n\"%(i%100,time.time_ns()))\n'"_s.arg(lines);
}

class FanoutBench
{
public:
    explicit FanoutBench(const QStringList &args) : m_args(args) {}

    int run()
    {
        QTextStream err(stderr);
        raiseFileLimit();
        QString error;
        const bool idle = hasFlag(m_args, u"--idle"_s);
        m_external = hasFlag(m_args, u"--server"_s);
        if (m_external) {
            m_baseUrl = argValue(m_args, u"--server"_s);
            m_wsUrl = QString(m_baseUrl)
                          .replace(u"https://"_s, u"wss://"_s)
                          .replace(u"http://"_s, u"ws://"_s);
            m_token = argValue(m_args, u"--token"_s);
            m_crewId = argValue(m_args, u"--crew-id"_s);
            if (m_token.isEmpty() || m_crewId.isEmpty()) {
                err << "fanout --server needs --token and --crew-id\n";
                return 2;
            }
        } else {
            m_server.setTls(hasFlag(m_args, u"--tls"_s));
            if (!m_server.prepare(BenchServer::findServerBinary(m_args), &error) ||
                !m_server.launch(2, hasFlag(m_args, u"--server-no-glib"_s), &error)) {
                err << "fanout: " << error << "\n";
                return 1;
            }
            m_baseUrl = m_server.baseUrl();
            m_wsUrl = m_server.wsUrl();
            m_token = m_server.token();
            m_crewId = createCrew(m_baseUrl, m_token, u"bench-fanout"_s, &error);
            if (m_crewId.isEmpty()) {
                err << "fanout: " << error << "\n";
                return 1;
            }
            m_pid = m_server.pid();
        }
        m_raw = hasFlag(m_args, u"--raw-clients"_s);
        const int rc = idle ? runIdle(argInt(m_args, u"--idle"_s, 1000)) : runFanout();
        for (Client &c : m_clients) {
            if (c.socket)
                c.socket->abort();
            if (c.raw)
                c.raw->abort();
        }
        m_server.stop();
        return rc;
    }

private:
    // Opens clients [from, to) in batches (the server's accept queue is finite); false when
    // some did not connect in time.
    bool openClients(int count)
    {
        QUrl url(m_wsUrl + u"/ws/graph"_s);
        QUrlQuery q;
        q.addQueryItem(u"crew_id"_s, m_crewId);
        url.setQuery(q);
        QWebSocketHandshakeOptions opts;
        opts.setSubprotocols({u"crewdeck.v1"_s, u"bearer."_s + m_token});
        const int from = int(m_clients.size());
        m_clients.resize(from + count);
        const int batch = 50;
        for (int start = from; start < from + count; start += batch) {
            const int end = std::min(start + batch, from + count);
            for (int i = start; i < end; ++i) {
                if (m_raw) {
                    openRaw(i, url);
                    continue;
                }
                auto *s = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, &m_owner);
                m_clients[i].socket = s;
                QObject::connect(s, &QWebSocket::connected, s,
                                 [this, i] { m_clients[i].connected = true; });
                QObject::connect(s, &QWebSocket::disconnected, s, [this, i] {
                    m_clients[i].closeCode = int(m_clients[i].socket->closeCode());
                    if (m_firstClose.isEmpty())
                        m_firstClose = QString::number(m_clients[i].closeCode) + u" "_s +
                                       m_clients[i].socket->closeReason();
                });
                QObject::connect(s, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error),
                                 s, [this, i](QAbstractSocket::SocketError) {
                                     if (m_clients[i].closeCode < 0)
                                         m_clients[i].closeCode = 0;
                                 });
                QObject::connect(s, &QWebSocket::textMessageReceived, s,
                                 [this, i](const QString &m) { onMessage(i, m); });
                s->open(QNetworkRequest(url), opts);
            }
            // Done when each of the batch is connected or gave up.
            const bool ok = waitUntil(
                [&] {
                    for (int i = start; i < end; ++i) {
                        if (!m_clients[i].connected && m_clients[i].closeCode < 0)
                            return false;
                    }
                    return true;
                },
                30000);
            for (int i = start; i < end; ++i) {
                if (!ok || !m_clients[i].connected) {
                    QTextStream(stderr) << "fanout: client " << i << " did not connect (close code "
                                        << m_clients[i].closeCode << ")\n";
                    return false;
                }
            }
        }
        return true;
    }

    // --raw-clients: QWebSocket's client-side cost per message (UTF-8 -> QString, one signal
    // per message) makes one bench process the bottleneck near 1 M msgs/s on a 2-core machine.
    // This reader does the handshake by hand and scans each text frame's bytes for the stamp.
    void openRaw(int i, const QUrl &url)
    {
        const QByteArray upgrade =
            "GET " + url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority) +
            " HTTP/1.1\r\nHost: " + url.host().toLatin1() +
            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: crewdeck.v1, bearer." +
            m_token.toLatin1() + "\r\n\r\n";
        // wss: a QSslSocket that sends the upgrade once its handshake is done.
        QTcpSocket *s = dialClient(quint16(url.port()), url.scheme() == u"wss"_s, &m_owner,
                                   [this, i, upgrade] { m_clients[i].raw->write(upgrade); });
        m_clients[i].raw = s;
        QObject::connect(s, &QTcpSocket::readyRead, s, [this, i] { onRawData(i); });
        QObject::connect(s, &QTcpSocket::disconnected, s, [this, i] {
            if (m_clients[i].closeCode < 0)
                m_clients[i].closeCode = 1006;
        });
    }

    void onRawData(int i)
    {
        Client &c = m_clients[i];
        c.in += c.raw->readAll();
        qsizetype pos = 0;
        if (!c.connected) {
            const qsizetype end = c.in.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            if (!c.in.startsWith("HTTP/1.1 101")) {
                c.closeCode = 0;
                c.raw->abort();
                return;
            }
            c.connected = true;
            pos = end + 4;
        }
        const auto *d = reinterpret_cast<const uchar *>(c.in.constData());
        const qsizetype n = c.in.size();
        while (n - pos >= 2) {
            qint64 len = d[pos + 1] & 0x7f;
            qsizetype hdr = 2;
            if (len == 126) {
                if (n - pos < 4)
                    break;
                len = (qint64(d[pos + 2]) << 8) | d[pos + 3];
                hdr = 4;
            } else if (len == 127) {
                if (n - pos < 10)
                    break;
                len = 0;
                for (int k = 2; k < 10; ++k)
                    len = (len << 8) | d[pos + k];
                hdr = 10;
            }
            if (n - pos < hdr + len)
                break;
            const int opcode = d[pos] & 0x0f;
            const QByteArrayView payload(c.in.constData() + pos + hdr, len);
            if (opcode == 0x1) {
                onMessageBytes(i, payload);
            } else if (opcode == 0x8 && c.closeCode < 0) {
                c.closeCode = len >= 2 ? (int(uchar(payload[0])) << 8) | uchar(payload[1]) : 1005;
                if (m_firstClose.isEmpty())
                    m_firstClose = QString::number(c.closeCode) + u" "_s +
                                   QString::fromUtf8(payload.sliced(len >= 2 ? 2 : 0));
            }
            pos += hdr + len;
        }
        c.in.remove(0, pos);
    }

    void onMessageBytes(int i, QByteArrayView m)
    {
        const qint64 now = nowNs();
        const qsizetype at = m.indexOf(QByteArrayView("\"t="));
        if (at < 0) {
            if (m.indexOf(QByteArrayView("\"tool_end\"")) >= 0)
                m_clients[i].sawToolEnd = true;
            return;
        }
        qint64 stamp = 0;
        for (qsizetype k = at + 3; k < m.size(); ++k) {
            const char ch = m[k];
            if (ch < '0' || ch > '9')
                break;
            stamp = stamp * 10 + (ch - '0');
        }
        recordStamp(i, now, stamp);
    }

    void recordStamp(int i, qint64 now, qint64 stamp)
    {
        const qint64 us = std::max<qint64>(0, (now - stamp) / 1000);
        m_samples.push_back(quint32(std::min<qint64>(us, 0xffffffffLL)));
        ++m_clients[i].received;
        const qint64 mono = monoNs();
        if (m_firstRecv == 0)
            m_firstRecv = mono;
        m_lastRecv = mono;
    }

    // Thread: main. The hot path: finds the stamp without parsing the JSON.
    void onMessage(int i, const QString &m)
    {
        const qint64 now = nowNs();
        const qsizetype at = m.indexOf(u"\"t="_s);
        if (at >= 0) {
            qint64 stamp = 0;
            for (qsizetype k = at + 3; k < m.size(); ++k) {
                const char16_t c = m.at(k).unicode();
                if (c < u'0' || c > u'9')
                    break;
                stamp = stamp * 10 + (c - u'0');
            }
            const qint64 us = std::max<qint64>(0, (now - stamp) / 1000);
            m_samples.push_back(quint32(std::min<qint64>(us, 0xffffffffLL)));
            ++m_clients[i].received;
            const qint64 mono = monoNs();
            if (m_firstRecv == 0)
                m_firstRecv = mono;
            m_lastRecv = mono;
            return;
        }
        if (m.contains(u"\"tool_end\""_s))
            m_clients[i].sawToolEnd = true;
    }

    void sampleCpu()
    {
        m_cpu.push_back({monoNs(), m_pid > 0 ? cpuSeconds(m_pid) : -1, cpuSeconds(getpid())});
    }

    // The sample closest to `mono`.
    CpuSample cpuAt(qint64 mono) const
    {
        CpuSample best = m_cpu.front();
        for (const CpuSample &s : m_cpu) {
            if (std::llabs(s.mono - mono) < std::llabs(best.mono - mono))
                best = s;
        }
        return best;
    }

    int runFanout()
    {
        QTextStream out(stdout);
        const int clients = argInt(m_args, u"--clients"_s, 200);
        const int rate = argInt(m_args, u"--rate"_s, 5000);
        const int seconds = argInt(m_args, u"--seconds"_s, 10);
        const int burst = argInt(m_args, u"--burst"_s, 0);
        const QString python = argValue(m_args, u"--python"_s, u"/usr/bin/python3"_s);
        if (clients < 1 || rate < 1 || seconds < 1 || burst < 0) {
            QTextStream(stderr)
                << "fanout: --clients, --rate, --seconds and --burst must be positive\n";
            return 2;
        }
        if (!openClients(clients))
            return 1;
        const qint64 expected = burst > 0 ? burst : qint64(rate) * seconds;
        m_samples.reserve(size_t(clients) * size_t(expected));

        QTimer cpuTimer;
        QObject::connect(&cpuTimer, &QTimer::timeout, &m_owner, [this] { sampleCpu(); });
        sampleCpu();
        cpuTimer.start(100);

        StartRunRequest req;
        Step step;
        step.tool = u"script"_s;
        step.params =
            QJsonObject{{u"command"_s, burst > 0 ? burstCommand(python, burst)
                                                 : printerCommand(python, rate, seconds)}};
        req.steps = {step};
        req.timeoutS = seconds + 120;
        const HttpResult started =
            httpCall("POST", m_baseUrl + u"/crews/%1/runs"_s.arg(m_crewId), m_token,
                     QJsonDocument(req.toJson()).toJson(QJsonDocument::Compact));
        const auto run = Run::fromJson(started.json().object());
        if (started.status != 202 || !run) {
            QTextStream(stderr) << "fanout: POST /runs failed (HTTP " << started.status
                                << "): " << started.body << "\n";
            return 1;
        }

        // Done when every client saw the tool's end, or nothing arrived for 3 s after the
        // printer's time, or a hard deadline.
        const qint64 startMono = monoNs();
        waitUntil(
            [&] {
                const qint64 now = monoNs();
                bool allEnded = true;
                for (const Client &c : m_clients)
                    allEnded = allEnded && (c.sawToolEnd || c.closeCode >= 0);
                if (allEnded)
                    return true;
                const qint64 quietSince = m_lastRecv ? m_lastRecv : startMono;
                return now - startMono > qint64(seconds) * 1000000000 + 5000000000LL &&
                       now - quietSince > 3000000000LL;
            },
            (seconds + 120) * 1000);
        sampleCpu();
        cpuTimer.stop();

        qint64 total = 0, minPer = std::numeric_limits<qint64>::max(), maxPer = 0;
        int closedEarly = 0;
        for (const Client &c : m_clients) {
            total += c.received;
            minPer = std::min(minPer, c.received);
            maxPer = std::max(maxPer, c.received);
            if (c.closeCode >= 0)
                ++closedEarly;
        }
        const double window = m_lastRecv > m_firstRecv ? (m_lastRecv - m_firstRecv) / 1e9 : 0;
        const double deliveredPerS = window > 0 ? total / window : 0;
        double serverCpuPct = -1, selfCpuPct = -1;
        if (window > 0) {
            const CpuSample a = cpuAt(m_firstRecv), b = cpuAt(m_lastRecv);
            const double wall = (b.mono - a.mono) / 1e9;
            if (wall > 0) {
                if (m_pid > 0)
                    serverCpuPct = 100.0 * (b.serverCpu - a.serverCpu) / wall;
                selfCpuPct = 100.0 * (b.selfCpu - a.selfCpu) / wall;
            }
        }
        const qint64 rss = m_pid > 0 ? statusKb(m_pid, "VmRSS") : -1;
        const qint64 hwm = m_pid > 0 ? statusKb(m_pid, "VmHWM") : -1;
        const Summary s = summarize(m_samples);

        const bool lossless = minPer == expected && closedEarly == 0;
        const bool tls = m_wsUrl.startsWith(u"wss://"_s);
        out << "fanout: " << clients << (m_raw ? " raw" : " QWebSocket")
            << (tls ? " wss (TLS)" : "") << " clients on /ws/graph, ";
        if (burst > 0)
            out << "printer: a burst of " << burst << " lines\n";
        else
            out << "printer " << rate << " lines/s for " << seconds << " s\n";
        out << QString::asprintf("  %-34s %lld\n", "lines printed", expected);
        out << QString::asprintf("  %-34s min %lld / max %lld\n", "events received per client",
                                 minPer, maxPer);
        out << QString::asprintf("  %-34s %lld\n", "messages delivered (all clients)", total);
        out << QString::asprintf("  %-34s %.3f s\n", "delivery window", window);
        out << QString::asprintf("  %-34s %.0f msgs/s\n", "delivered", deliveredPerS);
        out << QString::asprintf("  %-34s p50 %.2f  p95 %.2f  p99 %.2f  max %.2f ms\n",
                                 "latency print->receive", s.p50Ms, s.p95Ms, s.p99Ms, s.maxMs);
        out << QString::asprintf("  %-34s %.1f %%\n", "server CPU (100% = one core)", serverCpuPct);
        out << QString::asprintf("  %-34s %.1f %%\n", "bench client CPU", selfCpuPct);
        out << QString::asprintf("  %-34s %lld kB (peak %lld kB)\n", "server RSS", rss, hwm);
        out << QString::asprintf("  %-34s %d\n", "clients closed by the server", closedEarly);
        out << QString::asprintf("  %-34s %s\n", "every event to every client",
                                 lossless ? "yes" : "NO");
        if (!m_firstClose.isEmpty())
            out << "  first close: " << m_firstClose << "\n";
        if (closedEarly > 0 && !m_external)
            QTextStream(stderr) << "server log (tail):\n" << m_server.logTail().right(1500) << "\n";
        // Server CPU per delivered message: CPU seconds over the delivery window / messages.
        const double cpuUsPerMsg = serverCpuPct >= 0 && total > 0
                                       ? serverCpuPct / 100.0 * window / double(total) * 1e6
                                       : -1;
        out << QString::asprintf("  %-34s %.3f us\n", "server CPU per delivered message",
                                 cpuUsPerMsg);
        out << QString::asprintf("RESULT fanout clients=%d rate=%d burst=%d raw=%d events=%lld "
                                 "delivered_per_s=%.0f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f "
                                 "max_ms=%.2f cpu_pct=%.1f cpu_us_per_msg=%.3f client_cpu_pct=%.1f "
                                 "rss_kb=%lld hwm_kb=%lld closed=%d lossless=%d tls=%d\n",
                                 clients, rate, burst, m_raw ? 1 : 0, maxPer, deliveredPerS,
                                 s.p50Ms, s.p95Ms, s.p99Ms, s.maxMs, serverCpuPct, cpuUsPerMsg,
                                 selfCpuPct, rss, hwm, closedEarly, lossless ? 1 : 0, tls ? 1 : 0);
        out.flush();
        return total > 0 && (burst == 0 || lossless) ? 0 : 1;
    }

    int runIdle(int count)
    {
        QTextStream out(stdout);
        if (m_pid <= 0) {
            QTextStream(stderr) << "fanout --idle needs the bench's own server (no --server)\n";
            return 2;
        }
        // Warm-up sockets stay open so that one-time allocations are in the baseline.
        const int warm = 20;
        if (!openClients(warm))
            return 1;
        const auto settle = [] { waitUntil([] { return false; }, 2000); };
        settle();
        const qint64 before = statusKb(m_pid, "VmRSS");
        if (!openClients(count))
            return 1;
        settle();
        const qint64 after = statusKb(m_pid, "VmRSS");
        int open = 0;
        for (const Client &c : m_clients)
            open += (c.connected && c.closeCode < 0) ? 1 : 0;
        const double perConnKb = double(after - before) / count;
        out << "fanout --idle: " << count << " idle /ws/graph sockets (after " << warm
            << " warm-up)\n";
        out << QString::asprintf("  %-30s %lld kB\n", "server RSS before", before);
        out << QString::asprintf("  %-30s %lld kB\n", "server RSS after", after);
        out << QString::asprintf("  %-30s %d\n", "sockets open at the end", open);
        out << QString::asprintf("  %-30s %.2f kB\n", "RSS per idle socket", perConnKb);
        out << QString::asprintf("RESULT fanout idle=%d rss_before_kb=%lld rss_after_kb=%lld "
                                 "rss_per_conn_kb=%.2f\n",
                                 count, before, after, perConnKb);
        out.flush();
        return open == count + warm ? 0 : 1;
    }

    QStringList m_args;
    QObject m_owner; // parent and context of the sockets and timers
    BenchServer m_server;
    bool m_external = false;
    bool m_raw = false; // --raw-clients; otherwise every client is a full QWebSocket
    QString m_baseUrl, m_wsUrl, m_token, m_crewId;
    qint64 m_pid = -1;
    std::vector<Client> m_clients;
    std::vector<quint32> m_samples;
    std::vector<CpuSample> m_cpu;
    qint64 m_firstRecv = 0, m_lastRecv = 0;
    QString m_firstClose; // "code reason" of the first socket the server closed
};

} // namespace

int runFanoutCommand(const QStringList &args)
{
    if (hasFlag(args, u"--compare-tls"_s))
        return runPlainThenTls(args, [](const QStringList &a) { return FanoutBench(a).run(); });
    return FanoutBench(args).run();
}

} // namespace crewdeck::bench
