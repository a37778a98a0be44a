// Limits that keep everyone served (issue 14), against the built server over raw sockets.
// All of 127.0.0.0/8 is loopback here: a client bound to 127.0.0.2 is "another address".
// The binary comes from CREWDECK_SERVER_BIN (set by CTest).
#include "tests/support/processutil.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <algorithm>
#include <memory>

using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

namespace {

// One raw HTTP/1.1 client connection from a chosen source address.
struct Client
{
    QTcpSocket socket;
    QByteArray in;
    bool connectFrom(const QHostAddress &from, quint16 port)
    {
        if (!socket.bind(from, 0))
            return false;
        socket.connectToHost(QHostAddress::LocalHost, port);
        return true;
    }
    // A complete response (head + Content-Length body) at the front of `in`: its status.
    int takeResponse(QByteArray *body = nullptr)
    {
        const qsizetype end = in.indexOf("\r\n\r\n");
        if (end < 0)
            return 0;
        const QByteArray head = in.left(end);
        qint64 length = 0;
        for (const QByteArray &line : head.split('\n')) {
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        }
        if (in.size() < end + 4 + length)
            return 0;
        if (body)
            *body = in.mid(end + 4, length);
        in.remove(0, end + 4 + length);
        return head.mid(9, 3).toInt();
    }
};

QByteArray request(const QByteArray &method, const QByteArray &path, const QByteArray &token = {},
                   const QByteArray &body = {})
{
    QByteArray r = method + ' ' + path + " HTTP/1.1\r\nHost: x\r\n";
    if (!token.isEmpty())
        r += "Authorization: Bearer " + token + "\r\n";
    if (!body.isEmpty())
        r +=
            "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
            "\r\n";
    return r + "\r\n" + body;
}

QByteArray loginBody(const QString &email, const QString &password)
{
    return QJsonDocument(QJsonObject{{u"email"_s, email}, {u"password"_s, password}})
        .toJson(QJsonDocument::Compact);
}

// One request on a fresh connection from `from`; the status (0: none) within `timeoutMs`.
int once(quint16 port, const QHostAddress &from, const QByteArray &req, QByteArray *body = nullptr,
         int timeoutMs = 10000)
{
    Client c;
    if (!c.connectFrom(from, port))
        return 0;
    QObject ctx;
    QObject::connect(&c.socket, &QAbstractSocket::connected, &ctx, [&] { c.socket.write(req); });
    int status = 0;
    (void)QTest::qWaitFor(
        [&] {
            c.in += c.socket.readAll();
            status = c.takeResponse(body);
            return status != 0 || c.socket.state() == QAbstractSocket::UnconnectedState;
        },
        timeoutMs);
    return status;
}

// Clients that keep sending requests, on a thread of their own: the flood's sockets are read
// and refilled there, so the clients measured on the test's main thread are never queued
// behind the flood's work in the same event loop (the measured latency is the server's).
class Flood
{
public:
    using Next = std::function<QByteArray(int n)>; // the n-th request of the whole flood

    Flood(quint16 port, const QHostAddress &from, int connections, Next next)
        : m_port(port), m_from(from), m_connections(connections), m_next(std::move(next))
    {
        m_thread.start();
        m_context.moveToThread(&m_thread);
        QMetaObject::invokeMethod(
            &m_context, [this] { open(); }, Qt::BlockingQueuedConnection);
    }
    ~Flood()
    {
        // Thread: main. The sockets are closed and freed on the flood's thread.
        QMetaObject::invokeMethod(
            &m_context, [this] { m_clients.clear(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    int answered() const { return m_answered.loadRelaxed(); }
    int limited() const { return m_limited.loadRelaxed(); }
    int opened() const { return m_opened.loadRelaxed(); }

private:
    // Thread: the flood's.
    void open()
    {
        for (int i = 0; i < m_connections; ++i) {
            auto c = std::make_unique<Client>();
            if (!c->connectFrom(m_from, m_port))
                continue;
            Client *raw = c.get();
            QObject::connect(&raw->socket, &QAbstractSocket::connected, &m_context, [this, raw] {
                m_opened.fetchAndAddRelaxed(1);
                raw->socket.write(m_next(m_sent++));
            });
            QObject::connect(&raw->socket, &QIODevice::readyRead, &m_context, [this, raw] {
                raw->in += raw->socket.readAll();
                while (const int st = raw->takeResponse()) {
                    m_answered.fetchAndAddRelaxed(1);
                    if (st == 429)
                        m_limited.fetchAndAddRelaxed(1);
                    raw->socket.write(m_next(m_sent++));
                }
            });
            m_clients.push_back(std::move(c));
        }
    }

    quint16 m_port;
    QHostAddress m_from;
    int m_connections;
    Next m_next;
    QThread m_thread;
    QObject m_context;
    std::vector<std::unique_ptr<Client>> m_clients;
    int m_sent = 0;
    QAtomicInt m_answered;
    QAtomicInt m_limited;
    QAtomicInt m_opened;
};

} // namespace

class TestLimits : public QObject
{
    Q_OBJECT
    QString m_bin;
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_server;
    quint16 m_port = 0;

    bool addUser(const QString &org, const QString &email)
    {
        QProcess p;
        p.setProcessEnvironment(cleanEnv());
        p.start(m_bin, {u"useradd"_s, u"--org"_s, org, u"--email"_s, email, u"--role"_s, u"admin"_s,
                        u"--password-stdin"_s, u"--data-dir"_s, m_dir.path()});
        if (!p.waitForStarted(10000))
            return false;
        p.write("password123\n");
        p.closeWriteChannel();
        const bool ok = p.waitForFinished(60000) && p.exitCode() == 0;
        if (!ok)
            qWarning() << "useradd failed:" << p.exitCode() << p.readAllStandardError();
        return ok;
    }

    // Starts `serve` (optionally under `ulimit -n`) and waits for /healthz.
    bool startServer(const QStringList &extra, int fdLimit = 0)
    {
        m_port = freePort();
        m_server = std::make_unique<QProcess>();
        m_server->setProcessEnvironment(cleanEnv());
        m_server->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QStringList args{u"serve"_s,      u"--listen"_s, u"127.0.0.1:%1"_s.arg(m_port),
                         u"--data-dir"_s, m_dir.path(),  u"--unsafe-tools"_s};
        args += extra;
        if (fdLimit > 0) {
            QStringList quoted;
            for (const QString &a : std::as_const(args))
                quoted << u"'"_s + a + u"'"_s;
            m_server->start(u"/bin/sh"_s,
                            {u"-c"_s, u"ulimit -n %1 && exec '%2' %3"_s.arg(fdLimit).arg(
                                          m_bin, quoted.join(u' '))});
        } else {
            m_server->start(m_bin, args);
        }
        if (!m_server->waitForStarted(10000))
            return false;
        return QTest::qWaitFor(
            [&] {
                return once(m_port, QHostAddress::LocalHost, request("GET", "/healthz"), nullptr,
                            1000) == 200;
            },
            20000);
    }

    void stopServer()
    {
        if (!m_server)
            return;
        m_server->terminate();
        if (!m_server->waitForFinished(20000))
            m_server->kill();
        m_server.reset();
    }

    QByteArray login(const QString &email)
    {
        QByteArray body;
        if (once(m_port, QHostAddress::LocalHost,
                 request("POST", "/auth/login", {}, loginBody(email, u"password123"_s)),
                 &body) != 200)
            return {};
        return QJsonDocument::fromJson(body)
            .object()
            .value(u"access_token"_s)
            .toString()
            .toLatin1();
    }

private slots:
    void initTestCase()
    {
        m_bin = qEnvironmentVariable("CREWDECK_SERVER_BIN");
        if (m_bin.isEmpty())
            QSKIP("CREWDECK_SERVER_BIN is not set (run through ctest)");
        QVERIFY(m_dir.isValid());
        QVERIFY(addUser(u"acme"_s, u"ann@acme.test"_s));
        QVERIFY(addUser(u"globex"_s, u"gus@globex.test"_s));
    }

    void cleanup() { stopServer(); }

    // More connections than the server's descriptor limit from 127.0.0.2 (each sends one
    // request, then stays silent); 127.0.0.1 still gets /healthz within 3 s.
    void connectionFloodFromOneAddress()
    {
        QVERIFY(startServer({}, 256));
        std::vector<std::unique_ptr<Client>> flood;
        for (int i = 0; i < 600; ++i) {
            auto c = std::make_unique<Client>();
            QVERIFY(c->connectFrom(QHostAddress(u"127.0.0.2"_s), m_port));
            Client *raw = c.get();
            QObject::connect(&raw->socket, &QAbstractSocket::connected, &raw->socket,
                             [raw] { raw->socket.write(request("GET", "/healthz")); });
            flood.push_back(std::move(c));
        }
        // Measure once the flood has been through the server: every flood connection was
        // answered (and now sits idle) or closed (evicted, or refused without a descriptor).
        QVERIFY(QTest::qWaitFor(
            [&] {
                int settled = 0;
                for (const auto &c : flood) {
                    c->in += c->socket.readAll();
                    settled +=
                        !c->in.isEmpty() || c->socket.state() == QAbstractSocket::UnconnectedState;
                }
                return settled == int(flood.size());
            },
            60000));
        for (int round = 0; round < 3; ++round) {
            QElapsedTimer t;
            t.start();
            const int status =
                once(m_port, QHostAddress::LocalHost, request("GET", "/healthz"), nullptr, 3000);
            QCOMPARE(status, 200);
            QVERIFY2(t.elapsed() < 3000, QByteArray::number(t.elapsed()).constData());
        }
        // The server stays up and keeps accepting once the flood goes.
        flood.clear();
        QCOMPARE(once(m_port, QHostAddress(u"127.0.0.2"_s), request("GET", "/healthz")), 200);
    }

    // Per-address limit: the connections past it are closed at once.
    void perAddressLimit()
    {
        QVERIFY(startServer({u"--max-connections-per-ip"_s, u"20"_s}));
        std::vector<std::unique_ptr<Client>> held;
        for (int i = 0; i < 20; ++i) {
            auto c = std::make_unique<Client>();
            QVERIFY(c->connectFrom(QHostAddress(u"127.0.0.2"_s), m_port));
            QVERIFY(c->socket.waitForConnected(5000));
            held.push_back(std::move(c));
        }
        // The server accepts in order: the 21st is counted after these 20.
        QCOMPARE(
            once(m_port, QHostAddress(u"127.0.0.2"_s), request("GET", "/healthz"), nullptr, 3000),
            0);
        QCOMPARE(once(m_port, QHostAddress(u"127.0.0.3"_s), request("GET", "/healthz")), 200);
    }

    // WebSockets count against the per-address limit for as long as they are open, and stop
    // counting once closed (whatever object holds them inside the server).
    void webSocketsCountPerAddress()
    {
        QVERIFY(startServer({u"--max-connections-per-ip"_s, u"5"_s}));
        const QByteArray token = login(u"ann@acme.test"_s);
        QVERIFY(!token.isEmpty());
        const QHostAddress from(u"127.0.0.4"_s);
        std::vector<std::unique_ptr<Client>> sockets;
        for (int i = 0; i < 5; ++i) {
            auto c = std::make_unique<Client>();
            QVERIFY(c->connectFrom(from, m_port));
            QVERIFY(c->socket.waitForConnected(5000));
            c->socket.write("GET /ws/mission HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Protocol: crewdeck.v1\r\nAuthorization: Bearer " +
                            token + "\r\n\r\n");
            Client *raw = c.get();
            QVERIFY(QTest::qWaitFor(
                [raw] {
                    raw->in += raw->socket.readAll();
                    return raw->in.contains("\r\n\r\n");
                },
                10000));
            QVERIFY2(raw->in.startsWith("HTTP/1.1 101"), raw->in.left(80).constData());
            sockets.push_back(std::move(c));
        }
        // The sixth connection from that address is closed without an answer...
        QCOMPARE(once(m_port, from, request("GET", "/healthz"), nullptr, 3000), 0);
        // ... until a WebSocket closes.
        sockets.front()->socket.abort();
        QVERIFY(QTest::qWaitFor(
            [&] { return once(m_port, from, request("GET", "/healthz"), nullptr, 1000) == 200; },
            10000));
        for (const auto &c : sockets)
            QCOMPARE(c->socket.state() == QAbstractSocket::ConnectedState, c != sockets.front());
    }

    // 60 concurrent bogus logins (random e-mails) from 127.0.0.2, again and again; a real
    // login from 127.0.0.1 is answered within 2.5 s (the bound).
    void loginFloodFromOneAddress()
    {
        QVERIFY(startServer({}));
        Flood flood(m_port, QHostAddress(u"127.0.0.2"_s), 60, [](int n) {
            return request("POST", "/auth/login", {},
                           loginBody(u"x%1@nowhere.test"_s.arg(n), u"wrong-password"_s));
        });
        QVERIFY(QTest::qWaitFor([&] { return flood.answered() >= 100; }, 20000));
        for (int round = 0; round < 3; ++round) {
            QElapsedTimer t;
            t.start();
            QByteArray body;
            const int status = once(
                m_port, QHostAddress::LocalHost,
                request("POST", "/auth/login", {}, loginBody(u"ann@acme.test"_s, u"password123"_s)),
                &body, 10000);
            const qint64 ms = t.elapsed();
            QCOMPARE(status, 200);
            QVERIFY2(ms < 2500, QByteArray::number(ms).constData());
            qInfo("real login %d: %lld ms", round, ms);
        }
        QVERIFY(flood.limited() > 0);
        qInfo("flood: %d answered, %d of them 429", flood.answered(), flood.limited());
    }

    // One tenant floods GET /crews over 20 connections; another tenant's median stays under
    // 200 ms. Absurd crews are refused.
    void noisyTenant()
    {
        QVERIFY(startServer({}));
        const QByteArray noisy = login(u"ann@acme.test"_s);
        const QByteArray quiet = login(u"gus@globex.test"_s);
        QVERIFY(!noisy.isEmpty() && !quiet.isEmpty());
        QJsonArray agents;
        for (int i = 0; i < 100; ++i)
            agents.append(QJsonObject{{u"name"_s, u"A%1"_s.arg(i)},
                                      {u"role"_s, QString(200, u'r')},
                                      {u"tools"_s, QJsonArray{u"script"_s, u"git_clone"_s}}});
        const QByteArray crew =
            QJsonDocument(QJsonObject{{u"name"_s, u"big"_s}, {u"agents"_s, agents}})
                .toJson(QJsonDocument::Compact);
        for (int i = 0; i < 20; ++i)
            QCOMPARE(once(m_port, QHostAddress::LocalHost, request("POST", "/crews", noisy, crew)),
                     201);
        QCOMPARE(once(m_port, QHostAddress::LocalHost, request("POST", "/crews", quiet, crew)),
                 201);
        agents.append(QJsonObject{
            {u"name"_s, u"one too many"_s}, {u"role"_s, u"r"_s}, {u"tools"_s, QJsonArray{}}});
        const QByteArray tooBig =
            QJsonDocument(QJsonObject{{u"name"_s, u"huge"_s}, {u"agents"_s, agents}})
                .toJson(QJsonDocument::Compact);
        QCOMPARE(once(m_port, QHostAddress::LocalHost, request("POST", "/crews", quiet, tooBig)),
                 400);
        QJsonArray tools;
        for (int i = 0; i < 17; ++i)
            tools.append(u"script"_s);
        const QByteArray manyTools =
            QJsonDocument(QJsonObject{{u"name"_s, u"t"_s},
                                      {u"agents"_s, QJsonArray{QJsonObject{{u"name"_s, u"a"_s},
                                                                           {u"role"_s, u"r"_s},
                                                                           {u"tools"_s, tools}}}}})
                .toJson(QJsonDocument::Compact);
        QCOMPARE(once(m_port, QHostAddress::LocalHost, request("POST", "/crews", quiet, manyTools)),
                 400);

        Flood flood(m_port, QHostAddress(u"127.0.0.2"_s), 20,
                    [noisy](int) { return request("GET", "/crews", noisy); });
        QVERIFY(QTest::qWaitFor([&] { return flood.limited() > 0; }, 20000));
        Client q;
        QVERIFY(q.connectFrom(QHostAddress::LocalHost, m_port));
        QVERIFY(q.socket.waitForConnected(5000));
        QList<qint64> times;
        for (int i = 0; i < 30; ++i) {
            QElapsedTimer t;
            t.start();
            q.socket.write(request("GET", "/crews", quiet));
            int st = 0;
            QVERIFY(QTest::qWaitFor(
                [&] {
                    q.in += q.socket.readAll();
                    st = q.takeResponse();
                    return st != 0;
                },
                10000));
            QCOMPARE(st, 200);
            times.append(t.elapsed());
        }
        std::sort(times.begin(), times.end());
        qInfo("quiet tenant median %lld ms (p90 %lld ms); noisy answered %d, 429: %d", times[15],
              times[27], flood.answered(), flood.limited());
        QVERIFY2(times[15] < 200, QByteArray::number(times[15]).constData());
    }
};

QTEST_GUILESS_MAIN(TestLimits)
#include "tst_limits_e2e.moc"
