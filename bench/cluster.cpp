#include "bench/benchutil.h"
#include "tests/support/pgserver.h"
#include "tests/support/redisserver.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTextStream>
#include <QThread>
#include <array>
#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#endif

using namespace Qt::StringLiterals;

// `cluster`: the cross-node latency of a tool's print. A throwaway PostgreSQL and Redis on
// free loopback ports (as tests/cluster starts them), one API node and one worker node from
// the built crewdeck-server, then for each rate the `fanout` measurement against the API node:
// a script step on the worker prints stamped `::progress` lines at the rate, a WebSocket
// client on the API node's /ws/graph computes receive - print. Also reports the CPU that the
// API node, the worker and Redis spent per second of the run. Thread: main thread only.
namespace crewdeck::bench {

int runFanoutCommand(const QStringList &args);

namespace {

// One crewdeck-server child process; output in its data dir.
struct ClusterNode
{
    QString role;
    quint16 port = 0;
    QString dataDir;
    QProcess process;

    QString baseUrl() const { return u"http://127.0.0.1:%1"_s.arg(port); }
    QString logTail() const
    {
        QFile f(dataDir + u"/server.log"_s);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll().right(2000)) : QString();
    }
    void stop()
    {
        if (process.state() == QProcess::NotRunning)
            return;
        process.terminate();
        if (!process.waitForFinished(15000)) {
            process.kill();
            process.waitForFinished(5000);
        }
    }
};

class ClusterBench
{
public:
    explicit ClusterBench(const QStringList &args) : m_args(args) {}
    ~ClusterBench()
    {
        m_api.stop();
        m_worker.stop();
    }

    int run()
    {
        QTextStream err(stderr);
        QString error;
        if (!setUp(&error)) {
            err << "cluster: " << error << "\n";
            return 1;
        }
        const QStringList rates =
            argValue(m_args, u"--rates"_s, u"1000,10000"_s).split(u',', Qt::SkipEmptyParts);
        const int seconds = argInt(m_args, u"--seconds"_s, 10);
        const int repeat = std::max(1, argInt(m_args, u"--repeat"_s, 1));
        int rc = 0;
        for (int r = 0; r < repeat; ++r) {
            for (const QString &rate : rates) {
                QTextStream(stdout) << "cluster: worker node -> PostgreSQL + Redis -> API node, "
                                    << rate << " lines/s, round " << (r + 1) << "\n";
                rc |= measure(rate.toInt(), seconds);
            }
        }
        return rc;
    }

private:
    bool setUp(QString *error)
    {
        const QString bin = BenchServer::findServerBinary(m_args);
        if (!QFile::exists(bin)) {
            *error = u"crewdeck-server not found at %1 (use --server-bin)"_s.arg(bin);
            return false;
        }
        if (!testsupport::RedisServer::isAvailable()) {
            *error = testsupport::RedisServer::unavailableReason();
            return false;
        }
        if (test::PgServer::binDir().isEmpty()) {
            *error = u"PostgreSQL is not installed (initdb not found)"_s;
            return false;
        }
        if (!m_dir.isValid() || !m_redis.start()) {
            *error = u"redis: %1"_s.arg(m_redis.errorString());
            return false;
        }
        if (!m_pg.start(error))
            return false;
        // One JWT secret for both nodes: the API node's token is valid on the worker too.
        m_secretFile = m_dir.filePath(u"jwt-secret"_s);
        QFile secret(m_secretFile);
        if (!secret.open(QIODevice::WriteOnly))
            return false;
        QByteArray key(32, Qt::Uninitialized);
        for (char &c : key)
            c = char(QRandomGenerator::system()->bounded(256));
        secret.write(key.toBase64());
        secret.close();
        secret.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);

        QProcess add;
        add.start(bin, {u"useradd"_s, u"--db"_s, m_pg.url(), u"--org"_s, u"bench"_s, u"--email"_s,
                        benchEmail(), u"--role"_s, u"admin"_s, u"--password-stdin"_s,
                        u"--data-dir"_s, m_dir.filePath(u"useradd"_s)});
        add.waitForStarted(10000);
        add.write(benchPassword().toUtf8() + '\n');
        add.closeWriteChannel();
        if (!add.waitForFinished(60000) || add.exitCode() != 0) {
            *error = u"useradd: %1"_s.arg(QString::fromUtf8(add.readAllStandardError()));
            return false;
        }
        m_api.role = u"api"_s;
        m_worker.role = u"worker"_s;
        if (!startNode(m_api, bin, error) || !startNode(m_worker, bin, error))
            return false;
        m_token = login(m_api.baseUrl(), error);
        if (m_token.isEmpty())
            return false;
        m_crewId = createCrew(m_api.baseUrl(), m_token, u"bench-cluster"_s, error);
        if (m_crewId.isEmpty())
            return false;
        // Ready = the store and Redis are reachable; then one heartbeat period (2 s) so that
        // the API node has seen the worker.
        for (const ClusterNode *n : {&m_api, &m_worker}) {
            if (!waitUntil(
                    [n] { return httpCall("GET", n->baseUrl() + u"/readyz"_s, {}).status == 200; },
                    30000, 100)) {
                *error = u"%1 node not ready: %2"_s.arg(n->role, n->logTail());
                return false;
            }
        }
        waitUntil([] { return false; }, 2500);
        return true;
    }

    bool startNode(ClusterNode &node, const QString &bin, QString *error)
    {
        node.dataDir = m_dir.filePath(node.role);
        QDir().mkpath(node.dataDir);
        for (int attempt = 0; attempt < 5; ++attempt) {
            {
                QTcpServer probe;
                if (!probe.listen(QHostAddress::LocalHost, 0))
                    continue;
                node.port = probe.serverPort();
            }
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.remove(u"QT_NO_GLIB"_s); // the nodes run as in production
            env.insert(u"QT_LOGGING_RULES"_s, u"*.debug=false"_s);
            node.process.setProcessEnvironment(env);
            node.process.setStandardOutputFile(node.dataDir + u"/server.log"_s, QIODevice::Append);
            node.process.setStandardErrorFile(node.dataDir + u"/server.log"_s, QIODevice::Append);
#ifdef Q_OS_LINUX
            // A bench that dies takes its nodes with it.
            node.process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
            node.process.start(bin, {u"serve"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(node.port),
                                     u"--data-dir"_s, node.dataDir, u"--db"_s, m_pg.url(),
                                     u"--redis"_s, m_redis.url(), u"--role"_s, node.role,
                                     u"--jwt-secret-file"_s, m_secretFile});
            if (!node.process.waitForStarted(10000))
                break;
            if (waitUntil(
                    [&node] {
                        return node.process.state() != QProcess::Running ||
                               httpCall("GET", node.baseUrl() + u"/healthz"_s, {}, {}, 2000)
                                       .status == 200;
                    },
                    60000, 100) &&
                node.process.state() == QProcess::Running)
                return true;
            node.stop();
        }
        *error = u"the %1 node did not come up: %2"_s.arg(node.role, node.logTail());
        return false;
    }

    // CPU seconds of each part: API node, worker node, Redis, PostgreSQL (the postmaster and
    // its children: the nodes' backends live as long as their connections).
    std::array<double, 4> cpuNow() const
    {
        double pg = 0;
        const qint64 postmaster = m_pg.postmasterPid();
        const QStringList procs = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        for (const QString &p : procs) {
            bool ok = false;
            const qint64 pid = p.toLongLong(&ok);
            if (!ok)
                continue;
            QFile stat(u"/proc/%1/stat"_s.arg(p));
            if (!stat.open(QIODevice::ReadOnly))
                continue;
            const QByteArray s = stat.readAll();
            // Field 4 (ppid) follows the ")" that ends the command name.
            const QList<QByteArray> f = s.mid(s.lastIndexOf(')') + 2).split(' ');
            if (pid == postmaster || (f.size() > 1 && f.at(1).toLongLong() == postmaster))
                pg += std::max(0.0, cpuSeconds(pid));
        }
        return {cpuSeconds(m_api.process.processId()), cpuSeconds(m_worker.process.processId()),
                cpuSeconds(m_redis.pid()), pg};
    }

    int measure(int rate, int seconds)
    {
        const std::array<double, 4> before = cpuNow();
        const qint64 start = monoNs();
        const int rc =
            runFanoutCommand({u"--server"_s, m_api.baseUrl(), u"--token"_s, m_token, u"--crew-id"_s,
                              m_crewId, u"--clients"_s, u"1"_s, u"--rate"_s, QString::number(rate),
                              u"--seconds"_s, QString::number(seconds)});
        const double wall = (monoNs() - start) / 1e9;
        const std::array<double, 4> after = cpuNow();
        const std::array<const char *, 4> names{"api", "worker", "redis", "postgres"};
        QTextStream out(stdout);
        out << "  CPU over the whole run (" << QString::number(wall, 'f', 1)
            << " s, 100% = one core):";
        QString result = u"RESULT cluster rate=%1"_s.arg(rate);
        for (size_t i = 0; i < names.size(); ++i) {
            const double pct = wall > 0 ? 100.0 * (after[i] - before[i]) / wall : -1;
            out << " " << names[i] << " " << QString::number(pct, 'f', 1) << " %";
            result += u" %1_cpu_pct=%2"_s.arg(QString::fromLatin1(names[i]))
                          .arg(QString::number(pct, 'f', 1));
        }
        out << "\n" << result << "\n";
        out.flush();
        return rc;
    }

    QStringList m_args;
    QTemporaryDir m_dir{QDir::tempPath() + u"/crewdeck-bench-cluster-XXXXXX"_s};
    testsupport::RedisServer m_redis;
    test::PgServer m_pg;
    QString m_secretFile;
    ClusterNode m_api, m_worker;
    QString m_token, m_crewId;
};

} // namespace

int runClusterCommand(const QStringList &args)
{
    return ClusterBench(args).run();
}

} // namespace crewdeck::bench
