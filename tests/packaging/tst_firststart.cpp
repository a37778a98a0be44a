// A fresh install's first minutes: crewdeck-server's first start creates admin@localhost and
// writes its password to <data-dir>/initial-admin-password (0600), saying where in the log but
// never printing the password; `crewdeck --help` and `--version` work without a display.
// Binaries come from CREWDECK_SERVER_BIN and CREWDECK_APP_BIN (set by CTest).
#include "tests/support/processutil.h"
#include "tests/support/testserver.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

class TestFirstStart : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bootstrapPasswordFile();
    void appHelpWithoutDisplay_data();
    void appHelpWithoutDisplay();

private:
    static QByteArray stopAndLog(QProcess &server);
};

QByteArray TestFirstStart::stopAndLog(QProcess &server)
{
    server.terminate();
    if (!server.waitForFinished(30000)) {
        server.kill();
        server.waitForFinished(5000);
    }
    return server.readAllStandardError() + server.readAllStandardOutput();
}

void TestFirstStart::bootstrapPasswordFile()
{
    const QString bin = qEnvironmentVariable("CREWDECK_SERVER_BIN");
    if (bin.isEmpty())
        QSKIP("CREWDECK_SERVER_BIN is not set (run through ctest)");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString passwordFile = dir.filePath(u"initial-admin-password"_s);
    const quint16 port = freePort();
    QVERIFY(port != 0);
    const QStringList args{u"serve"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(port), u"--data-dir"_s,
                           dir.path()};

    QProcess server;
    server.setProcessEnvironment(cleanEnv());
    server.start(bin, args);
    QVERIFY(server.waitForStarted(10000));
    QVERIFY(waitHealthy(port, 30000));

    // The file: owner read/write only, one line with the password.
    const QFileInfo info(passwordFile);
    QVERIFY2(info.exists(), qPrintable(passwordFile));
    const QFileDevice::Permissions modeBits =
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
        QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup |
        QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
    QCOMPARE(info.permissions() & modeBits, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QFile f(passwordFile);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray password = f.readAll().trimmed();
    f.close();
    QVERIFY(password.size() >= 16);

    // It logs in.
    HttpClient http(QUrl(u"http://127.0.0.1:%1"_s.arg(port)));
    const auto resp =
        http.post(u"/auth/login"_s, QJsonObject{{u"email"_s, u"admin@localhost"_s},
                                                {u"password"_s, QString::fromUtf8(password)}});
    QCOMPARE(resp.status, 200);
    QCOMPARE(resp.json().value(u"user"_s).toObject().value(u"role"_s).toString(), u"admin"_s);

    // The log says where the password is, never what it is.
    const QByteArray log = stopAndLog(server);
    QCOMPARE(server.exitCode(), 0);
    QVERIFY2(log.contains(passwordFile.toUtf8()), log.constData());
    QVERIFY2(!log.contains(password), "the log contains the bootstrap password");

    // Once users exist, a restart writes no new file.
    QVERIFY(QFile::remove(passwordFile));
    QProcess again;
    again.setProcessEnvironment(cleanEnv());
    again.start(bin, args);
    QVERIFY(again.waitForStarted(10000));
    QVERIFY(waitHealthy(port, 30000));
    const QByteArray log2 = stopAndLog(again);
    QVERIFY(!QFileInfo::exists(passwordFile));
    QVERIFY2(!log2.contains("initial-admin-password"), log2.constData());
}

void TestFirstStart::appHelpWithoutDisplay_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("--help") << QStringList{u"--help"_s} << QByteArray("--server <URL>");
    QTest::newRow("-h") << QStringList{u"-h"_s} << QByteArray("--password-stdin");
    QTest::newRow("--version") << QStringList{u"--version"_s}
                               << QByteArray("crewdeck " CREWDECK_VERSION);
    // Qt's own GUI options are not known before QApplication exists; help still answers.
    QTest::newRow("-platform xcb --version")
        << QStringList{u"-platform"_s, u"xcb"_s, u"--version"_s}
        << QByteArray("crewdeck " CREWDECK_VERSION);
}

void TestFirstStart::appHelpWithoutDisplay()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, expected);
    const QString bin = qEnvironmentVariable("CREWDECK_APP_BIN");
    if (bin.isEmpty())
        QSKIP("CREWDECK_APP_BIN is not set (a build without the app, or not run through ctest)");
    QProcessEnvironment env = cleanEnv();
    env.remove(u"DISPLAY"_s);
    env.remove(u"WAYLAND_DISPLAY"_s);
    env.remove(u"QT_QPA_PLATFORM"_s);
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(bin, args);
    QVERIFY(p.waitForFinished(30000));
    const QByteArray out = p.readAllStandardOutput();
    const QByteArray err = p.readAllStandardError();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY2(p.exitCode() == 0, err.constData());
    QVERIFY2(out.contains(expected), out.constData());
}

QTEST_GUILESS_MAIN(TestFirstStart)
#include "tst_firststart.moc"
