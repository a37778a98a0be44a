#pragma once
#include <QElapsedTimer>
#include <QTcpServer>
#include <QTimer>
#include <functional>
#include <unordered_map>

#include "server/ws/httpframer.h"

class QTcpSocket;

// The server's single listening port. Every accepted connection is held until its request
// head has arrived (peeked, never read), then:
//  - a WebSocket upgrade (GET + "Upgrade: websocket") goes to the upgrade handler (the Gateway,
//    which passes it to its QWebSocketServer, so the 101 can carry "crewdeck.v1");
//  - anything else is queued as a pending connection for the QHttpServer bound to this server
//    with `httpServer.bind(&frontDoor)`.
// Limits, enforced on every request of a keep-alive connection by a streaming framer that
// peeks at new bytes before QHttpServer reads them (bodies are never buffered here):
//  - request head over 16 KiB -> 431; malformed head -> 400;
//  - body over 1 MiB (Content-Length, or chunk sizes adding up) -> 413 payload_too_large;
//  each with the JSON error envelope and "Connection: close", then the socket is closed.
//  - a client that sends no complete head within 30 s is dropped; an HTTP keep-alive
//    connection idle for 120 s is closed.
// Thread: the thread the FrontDoor lives in (the server's main thread).
namespace crewdeck::server {

class FrontDoor : public QTcpServer
{
    Q_OBJECT
public:
    struct Limits
    {
        qint64 maxBodyBytes = 1024 * 1024;
        int maxHeadBytes = 16 * 1024;
        int headTimeoutMs = 30'000;
        int idleTimeoutMs = 120'000;
    };
    // Receives upgrade requests; takes ownership of the socket (its parent is cleared).
    using UpgradeHandler = std::function<void(QTcpSocket *)>;

    explicit FrontDoor(QObject *parent = nullptr);
    FrontDoor(const Limits &limits, QObject *parent);
    ~FrontDoor() override;

    void setUpgradeHandler(UpgradeHandler handler) { m_upgradeHandler = std::move(handler); }

    // Graceful stop: stops listening, drops connections still waiting for a head, closes each
    // HTTP connection as soon as it is between requests with its response written, and emits
    // drained() when none is left (aborting the rest after `graceMs`).
    void shutdown(int graceMs);
    // HTTP connections (handed to QHttpServer) still open.
    int openHttpConnections() const;
    // Connections accepted but still waiting for their request head.
    int pendingHeads() const;

Q_SIGNALS:
    void drained();

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    enum class Phase { AwaitHead, Http, Rejecting };
    struct Conn
    {
        explicit Conn(const Limits &l, qint64 now)
            : framer(l.maxBodyBytes, l.maxHeadBytes), acceptedMs(now), lastActivityMs(now) {}
        Phase phase = Phase::AwaitHead;
        HttpFramer framer;
        qint64 scannedUnread = 0; // unread bytes at the front of the socket buffer already framed
        qint64 acceptedMs = 0;
        qint64 lastActivityMs = 0;
        int answered = 0;         // requests whose response was fully flushed (approximate)
        bool lingering = false;
    };

    void onReadyRead(QTcpSocket *socket);
    void onReadyReadAfter(QTcpSocket *socket);
    void handOverHttp(QTcpSocket *socket);
    void handOverUpgrade(QTcpSocket *socket);
    void reject(QTcpSocket *socket, int status, const QByteArray &reason, const QString &code,
                const QString &message);
    void forget(QTcpSocket *socket);
    void onBytesWritten(QTcpSocket *socket);
    void linger(QTcpSocket *socket);
    void sweep();
    bool isIdle(QTcpSocket *socket, const Conn &conn) const;
    void checkDrained();

    Limits m_limits;
    UpgradeHandler m_upgradeHandler;
    std::unordered_map<QTcpSocket *, Conn> m_conns;
    QElapsedTimer m_clock;
    QTimer m_sweepTimer;
    QTimer m_graceTimer;
    bool m_draining = false;
    bool m_drainedEmitted = false;
};

} // namespace crewdeck::server
