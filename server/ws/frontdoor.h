#pragma once
#include <QElapsedTimer>
#include <QPointer>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTimer>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>

#include "server/ws/connectionlimits.h"
#include "server/ws/httpframer.h"
#include "server/ws/httppipe.h"

class QTcpSocket;

// The server's single listening port. Every accepted connection is held until its request
// head has arrived (peeked, never read), then:
//  - a WebSocket upgrade (GET + "Upgrade: websocket") goes to the upgrade handler (the Gateway,
//    whose own WsConnection answers the handshake, so the 101 can carry "crewdeck.v1");
//  - anything else gets an HttpPipe (a socket object that is not a network socket), queued
//    as a pending connection for the QHttpServer bound to this server with
//    `httpServer.bind(&frontDoor)`. The front door reads the client's bytes itself, frames
//    them, and gives QHttpServer one request at a time: the next only once the previous
//    response is complete. So pipelined requests are answered in order whatever the route
//    (RFC 9112 9.3.2), and "Connection: close" / HTTP/1.0 close after their response (which
//    then says "Connection: close").
// Limits, enforced on every request of a keep-alive connection (bodies are streamed through,
// never buffered here beyond one pipelined request):
//  - request head over 16 KiB -> 431; malformed head, Content-Length with Transfer-Encoding,
//    NUL/CR in a header value, no Host on HTTP/1.1 -> 400;
//  - body over 1 MiB (Content-Length, or chunk sizes adding up) -> 413 payload_too_large;
//  each with the JSON error envelope and "Connection: close", then the socket is closed.
//  - every request head must be complete within 30 s of its first byte (the first request's
//    from the accept), a body within a floor plus a time proportional to its size; a
//    keep-alive connection idle for 120 s is closed.
// TLS (setTlsConfiguration, `serve --tls-cert/--tls-key`): every accepted connection is a
// QSslSocket that starts the server handshake at once; the port speaks nothing else (a
// plain-HTTP client gets no answer: OpenSSL sends no alert for a non-TLS record). Everything
// above works on the decrypted bytes unchanged (HttpPipe, peeking for upgrades); the handshake
// counts against the head timeout, so a client that never finishes it is dropped with those
// that never send a head. Upgrades hand the QSslSocket itself to the gateway.
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
        int bodyFloorMs = 30'000;
        qint64 minBodyBytesPerSecond = 16 * 1024;
    };
    // Receives upgrade requests; takes ownership of the socket (its parent is cleared). The
    // connection keeps counting against the connection limits through the socket's
    // ConnectionSlot (connectionlimits.h): with the socket object, or with whoever takes the
    // slot out of it.
    using UpgradeHandler = std::function<void(QTcpSocket *)>;

    explicit FrontDoor(QObject *parent = nullptr);
    FrontDoor(const Limits &limits, QObject *parent);
    ~FrontDoor() override;

    void setUpgradeHandler(UpgradeHandler handler) { m_upgradeHandler = std::move(handler); }
    // Every connection accepted from now on speaks TLS with this configuration (see above).
    void setTlsConfiguration(const QSslConfiguration &config);
    bool isTls() const { return m_tls.has_value(); }
    // TLS handshakes completed / failed (an error, a client that gave up, or the head timeout
    // while still in the handshake), for /metrics.
    quint64 tlsHandshakesOk() const { return m_tlsOk; }
    quint64 tlsHandshakesFailed() const { return m_tlsFailed; }

    // Graceful stop: stops listening, drops connections still waiting for a head, closes each
    // HTTP connection as soon as it is between requests with its response written, and emits
    // drained() when none is left (aborting the rest after `graceMs`).
    void shutdown(int graceMs);
    // HTTP connections (handed to QHttpServer) still open.
    int openHttpConnections() const;
    // Connections accepted but still waiting for their request head.
    int pendingHeads() const;

    // Connection limits (0: none). Past `maxPerAddress` from one client address a new
    // connection is closed at once; at `maxTotal` the newest idle connection that never
    // presented a token, from the address holding the most connections, is closed to make
    // room, and when there is none the new one is. Counts every connection accepted here until
    // its descriptor is closed, WebSockets handed to the gateway included (ConnectionSlot).
    void setConnectionLimits(int maxTotal, int maxPerAddress);
    int openConnections() const { return m_connLimits.open(); }
    qint64 refusedConnections() const { return m_connLimits.refused; }
    qint64 evictedConnections() const { return m_connLimits.evicted; }

Q_SIGNALS:
    void drained();

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    enum class Phase { AwaitHead, Http, Rejecting };
    // A request framed but not yet handed to QHttpServer in full (or a refusal / upgrade
    // waiting for its turn: every earlier request is answered first).
    struct Pending
    {
        qint64 end = -1; // stream offset just past the request; -1 while it is incomplete
        bool wantsClose = false;
        bool http10 = false;
        bool upgrade = false;
        HttpFramer::Verdict refuse = HttpFramer::Verdict::Ok;
        QByteArray why;
    };
    struct Conn
    {
        explicit Conn(const Limits &l, qint64 now)
            : framer(l.maxBodyBytes, l.maxHeadBytes), acceptedMs(now), lastActivityMs(now)
        {
        }
        Phase phase = Phase::AwaitHead;
        HttpFramer framer;
        qint64 scannedUnread = 0; // AwaitHead: peeked bytes already framed
        qint64 acceptedMs = 0;
        qint64 lastActivityMs = 0;
        qint64 headStartMs = -1;    // first byte of the head being received
        qint64 bodyDeadlineMs = -1; // the body being received must be complete by then
        // Http phase.
        QPointer<HttpPipe> pipe;
        QByteArray inbox;      // read from the client, not yet given to QHttpServer
        qint64 inboxStart = 0; // stream offset of inbox[0]
        qint64 framedTo = 0;   // stream offset framed so far
        qint64 lastBoundary = 0;
        std::deque<Pending> queue;
        bool stopped = false; // framing ended (refusal or upgrade head): read no further
        bool readPaused = false;
        bool awaiting = false; // QHttpServer has a whole request; its response is not complete
        bool replyCloses = false;
        bool reply10 = false;
        QByteArray respHead;  // the response head being written by QHttpServer
        qint64 respLeft = -1; // body bytes of that response still to come; -1: in the head
        bool pumping = false;
        bool pumpAgain = false;
        int answered = 0; // responses completed
        bool lingering = false;
        bool handshaking = false; // TLS: accepted, handshake not complete
    };

    // A QTcpSocket, or a QSslSocket in its server handshake when TLS is on (frontdoortls.cpp).
    QTcpSocket *createSocket(qintptr socketDescriptor);
    void onTlsEncrypted(QTcpSocket *socket);
    // Counts and logs a failed handshake (no-op unless `socket` is still in one); the caller
    // drops or forgets the connection.
    void onTlsFailed(QTcpSocket *socket, const QString &why);
    // Bytes written to the socket but not yet handed to the kernel (with TLS: plaintext not
    // yet encrypted plus encrypted bytes not yet sent).
    qint64 unsent(QTcpSocket *socket) const;
    void onReadyRead(QTcpSocket *socket);
    void readInput(QTcpSocket *socket);
    bool frameInbox(QTcpSocket *socket, Conn &c);
    // The connection's state; null once it is gone (signals may still be queued for it).
    Conn *connFor(QTcpSocket *socket);
    void discardInput(QTcpSocket *socket, Conn &c);
    void pump(QTcpSocket *socket);
    bool pumpOnce(QTcpSocket *socket, Conn &c);
    void onPipeWrite(QTcpSocket *socket, const char *data, qint64 size);
    void responseComplete(QTcpSocket *socket, Conn &c);
    void closeAfterFlush(QTcpSocket *socket);
    void enterHttp(QTcpSocket *socket);
    qint64 bodyAllowanceMs(qint64 length) const;
    void handOverUpgrade(QTcpSocket *socket);
    void refuse(QTcpSocket *socket, HttpFramer::Verdict verdict, const QByteArray &why);
    void forget(QTcpSocket *socket);
    void drop(QTcpSocket *socket);
    void onBytesWritten(QTcpSocket *socket);
    void linger(QTcpSocket *socket);
    void sweep();
    bool isIdle(QTcpSocket *socket, const Conn &conn) const;
    void checkDrained();
    bool admit(QTcpSocket *socket);
    bool evictOne();
    void onAcceptError(QAbstractSocket::SocketError error);

    Limits m_limits;
    ConnectionLimits m_connLimits;
    UpgradeHandler m_upgradeHandler;
    std::unordered_map<QTcpSocket *, Conn> m_conns;
    QElapsedTimer m_clock;
    QTimer m_sweepTimer;
    QTimer m_graceTimer;
    bool m_draining = false;
    bool m_drainedEmitted = false;
    std::optional<QSslConfiguration> m_tls;
    quint64 m_tlsOk = 0;
    quint64 m_tlsFailed = 0;
};

} // namespace crewdeck::server
