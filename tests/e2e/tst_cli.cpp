// crewdeck-server as a program: the command line, useradd, serve, the environment, SIGTERM.
// The binary comes from CREWDECK_SERVER_BIN (set by CTest).
#include "tests/support/processutil.h"
#include "tests/support/testserver.h"

#include <QFileInfo>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

using Result = ProcessResult;

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void help();
    void version();
    void badCommandLines_data();
    void badCommandLines();
    void useradd();
    void serveEndToEnd();
    void listenFromEnvironment();
    void flagBeatsEnvironment();

private:
    Result run(const QStringList &args, const QByteArray &stdinData = {},
               const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
    // Starts `serve`; the caller stops it.
    bool startServer(QProcess &p, const QStringList &args, const QProcessEnvironment &env,
                     quint16 port);

    QString m_bin;
};

void TestCli::initTestCase()
{
    m_bin = qEnvironmentVariable("CREWDECK_SERVER_BIN");
    if (m_bin.isEmpty())
        QSKIP("CREWDECK_SERVER_BIN is not set (run through ctest)");
    QVERIFY2(QFileInfo(m_bin).isExecutable(), qPrintable(m_bin));
}

Result TestCli::run(const QStringList &args, const QByteArray &stdinData,
                    const QProcessEnvironment &env)
{
    return runProgram(m_bin, args, stdinData, env);
}

bool TestCli::startServer(QProcess &p, const QStringList &args, const QProcessEnvironment &env,
                          quint16 port)
{
    p.setProcessEnvironment(env);
    p.start(m_bin, args);
    if (!p.waitForStarted(10000))
        return false;
    return waitHealthy(port, 30000);
}

void TestCli::help()
{
    const Result r = run({u"--help"_s}, {}, cleanEnv());
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("useradd"));
    QVERIFY(r.out.contains("--listen HOST:PORT"));
    QVERIFY(r.out.contains("--jwt-secret-file"));
}

void TestCli::version()
{
    const Result r = run({u"--version"_s}, {}, cleanEnv());
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith("crewdeck-server "), r.out.constData());
    QVERIFY(r.out.contains(CREWDECK_VERSION));
}

void TestCli::badCommandLines_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("envName");
    QTest::addColumn<QString>("envValue");
    QTest::newRow("unknown flag") << QStringList{u"--bogus"_s} << QString() << QString();
    QTest::newRow("unknown command") << QStringList{u"launch"_s} << QString() << QString();
    QTest::newRow("listen without port")
        << QStringList{u"--listen"_s, u"127.0.0.1"_s} << QString() << QString();
    QTest::newRow("listen port too big")
        << QStringList{u"--listen"_s, u"127.0.0.1:70000"_s} << QString() << QString();
    QTest::newRow("role") << QStringList{u"serve"_s, u"--role"_s, u"boss"_s} << QString()
                          << QString();
    QTest::newRow("runs zero") << QStringList{u"--max-concurrent-runs"_s, u"0"_s} << QString()
                               << QString();
    QTest::newRow("missing value") << QStringList{u"--data-dir"_s} << QString() << QString();
    QTest::newRow("bad env") << QStringList{} << u"CREWDECK_WS_HEARTBEAT_SECONDS"_s << u"often"_s;
    QTest::newRow("useradd without password")
        << QStringList{u"useradd"_s, u"--org"_s,  u"o"_s,    u"--email"_s,
                       u"a@b.c"_s,   u"--role"_s, u"admin"_s}
        << QString() << QString();
    QTest::newRow("useradd bad role")
        << QStringList{u"useradd"_s, u"--org"_s,  u"o"_s,     u"--email"_s,
                       u"a@b.c"_s,   u"--role"_s, u"owner"_s, u"--password-stdin"_s}
        << QString() << QString();
}

void TestCli::badCommandLines()
{
    QFETCH(QStringList, args);
    QFETCH(QString, envName);
    QFETCH(QString, envValue);
    QProcessEnvironment env = cleanEnv();
    if (!envName.isEmpty())
        env.insert(envName, envValue);
    const Result r = run(args, {}, env);
    QCOMPARE(r.exitCode, 2);
    QVERIFY(!r.err.isEmpty());
    QVERIFY(r.out.isEmpty());
}

void TestCli::useradd()
{
    QTemporaryDir dir;
    const QStringList args{u"useradd"_s,       u"--org"_s,  u"acme"_s,  u"--email"_s,
                           u"ops@acme.test"_s, u"--role"_s, u"admin"_s, u"--password-stdin"_s,
                           u"--data-dir"_s,    dir.path()};
    Result r = run(args, "s3cret-passw0rd\n", cleanEnv());
    QCOMPARE(r.exitCode, 0);
    const QByteArray id = r.out.trimmed();
    QVERIFY2(!id.isEmpty() && !id.contains(' ') && !id.contains('\n'), r.out.constData());
    QVERIFY(!r.err.contains("s3cret-passw0rd"));
    // Duplicate e-mail: a message and exit 1.
    r = run(args, "another-password\n", cleanEnv());
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("already exists"));
    // Too short a password is a usage error.
    QStringList other = args;
    other[4] = u"dev@acme.test"_s;
    r = run(other, "short\n", cleanEnv());
    QCOMPARE(r.exitCode, 2);
}

void TestCli::serveEndToEnd()
{
    QTemporaryDir dir;
    const QByteArray password = "pa55word-for-e2e";
    Result r = run({u"useradd"_s, u"--org"_s, u"acme"_s, u"--email"_s, u"e2e@acme.test"_s,
                    u"--role"_s, u"member"_s, u"--password-stdin"_s, u"--data-dir"_s, dir.path()},
                   password + '\n', cleanEnv());
    QCOMPARE(r.exitCode, 0);
    const QString userId = QString::fromUtf8(r.out.trimmed());

    const quint16 port = freePort();
    QVERIFY(port != 0);
    QProcess server;
    QVERIFY(startServer(
        server,
        {u"serve"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(port), u"--data-dir"_s, dir.path()},
        cleanEnv(), port));

    HttpClient http(QUrl(u"http://127.0.0.1:%1"_s.arg(port)));
    auto resp =
        http.post(u"/auth/login"_s, QJsonObject{{u"email"_s, u"e2e@acme.test"_s},
                                                {u"password"_s, QString::fromUtf8(password)}});
    QCOMPARE(resp.status, 200);
    const QString token = resp.json().value(u"access_token"_s).toString();
    QVERIFY(!token.isEmpty());
    QCOMPARE(resp.json().value(u"user"_s).toObject().value(u"id"_s).toString(), userId);
    resp = http.get(u"/crews"_s, token);
    QCOMPARE(resp.status, 200);
    QVERIFY(resp.jsonArray().isEmpty());
    QCOMPARE(http.get(u"/crews"_s).status, 401);

    // The generated JWT secret is private to the owner.
    const QFileInfo secret(dir.filePath(u"jwt-secret"_s));
    QVERIFY(secret.exists());
    QCOMPARE(secret.permissions() &
                 (QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther |
                  QFileDevice::WriteOther | QFileDevice::ExeOwner),
             QFileDevice::Permissions());
    QVERIFY(secret.permissions().testFlag(QFileDevice::ReadOwner));

    // SIGTERM -> graceful exit 0.
    server.terminate();
    QVERIFY(server.waitForFinished(30000));
    QCOMPARE(server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.exitCode(), 0);
    const QByteArray log = server.readAllStandardError() + server.readAllStandardOutput();
    QVERIFY2(log.contains("GET /crews 200"), log.constData());
    QVERIFY(log.contains("POST /auth/login 200"));
    QVERIFY2(!log.contains(token.toUtf8()), "the log contains the access token");
    QVERIFY2(!log.contains(token.toUtf8().split('.').at(2)),
             "the log contains the token's signature");
    QVERIFY2(!log.contains(password), "the log contains the password");

    // The second start reuses the secret: the old token is still valid.
    QProcess again;
    QVERIFY(startServer(again,
                        {u"--listen"_s, u"127.0.0.1:%1"_s.arg(port), u"--data-dir"_s, dir.path()},
                        cleanEnv(), port));
    QCOMPARE(http.get(u"/crews"_s, token).status, 200);
    again.terminate();
    QVERIFY(again.waitForFinished(30000));
    QCOMPARE(again.exitCode(), 0);
}

void TestCli::listenFromEnvironment()
{
    QTemporaryDir dir;
    const quint16 port = freePort();
    QProcessEnvironment env = cleanEnv();
    env.insert(u"CREWDECK_LISTEN"_s, u"127.0.0.1:%1"_s.arg(port));
    env.insert(u"CREWDECK_DATA_DIR"_s, dir.path());
    QProcess server;
    QVERIFY(startServer(server, {u"serve"_s}, env, port));
    // The data dir came from the environment too.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(dir.filePath(u"crewdeck.db"_s)), 10000);
    server.terminate();
    QVERIFY(server.waitForFinished(30000));
    QCOMPARE(server.exitCode(), 0);
}

void TestCli::flagBeatsEnvironment()
{
    QTemporaryDir dir;
    const quint16 envPort = freePort();
    quint16 flagPort = freePort();
    while (flagPort == envPort)
        flagPort = freePort();
    QProcessEnvironment env = cleanEnv();
    env.insert(u"CREWDECK_LISTEN"_s, u"127.0.0.1:%1"_s.arg(envPort));
    QProcess server;
    QVERIFY(startServer(
        server, {u"--listen"_s, u"127.0.0.1:%1"_s.arg(flagPort), u"--data-dir"_s, dir.path()}, env,
        flagPort));
    HttpClient envHttp(QUrl(u"http://127.0.0.1:%1"_s.arg(envPort)));
    QCOMPARE(envHttp.request("GET", u"/healthz"_s, {}, {}, {}, 3000).status, 0);
    server.terminate();
    QVERIFY(server.waitForFinished(30000));
    QCOMPARE(server.exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
