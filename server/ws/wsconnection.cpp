// WsConnection: the handshake and the input side (client frames, control frames, close);
// the output side is in wsoutput.cpp. Thread: the connection's (main) thread.
#include "server/ws/wsconnection.h"

#include <QCryptographicHash>
#include <QTimer>

namespace crewdeck::server {
namespace {

// The front door already bounds the request head (16 KiB); this is the same bound in case a
// socket arrives by another path.
constexpr qsizetype kMaxHeadBytes = 16 * 1024;
// After our close frame, a client that neither answers nor closes is aborted after this long.
constexpr int kCloseGraceMs = 10'000;
// What the socket reads from the kernel at most per pass; messages larger than this are
// gathered over several reads (m_in).
constexpr qint64 kReadChunkBytes = 64 * 1024;
// Pings answered by a newer pong while the socket took nothing: beyond this, the client is
// flooding without reading and is closed (1008).
constexpr int kMaxSupersededPongs = 64;

enum Opcode : int {
    OpContinuation = 0x0,
    OpText = 0x1,
    OpBinary = 0x2,
    OpClose = 0x8,
    OpPing = 0x9,
    OpPong = 0xA,
};

QByteArray frameHeader(int opcode, qsizetype size)
{
    QByteArray h;
    h.reserve(10);
    h.append(char(0x80 | opcode)); // FIN, no RSV, server frames are never masked
    if (size < 126) {
        h.append(char(size));
    } else if (size <= 0xffff) {
        h.append(char(126));
        h.append(char((size >> 8) & 0xff));
        h.append(char(size & 0xff));
    } else {
        h.append(char(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            h.append(char((quint64(size) >> shift) & 0xff));
    }
    return h;
}

QByteArray controlFrame(int opcode, const QByteArray &payload)
{
    return frameHeader(opcode, payload.size()) + payload;
}

// Close codes a peer may send (RFC 6455 7.4.1 + IANA registry): not 1004-1006, 1015, nor
// anything below 1000 or in 1016-2999.
bool isValidPeerCloseCode(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

// Case-insensitive search of `token` in a comma-separated header value.
bool headerHasToken(const QByteArray &value, const QByteArray &token)
{
    for (const QByteArray &part : value.split(',')) {
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

WsConnection::WsConnection(std::unique_ptr<WsTransport> transport, qint64 maxMessage,
                           const QByteArray &serverName, QObject *parent)
    : QObject(parent), m_transport(std::move(transport)), m_serverName(serverName),
      m_maxMessage(maxMessage)
{
    m_transport->setListener(this);
    // The head the front door peeked is unread (in the transport): read it on the next pass,
    // after the gateway connected to our signals. A connection already gone ends there.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_transport->isOpen())
                onReadyRead();
            else
                onDisconnected();
        },
        Qt::QueuedConnection);
}

WsConnection::~WsConnection()
{
    // The transport reports nothing more (a DeviceTransport's socket dies after us).
    m_transport->setListener(nullptr);
}

void WsConnection::transportReadable()
{
    onReadyRead();
}

void WsConnection::transportWritable(bool progressed)
{
    // The kernel (or the transport's buffer) can take more: write what waits; half-closes
    // once our close frame is out.
    if (flushNow() == 0 && progressed && m_state != State::Closed)
        Q_EMIT bytesWritten(); // flushNow() emits it for bytes it handed over itself
}

void WsConnection::transportClosed()
{
    onDisconnected();
}

QByteArray WsConnection::textFrame(const QByteArray &payload)
{
    QByteArray frame = frameHeader(OpText, payload.size());
    frame.reserve(frame.size() + payload.size());
    frame.append(payload);
    return frame;
}

QByteArray WsConnection::closeFrame(int code, const QByteArray &reason)
{
    QByteArray payload;
    payload.append(char((code >> 8) & 0xff));
    payload.append(char(code & 0xff));
    QByteArray r = reason.left(123);
    // Never cut a UTF-8 sequence in half: drop continuation bytes at the cut.
    if (r.size() < reason.size()) {
        while (!r.isEmpty() && (uchar(reason.at(r.size())) & 0xc0) == 0x80)
            r.chop(1);
    }
    payload.append(r);
    return controlFrame(OpClose, payload);
}

QByteArray WsConnection::acceptKey(const QByteArray &key)
{
    return QCryptographicHash::hash(QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
                                    QCryptographicHash::Sha1)
        .toBase64();
}

void WsConnection::releaseRequest()
{
    m_target = QByteArray();
    m_protocols = QByteArray();
    m_authorization = QByteArray();
}

void WsConnection::onReadyRead()
{
    if (m_state == State::Closed)
        return;
    // Failed connection: input is drained and dropped (see flush()).
    if (m_messageOpcode < 0 || m_closeReceived) {
        QByteArray dropped;
        if (m_transport->read(dropped, kReadChunkBytes) < 0)
            onDisconnected();
        return;
    }
    // At most one chunk per pass: a client that floods us costs one bounded buffer and one
    // bounded parse per pass, not a whole receive window (megabytes) copied and parsed at once.
    if (m_transport->read(m_in, kReadChunkBytes) < 0) {
        onDisconnected();
        return;
    }
    if (m_state == State::Handshake) {
        if (!parseHandshake())
            return;
    }
    parseFrames();
}

bool WsConnection::parseHandshake()
{
    const qsizetype end = m_in.indexOf("\r\n\r\n");
    if (end < 0) {
        if (m_in.size() > kMaxHeadBytes)
            rejectHandshake("request head too large");
        return false;
    }
    const QByteArray head = m_in.left(end);
    m_in.remove(0, end + 4);
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3 || requestLine[0] != "GET" || requestLine[2] != "HTTP/1.1" ||
        !requestLine[1].startsWith('/')) {
        rejectHandshake("not a GET HTTP/1.1 request");
        return false;
    }
    QByteArray upgrade, connection, key, version, protocols, authorization;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines[i];
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        // Repeated headers are one comma-separated list (RFC 9110 5.3).
        const auto add = [&value](QByteArray &into) {
            into = into.isEmpty() ? value : into + ", " + value;
        };
        if (name == "upgrade")
            add(upgrade);
        else if (name == "connection")
            add(connection);
        else if (name == "sec-websocket-key")
            add(key);
        else if (name == "sec-websocket-version")
            add(version);
        else if (name == "sec-websocket-protocol")
            add(protocols);
        else if (name == "authorization")
            add(authorization);
    }
    if (!headerHasToken(upgrade, "websocket") || !headerHasToken(connection, "upgrade")) {
        rejectHandshake("missing Upgrade: websocket / Connection: Upgrade");
        return false;
    }
    // A key is 16 random bytes in base64: exactly 24 characters.
    const auto decodedKey =
        QByteArray::fromBase64Encoding(key, QByteArray::AbortOnBase64DecodingErrors);
    if (key.size() != 24 || !decodedKey || decodedKey.decoded.size() != 16) {
        rejectHandshake("bad Sec-WebSocket-Key");
        return false;
    }
    if (version != "13") {
        rejectHandshake("unsupported Sec-WebSocket-Version");
        return false;
    }
    m_target = requestLine[1];
    m_protocols = protocols;
    m_authorization = authorization;

    QByteArray response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                          acceptKey(key) + "\r\n";
    if (headerHasToken(protocols, "crewdeck.v1"))
        response += "Sec-WebSocket-Protocol: crewdeck.v1\r\n";
    if (!m_serverName.isEmpty())
        response += "Server: " + m_serverName + "\r\n";
    response += "\r\n";
    m_state = State::Open;
    enqueue(response);
    Q_EMIT opened();
    return m_state == State::Open || m_state == State::Closing;
}

void WsConnection::rejectHandshake(const QByteArray &why)
{
    const QByteArray body = "bad WebSocket handshake: " + why + "\n";
    enqueue("HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Version: 13\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " +
            QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    m_in.clear();
    m_closeSent = true;
    m_closeCode = 1002;
    m_messageOpcode = -1; // drain and drop input from now on
    m_state = State::Closing;
    flush();
    QTimer::singleShot(kCloseGraceMs, this, [this] { abort(); });
}

void WsConnection::failConnection(int code, const char *reason)
{
    m_in.clear();
    m_message.clear();
    if (!m_closeSent) {
        m_closeSent = true;
        m_closeCode = code;
        m_state = State::Closing;
        enqueue(closeFrame(code, reason));
        QTimer::singleShot(kCloseGraceMs, this, [this] { abort(); });
    }
    m_messageOpcode = -1; // drain and drop input from now on
    scheduleFlush();
}

void WsConnection::parseFrames()
{
    qsizetype pos = 0;
    while (m_messageOpcode >= 0 && !m_closeReceived && m_state != State::Closed) {
        const qsizetype avail = m_in.size() - pos;
        if (avail < 2)
            break;
        const auto *d = reinterpret_cast<const uchar *>(m_in.constData() + pos);
        const bool fin = d[0] & 0x80;
        const int opcode = d[0] & 0x0f;
        const bool masked = d[1] & 0x80;
        if (d[0] & 0x70)
            return failConnection(1002, "reserved bits set");
        if (!masked)
            return failConnection(1002, "client frames must be masked");
        const bool control = opcode & 0x8;
        if (control ? (opcode != OpClose && opcode != OpPing && opcode != OpPong)
                    : (opcode != OpContinuation && opcode != OpText && opcode != OpBinary))
            return failConnection(1002, "unknown opcode");
        quint64 len = d[1] & 0x7f;
        qsizetype hdr = 2;
        if (len == 126) {
            if (avail < 4)
                break;
            len = (quint64(d[2]) << 8) | d[3];
            hdr = 4;
            if (len < 126)
                return failConnection(1002, "non-minimal length");
        } else if (len == 127) {
            if (avail < 10)
                break;
            len = 0;
            for (int i = 2; i < 10; ++i)
                len = (len << 8) | d[i];
            hdr = 10;
            if (len >> 63)
                return failConnection(1002, "length out of range");
            if (len <= 0xffff)
                return failConnection(1002, "non-minimal length");
        }
        if (control && (!fin || len > 125))
            return failConnection(1002, "bad control frame");
        if (!control) {
            if (opcode == OpContinuation && m_messageOpcode == 0)
                return failConnection(1002, "continuation without a message");
            if (opcode != OpContinuation && m_messageOpcode != 0)
                return failConnection(1002, "new message inside a fragmented one");
            // Checked on the announced length: an oversized message is refused before its
            // bytes are buffered.
            const quint64 total = len + quint64(opcode == OpContinuation ? m_message.size() : 0);
            if (total > quint64(m_maxMessage))
                return failConnection(1009, "message too big");
        }
        hdr += 4; // masking key
        if (quint64(avail) < quint64(hdr) + len)
            break;
        const uchar *mask = d + hdr - 4;
        QByteArray payload(reinterpret_cast<const char *>(d + hdr), qsizetype(len));
        char *p = payload.data();
        for (qsizetype i = 0; i < payload.size(); ++i)
            p[i] = char(p[i] ^ mask[i & 3]);
        pos += hdr + qsizetype(len);

        if (control) {
            handleControl(opcode, payload);
            continue;
        }
        int messageOpcode = opcode;
        if (opcode == OpContinuation) {
            m_message.append(payload);
            messageOpcode = m_messageOpcode;
        } else if (!fin) {
            m_message = payload;
        }
        if (!fin) {
            m_messageOpcode = messageOpcode;
            continue;
        }
        const QByteArray message =
            opcode == OpContinuation ? std::exchange(m_message, {}) : payload;
        m_messageOpcode = 0;
        if (m_closeSent)
            continue; // closing: the client's data is no longer of interest
        if (messageOpcode == OpText) {
            if (!QUtf8StringView(message).isValidUtf8())
                return failConnection(1007, "invalid UTF-8");
            Q_EMIT textMessageReceived(message);
        } else {
            Q_EMIT binaryMessageReceived(message);
        }
    }
    if (m_messageOpcode < 0 || m_closeReceived || pos >= m_in.size())
        m_in = QByteArray(); // releases the buffer: idle connections keep no input storage
    else
        m_in.remove(0, pos);
}

void WsConnection::handleControl(int opcode, const QByteArray &payload)
{
    if (opcode == OpPing) {
        if (m_closeSent)
            return;
        // Only the latest ping is answered while an earlier pong still waits (RFC 6455
        // 5.5.3). A client that keeps pinging while the kernel takes nothing from us is not
        // reading its replies: closed rather than answered without end.
        if (!m_pong.isEmpty() && m_blocked && ++m_pongsSuperseded > kMaxSupersededPongs)
            return failConnection(1008, "not reading");
        m_pong = controlFrame(OpPong, payload);
        if (!m_blocked)
            scheduleFlush();
        return;
    }
    if (opcode == OpPong)
        return;
    // Close.
    int code = 1005;
    if (payload.size() == 1)
        return failConnection(1002, "bad close frame");
    if (payload.size() >= 2) {
        code = (int(uchar(payload[0])) << 8) | uchar(payload[1]);
        if (!isValidPeerCloseCode(code))
            return failConnection(1002, "invalid close code");
        if (!QUtf8StringView(payload.constData() + 2, payload.size() - 2).isValidUtf8())
            return failConnection(1007, "invalid UTF-8 in close reason");
    }
    m_closeReceived = true;
    if (!m_closeSent) {
        // The client closes: echo its code and finish.
        m_closeSent = true;
        m_closeCode = code;
        enqueue(code == 1005 ? controlFrame(OpClose, {}) : closeFrame(code, {}));
        QTimer::singleShot(kCloseGraceMs, this, [this] { abort(); });
    }
    m_state = State::Closing;
    scheduleFlush();
}

void WsConnection::onDisconnected()
{
    if (m_disconnectedEmitted)
        return;
    m_disconnectedEmitted = true;
    m_state = State::Closed;
    clearQueue();
    m_transport->abort(); // closes the descriptor if the end came from elsewhere
    Q_EMIT disconnected();
}

} // namespace crewdeck::server
