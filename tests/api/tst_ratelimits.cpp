// The REST side of the limits (issue 14) against an in-process server: the per-address login
// bucket and the per-user request bucket answer 429 with Retry-After, POST /crews refuses
// absurd sizes, /metrics counts each, and a server stopped with logins still queued answers
// them 503 and shuts down cleanly (the teardown crash of the first version).
#include "tests/support/metrics.h"
#include "tests/support/testserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QtTest>

using namespace crewdeck;
using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

namespace {

QByteArray loginRequest(const QString &email, const QString &password)
{
    const QByteArray body =
        QJsonDocument(QJsonObject{{u"email"_s, email}, {u"password"_s, password}})
            .toJson(QJsonDocument::Compact);
    return "POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QJsonObject crewWith(int agents, int toolsEach)
{
    QJsonArray list;
    for (int i = 0; i < agents; ++i) {
        QJsonArray tools;
        for (int t = 0; t < toolsEach; ++t)
            tools.append(u"script"_s);
        list.append(
            QJsonObject{{u"name"_s, u"a%1"_s.arg(i)}, {u"role"_s, u"r"_s}, {u"tools"_s, tools}});
    }
    return QJsonObject{{u"name"_s, u"c"_s}, {u"agents"_s, list}};
}

} // namespace

class TestRateLimits : public QObject
{
    Q_OBJECT
    std::unique_ptr<TestServer> m_server;
    server::UserRecord m_ann, m_bob, m_carol, m_dave;

    // /metrics is rate limited like any authenticated route (burst 2 here): every call reads
    // it as a new viewer of its own.
    QByteArray metricsText()
    {
        const auto viewer = m_server->createUser(
            u"globex"_s, u"viewer%1@globex.test"_s.arg(++m_viewers), u"viewer"_s, u"password123"_s);
        const auto r = m_server->get(u"/metrics"_s, m_server->tokenFor(viewer));
        return r.status == 200 ? r.body : QByteArray();
    }
    int m_viewers = 0;

private slots:
    void initTestCase()
    {
        TestServer::Options o;
        o.allowNoSandbox = true;
        o.configure = [](server::ServerConfig &c) {
            c.loginRatePerIp = 10;     // the contract's lowest
            c.requestRatePerToken = 1; // burst 2
            c.maxAgentsPerCrew = 3;
            c.maxToolsPerAgent = 2;
        };
        m_server = std::make_unique<TestServer>(o);
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_ann = m_server->createUser(u"acme"_s, u"ann@acme.test"_s, u"admin"_s, u"password123"_s);
        m_bob =
            m_server->createUser(u"globex"_s, u"bob@globex.test"_s, u"admin"_s, u"password123"_s);
        m_carol = m_server->createUser(u"initech"_s, u"carol@initech.test"_s, u"admin"_s,
                                       u"password123"_s);
        m_dave = m_server->createUser(u"initech"_s, u"dave@initech.test"_s, u"admin"_s,
                                      u"password123"_s);
        QVERIFY(!m_ann.id.isEmpty() && !m_bob.id.isEmpty() && !m_carol.id.isEmpty() &&
                !m_dave.id.isEmpty());
    }

    // Ten attempts a minute from 127.0.0.1, whatever the e-mails; the eleventh is refused
    // before any password work, even with the right password.
    void loginBucketPerAddress()
    {
        for (int i = 0; i < 10; ++i) {
            const auto r =
                m_server->post(u"/auth/login"_s, {{u"email"_s, u"nobody%1@x.test"_s.arg(i)},
                                                  {u"password"_s, u"wrong-password"_s}});
            QCOMPARE(r.status, 401);
        }
        const auto r = m_server->post(u"/auth/login"_s, {{u"email"_s, u"ann@acme.test"_s},
                                                         {u"password"_s, u"password123"_s}});
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), u"rate_limited"_s);
        QVERIFY(r.header("Retry-After").toInt() >= 1);
        const QByteArray text = metricsText();
        QCOMPARE(metricValue(text, "crewdeck_login_rate_limited_total"), 1.0);
        QCOMPARE(metricValue(text, "crewdeck_limit_login_rate_per_ip_per_minute"), 10.0);
    }

    // Burst 2, then 429 with Retry-After for that user only.
    void requestBucketPerUser()
    {
        const QString ann = m_server->tokenFor(m_ann);
        QCOMPARE(m_server->get(u"/crews"_s, ann).status, 200);
        QCOMPARE(m_server->get(u"/crews"_s, ann).status, 200);
        const auto r = m_server->get(u"/crews"_s, ann);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), u"rate_limited"_s);
        QVERIFY(r.header("Retry-After").toInt() >= 1);
        QCOMPARE(m_server->get(u"/crews"_s, m_server->tokenFor(m_carol)).status, 200);
        QCOMPARE(metricValue(metricsText(), "crewdeck_requests_rate_limited_total"), 1.0);
    }

    void crewSizes()
    {
        // Each user has a burst of two requests: carol and dave post one each.
        auto r = m_server->post(u"/crews"_s, crewWith(4, 1), m_server->tokenFor(m_carol));
        QCOMPARE(r.status, 400);
        QVERIFY2(r.errorMessage().contains(u"agents"_s), qPrintable(r.errorMessage()));
        r = m_server->post(u"/crews"_s, crewWith(1, 3), m_server->tokenFor(m_dave));
        QCOMPARE(r.status, 400);
        QVERIFY2(r.errorMessage().contains(u"tools"_s), qPrintable(r.errorMessage()));
        QCOMPARE(metricValue(metricsText(), "crewdeck_crews_too_large_total"), 2.0);
    }

    // Logins queued for a password thread when the server stops are answered 503, the
    // running one finishes, and the server stops and is destroyed without crashing.
    void stopWithLoginsQueued()
    {
        TestServer::Options o;
        o.allowNoSandbox = true;
        TestServer server(o);
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 6; ++i) {
            auto s = std::make_unique<QTcpSocket>();
            s->connectToHost(QHostAddress::LocalHost, server.port());
            QVERIFY(s->waitForConnected(5000));
            s->write(loginRequest(u"nobody%1@x.test"_s.arg(i), u"wrong-password"_s));
            sockets.push_back(std::move(s));
        }
        // One address runs one password check at a time: the first answer means the other
        // five were read and queued long ago.
        QVERIFY(QTest::qWaitFor(
            [&] {
                for (const auto &s : sockets) {
                    if (s->bytesAvailable() > 0)
                        return true;
                }
                return false;
            },
            60000));
        server.stop();
        int unavailable = 0;
        QVERIFY(QTest::qWaitFor(
            [&] {
                int done = 0;
                unavailable = 0;
                for (const auto &s : sockets) {
                    const QByteArray got = s->peek(s->bytesAvailable());
                    done += got.startsWith("HTTP/1.1 ") ? 1 : 0;
                    unavailable += got.startsWith("HTTP/1.1 503") ? 1 : 0;
                }
                return done == 6;
            },
            30000));
        QVERIFY2(unavailable >= 1, QByteArray::number(unavailable).constData());
    }
};

QTEST_GUILESS_MAIN(TestRateLimits)
#include "tst_ratelimits.moc"
