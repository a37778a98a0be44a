#pragma once
// What the scale-out tests need to run a cluster from the built binary: a throwaway Redis and
// PostgreSQL on free loopback ports, one JWT secret, the org's admin written straight into the
// shared database, and crewdeck-server nodes (`--role api|worker`) as child processes whose
// output goes to a log file each. Plus the REST helpers the tests assert with. Header-only;
// everything runs on the test's main thread (blocking calls spin its event loop).
#include "tests/live/livesocket.h"
#include "tests/support/pgserver.h"
#include "tests/support/processutil.h"
#include "tests/support/redisserver.h"
#include "tests/support/testserver.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

namespace crewdeck::testsupport {

// One crewdeck-server child process; its output goes to a file next to its data dir.
struct ClusterNode
{
    QString name;
    QString role; // api | worker
    QStringList extraArgs;
    quint16 port = 0;
    QString dataDir;
    QString logPath;
    std::unique_ptr<QProcess> process;

    bool isRunning() const { return process && process->state() == QProcess::Running; }
    QString logTail(qsizetype n = 4000) const
    {
        QFile f(logPath);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        return QString::fromUtf8(f.readAll().right(n));
    }
    void stop()
    {
        if (!isRunning())
            return;
        process->terminate();
        if (!process->waitForFinished(30000)) {
            process->kill();
            process->waitForFinished(10000);
        }
    }
};

class ClusterHarness
{
public:
    static constexpr const char *Email = "ops@acme.test";
    static constexpr const char *Password = "cluster-passw0rd";

    // Empty when everything is there; else why the test must skip.
    static QString missing()
    {
        if (qEnvironmentVariable("CREWDECK_SERVER_BIN").isEmpty())
            return QStringLiteral("CREWDECK_SERVER_BIN is not set (run through ctest)");
        if (!RedisServer::isAvailable())
            return RedisServer::unavailableReason();
        if (crewdeck::test::PgServer::binDir().isEmpty())
            return QStringLiteral("PostgreSQL is not installed");
        if (!QFileInfo(QStringLiteral("/usr/bin/python3")).isExecutable())
            return QStringLiteral("/usr/bin/python3 is missing");
        return {};
    }

    // Redis, PostgreSQL, the secret and the admin user. False with a message on failure.
    bool start(QString *error)
    {
        m_bin = qEnvironmentVariable("CREWDECK_SERVER_BIN");
        if (!m_dir.isValid() || !redis.start()) {
            *error = QStringLiteral("redis: ") + redis.errorString();
            return false;
        }
        pg = std::make_unique<crewdeck::test::PgServer>();
        if (!pg->start(error))
            return false;
        // One JWT secret for all nodes: a token from one node works on every node.
        m_secretFile = m_dir.filePath(QStringLiteral("jwt-secret"));
        QFile f(m_secretFile);
        if (!f.open(QIODevice::WriteOnly))
            return false;
        QByteArray key(32, Qt::Uninitialized);
        for (char &c : key)
            c = char(QRandomGenerator::system()->bounded(256));
        f.write(key.toBase64());
        f.close();
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);

        QProcess useradd;
        useradd.setProcessEnvironment(cleanEnv());
        useradd.start(m_bin,
                      {QStringLiteral("useradd"), QStringLiteral("--db"), pg->url(),
                       QStringLiteral("--org"), QStringLiteral("acme"), QStringLiteral("--email"),
                       QString::fromLatin1(Email), QStringLiteral("--role"),
                       QStringLiteral("admin"), QStringLiteral("--password-stdin"),
                       QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("useradd"))});
        useradd.waitForStarted(10000);
        useradd.write(QByteArray(Password) + '\n');
        useradd.closeWriteChannel();
        if (!useradd.waitForFinished(60000) || useradd.exitCode() != 0) {
            *error = QString::fromUtf8(useradd.readAllStandardError());
            return false;
        }
        return true;
    }

    // Starts `serve` on a free port and waits for /healthz (a port taken meanwhile: again).
    bool startNode(ClusterNode &node, int attempts = 5)
    {
        if (node.dataDir.isEmpty()) {
            node.dataDir = m_dir.filePath(node.name);
            node.logPath = m_dir.filePath(node.name + QStringLiteral(".log"));
        }
        for (int attempt = 0; attempt < attempts; ++attempt) {
            node.port = freePort();
            node.process = std::make_unique<QProcess>();
            node.process->setProcessEnvironment(cleanEnv());
            node.process->setStandardOutputFile(node.logPath, QIODevice::Append);
            node.process->setStandardErrorFile(node.logPath, QIODevice::Append);
            node.process->start(
                m_bin, QStringList{QStringLiteral("serve"), QStringLiteral("--listen"),
                                   QStringLiteral("127.0.0.1:%1").arg(node.port),
                                   QStringLiteral("--data-dir"), node.dataDir,
                                   QStringLiteral("--db"), pg->url(), QStringLiteral("--redis"),
                                   redis.url(), QStringLiteral("--role"), node.role,
                                   QStringLiteral("--jwt-secret-file"), m_secretFile,
                                   QStringLiteral("--python"), QStringLiteral("/usr/bin/python3")} +
                           node.extraArgs);
            if (!node.process->waitForStarted(10000))
                return false;
            if (waitHealthy(node.port))
                return true;
            if (node.isRunning()) {
                node.process->kill();
                node.process->waitForFinished(10000);
            }
            qWarning().noquote() << node.name << "did not come up:" << node.logTail(1000);
        }
        return false;
    }

    bool login(quint16 port)
    {
        HttpClient http(url(port));
        const auto r =
            http.post(QStringLiteral("/auth/login"),
                      QJsonObject{{QStringLiteral("email"), QString::fromLatin1(Email)},
                                  {QStringLiteral("password"), QString::fromLatin1(Password)}});
        token = r.json().value(QStringLiteral("access_token")).toString();
        return r.status == 200 && !token.isEmpty();
    }

    static QUrl url(quint16 port) { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)); }

    static int readyz(quint16 port)
    {
        HttpClient http(url(port));
        return http.request("GET", QStringLiteral("/readyz"), {}, {}, {}, 5000).status;
    }

    QString createCrew(quint16 port, const QString &name)
    {
        HttpClient http(url(port));
        const QJsonObject agent{{QStringLiteral("name"), QStringLiteral("Runner")},
                                {QStringLiteral("role"), QStringLiteral("cluster")},
                                {QStringLiteral("tools"), QJsonArray{QStringLiteral("script")}}};
        const auto r = http.post(QStringLiteral("/crews"),
                                 QJsonObject{{QStringLiteral("name"), name},
                                             {QStringLiteral("agents"), QJsonArray{agent}}},
                                 token);
        if (r.status != 201) {
            qWarning() << "POST /crews:" << r.status << r.body;
            return {};
        }
        return r.json().value(QStringLiteral("id")).toString();
    }

    QString submitRun(quint16 port, const QString &crewId, const QString &command)
    {
        HttpClient http(url(port));
        const QJsonObject step{
            {QStringLiteral("tool"), QStringLiteral("script")},
            {QStringLiteral("params"), QJsonObject{{QStringLiteral("command"), command}}}};
        const auto r = http.post(QStringLiteral("/crews/%1/runs").arg(crewId),
                                 QJsonObject{{QStringLiteral("steps"), QJsonArray{step}}}, token);
        if (r.status != 202) {
            qWarning() << "POST /crews/{id}/runs:" << r.status << r.body;
            return {};
        }
        return r.json().value(QStringLiteral("id")).toString();
    }

    // Every event of a run through GET /runs/{id}/events on `port` (paged with since).
    QList<QJsonObject> restEvents(quint16 port, const QString &runId)
    {
        HttpClient http(url(port));
        QList<QJsonObject> all;
        qint64 since = 0;
        for (;;) {
            const auto r =
                http.get(QStringLiteral("/runs/%1/events?since=%2").arg(runId).arg(since), token);
            if (r.status != 200) {
                qWarning() << "GET events:" << r.status << r.body;
                return {};
            }
            const QList<QJsonObject> page =
                toObjects(r.json().value(QStringLiteral("events")).toArray());
            if (page.isEmpty())
                return all;
            all += page;
            since = page.last().value(QStringLiteral("seq")).toInteger();
        }
    }

    QString runStatus(quint16 port, const QString &runId)
    {
        HttpClient http(url(port));
        return http.get(QStringLiteral("/runs/") + runId, token)
            .json()
            .value(QStringLiteral("status"))
            .toString();
    }

    std::unique_ptr<crewdeck::test::PgServer> pg; // reset() stops it
    RedisServer redis;
    QString token;

private:
    QString m_bin;
    QTemporaryDir m_dir;
    QString m_secretFile;
};

inline QList<QJsonObject> eventsOfType(const QList<QJsonObject> &events, const QString &type)
{
    QList<QJsonObject> out;
    for (const auto &e : events) {
        if (e.value(QLatin1String("type")).toString() == type)
            out.append(e);
    }
    return out;
}

// The statuses the mission stream reported for one crew, in order.
inline QStringList crewSignals(const LiveSocket &mission, const QString &crewId)
{
    QStringList out;
    for (const auto &e : mission.ofType(QStringLiteral("signal"))) {
        if (e.value(QLatin1String("crew_id")).toString() == crewId)
            out.append(e.value(QLatin1String("status")).toString());
    }
    return out;
}

} // namespace crewdeck::testsupport
