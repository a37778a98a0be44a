// The app's LiveSocket under a burst (issue 13, item 6): 20,000 tool_progress frames sent at
// once by a WebSocket server on its own thread (so that the sending costs the receiving
// thread nothing). Every event arrives in order, and the receiving thread never spends more
// than 16 ms of its own CPU between two ticks of a 1 ms probe timer: the socket's inbox is
// worked off in slices, so paints and timers keep their turn. CPU time, not wall time, is
// compared, because on this shared 2-core machine the thread may simply not be scheduled.
#include "app/net/livesocket.h"
#include "shared/events.h"
#include "shared/timeutil.h"

#include <QTest>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>
#include <ctime>

using namespace Qt::StringLiterals;

namespace {

qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Lives on its own thread: answers one connection with `count` frames, then stays open.
class BurstSender : public QObject
{
public:
    QWebSocketServer server{u"burst"_s, QWebSocketServer::NonSecureMode};
    int count = 0;
    int messageBytes = 20; // bytes of each frame's message text
    QList<QWebSocket *> clients;

    void listen(quint16 *port)
    {
        server.setSupportedSubprotocols({u"crewdeck.v1"_s});
        server.listen(QHostAddress::LocalHost, 0);
        *port = server.serverPort();
        connect(&server, &QWebSocketServer::newConnection, this, [this] {
            QWebSocket *ws = server.nextPendingConnection();
            clients.append(ws);
            for (int i = 1; i <= count; ++i) {
                const crewdeck::Event e{
                    i, crewdeck::nowUtc(),
                    crewdeck::ToolProgressEvent{
                        u"c1"_s, u"r1"_s, u"a1"_s, u"t1"_s,
                        u"burst line %1 "_s.arg(i) + QString(messageBytes, u'x'), i % 100}};
                ws->sendTextMessage(QString::fromUtf8(e.toBytes()));
            }
        });
    }
};

} // namespace

class TestLiveSocketBurst : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void burstOf20000KeepsTheLoopResponsive_data()
    {
        QTest::addColumn<int>("total");
        QTest::addColumn<int>("messageBytes");
        QTest::newRow("20,000 small frames") << 20000 << 20;
        // Frames far larger than a read chunk (a QWebSocket read buffer limit would hang here).
        QTest::newRow("frames of 400 kB") << 20 << 400000;
    }
    void burstOf20000KeepsTheLoopResponsive()
    {
        QFETCH(int, total);
        QFETCH(int, messageBytes);
        const int Total = total;
        QThread thread;
        BurstSender sender;
        sender.count = Total;
        sender.messageBytes = messageBytes;
        sender.moveToThread(&thread);
        sender.server.moveToThread(&thread);
        thread.start();
        quint16 port = 0;
        QMetaObject::invokeMethod(
            &sender, [&] { sender.listen(&port); }, Qt::BlockingQueuedConnection);
        QVERIFY(port != 0);

        crewdeck::client::LiveSocket s;
        s.setUrl(QUrl(u"ws://127.0.0.1:%1/ws/graph?crew_id=c1"_s.arg(port)));
        qint64 received = 0, lastSeq = 0;
        bool ordered = true;
        connect(&s, &crewdeck::client::LiveSocket::eventReceived, this,
                [&](const crewdeck::Event &e) {
                    ordered = ordered && e.seq == lastSeq + 1;
                    lastSeq = e.seq;
                    ++received;
                });
        qint64 lastTickCpu = threadCpuNs();
        qint64 maxCpuGapNs = 0;
        QTimer probe;
        probe.setTimerType(Qt::PreciseTimer);
        probe.setInterval(1);
        connect(&probe, &QTimer::timeout, this, [&] {
            const qint64 now = threadCpuNs();
            maxCpuGapNs = qMax(maxCpuGapNs, now - lastTickCpu);
            lastTickCpu = now;
        });
        probe.start();
        s.open();
        QTRY_VERIFY_WITH_TIMEOUT(received == Total, 60000);
        probe.stop();
        QVERIFY(ordered);
        qInfo("%d events; the longest stretch of receiving-thread CPU between probe ticks: %.1f ms",
              Total, maxCpuGapNs / 1e6);
        if (messageBytes < 1000) // a 400 kB JSON message alone takes a few ms to parse
            QVERIFY2(maxCpuGapNs < 16'000'000, qPrintable(QString::number(maxCpuGapNs / 1e6)));
        s.close();
        QMetaObject::invokeMethod(
            &sender,
            [&] {
                qDeleteAll(sender.clients);
                sender.clients.clear();
                sender.server.close();
                sender.moveToThread(QCoreApplication::instance()->thread());
                sender.server.moveToThread(QCoreApplication::instance()->thread());
            },
            Qt::BlockingQueuedConnection);
        thread.quit();
        thread.wait();
    }
};

QTEST_GUILESS_MAIN(TestLiveSocketBurst)
#include "tst_livesocket_burst.moc"
