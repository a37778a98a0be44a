// LiveSocket against a real QWebSocketServer on a loopback port that plays the CrewDeck
// server's part: accepting, sending frames, closing with the protocol's codes, vanishing
// and coming back on the same port, or going silent (a half-open link).
#include "app/net/livesocket.h"
#include "shared/events.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace Qt::StringLiterals;
using crewdeck::client::LiveSocket;

namespace {

QString frame(const crewdeck::EventBody &body, qint64 seq)
{
    crewdeck::Event e{seq, QDateTime::currentDateTimeUtc(), body};
    return QString::fromUtf8(e.toBytes());
}

QString signalFrame(qint64 seq, const QString &crew = u"c1"_s, const QString &status = u"busy"_s)
{
    return frame(crewdeck::SignalEvent{crew, status}, seq);
}

// The server side of the test. Runs on the test's (main) thread.
class FakeServer : public QObject
{
    Q_OBJECT
public:
    FakeServer()
    {
        connect(&m_server, &QWebSocketServer::newConnection, this, &FakeServer::onNewConnection);
        m_server.setSupportedSubprotocols({u"crewdeck.v1"_s});
    }
    ~FakeServer() override { stop(); }

    bool listen(quint16 port = 0) { return m_server.listen(QHostAddress::LocalHost, port); }
    quint16 port() const { return m_server.serverPort(); }
    QUrl url(const QString &path = u"/ws/mission"_s) const
    {
        return QUrl(u"ws://127.0.0.1:%1%2"_s.arg(port()).arg(path));
    }
    // Stops listening and drops every client (as a dying server would).
    void stop()
    {
        m_server.close();
        for (const auto &c : std::as_const(clients))
            if (c)
                c->abort();
    }

    QWebSocket *last() const { return clients.isEmpty() ? nullptr : clients.constLast().data(); }
    QString lastSince() const
    {
        return QUrlQuery(requestUrls.constLast()).queryItemValue(u"since"_s);
    }

    bool answerPings = true;
    std::function<void(QWebSocket *, int)> onConnect; // (socket, connection number from 1)
    QList<QPointer<QWebSocket>> clients;
    QList<QUrl> requestUrls;
    QList<QByteArray> offeredProtocols;
    QStringList received;

private:
    void onNewConnection()
    {
        while (QWebSocket *s = m_server.nextPendingConnection()) {
            s->setParent(this);
            clients.append(s);
            requestUrls.append(s->requestUrl());
            offeredProtocols.append(s->request().rawHeader("Sec-WebSocket-Protocol"));
            connect(s, &QWebSocket::textMessageReceived, this, [this, s](const QString &text) {
                received.append(text);
                if (answerPings && crewdeck::isPingMessage(text))
                    s->sendTextMessage(frame(crewdeck::PongEvent{}, 0));
            });
            if (onConnect)
                onConnect(s, int(clients.size()));
        }
    }

    QWebSocketServer m_server{u"fake-crewdeck"_s, QWebSocketServer::NonSecureMode};
};

} // namespace

class TestLiveSocket : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void backoffCeilingIsCapped();
    void backoffDelaysStayWithinFullJitterBounds();
    void scheduledRetriesUseTheBackoff();
    void offersSubprotocolsAndGoesLive();
    void reconnectsWhenServerComesBackOnSamePort();
    void resumesWithSinceAndDropsDuplicates();
    void snapshotSeqIsResumePointHeartbeatIsNot();
    void closes4401AuthenticationFailedWithoutRetry();
    void closes4404And4403AccessDeniedWithoutRetry_data();
    void closes4404And4403AccessDeniedWithoutRetry();
    void resetAsksForRefetchAndContinues();
    void halfOpenLinkIsDetected();
    void pongsKeepTheLinkAlive();
    void stablePeriodResetsAttempts();
    void userCloseDoesNotRetry();
    void backlogArrivesInOrderBeforeTheClose();
    void framesLargerThanTheReadLimitArrive();
};

void TestLiveSocket::backoffCeilingIsCapped()
{
    for (int a = 0; a <= 10; ++a) {
        const qint64 expected = std::min<qint64>(20000, qint64(500) << a);
        QCOMPARE(LiveSocket::backoffCeilingMs(a, 500, 20000), expected);
    }
    QCOMPARE(LiveSocket::backoffCeilingMs(0, 500, 20000), 500);
    QCOMPARE(LiveSocket::backoffCeilingMs(5, 500, 20000), 16000);
    QCOMPARE(LiveSocket::backoffCeilingMs(6, 500, 20000), 20000);
    QCOMPARE(LiveSocket::backoffCeilingMs(1000, 500, 20000), 20000); // no overflow
}

void TestLiveSocket::backoffDelaysStayWithinFullJitterBounds()
{
    LiveSocket s;
    double u = 0;
    s.setRandomSource([&u] { return u; });
    for (int a = 0; a <= 10; ++a) {
        const qint64 ceiling = LiveSocket::backoffCeilingMs(a, 500, 20000);
        u = 0.0;
        QCOMPARE(s.backoffDelayMs(a), 0);
        u = 0.5;
        const qint64 mid = s.backoffDelayMs(a);
        QVERIFY(mid >= ceiling / 2 - 1 && mid <= ceiling / 2 + 1);
        u = 0.9999999;
        QCOMPARE(s.backoffDelayMs(a), ceiling);
        u = 7.0; // a broken source never escapes the bounds
        QCOMPARE(s.backoffDelayMs(a), ceiling);
    }
    // With the real random source every draw stays within the bounds, and they differ.
    LiveSocket real;
    for (int a = 0; a <= 10; ++a) {
        QSet<qint64> seen;
        const qint64 ceiling = LiveSocket::backoffCeilingMs(a, 500, 20000);
        for (int i = 0; i < 200; ++i) {
            const qint64 d = real.backoffDelayMs(a);
            QVERIFY2(d >= 0 && d <= ceiling, qPrintable(u"attempt %1 delay %2"_s.arg(a).arg(d)));
            seen.insert(d);
        }
        QVERIFY(seen.size() > 10);
    }
}

void TestLiveSocket::scheduledRetriesUseTheBackoff()
{
    // Nothing listens on this port: every dial fails and a retry is scheduled.
    FakeServer probe;
    QVERIFY(probe.listen());
    const QUrl deadUrl = probe.url();
    probe.stop();

    LiveSocket s;
    s.setUrl(deadUrl);
    s.setBackoff(2, 64);
    QSignalSpy retries(&s, &LiveSocket::retryScheduled);
    s.open();
    QTRY_VERIFY_WITH_TIMEOUT(retries.size() >= 11, 30000);
    s.close();
    for (int a = 0; a <= 10; ++a) {
        const qint64 d = retries.at(a).at(0).toLongLong();
        QVERIFY2(d >= 0 && d <= LiveSocket::backoffCeilingMs(a, 2, 64),
                 qPrintable(u"attempt %1 waited %2"_s.arg(a).arg(d)));
    }
    QCOMPARE(s.state(), LiveSocket::State::Disconnected);
}

void TestLiveSocket::offersSubprotocolsAndGoesLive()
{
    FakeServer server;
    QVERIFY(server.listen());
    LiveSocket s;
    s.setUrl(server.url());
    s.setToken(u"tok123"_s);
    QSignalSpy states(&s, &LiveSocket::stateChanged);
    s.open();
    QCOMPARE(s.state(), LiveSocket::State::Connecting);
    QTRY_COMPARE(s.state(), LiveSocket::State::Live);
    QCOMPARE(states.size(), 2);
    const QByteArray offered = server.offeredProtocols.constFirst();
    QVERIFY2(offered.contains("crewdeck.v1") && offered.contains("bearer.tok123"),
             offered.constData());
    QVERIFY(!QUrlQuery(server.requestUrls.constFirst()).hasQueryItem(u"since"_s));
    QVERIFY(s.lastHeardAt().isValid());
}

void TestLiveSocket::reconnectsWhenServerComesBackOnSamePort()
{
    FakeServer server;
    QVERIFY(server.listen());
    const quint16 port = server.port();
    LiveSocket s;
    s.setUrl(server.url());
    s.setBackoff(50, 400);
    QSignalSpy states(&s, &LiveSocket::stateChanged);
    s.open();
    QTRY_COMPARE(s.state(), LiveSocket::State::Live);

    server.stop();
    QTRY_COMPARE(s.state(), LiveSocket::State::Reconnecting);
    QVERIFY(s.nextRetryAt().isValid() || s.attempt() > 0);
    QTRY_VERIFY(s.attempt() >= 2); // keeps trying while the server is away
    QVERIFY(server.listen(port));
    QTRY_COMPARE_WITH_TIMEOUT(s.state(), LiveSocket::State::Live, 10000);
    QCOMPARE(server.clients.size(), 2);

    QList<LiveSocket::State> seen;
    for (const auto &args : states)
        seen.append(args.at(0).value<LiveSocket::State>());
    QCOMPARE(seen.first(), LiveSocket::State::Connecting);
    QCOMPARE(seen.at(1), LiveSocket::State::Live);
    QCOMPARE(seen.at(2), LiveSocket::State::Reconnecting);
    QCOMPARE(seen.last(), LiveSocket::State::Live);
}

void TestLiveSocket::resumesWithSinceAndDropsDuplicates()
{
    FakeServer server;
    QVERIFY(server.listen());
    server.onConnect = [](QWebSocket *ws, int n) {
        if (n == 1) {
            for (qint64 seq : {1, 2, 3})
                ws->sendTextMessage(signalFrame(seq));
            ws->close(QWebSocketProtocol::CloseCodeGoingAway, u"restart"_s);
        } else {
            // A server that replays too much: 2 and 3 were seen already.
            for (qint64 seq : {2, 3, 4, 5})
                ws->sendTextMessage(
                    signalFrame(seq, u"c1"_s, seq % 2 ? u"busy"_s : u"available"_s));
        }
    };
    LiveSocket s;
    s.setUrl(server.url());
    s.setBackoff(10, 50);
    QList<qint64> got;
    connect(&s, &LiveSocket::eventReceived, this,
            [&got](const crewdeck::Event &e) { got.append(e.seq); });
    s.open();
    QTRY_COMPARE(got.size(), 5);
    QCOMPARE(got, (QList<qint64>{1, 2, 3, 4, 5}));
    QCOMPARE(server.requestUrls.size(), 2);
    QCOMPARE(server.lastSince(), u"3"_s);
    QCOMPARE(s.droppedDuplicates(), 2);
    QCOMPARE(s.lastSeq(), 5);
    QTRY_COMPARE(s.state(), LiveSocket::State::Live);
}

void TestLiveSocket::snapshotSeqIsResumePointHeartbeatIsNot()
{
    FakeServer server;
    QVERIFY(server.listen());
    server.onConnect = [](QWebSocket *ws, int n) {
        if (n == 1) {
            ws->sendTextMessage(
                frame(crewdeck::SnapshotEvent{{crewdeck::CrewState{u"c1"_s, u"available"_s}}}, 7));
            ws->sendTextMessage(frame(crewdeck::HeartbeatEvent{}, 99));
            ws->sendTextMessage(frame(crewdeck::PongEvent{}, 98));
            ws->close(QWebSocketProtocol::CloseCodeGoingAway);
        }
    };
    LiveSocket s;
    s.setUrl(server.url(u"/ws/mission"_s));
    s.setBackoff(10, 50);
    QSignalSpy events(&s, &LiveSocket::eventReceived);
    s.open();
    QTRY_COMPARE(server.requestUrls.size(), 2);
    QCOMPARE(server.lastSince(), u"7"_s);
    QCOMPARE(events.size(), 1); // the snapshot; heartbeat and pong are not events
    QCOMPARE(events.at(0).at(0).value<crewdeck::Event>().type(), crewdeck::EventType::Snapshot);
}

void TestLiveSocket::closes4401AuthenticationFailedWithoutRetry()
{
    FakeServer server;
    QVERIFY(server.listen());
    server.onConnect = [](QWebSocket *ws, int) {
        ws->close(QWebSocketProtocol::CloseCode(4401), u"token expired"_s);
    };
    LiveSocket s;
    s.setUrl(server.url());
    s.setBackoff(5, 10);
    QSignalSpy auth(&s, &LiveSocket::authenticationFailed);
    QSignalSpy denied(&s, &LiveSocket::accessDenied);
    s.open();
    QTRY_COMPARE(auth.size(), 1);
    QCOMPARE(s.state(), LiveSocket::State::Disconnected);
    QCOMPARE(s.lastCloseCode(), 4401);
    QCOMPARE(denied.size(), 0);
    QVERIFY(!s.nextRetryAt().isValid());
    QTest::qWait(300); // a retry would have dialled many times by now (backoff <= 10 ms)
    QCOMPARE(server.clients.size(), 1);
    QCOMPARE(s.state(), LiveSocket::State::Disconnected);
}

void TestLiveSocket::closes4404And4403AccessDeniedWithoutRetry_data()
{
    QTest::addColumn<int>("code");
    QTest::newRow("4404 unknown run") << 4404;
    QTest::newRow("4403 foreign crew") << 4403;
}

void TestLiveSocket::closes4404And4403AccessDeniedWithoutRetry()
{
    QFETCH(int, code);
    FakeServer server;
    QVERIFY(server.listen());
    server.onConnect = [code](QWebSocket *ws, int) {
        ws->close(QWebSocketProtocol::CloseCode(code), u"nope"_s);
    };
    LiveSocket s;
    s.setUrl(server.url(u"/ws/runs/r1"_s));
    s.setBackoff(5, 10);
    QSignalSpy auth(&s, &LiveSocket::authenticationFailed);
    QSignalSpy denied(&s, &LiveSocket::accessDenied);
    s.open();
    QTRY_COMPARE(denied.size(), 1);
    QCOMPARE(denied.at(0).at(0).toInt(), code);
    QCOMPARE(denied.at(0).at(1).toString(), u"nope"_s);
    QCOMPARE(auth.size(), 0);
    QCOMPARE(s.state(), LiveSocket::State::Disconnected);
    QTest::qWait(300);
    QCOMPARE(server.clients.size(), 1);
}

void TestLiveSocket::resetAsksForRefetchAndContinues()
{
    FakeServer server;
    QVERIFY(server.listen());
    server.onConnect = [](QWebSocket *ws, int n) {
        if (n == 1) {
            // The client asked for since=50 but this server's stream only reached 5.
            ws->sendTextMessage(frame(crewdeck::ResetEvent{}, 5));
            ws->sendTextMessage(signalFrame(6));
            ws->sendTextMessage(signalFrame(7));
        }
    };
    LiveSocket s;
    s.setUrl(server.url());
    s.setResumePoint(50);
    QSignalSpy reset(&s, &LiveSocket::resetRequired);
    QList<qint64> got;
    connect(&s, &LiveSocket::eventReceived, this,
            [&got](const crewdeck::Event &e) { got.append(e.seq); });
    s.open();
    QTRY_COMPARE(reset.size(), 1);
    QTRY_COMPARE(got, (QList<qint64>{6, 7}));
    QCOMPARE(server.lastSince(), u"50"_s);
    QCOMPARE(s.lastSeq(), 7);
    QCOMPARE(s.state(), LiveSocket::State::Live);
}

void TestLiveSocket::halfOpenLinkIsDetected()
{
    FakeServer server;
    server.answerPings = false; // accepts, then never sends a single frame
    QVERIFY(server.listen());
    LiveSocket s;
    s.setUrl(server.url());
    s.setHeartbeatInterval(200);
    s.setBackoff(10, 20);
    QSignalSpy states(&s, &LiveSocket::stateChanged);
    s.open();
    QTRY_COMPARE(s.state(), LiveSocket::State::Live);
    QTRY_VERIFY_WITH_TIMEOUT(server.clients.size() >= 2, 10000); // dropped and re-dialled
    QVERIFY(server.received.contains(u"{\"type\":\"ping\"}"_s)); // it probed before giving up
    bool sawReconnecting = false;
    for (const auto &args : states)
        sawReconnecting |= args.at(0).value<LiveSocket::State>() == LiveSocket::State::Reconnecting;
    QVERIFY(sawReconnecting);
    QCOMPARE(s.lastCloseReason(), u"liveness timeout"_s);
}

void TestLiveSocket::pongsKeepTheLinkAlive()
{
    FakeServer server; // answers every ping with a pong
    QVERIFY(server.listen());
    LiveSocket s;
    s.setUrl(server.url());
    s.setHeartbeatInterval(100);
    s.open();
    QTRY_COMPARE(s.state(), LiveSocket::State::Live);
    QTest::qWait(1000); // five liveness periods
    QCOMPARE(s.state(), LiveSocket::State::Live);
    QCOMPARE(server.clients.size(), 1);
    QVERIFY(server.received.size() >= 2);
}

void TestLiveSocket::stablePeriodResetsAttempts()
{
    FakeServer server;
    QVERIFY(server.listen());
    const quint16 port = server.port();
    server.stop();
    LiveSocket s;
    s.setUrl(QUrl(u"ws://127.0.0.1:%1/ws/mission"_s.arg(port)));
    s.setBackoff(20, 100);
    s.setStableAfter(200);
    s.open();
    QTRY_VERIFY(s.attempt() >= 3);
    QVERIFY(server.listen(port));
    QTRY_COMPARE_WITH_TIMEOUT(s.state(), LiveSocket::State::Live, 10000);
    QTRY_COMPARE(s.attempt(), 0);
}

void TestLiveSocket::userCloseDoesNotRetry()
{
    FakeServer server;
    QVERIFY(server.listen());
    LiveSocket s;
    s.setUrl(server.url());
    s.setBackoff(5, 10);
    s.open();
    QTRY_COMPARE(s.state(), LiveSocket::State::Live);
    s.close();
    QCOMPARE(s.state(), LiveSocket::State::Disconnected);
    QTest::qWait(200);
    QCOMPARE(server.clients.size(), 1);
    QCOMPARE(s.state(), LiveSocket::State::Disconnected);
}

// A burst of 30,000 frames followed by the server's close: delivered in slices from the
// event loop, yet every event reaches the owner, in order and once, before the close does.
void TestLiveSocket::backlogArrivesInOrderBeforeTheClose()
{
    constexpr int Total = 30000;
    FakeServer server;
    QVERIFY(server.listen());
    server.onConnect = [](QWebSocket *ws, int) {
        for (qint64 seq = 1; seq <= Total; ++seq)
            ws->sendTextMessage(signalFrame(seq));
        ws->close(QWebSocketProtocol::CloseCodeNormal, u"done"_s);
    };
    LiveSocket s;
    s.setUrl(server.url(u"/ws/runs/r1"_s));
    s.setEndsOnNormalClose(true);
    QList<qint64> got;
    int atClose = -1;
    int passes = 0;
    int inThisPass = 0;
    int maxPerPass = 0;
    QTimer probe; // counts event-loop passes between deliveries (reported, not asserted)
    probe.setInterval(0);
    connect(&probe, &QTimer::timeout, this, [&] {
        if (inThisPass > 0)
            ++passes;
        inThisPass = 0;
    });
    connect(&s, &LiveSocket::eventReceived, this, [&](const crewdeck::Event &e) {
        got.append(e.seq);
        maxPerPass = qMax(maxPerPass, ++inThisPass);
    });
    connect(&s, &LiveSocket::closedPermanently, this, [&](int code, const QString &) {
        if (code == 1000)
            atClose = int(got.size());
    });
    probe.start();
    s.open();
    QTRY_VERIFY_WITH_TIMEOUT(atClose >= 0, 60000);
    QCOMPARE(atClose, Total);
    QCOMPARE(got.size(), Total);
    for (int i = 0; i < Total; ++i)
        QCOMPARE(got.at(i), qint64(i + 1));
    QCOMPARE(s.pendingFrames(), 0);
    QCOMPARE(s.state(), LiveSocket::State::Disconnected);
    qInfo("%d events delivered in %d event-loop passes, at most %d in one", Total, passes + 1,
          maxPerPass);
}

QTEST_GUILESS_MAIN(TestLiveSocket)
// LiveSocket reads at most 64 KiB per pass (livesocket.cpp); QWebSocket needs a whole frame
// buffered before it reads it. A snapshot of ~1.3 MB and a 300 kB frame after a burst of
// small ones still arrive, in order.
void TestLiveSocket::framesLargerThanTheReadLimitArrive()
{
    FakeServer server;
    QVERIFY(server.listen());
    crewdeck::SnapshotEvent snapshot;
    for (int i = 0; i < 20000; ++i)
        snapshot.crews.append({u"crw_%1"_s.arg(i, 8, 10, QLatin1Char('0')), u"available"_s});
    const QString bigCrew = QString(300000, u'x');
    server.onConnect = [&](QWebSocket *ws, int) {
        ws->sendTextMessage(frame(snapshot, 1));
        for (qint64 seq = 2; seq <= 3001; ++seq)
            ws->sendTextMessage(signalFrame(seq));
        ws->sendTextMessage(signalFrame(3002, bigCrew));
        ws->sendTextMessage(signalFrame(3003));
    };
    LiveSocket s;
    s.setUrl(server.url());
    QList<qint64> got;
    qsizetype snapshotCrews = 0, bigCrewSize = 0;
    connect(&s, &LiveSocket::eventReceived, this, [&](const crewdeck::Event &e) {
        got.append(e.seq);
        if (const auto *snap = std::get_if<crewdeck::SnapshotEvent>(&e.body))
            snapshotCrews = snap->crews.size();
        if (const auto *sig = std::get_if<crewdeck::SignalEvent>(&e.body); sig && e.seq == 3002)
            bigCrewSize = sig->crewId.size();
    });
    s.open();
    QTRY_COMPARE_WITH_TIMEOUT(got.size(), 3003, 20000);
    QCOMPARE(got.first(), 1);
    QCOMPARE(got.last(), 3003);
    QVERIFY(std::is_sorted(got.cbegin(), got.cend()));
    QCOMPARE(snapshotCrews, 20000);
    QCOMPARE(bigCrewSize, bigCrew.size());
    QCOMPARE(s.state(), LiveSocket::State::Live);
    QCOMPARE(server.requestUrls.size(), 1); // one connection: nothing was lost and redone
}

#include "tst_livesocket.moc"
