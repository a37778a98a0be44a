// `serve --tls-cert FILE --tls-key FILE` against the built crewdeck-server: https REST, wss on
// the three socket endpoints through the app's own LiveSocket, a client that does not trust
// the certificate, plain HTTP on the TLS port, a client that never finishes its handshake,
// and the bad certificate/key pairs (exit 2, one line naming the file). Certificates are made
// at test time with openssl (tests/support/tlscerts.h): a chain root -> intermediate -> server.
// The binary comes from CREWDECK_SERVER_BIN. Everything runs on the test's main thread.
#include "app/net/livesocket.h"
#include "app/net/tlstrust.h"
#include "tests/support/metrics.h"
#include "tests/support/processutil.h"
#include "tests/support/testserver.h"
#include "tests/support/tlscerts.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QNetworkReply>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <memory>

using namespace crewdeck;
using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

class TestTlsE2e : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void badPairs_data();
    void badPairs();
    void httpsRest();
    void wssAllEndpoints();
    void untrustedClientFails();
    void plainHttpGetsNoData();
    void stalledHandshakeIsDropped();
    void sigtermClosesWssWith1001();

private:
    using Run = ProcessResult;
    Run runBinary(const QStringList &args, const QByteArray &stdinData = {});
    QUrl base() const { return QUrl(u"https://127.0.0.1:%1"_s.arg(m_port)); }
    double metric(const QByteArray &name);

    QString m_bin;
    TlsCerts m_certs;
    QTemporaryDir m_dir;
    QProcess m_server;
    quint16 m_port = 0;
    QString m_token;
};

TestTlsE2e::Run TestTlsE2e::runBinary(const QStringList &args, const QByteArray &stdinData)
{
    return runProgram(m_bin, args, stdinData);
}

void TestTlsE2e::initTestCase()
{
    m_bin = qEnvironmentVariable("CREWDECK_SERVER_BIN");
    if (m_bin.isEmpty())
        QSKIP("CREWDECK_SERVER_BIN is not set (run through ctest)");
    QVERIFY2(QFileInfo(m_bin).isExecutable(), qPrintable(m_bin));
    QVERIFY(QSslSocket::supportsSsl());
    QString error;
    QVERIFY2(m_certs.make(&error), qPrintable(error));
    QVERIFY(m_dir.isValid());

    // The app's trust: the system CAs plus our test root (what `crewdeck --ca-cert` does).
    QVERIFY2(client::tlstrust::trustExtraFile(m_certs.root(), &error), qPrintable(error));

    const QString dataDir = m_dir.filePath(u"data"_s);
    const Run add =
        runBinary({u"useradd"_s, u"--org"_s, u"acme"_s, u"--email"_s, u"ann@acme.test"_s,
                   u"--role"_s, u"admin"_s, u"--password-stdin"_s, u"--data-dir"_s, dataDir},
                  "password123\n");
    QVERIFY2(add.exitCode == 0, add.err.constData());

    m_port = freePort();
    QVERIFY(m_port != 0);
    QProcessEnvironment env = cleanEnv();
    // The key comes from the environment, the certificate from the flag: both ways work.
    env.insert(u"CREWDECK_TLS_KEY"_s, m_certs.key());
    m_server.setProcessEnvironment(env);
    m_server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_server.start(m_bin, {u"serve"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(m_port),
                           u"--data-dir"_s, dataDir, u"--python"_s, u"/usr/bin/python3"_s,
                           u"--tls-cert"_s, m_certs.chain()});
    QVERIFY(m_server.waitForStarted(10000));
    HttpClient http(base());
    QDeadlineTimer deadline(60000);
    int status = 0;
    while (!deadline.hasExpired() && m_server.state() == QProcess::Running) {
        status = http.request("GET", u"/healthz"_s, {}, {}, {}, 2000).status;
        if (status == 200)
            break;
        QTest::qWait(100);
    }
    QCOMPARE(status, 200);
    const HttpResponse login =
        http.post(u"/auth/login"_s,
                  QJsonObject{{u"email"_s, u"ann@acme.test"_s}, {u"password"_s, u"password123"_s}});
    QCOMPARE(login.status, 200);
    m_token = login.json().value(u"access_token"_s).toString();
    QVERIFY(!m_token.isEmpty());
}

void TestTlsE2e::cleanupTestCase()
{
    if (m_server.state() == QProcess::Running) {
        m_server.terminate();
        if (!m_server.waitForFinished(20000))
            m_server.kill();
        m_server.waitForFinished(5000);
    }
    client::tlstrust::trustExtra({});
}

double TestTlsE2e::metric(const QByteArray &name)
{
    HttpClient http(base());
    const HttpResponse r = http.get(u"/metrics"_s, m_token);
    return r.status == 200 ? metricValue(r.body, name) : -1;
}

void TestTlsE2e::badPairs_data()
{
    QTest::addColumn<QString>("cert");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("named"); // the file the one line must name
    QTest::newRow("missing certificate file")
        << u"/nonexistent/crewdeck.pem"_s << u"KEY"_s << u"/nonexistent/crewdeck.pem"_s;
    QTest::newRow("missing key file")
        << u"CHAIN"_s << u"/nonexistent/crewdeck.key"_s << u"/nonexistent/crewdeck.key"_s;
    QTest::newRow("unreadable certificate (not PEM)") << u"GARBAGE"_s << u"KEY"_s << u"GARBAGE"_s;
    QTest::newRow("unreadable key (not PEM)") << u"CHAIN"_s << u"GARBAGE"_s << u"GARBAGE"_s;
    QTest::newRow("certificate is a directory") << u"DIR"_s << u"KEY"_s << u"DIR"_s;
    QTest::newRow("mismatched pair") << u"CHAIN"_s << u"OTHERKEY"_s << u"OTHERKEY"_s;
}

void TestTlsE2e::badPairs()
{
    QFETCH(QString, cert);
    QFETCH(QString, key);
    QFETCH(QString, named);
    const auto resolve = [this](const QString &s) {
        if (s == u"CHAIN"_s)
            return m_certs.chain();
        if (s == u"KEY"_s)
            return m_certs.key();
        if (s == u"GARBAGE"_s)
            return m_certs.garbage();
        if (s == u"OTHERKEY"_s)
            return m_certs.otherKey();
        if (s == u"DIR"_s)
            return m_dir.path();
        return s;
    };
    QTemporaryDir data;
    const Run r =
        runBinary({u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--data-dir"_s, data.path(),
                   u"--tls-cert"_s, resolve(cert), u"--tls-key"_s, resolve(key)});
    QCOMPARE(r.exitCode, 2);
    const QList<QByteArray> lines = r.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.first().contains(resolve(named).toUtf8()), r.err.constData());
    // Nothing was started: no database in the data dir.
    QVERIFY(!QFileInfo::exists(data.filePath(u"crewdeck.db"_s)));

    // Both or neither.
    const Run half = runBinary({u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--data-dir"_s,
                                data.path(), u"--tls-cert"_s, m_certs.chain()});
    QCOMPARE(half.exitCode, 2);
    QVERIFY(half.err.contains("--tls-key"));
}

void TestTlsE2e::httpsRest()
{
    const double okBefore = metric("crewdeck_tls_handshakes_ok_total");
    QVERIFY(okBefore >= 1);
    HttpClient http(base());
    HttpResponse r = http.get(u"/crews"_s, m_token);
    QCOMPARE(r.status, 200);
    r = http.post(
        u"/crews"_s,
        QJsonObject{{u"name"_s, u"TLS"_s},
                    {u"agents"_s, QJsonArray{QJsonObject{{u"name"_s, u"Runner"_s},
                                                         {u"role"_s, u"tls"_s},
                                                         {u"tools"_s, QJsonArray{u"script"_s}}}}}},
        m_token);
    QCOMPARE(r.status, 201);
    r = http.get(u"/healthz"_s);
    QCOMPARE(r.status, 200);
    // A body over one TLS record (16 KiB) arrives whole.
    r = http.get(u"/metrics"_s, m_token);
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.contains("crewdeck_tls_handshakes_failed_total"));
    QVERIFY(metric("crewdeck_tls_handshakes_ok_total") > okBefore);
}

void TestTlsE2e::wssAllEndpoints()
{
    HttpClient http(base());
    HttpResponse r = http.get(u"/crews"_s, m_token);
    QCOMPARE(r.status, 200);
    QVERIFY(!r.jsonArray().isEmpty());
    const QString crewId = r.jsonArray().first().toObject().value(u"id"_s).toString();

    const auto socketUrl = [this](const QString &pathAndQuery) {
        return QUrl(u"wss://127.0.0.1:%1%2"_s.arg(m_port).arg(pathAndQuery));
    };
    struct Watch
    {
        std::unique_ptr<client::LiveSocket> socket = std::make_unique<client::LiveSocket>();
        QList<Event> events;
        QList<int> closes;
    };
    const auto watch = [&](const QString &pathAndQuery, bool endsOnClose) {
        auto w = std::make_shared<Watch>();
        w->socket->setUrl(socketUrl(pathAndQuery));
        w->socket->setToken(m_token);
        w->socket->setEndsOnNormalClose(endsOnClose);
        QObject::connect(w->socket.get(), &client::LiveSocket::eventReceived, w->socket.get(),
                         [w = w.get()](const Event &e) { w->events.append(e); });
        QObject::connect(w->socket.get(), &client::LiveSocket::closedPermanently, w->socket.get(),
                         [w = w.get()](int code, const QString &) { w->closes.append(code); });
        w->socket->open();
        return w;
    };

    auto mission = watch(u"/ws/mission"_s, false);
    QTRY_VERIFY_WITH_TIMEOUT(!mission->events.isEmpty(), 20000);
    QCOMPARE(mission->events.first().type(), u"snapshot"_s);
    auto graph = watch(u"/ws/graph?crew_id="_s + crewId, false);
    QTRY_COMPARE_WITH_TIMEOUT(graph->socket->state(), client::LiveSocket::State::Live, 20000);

    // A run whose output is larger than one TLS record, watched from its first event.
    const QJsonObject runBody{
        {u"steps"_s,
         QJsonArray{QJsonObject{
             {u"tool"_s, u"script"_s},
             {u"params"_s,
              QJsonObject{{u"command"_s,
                           u"echo '::progress 50 half'; yes x | head -c 40000 | tr -d '\\n'; "
                           u"echo; echo done"_s}}}}}}};
    r = http.post(u"/crews/"_s + crewId + u"/runs"_s, runBody, m_token);
    QCOMPARE(r.status, 202);
    const QString runId = r.json().value(u"id"_s).toString();
    auto run = watch(u"/ws/runs/"_s + runId, true);
    QTRY_VERIFY_WITH_TIMEOUT(!run->closes.isEmpty(), 60000);
    QCOMPARE(run->closes.first(), 1000);
    QVERIFY(!run->events.isEmpty());
    QCOMPARE(run->events.last().type(), u"run_status"_s);
    const QJsonObject last = run->events.last().toJson();
    QCOMPARE(last.value(u"status"_s).toString(), u"succeeded"_s);
    // The same events as REST has, in order.
    r = http.get(u"/runs/"_s + runId + u"/events"_s, m_token);
    QCOMPARE(r.status, 200);
    const QJsonArray stored = r.json().value(u"events"_s).toArray();
    QCOMPARE(run->events.size(), stored.size());
    for (qsizetype i = 0; i < stored.size(); ++i) {
        QCOMPARE(run->events.at(i).seq, stored.at(i).toObject().value(u"seq"_s).toInteger());
        QCOMPARE(run->events.at(i).type(), stored.at(i).toObject().value(u"type"_s).toString());
    }

    // The graph and mission sockets saw the run live over wss too.
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(graph->events.cbegin(), graph->events.cend(),
                                         [](const Event &e) { return e.type() == u"tool_end"_s; }),
                             20000);
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(mission->events.cbegin(), mission->events.cend(),
                                         [](const Event &e) { return e.type() == u"signal"_s; }),
                             20000);
    QCOMPARE(mission->socket->state(), client::LiveSocket::State::Live);
    QCOMPARE(graph->socket->state(), client::LiveSocket::State::Live);
    mission->socket->close();
    graph->socket->close();
}

void TestTlsE2e::untrustedClientFails()
{
    const double failedBefore = metric("crewdeck_tls_handshakes_failed_total");
    // A client with the system CAs only (our test root is not among them).
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(base().toString() + u"/healthz"_s));
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setCaCertificates(QSslConfiguration::systemCaCertificates());
    req.setSslConfiguration(config);
    QNetworkReply *reply = nam.get(req);
    QList<QSslError> errors;
    QSslCertificate peer;
    connect(reply, &QNetworkReply::sslErrors, this,
            [&errors, &peer, reply](const QList<QSslError> &e) {
                errors += e;
                peer = reply->sslConfiguration().peerCertificate();
            });
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 20000);
    QCOMPARE(reply->error(), QNetworkReply::SslHandshakeFailedError);
    QVERIFY(reply->readAll().isEmpty());
    QVERIFY(!errors.isEmpty());
    // The app shows the server's certificate: its subject, issuer and fingerprint.
    const QString shown = client::tlstrust::describeErrors(errors, peer);
    QVERIFY2(shown.contains(u"localhost"_s), qPrintable(shown));
    QVERIFY2(shown.contains(u"CrewDeck Test Intermediate"_s), qPrintable(shown));
    QVERIFY2(shown.contains(u"SHA-256"_s), qPrintable(shown));
    delete reply;
    // The server counts the refused handshake.
    QTRY_VERIFY_WITH_TIMEOUT(metric("crewdeck_tls_handshakes_failed_total") > failedBefore, 10000);

    // A LiveSocket that does not trust the server never goes live and says why.
    client::tlstrust::trustExtra({});
    client::LiveSocket socket;
    socket.setUrl(QUrl(u"wss://127.0.0.1:%1/ws/mission"_s.arg(m_port)));
    socket.setToken(m_token);
    socket.setBackoff(60000, 60000);
    bool wentLive = false;
    connect(&socket, &client::LiveSocket::stateChanged, this,
            [&wentLive](client::LiveSocket::State s) {
                wentLive = wentLive || s == client::LiveSocket::State::Live;
            });
    socket.open();
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), client::LiveSocket::State::Reconnecting, 20000);
    QVERIFY(!wentLive);
    QVERIFY2(socket.tlsError().contains(u"SHA-256"_s), qPrintable(socket.tlsError()));
    QVERIFY2(socket.lastCloseReason().contains(u"localhost"_s),
             qPrintable(socket.lastCloseReason()));
    socket.close();
    QString error;
    QVERIFY(client::tlstrust::trustExtraFile(m_certs.root(), &error));
}

void TestTlsE2e::plainHttpGetsNoData()
{
    QTcpSocket plain;
    plain.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(plain.waitForConnected(5000));
    plain.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray got;
    QDeadlineTimer deadline(15000);
    while (plain.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
        plain.waitForReadyRead(200);
        got += plain.readAll();
    }
    got += plain.readAll();
    QCOMPARE(plain.state(), QAbstractSocket::UnconnectedState); // closed by the server
    QCOMPARE(got, QByteArray());
}

void TestTlsE2e::stalledHandshakeIsDropped()
{
    // Connects and sends nothing: dropped by the head timeout (30 s) like a silent HTTP client.
    const double failedBefore = metric("crewdeck_tls_handshakes_failed_total");
    QTcpSocket silent;
    silent.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(silent.waitForConnected(5000));
    QTRY_COMPARE_WITH_TIMEOUT(silent.state(), QAbstractSocket::UnconnectedState, 45000);
    QCOMPARE(silent.readAll(), QByteArray());
    QVERIFY(metric("crewdeck_tls_handshakes_failed_total") > failedBefore);
}

void TestTlsE2e::sigtermClosesWssWith1001()
{
    // Last: stops the server. Its close frames (1001) still go out encrypted, and it exits 0.
    client::LiveSocket mission;
    mission.setUrl(QUrl(u"wss://127.0.0.1:%1/ws/mission"_s.arg(m_port)));
    mission.setToken(m_token);
    mission.setBackoff(60000, 60000);
    mission.open();
    QTRY_COMPARE_WITH_TIMEOUT(mission.state(), client::LiveSocket::State::Live, 20000);
    m_server.terminate();
    QTRY_COMPARE_WITH_TIMEOUT(mission.lastCloseCode(), 1001, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(m_server.state(), QProcess::NotRunning, 20000);
    QCOMPARE(m_server.exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_server.exitCode(), 0);
    mission.close();
}

QTEST_MAIN(TestTlsE2e)
#include "tst_tls_e2e.moc"
