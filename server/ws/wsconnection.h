#pragma once
#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <memory>

#include "server/ws/wstransport.h"

// A lean RFC 6455 server-side WebSocket connection over a WsTransport (a plain TCP descriptor,
// or a QSslSocket through the QIODevice API), for the gateway's fan-out.
//
// Why not QWebSocket: server frames are unmasked, so the complete frame of an event (header +
// payload) is identical for every client. QWebSocket re-encodes each message per client
// (QString -> UTF-8, frame header) and writes every frame on its own; here the gateway builds
// a frame once (textFrame()) and each connection gathers the same bytes straight into the
// kernel (sendFrames(): one sendmsg for many frames).
//
// Output is never copied per connection: what the kernel does not take at once stays as
// shared references to the frames (the gateway's ring owns them too) and is written when the
// transport reports it writable (a DeviceTransport's own buffer takes one slice at most).
// The gateway hands a connection more only once pendingBytes() is 0, so what one connection
// holds beyond the kernel is bounded by one slice. Pongs are bounded too: at most one waits
// (a new ping replaces it, RFC 6455 5.5.3), and a client that keeps pinging while it does not
// read what we write is closed with 1008.
//
// Covers: the opening handshake (GET, HTTP/1.1, Upgrade: websocket, Connection: Upgrade,
// Sec-WebSocket-Key of 16 bytes, Sec-WebSocket-Version 13 -> 101 with Sec-WebSocket-Accept
// and "crewdeck.v1" when the client offered it; anything else -> 400 and close), client
// frames (masking required, text/binary/continuation with fragmentation, ping -> pong, pong,
// close handshake with code validation), limits (message over maxMessage -> 1009, invalid
// UTF-8 in a text message or close reason -> 1007, protocol errors -> 1002) and close frames
// with any code (1000, 1001, 1009, 1013, 44xx...).
//
// Thread: the thread the socket lives in (the server's main thread).
namespace crewdeck::server {

class WsConnection : public QObject, private WsTransport::Listener
{
    Q_OBJECT
public:
    enum class State { Handshake, Open, Closing, Closed };

    // Takes ownership of `transport` (see WsTransport::adopt). Reads the handshake from it on
    // the next event-loop pass (the front door only peeked at the head: it is still unread).
    WsConnection(std::unique_ptr<WsTransport> transport, qint64 maxMessage,
                 const QByteArray &serverName, QObject *parent = nullptr);
    ~WsConnection() override;

    // A complete unmasked text frame (FIN, opcode 1) carrying `payload`: build once, send to
    // many with sendFrame().
    static QByteArray textFrame(const QByteArray &payload);
    // A close frame with `code` and `reason` (reason cut to fit the 125-byte control limit).
    static QByteArray closeFrame(int code, const QByteArray &reason);
    // Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 section 4.2.2).
    static QByteArray acceptKey(const QByteArray &key);

    State state() const { return m_state; }
    // Valid after opened(): the request target (path and query) and the two headers the
    // gateway authenticates with (empty when absent).
    const QByteArray &requestTarget() const { return m_target; }
    const QByteArray &offeredProtocols() const { return m_protocols; }
    const QByteArray &authorization() const { return m_authorization; }
    // Drops the request data kept for the gateway (idle memory per socket).
    void releaseRequest();

    // Queues a pre-built frame; it goes out with the next flush (one write per event-loop
    // pass). Ignored once a close frame was queued.
    void sendFrame(const QByteArray &frame);
    // Writes complete frames now, after anything still pending: as much as the kernel takes
    // goes straight from the caller's bytes; the rest is kept (shared, not copied) and written
    // when the socket can take it. Returns the bytes the kernel took now. Ignored (0) once a
    // close frame was queued.
    qint64 sendFrames(const QByteArray *const *frames, qsizetype count);
    void sendText(const QByteArray &utf8) { sendFrame(textFrame(utf8)); }
    // Queues a close frame (only the first close counts) and stops sending anything else.
    // The TCP connection is closed when the client answers, or by abort().
    void close(int code, const QString &reason);
    void abort();

    // Bytes accepted by sendFrame()/sendFrames() but not yet taken by the kernel.
    qint64 pendingBytes() const;
    // The kernel refused bytes on the last attempt (or a TLS socket still buffers what it took)
    // and we wait for the transport to report it writable.
    bool isBlocked() const { return m_blocked; }
    // The close code: the one we sent if we closed first, else the client's (1005 when its
    // close frame had no code), 1006 when the connection ended without a close frame.
    int closeCode() const { return m_closeCode; }

    // Writes the queued frames now (normally done once per event-loop pass).
    void flush();

Q_SIGNALS:
    // Handshake accepted and 101 sent: the connection is open.
    void opened();
    // A complete text message (valid UTF-8) / binary message from the client.
    void textMessageReceived(const QByteArray &utf8);
    void binaryMessageReceived(const QByteArray &data);
    // The kernel took bytes from a flush (pendingBytes() went down). Not emitted from
    // sendFrames(), whose caller sees the count.
    void bytesWritten();
    // The TCP connection is gone (emitted once).
    void disconnected();

private:
    // WsTransport::Listener
    void transportReadable() override;
    void transportWritable(bool progressed) override;
    void transportClosed() override;

    void onReadyRead();
    bool parseHandshake();
    void rejectHandshake(const QByteArray &why);
    void parseFrames();
    void failConnection(int code, const char *reason);
    void handleControl(int opcode, const QByteArray &payload);
    void enqueue(const QByteArray &frame);
    void clearQueue();
    void scheduleFlush();
    // flush(); returns the bytes handed over (bytesWritten() was emitted when > 0).
    qint64 flushNow();
    // Writes m_out (a waiting pong first, at a frame boundary) as far as the kernel takes it;
    // waits for writability when it does not take everything. Returns the bytes taken.
    qint64 writeOut();
    // Drops the first `bytes` of m_out (already in the kernel).
    void consume(qint64 bytes);
    void setBlocked(bool blocked);
    // The kernel refused our bytes for good: drop the output and abort on the next pass.
    void failWrite();
    void onDisconnected();

    std::unique_ptr<WsTransport> m_transport;
    QByteArray m_in;           // unparsed input
    QByteArray m_message;      // fragments of the message being received
    QList<QByteArray> m_out;   // frames not yet (fully) in the kernel, shared bytes
    qint64 m_outBytes = 0;     // their size, minus m_outOffset
    qint64 m_outOffset = 0;    // bytes of m_out.first() already in the kernel
    QByteArray m_pong;         // the one pong waiting for a frame boundary (empty: none)
    int m_pongsSuperseded = 0; // pings answered by a newer pong while blocked
    QByteArray m_target;
    QByteArray m_protocols;
    QByteArray m_authorization;
    QByteArray m_serverName;
    qint64 m_maxMessage;
    State m_state = State::Handshake;
    int m_messageOpcode = 0; // opcode of the fragmented message in progress (0: none)
    int m_closeCode = 1006;
    bool m_closeSent = false;
    bool m_closeReceived = false;
    bool m_flushScheduled = false;
    bool m_blocked = false;
    bool m_writeFailed = false;
    bool m_disconnectedEmitted = false;
};

} // namespace crewdeck::server
