// The app against a server that speaks TLS only (in-process, real port, certificates made by
// openssl at test time: tests/support/tlscerts.h): a login that does not trust the server
// fails and the login dialog shows the certificate (subject, issuer, fingerprint); with
// --ca-cert (LaunchOptions) or the Settings field the login over https and the mission socket
// over wss work; the built `crewdeck --screenshot` works against the https server.
// Offscreen; GUI thread.
#include "app/net/authsession.h"
#include "app/net/livesocket.h"
#include "app/net/tlstrust.h"
#include "app/ui/appcontroller.h"
#include "app/ui/logindialog.h"
#include "app/ui/settingsdialog.h"
#include "tests/gui/guitest.h"
#include "tests/support/testserver.h"
#include "tests/support/tlscerts.h"

#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

using namespace crewdeck;
using namespace Qt::StringLiterals;

class TestTlsGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void untrustedLoginShowsCertificate();
    void loginWithCaCertOption();
    void loginWithSettingsField();
    void settingsRefuseUnusableFile();
    void screenshotOverHttps();

private:
    ui::LaunchOptions options() const
    {
        ui::LaunchOptions o;
        o.serverUrl = m_server->baseUrl().toString();
        o.email = u"ann@acme.test"_s;
        o.password = u"password123"_s;
        return o;
    }

    QTemporaryDir m_settingsDir;
    testsupport::TlsCerts m_certs;
    std::unique_ptr<testsupport::TestServer> m_server;
};

void TestTlsGui::initTestCase()
{
    QCoreApplication::setOrganizationName(u"CrewDeckTest"_s);
    QCoreApplication::setApplicationName(u"tst_tls_gui"_s);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QString err;
    QVERIFY2(m_certs.make(&err), qPrintable(err));
    testsupport::TestServer::Options o;
    o.configure = [this](server::ServerConfig &c) {
        c.tlsCertFile = m_certs.chain();
        c.tlsKeyFile = m_certs.key();
    };
    m_server = std::make_unique<testsupport::TestServer>(o);
    QVERIFY2(m_server->start(&err), qPrintable(err));
    QCOMPARE(m_server->baseUrl().scheme(), u"https"_s);
    QVERIFY(!m_server->createUser(u"acme"_s, u"ann@acme.test"_s, u"admin"_s, u"password123"_s)
                 .id.isEmpty());
}

void TestTlsGui::cleanupTestCase()
{
    m_server.reset();
}

void TestTlsGui::cleanup()
{
    QSettings().clear();
    client::tlstrust::trustExtra({});
}

void TestTlsGui::untrustedLoginShowsCertificate()
{
    ui::AppController ctl;
    QSignalSpy failed(&ctl, &ui::AppController::loginFailed);
    ctl.start(options());
    QVERIFY(failed.wait(20000));
    const QString message = failed.first().first().toString();
    // Shown as a certificate problem, with the server certificate's details.
    QVERIFY2(message.contains(u"certificate"_s), qPrintable(message));
    QVERIFY2(message.contains(u"CN=localhost"_s), qPrintable(message));
    QVERIFY2(message.contains(u"CN=CrewDeck Test Intermediate"_s), qPrintable(message));
    QVERIFY2(message.contains(u"SHA-256"_s), qPrintable(message));
    QVERIFY(ctl.loginDialog());
    QVERIFY2(ctl.loginDialog()->errorText().contains(u"SHA-256"_s),
             qPrintable(ctl.loginDialog()->errorText()));
    QVERIFY(!ctl.session()->isLoggedIn());
}

void TestTlsGui::loginWithCaCertOption()
{
    ui::AppController ctl;
    ui::LaunchOptions o = options();
    o.caCertFile = m_certs.root();
    ctl.setBackoff(100, 800);
    ctl.start(o);
    QVERIFY(QTest::qWaitFor([&] { return ctl.isDashboardLive(); }, 20000));
    QVERIFY(ctl.session()->isLoggedIn());
    QCOMPARE(ctl.missionSocket()->url().scheme(), u"wss"_s);
    QCOMPARE(ctl.missionSocket()->state(), client::LiveSocket::State::Live);
    QCOMPARE(client::tlstrust::extraTrusted().size(), 1);
}

void TestTlsGui::loginWithSettingsField()
{
    ui::AppSettings s = ui::AppSettings::load();
    s.caCertFile = m_certs.root();
    s.save();
    ui::AppController ctl;
    ctl.setBackoff(100, 800);
    ctl.start(options());
    QVERIFY(QTest::qWaitFor([&] { return ctl.isDashboardLive(); }, 20000));
    QCOMPARE(ctl.missionSocket()->state(), client::LiveSocket::State::Live);
}

void TestTlsGui::settingsRefuseUnusableFile()
{
    ui::AppSettings s;
    s.caCertFile = m_certs.garbage();
    ui::SettingsDialog dlg(s);
    dlg.show();
    QMetaObject::invokeMethod(&dlg, "accept");
    QVERIFY(dlg.isVisible()); // refused: the file holds no certificate
    auto *info = dlg.findChild<QLabel *>(u"caCertInfo"_s);
    QVERIFY(info);
    QVERIFY2(info->text().contains(m_certs.garbage()), qPrintable(info->text()));
    auto *edit = dlg.findChild<QLineEdit *>(u"caCertEdit"_s);
    QVERIFY(edit);
    edit->setText(m_certs.root());
    QVERIFY2(info->text().contains(u"CrewDeck Test Root"_s), qPrintable(info->text()));
    QMetaObject::invokeMethod(&dlg, "accept");
    QCOMPARE(dlg.result(), int(QDialog::Accepted));
    QCOMPARE(dlg.values().caCertFile, m_certs.root());
}

void TestTlsGui::screenshotOverHttps()
{
    const QString bin = qEnvironmentVariable("CREWDECK_APP_BIN");
    if (bin.isEmpty())
        QSKIP("CREWDECK_APP_BIN is not set (run through ctest)");
    QTemporaryDir dir;
    const QString shot = dir.filePath(u"dashboard.png"_s);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    env.insert(u"XDG_CONFIG_HOME"_s, dir.filePath(u"config"_s)); // not the user's settings
    env.remove(u"CREWDECK_API_URL"_s);
    QProcess app;
    app.setProcessEnvironment(env);
    app.start(bin,
              {u"--server"_s, m_server->baseUrl().toString(), u"--email"_s, u"ann@acme.test"_s,
               u"--password-stdin"_s, u"--ca-cert"_s, m_certs.root(), u"--screenshot"_s, shot});
    QVERIFY(app.waitForStarted(10000));
    app.write("password123\n");
    app.closeWriteChannel();
    // The server runs in this process: keep its event loop turning while the app works.
    QVERIFY(QTest::qWaitFor([&] { return app.state() == QProcess::NotRunning; }, 60000));
    const QByteArray err = app.readAllStandardError();
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QVERIFY2(app.exitCode() == 0, err.constData());
    const QImage image(shot);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 200 && image.height() > 200);

    // Without --ca-cert the same run fails, naming the certificate problem.
    QProcess untrusted;
    untrusted.setProcessEnvironment(env);
    untrusted.start(bin, {u"--server"_s, m_server->baseUrl().toString(), u"--email"_s,
                          u"ann@acme.test"_s, u"--password-stdin"_s, u"--screenshot"_s,
                          dir.filePath(u"no.png"_s)});
    QVERIFY(untrusted.waitForStarted(10000));
    untrusted.write("password123\n");
    untrusted.closeWriteChannel();
    QVERIFY(QTest::qWaitFor([&] { return untrusted.state() == QProcess::NotRunning; }, 60000));
    QCOMPARE(untrusted.exitCode(), 2);
    const QByteArray why = untrusted.readAllStandardError();
    QVERIFY2(why.contains("SHA-256"), why.constData());
}

QTEST_MAIN(TestTlsGui)
#include "tst_tls_gui.moc"
