// The front door (one port for HTTP and WebSockets) and the WebSocket gateway, over real
// loopback sockets: a QHttpServer bound to a FrontDoor, real QWebSocket clients, and raw
// QTcpSocket clients where the test needs to misbehave (huge bodies, garbage, not reading).
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>
#include <memory>

#include "server/model/streams.h"
#include "server/ws/framering.h"
#include "server/ws/frontdoor.h"
#include "server/ws/gateway.h"
#include "server/ws/wsconnection.h"
#include "shared/events.h"
#include "shared/jwt.h"
#include "shared/timeutil.h"

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::server;

namespace {

const QByteArray kKey = "test-signing-key-0123456789abcdef";

// In-memory EventSource: a vector of events in seq order. `onHistory` runs after each history
// read has taken its result, so a test can publish "while the history is being read".
class MemEventSource : public EventSource
{
public:
    QList<StoredEventPtr> events;
    qint64 seq = 0;
    qint64 horizon = 0;
    std::function<void()> onHistory;

    StoredEventPtr publish(const QString &org, const QString &crew, const QString &run,
                           const EventBody &body, int padBytes = 0, bool live = true)
    {
        auto e = std::make_shared<StoredEvent>();
        e->seq = ++seq;
        e->orgId = org;
        e->crewId = crew;
        e->runId = run;
        Event ev{e->seq, nowUtc(), body};
        e->type = ev.type();
        e->tsMs = toMs(ev.ts);
        QJsonObject o = ev.toJson();
        if (padBytes > 0)
            o.insert(u"pad"_s, QString(padBytes, u'x'));
        e->bytes = QJsonDocument(o).toJson(QJsonDocument::Compact);
        events.append(e);
        if (live)
            Q_EMIT published(e);
        return e;
    }

    QList<StoredEventPtr> history(const StreamKey &key, qint64 since, int limit) override
    {
        QList<StoredEventPtr> out;
        for (const auto &e : std::as_const(events)) {
            if (e->seq > since && key.matches(*e)) {
                out.append(e);
                if (out.size() >= limit)
                    break;
            }
        }
        if (onHistory)
            onHistory();
        return out;
    }
    qint64 latestSeq(const StreamKey &key) override
    {
        for (qsizetype i = events.size() - 1; i >= 0; --i) {
            if (key.matches(*events[i]))
                return events[i]->seq;
        }
        return 0;
    }
    qint64 historyHorizon(const StreamKey &) override { return horizon; }
    qint64 globalLatestSeq() override { return seq; }
};

class MemAuthority : public StreamAuthority
{
public:
    QSet<QString> users{u"u1"_s, u"u2"_s};
    QHash<QString, QString> runOrg; // run -> org
    QSet<QString> finishedRuns;
    QHash<QString, QString> crewOrg; // crew -> owner org
    QHash<QString, QString> crewStatus;

    std::optional<jwt::Claims> authenticate(const QByteArray &token) override
    {
        const auto r = jwt::verify(token, kKey, QDateTime::currentSecsSinceEpoch());
        if (!r || !users.contains(r.claims->sub))
            return std::nullopt;
        return r.claims;
    }
    Access runAccess(const jwt::Claims &c, const QString &runId, bool *finished) override
    {
        if (runOrg.value(runId) != c.org)
            return Access::NotFound;
        *finished = finishedRuns.contains(runId);
        return Access::Ok;
    }
    Access crewAccess(const jwt::Claims &c, const QString &crewId) override
    {
        return crewOrg.value(crewId) == c.org ? Access::Ok : Access::Forbidden;
    }
    QList<CrewState> crewStates(const jwt::Claims &c) override
    {
        QList<CrewState> out;
        for (auto it = crewOrg.cbegin(); it != crewOrg.cend(); ++it) {
            if (it.value() == c.org)
                out.append(CrewState{it.key(), crewStatus.value(it.key())});
        }
        return out;
    }
};

QByteArray token(const QString &user, const QString &org, qint64 ttlSeconds = 3600)
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    return jwt::sign(jwt::Claims{user, org, u"member"_s, now, now + ttlSeconds}, kKey);
}

// A WebSocket client that records every frame and how the connection ended.
class WsClient : public QObject
{
public:
    QWebSocket ws;
    QList<QJsonObject> frames;
    bool closed = false;
    int closeCode = -1;

    WsClient()
    {
        connect(&ws, &QWebSocket::textMessageReceived, this, [this](const QString &m) {
            frames.append(QJsonDocument::fromJson(m.toUtf8()).object());
        });
        connect(&ws, &QWebSocket::disconnected, this, [this] {
            closed = true;
            closeCode = int(ws.closeCode());
        });
    }
    // Frames of one type, or of all non-control types ("events") when type is empty.
    QList<QJsonObject> ofType(const QString &type) const
    {
        QList<QJsonObject> out;
        for (const auto &f : frames) {
            const QString t = f.value(u"type"_s).toString();
            if (type.isEmpty() ? (t != u"heartbeat"_s && t != u"pong"_s && t != u"snapshot"_s &&
                                  t != u"reset"_s)
                               : t == type)
                out.append(f);
        }
        return out;
    }
    QList<qint64> eventSeqs() const
    {
        QList<qint64> out;
        for (const auto &f : ofType({}))
            out.append(f.value(u"seq"_s).toInteger());
        return out;
    }
};

// A hand-rolled WebSocket client on a raw QTcpSocket, for what a QWebSocket client will not
// do: unmasked or malformed frames, odd fragmentation, bad close codes, broken handshakes.
struct RawFrame
{
    bool fin = false;
    int opcode = -1;
    QByteArray payload;
    int closeCode() const
    {
        return payload.size() >= 2 ? (int(uchar(payload[0])) << 8) | uchar(payload[1]) : -1;
    }
};

class RawWs
{
public:
    QTcpSocket socket;
    QByteArray in;

    // Connects and sends `head` (a full request head); returns the response head (or what
    // arrived before the server closed).
    QByteArray handshake(quint16 port, const QByteArray &head)
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!socket.waitForConnected(5000))
            return {};
        socket.write(head);
        (void)QTest::qWaitFor(
            [&] {
                in += socket.readAll();
                return in.contains("\r\n\r\n") ||
                       socket.state() == QAbstractSocket::UnconnectedState;
            },
            10000);
        in += socket.readAll();
        const qsizetype end = in.indexOf("\r\n\r\n");
        if (end < 0)
            return std::exchange(in, {});
        const QByteArray resp = in.left(end + 4);
        in.remove(0, end + 4);
        return resp;
    }
    static QByteArray upgradeHead(const QByteArray &path, const QByteArray &tok,
                                  const QByteArray &extra = {},
                                  const QByteArray &key = "dGhlIHNhbXBsZSBub25jZQ==",
                                  const QByteArray &version = "13")
    {
        return "GET " + path +
               " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: " +
               key + "\r\nSec-WebSocket-Version: " + version +
               "\r\nSec-WebSocket-Protocol: crewdeck.v1, bearer." + tok + "\r\n" + extra + "\r\n";
    }
    void send(int opcode, const QByteArray &payload, bool fin = true, bool masked = true)
    {
        QByteArray f;
        f.append(char((fin ? 0x80 : 0) | opcode));
        const char m = masked ? char(0x80) : char(0);
        if (payload.size() < 126) {
            f.append(char(m | char(payload.size())));
        } else if (payload.size() <= 0xffff) {
            f.append(char(m | 126));
            f.append(char(payload.size() >> 8));
            f.append(char(payload.size() & 0xff));
        } else {
            f.append(char(m | 127));
            for (int shift = 56; shift >= 0; shift -= 8)
                f.append(char((quint64(payload.size()) >> shift) & 0xff));
        }
        const char key[4] = {0x12, 0x34, 0x56, 0x78};
        QByteArray body = payload;
        if (masked) {
            f.append(key, 4);
            for (qsizetype i = 0; i < body.size(); ++i)
                body[i] = char(body[i] ^ key[i & 3]);
        }
        socket.write(f + body);
    }
    // The next complete frame from the server, or opcode -1 on timeout / close.
    RawFrame next(int timeoutMs = 10000)
    {
        RawFrame f;
        (void)QTest::qWaitFor(
            [&] {
                in += socket.readAll();
                return parse(f) || socket.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
        if (f.opcode < 0) {
            in += socket.readAll();
            parse(f);
        }
        return f;
    }
    // The next frame that is not a text frame (skips events, snapshots).
    RawFrame nextControl(int timeoutMs = 10000)
    {
        for (;;) {
            RawFrame f = next(timeoutMs);
            if (f.opcode != 0x1)
                return f;
        }
    }
    bool waitClosedByServer(int timeoutMs = 10000)
    {
        return QTest::qWaitFor(
            [&] {
                in += socket.readAll();
                return socket.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
    }

private:
    bool parse(RawFrame &f)
    {
        if (in.size() < 2)
            return false;
        const auto *d = reinterpret_cast<const uchar *>(in.constData());
        if (d[1] & 0x80)
            return false; // server frames are never masked: leave it unparsed, test fails
        qint64 len = d[1] & 0x7f;
        qsizetype hdr = 2;
        if (len == 126) {
            if (in.size() < 4)
                return false;
            len = (qint64(d[2]) << 8) | d[3];
            hdr = 4;
        } else if (len == 127) {
            if (in.size() < 10)
                return false;
            len = 0;
            for (int i = 2; i < 10; ++i)
                len = (len << 8) | d[i];
            hdr = 10;
        }
        if (in.size() < hdr + len)
            return false;
        f.fin = d[0] & 0x80;
        f.opcode = d[0] & 0x0f;
        f.payload = in.mid(hdr, len);
        in.remove(0, hdr + len);
        return true;
    }
};

QByteArray closePayload(int code, const QByteArray &reason = {})
{
    QByteArray p;
    p.append(char(code >> 8));
    p.append(char(code & 0xff));
    return p + reason;
}

QList<qint64> range(qint64 from, qint64 to)
{
    QList<qint64> out;
    for (qint64 i = from; i <= to; ++i)
        out.append(i);
    return out;
}

} // namespace

class TestWs : public QObject
{
    Q_OBJECT

public:
    explicit TestWs(bool viaDevice) : m_viaDevice(viaDevice) {}

private:
    const bool m_viaDevice; // connections through their QTcpSocket (Gateway::Config)
    std::unique_ptr<MemEventSource> m_source;
    std::unique_ptr<MemAuthority> m_auth;
    std::unique_ptr<QHttpServer> m_http;
    FrontDoor *m_front = nullptr; // owned by m_http after bind()
    std::unique_ptr<Gateway> m_gateway;
    quint16 m_port = 0;

    void start(Gateway::Config config = {})
    {
        // Every test runs over both transports: the descriptor taken from the socket (plain
        // TCP) and the QIODevice path a QSslSocket takes (see main()).
        config.takeDescriptors = !m_viaDevice;
        // The descriptor pass paces new frames as the server does by default
        // (--ws-coalesce-ms 3); the device pass writes every pass at once.
        if (!m_viaDevice && config.coalesceMs == 0)
            config.coalesceMs = 3;
        m_source = std::make_unique<MemEventSource>();
        m_auth = std::make_unique<MemAuthority>();
        m_auth->runOrg = {{u"r1"_s, u"o1"_s}, {u"r2"_s, u"o2"_s}, {u"rdone"_s, u"o1"_s}};
        m_auth->finishedRuns = {u"rdone"_s};
        m_auth->crewOrg = {{u"c1"_s, u"o1"_s}, {u"c2"_s, u"o1"_s}, {u"cx"_s, u"o2"_s}};
        m_auth->crewStatus = {
            {u"c1"_s, u"available"_s}, {u"c2"_s, u"busy"_s}, {u"cx"_s, u"offline"_s}};
        m_http = std::make_unique<QHttpServer>();
        m_http->route(u"/hello"_s, [] { return u"hi"_s; });
        m_http->route(
            u"/echo"_s, QHttpServerRequest::Method::Post,
            [](const QHttpServerRequest &req) { return u"len=%1"_s.arg(req.body().size()); });
        m_front = new FrontDoor();
        QVERIFY(m_front->listen(QHostAddress::LocalHost, 0));
        m_port = m_front->serverPort();
        m_http->bind(m_front);
        m_gateway = std::make_unique<Gateway>(m_source.get(), m_auth.get(), config);
        Gateway *gw = m_gateway.get();
        m_front->setUpgradeHandler([gw](QTcpSocket *s) { gw->handleUpgrade(s); });
    }

    std::unique_ptr<WsClient> open(const QString &pathAndQuery, const QByteArray &tok,
                                   bool viaHeader = false)
    {
        auto c = std::make_unique<WsClient>();
        QNetworkRequest req(QUrl(u"ws://127.0.0.1:%1%2"_s.arg(m_port).arg(pathAndQuery)));
        QWebSocketHandshakeOptions opts;
        QStringList protocols{u"crewdeck.v1"_s};
        if (viaHeader)
            req.setRawHeader("Authorization", "Bearer " + tok);
        else if (!tok.isEmpty())
            protocols.append(u"bearer."_s + QString::fromLatin1(tok));
        opts.setSubprotocols(protocols);
        c->ws.open(req, opts);
        return c;
    }

    int closeCodeOf(const QString &pathAndQuery, const QByteArray &tok)
    {
        auto c = open(pathAndQuery, tok);
        if (!QTest::qWaitFor([&] { return c->closed; }, 10000))
            return -1;
        return c->closeCode;
    }

    // One raw HTTP exchange: writes `data`, returns everything read until the server closed
    // the connection (or `until` appears in the response).
    QByteArray rawExchange(QTcpSocket &s, const QByteArray &data, const QByteArray &until = {})
    {
        if (s.state() != QAbstractSocket::ConnectedState) {
            s.connectToHost(QHostAddress::LocalHost, m_port);
            if (!s.waitForConnected(5000))
                return {};
        }
        QByteArray got;
        QObject ctx;
        connect(&s, &QIODevice::readyRead, &ctx, [&] { got += s.readAll(); });
        s.write(data);
        (void)QTest::qWaitFor(
            [&] {
                return s.state() == QAbstractSocket::UnconnectedState ||
                       (!until.isEmpty() && got.contains(until));
            },
            15000);
        got += s.readAll();
        return got;
    }

    void publishRun(const QString &org, const QString &run, const QString &status)
    {
        m_source->publish(org, u"c1"_s, run, RunStatusEvent{u"c1"_s, run, status});
    }
    void publishTool(const QString &org, const QString &crew, const QString &run,
                     const QString &call)
    {
        m_source->publish(org, crew, run,
                          ToolStartEvent{crew, run, u"a1"_s, call, u"script"_s, {}});
    }

private Q_SLOTS:
    void cleanup()
    {
        m_gateway.reset();
        m_http.reset();
        m_front = nullptr;
        m_auth.reset();
        m_source.reset();
    }

    void httpAndWebSocketOnOnePort()
    {
        start();
        QNetworkAccessManager nam;
        std::unique_ptr<QNetworkReply> reply(
            nam.get(QNetworkRequest(QUrl(u"http://127.0.0.1:%1/hello"_s.arg(m_port)))));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(reply->readAll(), QByteArray("hi"));

        auto c = open(u"/ws/mission"_s, token(u"u1"_s, u"o1"_s));
        QTRY_VERIFY_WITH_TIMEOUT(!c->ofType(u"snapshot"_s).isEmpty(), 10000);
        QCOMPARE(c->ws.subprotocol(), u"crewdeck.v1"_s);
        QCOMPARE(m_gateway->sessionCount(), 1);
    }

    void authorizationHeaderAccepted()
    {
        start();
        auto c = open(u"/ws/mission"_s, token(u"u1"_s, u"o1"_s), true);
        QTRY_VERIFY_WITH_TIMEOUT(!c->ofType(u"snapshot"_s).isEmpty(), 10000);
        QVERIFY(!c->closed);
    }

    void closeCodes()
    {
        start();
        const QByteArray t = token(u"u1"_s, u"o1"_s);
        QCOMPARE(closeCodeOf(u"/ws/mission"_s, {}), 4401);
        QCOMPARE(closeCodeOf(u"/ws/mission"_s, "not.a.token"), 4401);
        QCOMPARE(closeCodeOf(u"/ws/mission"_s,
                             jwt::sign(jwt::Claims{u"u1"_s, u"o1"_s, u"member"_s, 1,
                                                   QDateTime::currentSecsSinceEpoch() + 60},
                                       "other-key")),
                 4401);
        QCOMPARE(closeCodeOf(u"/ws/mission"_s, token(u"ghost"_s, u"o1"_s)), 4401); // user gone
        QCOMPARE(closeCodeOf(u"/ws/runs/nope"_s, t), 4404);
        QCOMPARE(closeCodeOf(u"/ws/runs/r2"_s, t), 4404); // another org's run
        QCOMPARE(closeCodeOf(u"/ws/graph?crew_id=cx"_s, t), 4403);
        QCOMPARE(closeCodeOf(u"/ws/graph"_s, t), 4400);
        QCOMPARE(closeCodeOf(u"/ws/mission?since=abc"_s, t), 4400);
        QCOMPARE(closeCodeOf(u"/ws/mission?since=-3"_s, t), 4400);
        QCOMPARE(closeCodeOf(u"/ws/elsewhere"_s, t), 4404);
        QCOMPARE(closeCodeOf(u"/ws/runs/r1/extra"_s, t), 4404);
        QCOMPARE(m_gateway->sessionCount(), 0);
    }

    void clientMessages()
    {
        start();
        const QByteArray t = token(u"u1"_s, u"o1"_s);
        {
            auto c = open(u"/ws/mission"_s, t);
            QTRY_VERIFY_WITH_TIMEOUT(!c->ofType(u"snapshot"_s).isEmpty(), 10000);
            m_source->publish(u"o1"_s, u"c1"_s, {}, SignalEvent{u"c1"_s, u"busy"_s});
            QTRY_COMPARE_WITH_TIMEOUT(c->ofType(u"signal"_s).size(), 1, 10000);
            const qint64 seq = c->ofType(u"signal"_s).first().value(u"seq"_s).toInteger();
            c->ws.sendTextMessage(u"{\"type\":\"ping\"}"_s);
            QTRY_COMPARE_WITH_TIMEOUT(c->ofType(u"pong"_s).size(), 1, 10000);
            QCOMPARE(c->ofType(u"pong"_s).first().value(u"seq"_s).toInteger(), seq);
            QVERIFY(c->ofType(u"pong"_s).first().contains(u"ts"_s));
            c->ws.sendTextMessage(u"{\"type\":\"subscribe\"}"_s);
            QTRY_VERIFY_WITH_TIMEOUT(c->closed, 10000);
            QCOMPARE(c->closeCode, 4400);
        }
        {
            auto c = open(u"/ws/mission"_s, t);
            QTRY_VERIFY_WITH_TIMEOUT(!c->ofType(u"snapshot"_s).isEmpty(), 10000);
            c->ws.sendBinaryMessage("\x01\x02");
            QTRY_VERIFY_WITH_TIMEOUT(c->closed, 10000);
            QCOMPARE(c->closeCode, 4400);
        }
        {
            auto c = open(u"/ws/mission"_s, t);
            QTRY_VERIFY_WITH_TIMEOUT(!c->ofType(u"snapshot"_s).isEmpty(), 10000);
            c->ws.sendTextMessage(QString(65 * 1024 + 10, u'a'));
            QTRY_VERIFY_WITH_TIMEOUT(c->closed, 10000);
            QCOMPARE(c->closeCode, 1009);
        }
        QTRY_COMPARE_WITH_TIMEOUT(m_gateway->sessionCount(), 0, 10000);
    }

    void missionSnapshotSignalsHeartbeat()
    {
        Gateway::Config cfg;
        cfg.heartbeatSeconds = 1;
        start(cfg);
        m_source->publish(u"o1"_s, u"c1"_s, {}, SignalEvent{u"c1"_s, u"available"_s});
        m_source->publish(u"o2"_s, u"cx"_s, {}, SignalEvent{u"cx"_s, u"offline"_s});
        auto c = open(u"/ws/mission"_s, token(u"u1"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(c->frames.size(), 1, 10000);
        const QJsonObject snap = c->frames.first();
        QCOMPARE(snap.value(u"type"_s).toString(), u"snapshot"_s);
        QCOMPARE(snap.value(u"seq"_s).toInteger(), 1); // latest event of o1's mission stream
        QVERIFY(snap.contains(u"ts"_s));
        const QJsonArray crews = snap.value(u"crews"_s).toArray();
        QCOMPARE(crews.size(), 2);
        for (const auto &v : crews)
            QVERIFY(v.toObject().value(u"crew_id"_s).toString().startsWith(u"c"_s));

        m_source->publish(u"o2"_s, u"cx"_s, {}, SignalEvent{u"cx"_s, u"busy"_s}); // other org
        const auto mine =
            m_source->publish(u"o1"_s, u"c2"_s, {}, SignalEvent{u"c2"_s, u"available"_s});
        QTRY_COMPARE_WITH_TIMEOUT(c->ofType(u"signal"_s).size(), 1, 10000);
        QCOMPARE(c->ofType(u"signal"_s).first().value(u"crew_id"_s).toString(), u"c2"_s);
        QCOMPARE(c->ofType(u"signal"_s).first().value(u"seq"_s).toInteger(), mine->seq);

        QTRY_VERIFY_WITH_TIMEOUT(c->ofType(u"heartbeat"_s).size() >= 2, 15000);
        QCOMPARE(c->ofType(u"heartbeat"_s).last().value(u"seq"_s).toInteger(), mine->seq);

        // With since: the missed signals, no snapshot.
        auto r = open(u"/ws/mission?since=1"_s, token(u"u1"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(r->ofType(u"signal"_s).size(), 1, 10000);
        QCOMPARE(r->ofType(u"signal"_s).first().value(u"seq"_s).toInteger(), mine->seq);
        QVERIFY(r->ofType(u"snapshot"_s).isEmpty());
    }

    void runStreamClosesAfterFinalStatus()
    {
        start();
        publishRun(u"o1"_s, u"r1"_s, u"running"_s);
        auto c = open(u"/ws/runs/r1"_s, token(u"u1"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(c->eventSeqs().size(), 1, 10000); // from the first event
        publishTool(u"o1"_s, u"c1"_s, u"r1"_s, u"t1"_s);
        publishTool(u"o2"_s, u"cx"_s, u"r2"_s, u"t9"_s); // other run
        publishRun(u"o1"_s, u"r1"_s, u"succeeded"_s);
        QTRY_VERIFY_WITH_TIMEOUT(c->closed, 10000);
        QCOMPARE(c->closeCode, 1000);
        QCOMPARE(c->eventSeqs(), (QList<qint64>{1, 2, 4}));
        QCOMPARE(c->frames.last().value(u"status"_s).toString(), u"succeeded"_s);
    }

    void finishedRunReplaysThenCloses()
    {
        start();
        for (int i = 0; i < 5; ++i)
            publishTool(u"o1"_s, u"c1"_s, u"rdone"_s, u"t%1"_s.arg(i));
        publishRun(u"o1"_s, u"rdone"_s, u"failed"_s);
        auto c = open(u"/ws/runs/rdone"_s, token(u"u1"_s, u"o1"_s));
        QTRY_VERIFY_WITH_TIMEOUT(c->closed, 10000);
        QCOMPARE(c->closeCode, 1000);
        QCOMPARE(c->eventSeqs(), range(1, 6));
        // Resuming after the end: nothing more, closed 1000.
        auto d = open(u"/ws/runs/rdone?since=6"_s, token(u"u1"_s, u"o1"_s));
        QTRY_VERIFY_WITH_TIMEOUT(d->closed, 10000);
        QCOMPARE(d->closeCode, 1000);
        QVERIFY(d->eventSeqs().isEmpty());
    }

    // The run's row is final but its last frames are still on their way (the event log writes
    // them on its next tick): the stream stays open until the final run_status is sent.
    void finishedRunWaitsForItsFinalFrame()
    {
        start();
        publishTool(u"o1"_s, u"c1"_s, u"rdone"_s, u"t1"_s);
        publishTool(u"o1"_s, u"c1"_s, u"rdone"_s, u"t2"_s);
        auto c = open(u"/ws/runs/rdone"_s, token(u"u1"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(c->eventSeqs().size(), 2, 10000);
        QTest::qWait(300);
        QVERIFY(!c->closed);
        publishTool(u"o1"_s, u"c1"_s, u"rdone"_s, u"t3"_s);
        publishRun(u"o1"_s, u"rdone"_s, u"succeeded"_s);
        QTRY_VERIFY_WITH_TIMEOUT(c->closed, 10000);
        QCOMPARE(c->closeCode, 1000);
        QCOMPARE(c->eventSeqs(), range(1, 4));
        QCOMPARE(c->frames.last().value(u"status"_s).toString(), u"succeeded"_s);
        // Resuming after the final frame ends at once.
        auto d = open(u"/ws/runs/rdone?since=4"_s, token(u"u1"_s, u"o1"_s));
        QTRY_VERIFY_WITH_TIMEOUT(d->closed, 2000);
        QCOMPARE(d->closeCode, 1000);
        QVERIFY(d->eventSeqs().isEmpty());
    }

    // A finished run whose final frame never comes (its history is incomplete) still ends,
    // after the grace period, with what the history has.
    void finishedRunWithoutFinalFrameEndsAfterGrace()
    {
        Gateway::Config cfg;
        cfg.finishedRunGraceMs = 200;
        start(cfg);
        publishTool(u"o1"_s, u"c1"_s, u"rdone"_s, u"t1"_s);
        auto c = open(u"/ws/runs/rdone"_s, token(u"u1"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(c->eventSeqs().size(), 1, 10000);
        // Written to the history without a live publish: still sent before the close.
        m_source->publish(u"o1"_s, u"c1"_s, u"rdone"_s,
                          ToolStartEvent{u"c1"_s, u"rdone"_s, u"a1"_s, u"t2"_s, u"script"_s, {}}, 0,
                          false);
        QTRY_VERIFY_WITH_TIMEOUT(c->closed, 10000);
        QCOMPARE(c->closeCode, 1000);
        QCOMPARE(c->eventSeqs(), range(1, 2));
    }

    void resumeDeliversMissingEventsOnce()
    {
        Gateway::Config cfg;
        cfg.historyBatch = 3;
        start(cfg);
        publishRun(u"o1"_s, u"r1"_s, u"running"_s);
        for (int i = 0; i < 9; ++i)
            publishTool(u"o1"_s, u"c1"_s, u"r1"_s, u"t%1"_s.arg(i));
        auto c = open(u"/ws/runs/r1?since=4"_s, token(u"u1"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(c->eventSeqs().size(), 6, 10000);
        publishTool(u"o1"_s, u"c1"_s, u"r1"_s, u"t10"_s);
        QTRY_COMPARE_WITH_TIMEOUT(c->eventSeqs().size(), 7, 10000);
        QCOMPARE(c->eventSeqs(), range(5, 11));

        // Graph: live without since, replay with since; only tool events of that crew.
        auto g = open(u"/ws/graph?crew_id=c1"_s, token(u"u1"_s, u"o1"_s));
        auto gr = open(u"/ws/graph?crew_id=c1&since=8"_s, token(u"u1"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(gr->eventSeqs().size(), 3, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(g->ws.state() == QAbstractSocket::ConnectedState, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_gateway->sessionCount(), 3, 10000);
        publishRun(u"o1"_s, u"r1"_s, u"running"_s); // not a tool event: not on the graph
        publishTool(u"o1"_s, u"c1"_s, u"r1"_s, u"t11"_s);
        QTRY_COMPARE_WITH_TIMEOUT(g->eventSeqs().size(), 1, 10000);
        QCOMPARE(g->eventSeqs(), (QList<qint64>{13}));
        QTRY_COMPARE_WITH_TIMEOUT(gr->eventSeqs(), (QList<qint64>{9, 10, 11, 13}), 10000);
    }

    // Cursors older than the ring page from the store while events keep arriving: a ring
    // that keeps nothing (every read from the store) and one of a few frames (store, then
    // ring, falling behind it again).
    void concurrentPublishNeitherLostNorDuplicated_data()
    {
        QTest::addColumn<qint64>("ringBytes");
        QTest::newRow("no ring") << qint64(1);
        QTest::newRow("a few frames") << qint64(1200);
    }
    void concurrentPublishNeitherLostNorDuplicated()
    {
        QFETCH(qint64, ringBytes);
        Gateway::Config cfg;
        cfg.historyBatch = 4;
        cfg.ringBytes = ringBytes;
        start(cfg);
        publishRun(u"o1"_s, u"r1"_s, u"running"_s);
        for (int i = 0; i < 20; ++i)
            publishTool(u"o1"_s, u"c1"_s, u"r1"_s, u"t%1"_s.arg(i));
        // Every history read publishes two more events of the run (and one of another run):
        // they arrive live while the replay is still going on.
        int reads = 0;
        m_source->onHistory = [&] {
            if (++reads > 6)
                return;
            publishTool(u"o1"_s, u"c1"_s, u"r1"_s, u"live"_s);
            publishTool(u"o2"_s, u"cx"_s, u"r2"_s, u"other"_s);
            publishTool(u"o1"_s, u"c1"_s, u"r1"_s, u"live"_s);
        };
        auto c = open(u"/ws/runs/r1?since=2"_s, token(u"u1"_s, u"o1"_s));
        QTRY_VERIFY_WITH_TIMEOUT(reads > 6, 10000);
        QList<qint64> expected;
        for (const auto &e : std::as_const(m_source->events)) {
            if (e->runId == u"r1"_s && e->seq > 2)
                expected.append(e->seq);
        }
        QCOMPARE(expected.size(), 19 + 12);
        QTRY_COMPARE_WITH_TIMEOUT(c->eventSeqs().size(), expected.size(), 10000);
        publishRun(u"o1"_s, u"r1"_s, u"cancelled"_s);
        expected.append(m_source->seq);
        QTRY_VERIFY_WITH_TIMEOUT(c->closed, 10000);
        QCOMPARE(c->closeCode, 1000);
        QCOMPARE(c->eventSeqs(), expected);
    }

    void resetWhenHistoryIsNotOurs()
    {
        start();
        for (int i = 0; i < 5; ++i)
            m_source->publish(u"o1"_s, u"c1"_s, {}, SignalEvent{u"c1"_s, u"busy"_s});
        auto beyond = open(u"/ws/mission?since=1000"_s, token(u"u1"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(beyond->ofType(u"reset"_s).size(), 1, 10000);
        QCOMPARE(beyond->ofType(u"reset"_s).first().value(u"seq"_s).toInteger(), 5);

        m_source->horizon = 3;
        auto pruned = open(u"/ws/mission?since=2"_s, token(u"u1"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(pruned->ofType(u"reset"_s).size(), 1, 10000);
        QCOMPARE(pruned->ofType(u"reset"_s).first().value(u"seq"_s).toInteger(), 5);
        auto fine = open(u"/ws/mission?since=3"_s, token(u"u1"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(fine->eventSeqs(), (QList<qint64>{4, 5}), 10000);

        // ...then live, no duplicates.
        m_source->publish(u"o1"_s, u"c1"_s, {}, SignalEvent{u"c1"_s, u"available"_s});
        QTRY_COMPARE_WITH_TIMEOUT(beyond->eventSeqs(), (QList<qint64>{6}), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(pruned->eventSeqs(), (QList<qint64>{6}), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(fine->eventSeqs(), (QList<qint64>{4, 5, 6}), 10000);
        QVERIFY(fine->ofType(u"reset"_s).isEmpty());
    }

    void tokenExpiryCloses4401()
    {
        start();
        auto c = open(u"/ws/mission"_s, token(u"u1"_s, u"o1"_s, 2));
        QTRY_VERIFY_WITH_TIMEOUT(!c->ofType(u"snapshot"_s).isEmpty(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(c->closed, 15000);
        QCOMPARE(c->closeCode, 4401);
    }

    void closeAllSends1001()
    {
        start();
        auto a = open(u"/ws/mission"_s, token(u"u1"_s, u"o1"_s));
        auto b = open(u"/ws/runs/r1"_s, token(u"u2"_s, u"o1"_s));
        QTRY_COMPARE_WITH_TIMEOUT(m_gateway->sessionCount(), 2, 10000);
        m_gateway->closeAll();
        QTRY_VERIFY_WITH_TIMEOUT(a->closed && b->closed, 10000);
        QCOMPARE(a->closeCode, 1001);
        QCOMPARE(b->closeCode, 1001);
        QTRY_COMPARE_WITH_TIMEOUT(m_gateway->sessionCount(), 0, 10000);
    }

    // A client that stops reading is not closed for being behind: the others get everything
    // meanwhile, the server holds a bounded slice for it (the kernel holds the rest). Only once
    // no byte has left for the stall limit is it closed (1013), the close frame after its
    // backlog.
    void nonReaderIsClosedOnlyAfterStallOthersKeepUp()
    {
        start();
        const QByteArray t = token(u"u1"_s, u"o1"_s);
        // The slow client: a hand-made handshake on a raw socket that then stops reading.
        QTcpSocket slow;
        slow.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(slow.waitForConnected(5000));
        slow.write("GET /ws/mission HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: crewdeck.v1, bearer." +
                   t + "\r\n\r\n");
        QByteArray slowData;
        QTRY_VERIFY_WITH_TIMEOUT((slowData += slow.readAll()).contains("\r\n\r\n"), 10000);
        QVERIFY(slowData.startsWith("HTTP/1.1 101"));
        QVERIFY(slowData.contains("crewdeck.v1"));
        slow.setReadBufferSize(1024); // from now on the kernel buffers fill up

        auto fast = open(u"/ws/mission"_s, t);
        QTRY_COMPARE_WITH_TIMEOUT(m_gateway->sessionCount(), 2, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!fast->ofType(u"snapshot"_s).isEmpty(), 10000);

        QSignalSpy closedSpy(m_gateway.get(), &Gateway::sessionClosed);
        int published = 0;
        for (int round = 0; round < 40; ++round) {
            for (int i = 0; i < 50; ++i, ++published)
                m_source->publish(u"o1"_s, u"c1"_s, {}, SignalEvent{u"c1"_s, u"busy"_s}, 8 * 1024);
            QTRY_COMPARE_WITH_TIMEOUT(fast->eventSeqs().size(), published, 20000);
        }
        QCOMPARE(fast->eventSeqs(), range(1, published)); // 16 MB, far beyond the kernel buffers
        QVERIFY(closedSpy.isEmpty());
        // What the server holds for the non-reader beyond the kernel: at most one slice.
        const QList<WsConnection *> connections = m_gateway->findChildren<WsConnection *>();
        qint64 held = 0;
        for (WsConnection *c : connections)
            held = qMax(held, c->pendingBytes());
        QVERIFY2(held <= 128 * 1024 + 9 * 1024, QByteArray::number(held).constData());

        m_gateway->setStallTimeoutMs(300);
        QTRY_COMPARE_WITH_TIMEOUT(closedSpy.size(), 1, 10000);
        QCOMPARE(closedSpy.first().first().toInt(), 1013);
        QVERIFY(!fast->closed);
        for (int i = 0; i < 10; ++i, ++published)
            m_source->publish(u"o1"_s, u"c1"_s, {}, SignalEvent{u"c1"_s, u"busy"_s}, 8 * 1024);
        QTRY_COMPARE_WITH_TIMEOUT(fast->eventSeqs(), range(1, published), 20000);

        // The slow client, reading again, finds every event it was sent in order, then the
        // 1013 close frame.
        slow.setReadBufferSize(0);
        slowData = slowData.mid(slowData.indexOf("\r\n\r\n") + 4);
        int closeCode = -1;
        qint64 lastSeq = 0;
        bool ordered = true;
        qsizetype pos = 0;
        const auto parse = [&] {
            while (closeCode < 0) {
                if (slowData.size() - pos < 2)
                    return;
                const auto *d = reinterpret_cast<const uchar *>(slowData.constData() + pos);
                qint64 len = d[1] & 0x7f;
                qsizetype hdr = 2;
                if (len == 126) {
                    if (slowData.size() - pos < 4)
                        return;
                    len = (qint64(d[2]) << 8) | d[3];
                    hdr = 4;
                } else if (len == 127) {
                    if (slowData.size() - pos < 10)
                        return;
                    len = 0;
                    for (int i = 2; i < 10; ++i)
                        len = (len << 8) | d[i];
                    hdr = 10;
                }
                if (slowData.size() - pos < hdr + len)
                    return;
                if ((d[0] & 0x0f) == 0x8 && len >= 2) {
                    closeCode = (int(d[hdr]) << 8) | d[hdr + 1];
                } else if ((d[0] & 0x0f) == 0x1) {
                    const QJsonObject o =
                        QJsonDocument::fromJson(slowData.mid(pos + hdr, len)).object();
                    if (o.value(u"type"_s).toString() == u"signal"_s) {
                        const qint64 seq = o.value(u"seq"_s).toInteger();
                        ordered = ordered && seq == lastSeq + 1;
                        lastSeq = seq;
                    }
                }
                pos += hdr + len;
            }
        };
        QTRY_VERIFY_WITH_TIMEOUT((slowData += slow.readAll(), parse(), closeCode >= 0), 20000);
        QCOMPARE(closeCode, 1013);
        QVERIFY(ordered);
        QVERIFY(lastSeq > 0);
    }

    // A client that floods pings (RFC 6455 pings and {"type":"ping"}) and reads nothing: the
    // server keeps at most one pong waiting beyond the kernel; once the kernel takes nothing
    // more (here: events filled it) and the pings go on, the client is closed (1008).
    void pingFloodingNonReaderIsBoundedAndClosed()
    {
        start();
        const QByteArray t = token(u"u1"_s, u"o1"_s);
        for (const bool appLevel : {false, true}) {
            RawWs raw;
            const QByteArray head = raw.handshake(m_port, RawWs::upgradeHead("/ws/mission", t));
            QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
            raw.socket.setReadBufferSize(1024);
            QSignalSpy closedSpy(m_gateway.get(), &Gateway::sessionClosed);
            const QByteArray ping =
                appLevel ? QByteArray("{\"type\":\"ping\"}") : QByteArray(125, 'p');
            qint64 maxHeld = 0;
            const auto flood = [&](int rounds) {
                for (int round = 0; round < rounds && closedSpy.isEmpty(); ++round) {
                    for (int i = 0; i < 200; ++i)
                        raw.send(appLevel ? 0x1 : 0x9, ping);
                    raw.socket.flush();
                    QTest::qWait(1);
                    const QList<WsConnection *> connections =
                        m_gateway->findChildren<WsConnection *>();
                    for (WsConnection *c : connections)
                        maxHeld = qMax(maxHeld, c->pendingBytes());
                }
            };
            flood(300); // 60,000 pings: one pong per pass at most
            QVERIFY2(maxHeld <= 256, QByteArray::number(maxHeld).constData());
            QVERIFY(closedSpy.isEmpty());
            for (int i = 0; i < 2000; ++i)
                m_source->publish(u"o1"_s, u"c1"_s, {}, SignalEvent{u"c1"_s, u"busy"_s}, 8 * 1024);
            QTest::qWait(200);
            flood(300);
            QTRY_VERIFY_WITH_TIMEOUT(!closedSpy.isEmpty(), 20000);
            QCOMPARE(closedSpy.first().first().toInt(), 1008);
        }
    }

    // RFC 6455 4.2.2 example: key "dGhlIHNhbXBsZSBub25jZQ==" -> "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
    // Then over the raw socket: ping -> pong with the same payload, a fragmented text message
    // (with a ping between its fragments), and a client-initiated close echoed with its code.
    void rawHandshakePingFragmentsAndClose()
    {
        start();
        const QByteArray t = token(u"u1"_s, u"o1"_s);
        RawWs raw;
        const QByteArray resp = raw.handshake(m_port, RawWs::upgradeHead("/ws/mission", t));
        QVERIFY2(resp.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), resp.constData());
        QVERIFY(resp.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        QVERIFY(resp.contains("\r\nSec-WebSocket-Protocol: crewdeck.v1\r\n"));
        QCOMPARE(WsConnection::acceptKey("dGhlIHNhbXBsZSBub25jZQ=="),
                 QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));

        const RawFrame snapshot = raw.next();
        QCOMPARE(snapshot.opcode, 0x1);
        QVERIFY(snapshot.fin);
        QCOMPARE(QJsonDocument::fromJson(snapshot.payload).object().value(u"type"_s).toString(),
                 u"snapshot"_s);

        raw.send(0x9, "are you there");
        RawFrame pong = raw.next();
        QCOMPARE(pong.opcode, 0xA);
        QCOMPARE(pong.payload, QByteArray("are you there"));

        raw.send(0x1, "{\"type\":", false);
        raw.send(0x9, "mid");
        raw.send(0x0, "\"pi", false);
        raw.send(0x0, "ng\"}", true);
        pong = raw.next();
        QCOMPARE(pong.opcode, 0xA);
        QCOMPARE(pong.payload, QByteArray("mid"));
        const RawFrame reply = raw.next();
        QCOMPARE(reply.opcode, 0x1);
        QCOMPARE(QJsonDocument::fromJson(reply.payload).object().value(u"type"_s).toString(),
                 u"pong"_s);
        QCOMPARE(m_gateway->sessionCount(), 1);

        QSignalSpy closed(m_gateway.get(), &Gateway::sessionClosed);
        raw.send(0x8, closePayload(4000, "bye"));
        const RawFrame echo = raw.nextControl();
        QCOMPARE(echo.opcode, 0x8);
        QCOMPARE(echo.closeCode(), 4000);
        QVERIFY(raw.waitClosedByServer());
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 10000);
        QCOMPARE(closed.first().first().toInt(), 4000);
        QTRY_COMPARE_WITH_TIMEOUT(m_gateway->sessionCount(), 0, 10000);
    }

    void rawProtocolErrorsCloseWithCodes_data()
    {
        QTest::addColumn<QByteArray>("kind");
        QTest::addColumn<int>("expected");
        QTest::newRow("unmasked frame") << QByteArray("unmasked") << 1002;
        QTest::newRow("reserved bits") << QByteArray("rsv") << 1002;
        QTest::newRow("unknown opcode") << QByteArray("opcode") << 1002;
        QTest::newRow("continuation first") << QByteArray("continuation") << 1002;
        QTest::newRow("text inside fragmented") << QByteArray("interleaved") << 1002;
        QTest::newRow("fragmented ping") << QByteArray("fragmentedPing") << 1002;
        QTest::newRow("ping over 125 bytes") << QByteArray("bigPing") << 1002;
        QTest::newRow("close code 1005 on the wire") << QByteArray("close1005") << 1002;
        QTest::newRow("one-byte close payload") << QByteArray("close1byte") << 1002;
        QTest::newRow("invalid UTF-8 text") << QByteArray("utf8") << 1007;
        QTest::newRow("invalid UTF-8 across fragments") << QByteArray("utf8frag") << 1007;
        QTest::newRow("invalid UTF-8 close reason") << QByteArray("utf8close") << 1007;
        QTest::newRow("oversize single frame") << QByteArray("oversize") << 1009;
        QTest::newRow("oversize fragmented message") << QByteArray("oversizeFrag") << 1009;
        QTest::newRow("binary message") << QByteArray("binary") << 4400;
    }

    void rawProtocolErrorsCloseWithCodes()
    {
        QFETCH(QByteArray, kind);
        QFETCH(int, expected);
        start();
        RawWs raw;
        const QByteArray resp =
            raw.handshake(m_port, RawWs::upgradeHead("/ws/mission", token(u"u1"_s, u"o1"_s)));
        QVERIFY2(resp.startsWith("HTTP/1.1 101"), resp.constData());
        QCOMPARE(raw.next().opcode, 0x1); // snapshot
        QSignalSpy closed(m_gateway.get(), &Gateway::sessionClosed);
        if (kind == "unmasked") {
            raw.send(0x1, "{\"type\":\"ping\"}", true, false);
        } else if (kind == "rsv") {
            raw.socket.write(QByteArray("\xc1\x80\x00\x00\x00\x00", 6)); // FIN+RSV1 text, empty
        } else if (kind == "opcode") {
            raw.send(0x3, "x");
        } else if (kind == "continuation") {
            raw.send(0x0, "x");
        } else if (kind == "interleaved") {
            raw.send(0x1, "{", false);
            raw.send(0x1, "}", true);
        } else if (kind == "fragmentedPing") {
            raw.send(0x9, "x", false);
        } else if (kind == "bigPing") {
            raw.send(0x9, QByteArray(126, 'p'));
        } else if (kind == "close1005") {
            raw.send(0x8, closePayload(1005));
        } else if (kind == "close1byte") {
            raw.send(0x8, "x");
        } else if (kind == "utf8") {
            raw.send(0x1, "{\"type\":\"\xc3\x28\"}");
        } else if (kind == "utf8frag") {
            raw.send(0x1, "abc\xed", false);
            raw.send(0x0, "\xa0\x80", true); // an encoded surrogate
        } else if (kind == "utf8close") {
            raw.send(0x8, closePayload(1000, "\xff\xfe"));
        } else if (kind == "oversize") {
            raw.send(0x1, QByteArray(64 * 1024 + 1, 'a'));
        } else if (kind == "oversizeFrag") {
            for (int i = 0; i < 5; ++i)
                raw.send(i == 0 ? 0x1 : 0x0, QByteArray(16 * 1024, 'a'), i == 4);
        } else if (kind == "binary") {
            raw.send(0x2, "\x01\x02");
        }
        const RawFrame close = raw.nextControl();
        QCOMPARE(close.opcode, 0x8);
        QCOMPARE(close.closeCode(), expected);
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 10000);
        QCOMPARE(closed.first().first().toInt(), expected);
        // The server half-closes after its close frame; we answer and it goes away.
        raw.send(0x8, closePayload(expected == 1005 ? 1000 : 1000));
        QVERIFY(raw.waitClosedByServer());
        QTRY_COMPARE_WITH_TIMEOUT(m_gateway->sessionCount(), 0, 10000);
    }

    void badHandshakesGet400_data()
    {
        QTest::addColumn<QByteArray>("head");
        const QByteArray t = token(u"u1"_s, u"o1"_s);
        QTest::newRow("version 8")
            << RawWs::upgradeHead("/ws/mission", t, {}, "dGhlIHNhbXBsZSBub25jZQ==", "8");
        QTest::newRow("short key") << RawWs::upgradeHead("/ws/mission", t, {}, "c2hvcnQ=");
        QTest::newRow("key not base64")
            << RawWs::upgradeHead("/ws/mission", t, {}, "!!!!!!!!!!!!!!!!!!!!!!==");
        QTest::newRow("no key") << QByteArray(
            "GET /ws/mission HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n");
        QTest::newRow("no Connection: Upgrade") << QByteArray(
            "GET /ws/mission HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        QTest::newRow("HTTP/1.0") << QByteArray(
            "GET /ws/mission HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n");
    }

    void badHandshakesGet400()
    {
        QFETCH(QByteArray, head);
        start();
        RawWs raw;
        const QByteArray resp = raw.handshake(m_port, head);
        QVERIFY2(resp.startsWith("HTTP/1.1 400 Bad Request\r\n"), resp.constData());
        QVERIFY(resp.contains("Sec-WebSocket-Version: 13"));
        QVERIFY(raw.waitClosedByServer());
        QCOMPARE(m_gateway->sessionCount(), 0);
        // The server still serves good handshakes.
        auto c = open(u"/ws/mission"_s, token(u"u1"_s, u"o1"_s));
        QTRY_VERIFY_WITH_TIMEOUT(!c->ofType(u"snapshot"_s).isEmpty(), 10000);
    }

    // Without "crewdeck.v1" offered, the 101 carries no subprotocol (the token came in the
    // Authorization header).
    void noSubprotocolUnlessOffered()
    {
        start();
        RawWs raw;
        const QByteArray head =
            "GET /ws/mission HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\n"
            "Connection: upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " +
            token(u"u1"_s, u"o1"_s) + "\r\n\r\n";
        const QByteArray resp = raw.handshake(m_port, head);
        QVERIFY2(resp.startsWith("HTTP/1.1 101"), resp.constData());
        QVERIFY(!resp.contains("Sec-WebSocket-Protocol"));
        const RawFrame snapshot = raw.next();
        QCOMPARE(snapshot.opcode, 0x1);
    }

    // Close codes both ways with real QWebSocket clients: the server's 1000 after a run ends is
    // covered elsewhere; here a client's own close code reaches sessionClosed, and the server's
    // shutdown code reaches the client together with its reason.
    void closeCodesRoundTripWithQWebSocket()
    {
        start();
        const QByteArray t = token(u"u1"_s, u"o1"_s);
        auto c = open(u"/ws/mission"_s, t);
        QTRY_VERIFY_WITH_TIMEOUT(!c->ofType(u"snapshot"_s).isEmpty(), 10000);
        QSignalSpy closed(m_gateway.get(), &Gateway::sessionClosed);
        c->ws.close(QWebSocketProtocol::CloseCode(4321), u"done here"_s);
        QTRY_VERIFY_WITH_TIMEOUT(c->closed, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 10000);
        QCOMPARE(closed.first().first().toInt(), 4321);
        QCOMPARE(c->closeCode, 4321);

        auto d = open(u"/ws/mission"_s, t);
        QTRY_VERIFY_WITH_TIMEOUT(!d->ofType(u"snapshot"_s).isEmpty(), 10000);
        d->ws.ping("hello");
        QSignalSpy pong(&d->ws, &QWebSocket::pong);
        QVERIFY(pong.wait(10000));
        QCOMPARE(pong.first().at(1).toByteArray(), QByteArray("hello"));
        m_gateway->closeAll();
        QTRY_VERIFY_WITH_TIMEOUT(d->closed, 10000);
        QCOMPARE(d->closeCode, 1001);
        QCOMPARE(d->ws.closeReason(), u"server shutting down"_s);
        QTRY_COMPARE_WITH_TIMEOUT(m_gateway->sessionCount(), 0, 10000);
    }

    // Frame building: the three length encodings, and close reasons cut at 123 bytes without
    // splitting a UTF-8 sequence.
    // The ring alone: streams are separate, reads stop at the budget (at least one frame) and
    // after a run's final frame, eviction is oldest-first over all streams and moves floor().
    void frameRingStreamsBudgetAndEviction()
    {
        const auto event = [](qint64 seq, const QString &type, const QString &org,
                              const QString &crew, const QString &run) {
            StoredEvent e;
            e.seq = seq;
            e.type = type;
            e.orgId = org;
            e.crewId = crew;
            e.runId = run;
            return e;
        };
        const QByteArray frame(100, 'f'); // each entry costs 100 + 96 bytes
        FrameRing ring(10 * 196, 5);      // room for 10; seqs up to 5 came before the ring
        QVERIFY(!ring.covers(4));
        QVERIFY(ring.covers(5));
        for (qint64 seq = 6; seq <= 13; ++seq)
            ring.append(
                event(seq, EventType::ToolProgress, u"o1"_s, u"c1"_s, seq % 2 ? u"r1"_s : u"r2"_s),
                frame, false);
        ring.append(event(14, EventType::Signal, u"o1"_s, u"c1"_s, {}), frame, false);
        ring.append(event(15, EventType::RunStatus, u"o1"_s, u"c1"_s, u"r1"_s), frame, true);
        QCOMPARE(ring.frameCount(), 10);
        QCOMPARE(ring.floor(), 5);

        const QString run1 = FrameRing::ringKey(StreamKey{StreamKind::Run, u"o1"_s, u"r1"_s});
        const QString graph = FrameRing::ringKey(StreamKey{StreamKind::Graph, u"o1"_s, u"c1"_s});
        const QString mission = FrameRing::ringKey(StreamKey{StreamKind::Mission, u"o1"_s, {}});
        const QString otherOrg = FrameRing::ringKey(StreamKey{StreamKind::Graph, u"o2"_s, u"c1"_s});
        std::vector<const QByteArray *> out;
        FrameRing::Slice s = ring.read(run1, 5, 1 << 20, 1000, out);
        QCOMPARE(s.count, 5); // 7, 9, 11, 13 and the final status 15
        QCOMPARE(s.lastSeq, 15);
        QVERIFY(s.endsRun);
        out.clear();
        s = ring.read(graph, 5, 250, 1000, out); // budget: two frames of 100
        QCOMPARE(s.count, 2);
        QCOMPARE(s.lastSeq, 7);
        out.clear();
        s = ring.read(graph, 7, 1, 1000, out); // below one frame: still one
        QCOMPARE(s.count, 1);
        QCOMPARE(s.lastSeq, 8);
        out.clear();
        QCOMPARE(ring.read(mission, 0, 1 << 20, 1000, out).lastSeq, 14);
        out.clear();
        QCOMPARE(ring.read(otherOrg, 0, 1 << 20, 1000, out).count, 0);
        out.clear();

        // Two more: 6 and 7 go, the floor follows, the run's stream starts at 9 now.
        ring.append(event(16, EventType::ToolProgress, u"o1"_s, u"c1"_s, u"r2"_s), frame, false);
        ring.append(event(17, EventType::ToolProgress, u"o1"_s, u"c1"_s, u"r2"_s), frame, false);
        QCOMPARE(ring.frameCount(), 10);
        QCOMPARE(ring.floor(), 7);
        QVERIFY(!ring.covers(6));
        s = ring.read(run1, 7, 1 << 20, 1000, out);
        QCOMPARE(s.count, 4);
        out.clear();
        // A ring smaller than one frame keeps nothing: every cursor reads the store.
        FrameRing none(1, 0);
        none.append(event(1, EventType::ToolProgress, u"o1"_s, u"c1"_s, u"r1"_s), frame, false);
        QCOMPARE(none.frameCount(), 0);
        QCOMPARE(none.floor(), 1);
        QCOMPARE(none.streamCount(), 0);
    }

    void frameEncoding()
    {
        const QByteArray small = WsConnection::textFrame(QByteArray(125, 'a'));
        QCOMPARE(small.size(), 2 + 125);
        QCOMPARE(uchar(small[0]), uchar(0x81));
        QCOMPARE(uchar(small[1]), uchar(125));
        const QByteArray mid = WsConnection::textFrame(QByteArray(126, 'a'));
        QCOMPARE(mid.size(), 4 + 126);
        QCOMPARE(uchar(mid[1]), uchar(126));
        QCOMPARE((uchar(mid[2]) << 8) | uchar(mid[3]), 126);
        const QByteArray big = WsConnection::textFrame(QByteArray(70000, 'a'));
        QCOMPARE(big.size(), 10 + 70000);
        QCOMPARE(uchar(big[1]), uchar(127));
        quint64 len = 0;
        for (int i = 2; i < 10; ++i)
            len = (len << 8) | uchar(big[i]);
        QCOMPARE(len, quint64(70000));

        const QByteArray reason =
            QByteArray(122, 'r') + "\xc3\xa9tail"; // 'e-acute' straddles byte 123
        const QByteArray close = WsConnection::closeFrame(1013, reason);
        QCOMPARE(uchar(close[0]), uchar(0x88));
        const QByteArray payload = close.mid(2);
        QCOMPARE(int(uchar(close[1])), int(payload.size()));
        QVERIFY(payload.size() <= 125);
        QCOMPARE((int(uchar(payload[0])) << 8) | uchar(payload[1]), 1013);
        QCOMPARE(payload.mid(2), QByteArray(122, 'r'));
    }

    // Many events in one event-loop pass (coalesced into one write per client), frames of all
    // three length encodings, to many QWebSocket clients: every client gets every event once,
    // in order, intact.
    void burstToManyClientsArrivesIntactInOrder()
    {
        start();
        const QByteArray t = token(u"u1"_s, u"o1"_s);
        std::vector<std::unique_ptr<WsClient>> clients;
        for (int i = 0; i < 20; ++i)
            clients.push_back(open(u"/ws/graph?crew_id=c1"_s, t));
        QTRY_COMPARE_WITH_TIMEOUT(m_gateway->sessionCount(), 20, 10000);
        for (const auto &c : clients)
            QTRY_VERIFY_WITH_TIMEOUT(c->ws.state() == QAbstractSocket::ConnectedState, 10000);
        // Two 70 kB frames: the burst stays below the 1 MiB slow-consumer limit per client.
        const auto pad = [](int i) { return i % 200 == 3 ? 70000 : (i % 3) * 150; };
        for (int i = 0; i < 400; ++i)
            m_source->publish(
                u"o1"_s, u"c1"_s, u"r1"_s,
                ToolStartEvent{u"c1"_s, u"r1"_s, u"a1"_s, u"t%1"_s.arg(i), u"script"_s, {}},
                pad(i));
        for (const auto &c : clients) {
            QTRY_COMPARE_WITH_TIMEOUT(c->eventSeqs().size(), 400, 30000);
            QCOMPARE(c->eventSeqs(), range(1, 400));
            for (int i = 0; i < 400; ++i)
                QCOMPARE(c->frames[i].value(u"pad"_s).toString().size(), pad(i));
            QVERIFY(!c->closed);
        }
    }

    void bodyLimit413()
    {
        start();
        {
            QTcpSocket s;
            const QByteArray resp =
                rawExchange(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" +
                                   QByteArray(64 * 1024, 'a'));
            QVERIFY2(resp.startsWith("HTTP/1.1 413 Payload Too Large\r\n"),
                     resp.left(200).constData());
            QVERIFY(resp.contains("Content-Type: application/json; charset=utf-8"));
            QVERIFY(resp.contains("Connection: close"));
            QVERIFY(resp.endsWith(
                R"({"error":{"code":"payload_too_large","message":"request body over 1 MiB"}})"));
            QTRY_COMPARE_WITH_TIMEOUT(s.state(), QAbstractSocket::UnconnectedState, 10000);
        }
        {
            // Chunked: the chunk sizes add up past 1 MiB.
            QTcpSocket s;
            QByteArray req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
            for (int i = 0; i < 20; ++i)
                req += "10000\r\n" + QByteArray(0x10000, 'b') + "\r\n";
            req += "0\r\n\r\n";
            const QByteArray resp = rawExchange(s, req);
            QVERIFY2(resp.startsWith("HTTP/1.1 413 "), resp.left(200).constData());
            QVERIFY(resp.contains("payload_too_large"));
        }
        {
            // A normal POST on a new connection works, also a body of exactly 1 MiB.
            QTcpSocket s;
            const QByteArray resp = rawExchange(
                s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "len=5");
            QVERIFY2(resp.startsWith("HTTP/1.1 200"), resp.left(200).constData());
            QVERIFY(resp.contains("len=5"));
            QTcpSocket s2;
            const QByteArray big =
                rawExchange(s2,
                            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n" +
                                QByteArray(1024 * 1024, 'c'),
                            "len=1048576");
            QVERIFY2(big.startsWith("HTTP/1.1 200"), big.left(200).constData());
            QTcpSocket s3;
            const QByteArray chunked =
                rawExchange(s3,
                            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\n\r\n",
                            "len=8");
            QVERIFY2(chunked.contains("len=8"), chunked.left(300).constData());
        }
    }

    void bodyLimitOnKeepAlive()
    {
        start();
        QTcpSocket s;
        QByteArray first = rawExchange(
            s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "len=3");
        QVERIFY2(first.startsWith("HTTP/1.1 200"), first.constData());
        QCOMPARE(s.state(), QAbstractSocket::ConnectedState);
        QByteArray second = rawExchange(s, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", "hi");
        QVERIFY2(second.startsWith("HTTP/1.1 200"), second.constData());
        QCOMPARE(s.state(), QAbstractSocket::ConnectedState);
        const QByteArray third =
            rawExchange(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n" +
                               QByteArray(1000, 'z'));
        QVERIFY2(third.startsWith("HTTP/1.1 413 "), third.constData());
        QTRY_COMPARE_WITH_TIMEOUT(s.state(), QAbstractSocket::UnconnectedState, 10000);
    }

    // A proxy with a keepalive upstream sends the upgrade over a connection that already
    // carried plain requests: it must still reach the gateway (not QHttpServer's 404).
    void upgradeAfterPlainRequestsOnOneConnection()
    {
        start();
        RawWs raw;
        raw.socket.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(raw.socket.waitForConnected(5000));
        const QByteArray first =
            rawExchange(raw.socket, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", "hi");
        QVERIFY2(first.startsWith("HTTP/1.1 200"), first.constData());
        const QByteArray second = rawExchange(
            raw.socket, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "len=3");
        QVERIFY2(second.startsWith("HTTP/1.1 200"), second.constData());
        QCOMPARE(raw.socket.state(), QAbstractSocket::ConnectedState);
        raw.socket.write(RawWs::upgradeHead("/ws/mission", token(u"u1"_s, u"o1"_s)));
        QVERIFY(QTest::qWaitFor(
            [&] {
                raw.in += raw.socket.readAll();
                return raw.in.contains("\r\n\r\n") ||
                       raw.socket.state() == QAbstractSocket::UnconnectedState;
            },
            10000));
        const qsizetype end = raw.in.indexOf("\r\n\r\n");
        QVERIFY(end > 0);
        const QByteArray head = raw.in.left(end + 4);
        raw.in.remove(0, end + 4);
        QVERIFY2(head.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), head.constData());
        QVERIFY(head.contains("\r\nSec-WebSocket-Protocol: crewdeck.v1\r\n"));
        const RawFrame snapshot = raw.next();
        QCOMPARE(snapshot.opcode, 0x1);
        QCOMPARE(QJsonDocument::fromJson(snapshot.payload).object().value(u"type"_s).toString(),
                 u"snapshot"_s);
        // The server keeps serving plain HTTP on other connections.
        QTcpSocket other;
        QVERIFY(rawExchange(other, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", "hi")
                    .startsWith("HTTP/1.1 200"));
    }

    void badHeadsDoNotStopTheServer()
    {
        start();
        {
            QTcpSocket s;
            const QByteArray resp =
                rawExchange(s, QByteArray("\x16\x03\x01\x02\x00garbage here\r\n\r\n", 22));
            QVERIFY2(resp.isEmpty() || resp.startsWith("HTTP/1.1 400"), resp.constData());
            QTRY_COMPARE_WITH_TIMEOUT(s.state(), QAbstractSocket::UnconnectedState, 10000);
        }
        {
            QTcpSocket s;
            const QByteArray resp = rawExchange(
                s, "GET /hello HTTP/1.1\r\nX-Big: " + QByteArray(20000, 'h') + "\r\n\r\n");
            QVERIFY2(resp.startsWith("HTTP/1.1 431"), resp.left(200).constData());
        }
        {
            QTcpSocket s;
            const QByteArray resp = rawExchange(s, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", "hi");
            QVERIFY2(resp.startsWith("HTTP/1.1 200"), resp.constData());
        }
        auto c = open(u"/ws/mission"_s, token(u"u1"_s, u"o1"_s));
        QTRY_VERIFY_WITH_TIMEOUT(!c->ofType(u"snapshot"_s).isEmpty(), 10000);
    }

    void shutdownDrainsIdleConnections()
    {
        start();
        QTcpSocket s;
        const QByteArray resp = rawExchange(s, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", "hi");
        QVERIFY(resp.startsWith("HTTP/1.1 200"));
        QTRY_COMPARE_WITH_TIMEOUT(m_front->openHttpConnections(), 1, 10000);
        QSignalSpy drained(m_front, &FrontDoor::drained);
        m_front->shutdown(30000);
        QVERIFY(!m_front->isListening());
        QTRY_COMPARE_WITH_TIMEOUT(drained.size(), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(s.state(), QAbstractSocket::UnconnectedState, 10000);
    }
};

// The whole suite runs twice: connections on their own descriptor (plain TCP, the default),
// then through their QTcpSocket, the path a QSslSocket (wss) always takes.
int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTEST_SET_MAIN_SOURCE_PATH
    TestWs descriptor(false);
    int rc = QTest::qExec(&descriptor, argc, argv);
    qInfo("tst_ws: the same tests with connections through their QTcpSocket (takeDescriptors off)");
    TestWs device(true);
    rc |= QTest::qExec(&device, argc, argv);
    return rc;
}

#include "tst_ws.moc"
