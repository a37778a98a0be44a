#pragma once
#include <QByteArray>
#include <QJsonDocument>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

// Helpers shared by the bench modes: command-line values, /proc readings, percentiles, a
// synchronous HTTP call for setup, and BenchServer (a crewdeck-server child process in a
// temporary data dir). Thread: main thread only.
namespace crewdeck::bench {

// --name VALUE from args, or `fallback`.
QString argValue(const QStringList &args, const QString &name, const QString &fallback = {});
bool hasFlag(const QStringList &args, const QString &name);
int argInt(const QStringList &args, const QString &name, int fallback);

// Runs a nested event loop until `done()` is true or `timeoutMs` passes; true if done.
// `done` is polled every `pollMs`; the loop sleeps in between (processEvents with a time
// limit would spin).
bool waitUntil(const std::function<bool()> &done, int timeoutMs, int pollMs = 10);

// Wall clock in ns (CLOCK_REALTIME): the tool stamps lines with Python's time.time_ns(),
// the same clock.
qint64 nowNs();
// Monotonic ns for durations measured inside this process.
qint64 monoNs();

// CPU time of the calling thread in ns.
qint64 threadCpuNs();
// utime + stime of a process in seconds (from /proc/<pid>/stat); -1 if unreadable.
double cpuSeconds(qint64 pid);
// A field of /proc/<pid>/status in kB (VmRSS, VmHWM); -1 if unreadable.
qint64 statusKb(qint64 pid, const char *field);
// Raises RLIMIT_NOFILE to its hard limit (thousands of sockets); returns the new soft limit.
qint64 raiseFileLimit();

// Latency summary over samples in microseconds (nearest rank).
struct Summary
{
    qint64 count = 0;
    double p50Ms = 0, p95Ms = 0, p99Ms = 0, maxMs = 0;
};
Summary summarize(std::vector<quint32> &samplesUs); // reorders the samples

struct HttpResult
{
    int status = 0; // 0: no answer
    QByteArray body;
    QJsonDocument json() const { return QJsonDocument::fromJson(body); }
};
// Blocking (nested event loop) request for setup steps, never inside a measurement.
HttpResult httpCall(const QByteArray &method, const QString &url, const QString &token,
                    const QByteArray &body = {}, int timeoutMs = 30000);

// A client TCP connection to 127.0.0.1:`port`, plain or TLS (--tls: a QSslSocket trusting the
// bench server's certificate, see BenchServer::setTls). `ready` runs once bytes may be sent:
// after connect, or after the TLS handshake. readyRead/disconnected as for any QTcpSocket.
QTcpSocket *dialClient(quint16 port, bool tls, QObject *parent, std::function<void()> ready);
// Splits `--compare-tls` into two runs of the same command in one process: plain first, then
// with --tls (each with its own server), so both figures come from the same machine state.
int runPlainThenTls(const QStringList &args, const std::function<int(const QStringList &)> &run);

// A crewdeck-server child process with its own temporary data dir and an admin user.
class BenchServer
{
public:
    // Serve TLS only (`serve --tls-cert --tls-key` with a self-signed certificate for
    // 127.0.0.1 made by openssl in the data dir at launch); the bench process trusts it.
    // Call before launch().
    void setTls(bool tls) { m_tls = tls; }
    bool tls() const { return m_tls; }

    BenchServer();
    ~BenchServer();

    // The server binary: --server-bin, else $CREWDECK_SERVER_BIN, else next to this binary.
    static QString findServerBinary(const QStringList &args);

    // Creates the data dir and the admin user (crewdeck-server useradd). Step 1.
    bool prepare(const QString &serverBin, QString *error);
    // Spawns `serve` on a free loopback port, waits for /healthz and logs in. Step 2.
    // `extraArgs` go to `serve` as they are (e.g. --unsafe-tools).
    bool launch(int maxConcurrentRuns, bool noGlib, QString *error,
                const QStringList &extraArgs = {});
    // SIGTERM and wait; idempotent.
    void stop();

    QString dataDir() const { return m_dir ? m_dir->path() : QString(); }
    QString dbPath() const { return dataDir() + QStringLiteral("/crewdeck.db"); }
    QString orgName() const { return QStringLiteral("bench"); }
    QString baseUrl() const;
    QString wsUrl() const;
    QString token() const { return m_token; }
    qint64 pid() const { return m_process.processId(); }
    // The last lines of the server's log (for error messages).
    QString logTail() const;

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_serverBin;
    QProcess m_process;
    quint16 m_port = 0;
    QString m_token;
    bool m_tls = false;
};

// Logs in with the bench admin's credentials; empty on failure.
QString login(const QString &baseUrl, QString *error);
// POST /crews with one agent that may run the script tool; the crew id or empty.
QString createCrew(const QString &baseUrl, const QString &token, const QString &name,
                   QString *error);

QString benchEmail();
QString benchPassword();

} // namespace crewdeck::bench
