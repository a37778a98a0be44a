// The command-line parser as a pure function of arguments and environment.
#include "server/core/cli/options.h"

#include <QDir>
#include <QThread>
#include <QtTest>

using namespace crewdeck;
using namespace crewdeck::server;
using namespace Qt::StringLiterals;

class TestOptions : public QObject
{
    Q_OBJECT

private:
    static ParseResult parse(const QStringList &args,
                             const QList<QPair<QString, QString>> &env = {})
    {
        QProcessEnvironment e;
        for (const auto &[k, v] : env)
            e.insert(k, v);
        return parseCommandLine(args, e);
    }

private Q_SLOTS:
    void defaults()
    {
        const auto r = parse({});
        QVERIFY2(r.config, qPrintable(r.error));
        QCOMPARE(r.config->command, Command::Serve);
        QCOMPARE(r.config->listenHost, u"127.0.0.1"_s);
        QCOMPARE(r.config->listenPort, 8080);
        QCOMPARE(r.config->role, u"all"_s);
        QCOMPARE(r.config->wsHeartbeatSeconds, 45);
        QCOMPARE(r.config->wsCoalesceMs, 3);
        QCOMPARE(r.config->wsCoalesceBusyMs, 8);
        QCOMPARE(r.config->maxConcurrentRuns, qMax(1, QThread::idealThreadCount()));
        QCOMPARE(r.config->startingGrant, Micros::fromUnits(1000));
        QVERIFY(!r.config->dataDir.isEmpty());
        QVERIFY(r.config->dataDir.contains(u"crewdeck"_s));
        QCOMPARE(r.config->sqlitePath(), QDir(r.config->dataDir).filePath(u"crewdeck.db"_s));
        QCOMPARE(r.config->dbKind(), ServerConfig::DbKind::Sqlite);
        QVERIFY(!r.config->demo);
    }

    void allServeFlags()
    {
        const auto r = parse({u"serve"_s,
                              u"--listen"_s,
                              u"[::1]:0"_s,
                              u"--data-dir=/tmp/x"_s,
                              u"--db"_s,
                              u"postgres://u:p@db:5432/crew"_s,
                              u"--redis"_s,
                              u"redis://cache:6379/2"_s,
                              u"--role"_s,
                              u"api"_s,
                              u"--demo"_s,
                              u"--ws-heartbeat-seconds"_s,
                              u"5"_s,
                              u"--ws-coalesce-busy-ms"_s,
                              u"12"_s,
                              u"--max-concurrent-runs"_s,
                              u"3"_s,
                              u"--jwt-secret-file"_s,
                              u"/tmp/s"_s,
                              u"--python"_s,
                              u"/usr/bin/python3"_s,
                              u"--keep-workspaces"_s,
                              u"--grant"_s,
                              u"12.5"_s});
        QVERIFY2(r.config, qPrintable(r.error));
        const ServerConfig &c = *r.config;
        QCOMPARE(c.listenHost, u"::1"_s);
        QCOMPARE(c.listenPort, 0);
        QCOMPARE(c.listenAddress(), QHostAddress(QHostAddress::LocalHostIPv6));
        QCOMPARE(c.dataDir, u"/tmp/x"_s);
        QCOMPARE(c.dbKind(), ServerConfig::DbKind::Postgres);
        QCOMPARE(c.redisUrl, u"redis://cache:6379/2"_s);
        QCOMPARE(c.role, u"api"_s);
        QVERIFY(c.demo);
        QCOMPARE(c.wsHeartbeatSeconds, 5);
        QCOMPARE(c.wsCoalesceBusyMs, 12);
        QCOMPARE(c.maxConcurrentRuns, 3);
        QCOMPARE(c.jwtSecretFile, u"/tmp/s"_s);
        QCOMPARE(c.python, u"/usr/bin/python3"_s);
        QVERIFY(c.keepWorkspaces);
        QCOMPARE(c.startingGrant, Micros{12'500'000});
    }

    // Issue 14: every limit is a flag and a CREWDECK_* variable.
    void limitFlags()
    {
        auto r = parse({u"--max-connections"_s, u"5000"_s, u"--max-connections-per-ip"_s, u"64"_s,
                        u"--login-rate-per-ip"_s, u"12"_s, u"--login-queue-per-ip"_s, u"4"_s,
                        u"--login-queue"_s, u"100"_s, u"--request-rate-per-token"_s, u"0"_s,
                        u"--max-agents-per-crew"_s, u"10"_s, u"--max-tools-per-agent"_s, u"3"_s});
        QVERIFY2(r.config, qPrintable(r.error));
        QCOMPARE(r.config->maxConnections, 5000);
        QCOMPARE(r.config->maxConnectionsPerIp, 64);
        QCOMPARE(r.config->loginRatePerIp, 12);
        QCOMPARE(r.config->loginQueuePerIp, 4);
        QCOMPARE(r.config->loginQueue, 100);
        QCOMPARE(r.config->requestRatePerToken, 0);
        QCOMPARE(r.config->maxAgentsPerCrew, 10);
        QCOMPARE(r.config->maxToolsPerAgent, 3);
        r = parse({}, {{u"CREWDECK_MAX_CONNECTIONS_PER_IP"_s, u"7"_s},
                       {u"CREWDECK_LOGIN_RATE_PER_IP"_s, u"0"_s},
                       {u"CREWDECK_REQUEST_RATE_PER_TOKEN"_s, u"9"_s},
                       {u"CREWDECK_MAX_AGENTS_PER_CREW"_s, u"50"_s}});
        QVERIFY2(r.config, qPrintable(r.error));
        QCOMPARE(r.config->maxConnectionsPerIp, 7);
        QCOMPARE(r.config->loginRatePerIp, 0);
        QCOMPARE(r.config->requestRatePerToken, 9);
        QCOMPARE(r.config->maxAgentsPerCrew, 50);
        // Defaults.
        r = parse({});
        QCOMPARE(r.config->maxConnections, 0); // 90 % of the descriptor limit, at start
        QCOMPARE(r.config->maxConnectionsPerIp, 4096);
        QCOMPARE(r.config->loginRatePerIp, 30);
        QCOMPARE(r.config->requestRatePerToken, 50);
        QCOMPARE(r.config->maxAgentsPerCrew, 100);
        QCOMPARE(r.config->maxToolsPerAgent, 16);
        for (const char *flag :
             {"--max-connections", "--max-connections-per-ip", "--login-rate-per-ip",
              "--login-queue-per-ip", "--login-queue", "--request-rate-per-token",
              "--max-agents-per-crew", "--max-tools-per-agent"})
            QVERIFY2(helpText().contains(QLatin1String(flag)), flag);
    }

    void environmentAndPrecedence()
    {
        auto r = parse({}, {{u"CREWDECK_LISTEN"_s, u"0.0.0.0:9000"_s},
                            {u"CREWDECK_DEMO"_s, u"true"_s},
                            {u"CREWDECK_DB"_s, u"sqlite:/tmp/a.db"_s},
                            {u"CREWDECK_MAX_CONCURRENT_RUNS"_s, u"7"_s},
                            {u"CREWDECK_PYTHON"_s, u"/opt/py"_s}});
        QVERIFY2(r.config, qPrintable(r.error));
        QCOMPARE(r.config->listenPort, 9000);
        QVERIFY(r.config->demo);
        QCOMPARE(r.config->sqlitePath(), u"/tmp/a.db"_s);
        QCOMPARE(r.config->maxConcurrentRuns, 7);
        QCOMPARE(r.config->python, u"/opt/py"_s);
        // The flag wins.
        r = parse({u"--listen"_s, u"127.0.0.1:9001"_s},
                  {{u"CREWDECK_LISTEN"_s, u"0.0.0.0:9000"_s}});
        QCOMPARE(r.config->listenPort, 9001);
        QCOMPARE(r.config->listenHost, u"127.0.0.1"_s);
        // Empty variables count as unset; a switch may be turned off.
        r = parse({}, {{u"CREWDECK_LISTEN"_s, QString()}, {u"CREWDECK_DEMO"_s, u"0"_s}});
        QCOMPARE(r.config->listenPort, 8080);
        QVERIFY(!r.config->demo);
        // A bad environment value is reported with the variable's name.
        r = parse({}, {{u"CREWDECK_ROLE"_s, u"boss"_s}});
        QVERIFY(!r.config);
        QVERIFY(r.error.contains(u"CREWDECK_ROLE"_s));
    }

    void useradd()
    {
        auto r =
            parse({u"useradd"_s, u"--org"_s, u"acme"_s, u"--email"_s, u"a@acme.test"_s, u"--role"_s,
                   u"viewer"_s, u"--password-stdin"_s, u"--data-dir"_s, u"/tmp/d"_s},
                  {{u"CREWDECK_ROLE"_s, u"worker"_s}});
        QVERIFY2(r.config, qPrintable(r.error));
        QCOMPARE(r.config->command, Command::UserAdd);
        QCOMPARE(r.config->userOrg, u"acme"_s);
        QCOMPARE(r.config->userEmail, u"a@acme.test"_s);
        QCOMPARE(r.config->userRole, u"viewer"_s);
        QVERIFY(r.config->passwordStdin);
        QCOMPARE(r.config->dataDir, u"/tmp/d"_s);
        // serve-only flags are not useradd's.
        r = parse({u"useradd"_s, u"--listen"_s, u"1.2.3.4:5"_s});
        QVERIFY(!r.config);
    }

    void toolSandboxFlags()
    {
        auto r = parse({});
        QVERIFY(r.config);
        QVERIFY(!r.config->unsafeTools);
        QVERIFY(r.config->toolNetwork);
        QVERIFY(r.config->gitLocalRoots.isEmpty());
        QCOMPARE(r.config->toolLimits.maxProcesses, 256);
        QCOMPARE(r.config->toolLimits.memoryMb, qint64(4096));
        QCOMPARE(r.config->bwrap, u"bwrap"_s);

        r = parse({u"--unsafe-tools"_s, u"--tool-network"_s, u"none"_s, u"--tool-max-processes"_s,
                   u"64"_s, u"--tool-max-open-files=200"_s, u"--tool-max-file-size-mb"_s, u"10"_s,
                   u"--tool-cpu-seconds"_s, u"30"_s, u"--tool-memory-mb"_s, u"512"_s,
                   u"--tool-uid-base"_s, u"300000"_s, u"--bwrap"_s, u"/opt/bwrap"_s});
        QVERIFY2(r.config, qPrintable(r.error));
        QVERIFY(r.config->unsafeTools);
        QVERIFY(!r.config->toolNetwork);
        QCOMPARE(r.config->toolLimits.maxProcesses, 64);
        QCOMPARE(r.config->toolLimits.maxOpenFiles, 200);
        QCOMPARE(r.config->toolLimits.maxFileSizeMb, qint64(10));
        QCOMPARE(r.config->toolLimits.cpuSeconds, 30);
        QCOMPARE(r.config->toolLimits.memoryMb, qint64(512));
        QCOMPARE(r.config->toolUidBase, 300000u);
        QCOMPARE(r.config->bwrap, u"/opt/bwrap"_s);

        // Local git roots: the variable holds several, separated by ':'; the first flag
        // replaces that list, later flags add to it.
        r = parse({}, {{u"CREWDECK_GIT_LOCAL_ROOT"_s, u"/srv/a:/srv/b/"_s},
                       {u"CREWDECK_TOOL_NETWORK"_s, u"none"_s},
                       {u"CREWDECK_UNSAFE_TOOLS"_s, u"yes"_s}});
        QVERIFY2(r.config, qPrintable(r.error));
        QCOMPARE(r.config->gitLocalRoots, (QStringList{u"/srv/a"_s, u"/srv/b"_s}));
        QVERIFY(!r.config->toolNetwork);
        QVERIFY(r.config->unsafeTools);
        r = parse({u"--git-local-root"_s, u"/srv/c"_s, u"--git-local-root=/srv/d"_s},
                  {{u"CREWDECK_GIT_LOCAL_ROOT"_s, u"/srv/a:/srv/b"_s}});
        QVERIFY2(r.config, qPrintable(r.error));
        QCOMPARE(r.config->gitLocalRoots, (QStringList{u"/srv/c"_s, u"/srv/d"_s}));
        QVERIFY(helpText().contains(u"--git-local-root"_s));
        QVERIFY(helpText().contains(u"--unsafe-tools"_s));
    }

    void helpAndVersion()
    {
        QCOMPARE(parse({u"--help"_s}).config->command, Command::Help);
        QCOMPARE(parse({u"serve"_s, u"--version"_s}).config->command, Command::Version);
        QVERIFY(helpText().contains(u"--max-concurrent-runs"_s));
        QVERIFY(versionText().contains(QLatin1String(CREWDECK_VERSION)));
    }

    void badValues_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mention");
        QTest::newRow("listen host")
            << QStringList{u"--listen"_s, u"example.com:80"_s} << u"--listen"_s;
        QTest::newRow("listen port") << QStringList{u"--listen"_s, u"1.2.3.4:x"_s} << u"--listen"_s;
        QTest::newRow("heartbeat")
            << QStringList{u"--ws-heartbeat-seconds"_s, u"0"_s} << u"ws-heartbeat-seconds"_s;
        QTest::newRow("busy cap") << QStringList{u"--ws-coalesce-busy-ms"_s, u"-1"_s}
                                  << u"ws-coalesce-busy-ms"_s;
        QTest::newRow("runs") << QStringList{u"--max-concurrent-runs"_s, u"many"_s}
                              << u"max-concurrent-runs"_s;
        // The contract: never below 10 login attempts a minute (0 turns the bucket off).
        QTest::newRow("login rate")
            << QStringList{u"--login-rate-per-ip"_s, u"5"_s} << u"login-rate-per-ip"_s;
        QTest::newRow("connections")
            << QStringList{u"--max-connections-per-ip"_s, u"-1"_s} << u"max-connections-per-ip"_s;
        QTest::newRow("db scheme") << QStringList{u"--db"_s, u"mysql://x/y"_s} << u"--db"_s;
        QTest::newRow("postgres url") << QStringList{u"--db"_s, u"postgres://"_s} << u"--db"_s;
        QTest::newRow("redis") << QStringList{u"--redis"_s, u"http://x"_s} << u"--redis"_s;
        QTest::newRow("git root relative")
            << QStringList{u"--git-local-root"_s, u"repos"_s} << u"--git-local-root"_s;
        QTest::newRow("git root slash")
            << QStringList{u"--git-local-root"_s, u"/"_s} << u"--git-local-root"_s;
        QTest::newRow("tool network")
            << QStringList{u"--tool-network"_s, u"off"_s} << u"--tool-network"_s;
        QTest::newRow("tool processes")
            << QStringList{u"--tool-max-processes"_s, u"2"_s} << u"tool-max-processes"_s;
        QTest::newRow("tool memory")
            << QStringList{u"--tool-memory-mb"_s, u"lots"_s} << u"tool-memory-mb"_s;
        QTest::newRow("unsafe takes no value")
            << QStringList{u"--unsafe-tools=1"_s} << u"--unsafe-tools"_s;
        QTest::newRow("grant") << QStringList{u"--grant"_s, u"-1"_s} << u"--grant"_s;
        QTest::newRow("switch value") << QStringList{u"--demo=yes"_s} << u"--demo"_s;
        QTest::newRow("stray") << QStringList{u"serve"_s, u"now"_s} << u"now"_s;
        QTest::newRow("tls cert alone")
            << QStringList{u"--tls-cert"_s, u"/x.pem"_s} << u"--tls-key"_s;
        QTest::newRow("tls key alone")
            << QStringList{u"--tls-key"_s, u"/x.key"_s} << u"--tls-cert"_s;
        QTest::newRow("tls cert empty") << QStringList{u"--tls-cert="_s} << u"--tls-cert"_s;
    }

    void tlsFlags()
    {
        // Off by default; both from flags (relative paths made absolute) or the environment.
        auto r = parse({});
        QVERIFY(r.config && !r.config->tlsEnabled());
        r = parse({u"--tls-cert"_s, u"/etc/c.pem"_s, u"--tls-key"_s, u"k.pem"_s});
        QVERIFY2(r.config, qPrintable(r.error));
        QVERIFY(r.config->tlsEnabled());
        QCOMPARE(r.config->tlsCertFile, u"/etc/c.pem"_s);
        QCOMPARE(r.config->tlsKeyFile, QDir::current().absoluteFilePath(u"k.pem"_s));
        r = parse({u"--tls-cert"_s, u"/flag.pem"_s}, {{u"CREWDECK_TLS_CERT"_s, u"/env.pem"_s},
                                                      {u"CREWDECK_TLS_KEY"_s, u"/env.key"_s}});
        QVERIFY2(r.config, qPrintable(r.error));
        QCOMPARE(r.config->tlsCertFile, u"/flag.pem"_s);
        QCOMPARE(r.config->tlsKeyFile, u"/env.key"_s);
    }

    void badValues()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mention);
        const auto r = parse(args);
        QVERIFY(!r.config);
        QVERIFY2(r.error.contains(mention), qPrintable(r.error));
    }
};

QTEST_GUILESS_MAIN(TestOptions)
#include "tst_options.moc"
