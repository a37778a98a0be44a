#pragma once
// A lean WebSocket reader for the burst tests (tests/live/tst_burst.cpp, tst_burst_e2e.cpp):
// hundreds of them read tens of thousands of frames each in one test process, so each frame
// is checked in place (type, seq) instead of being parsed into JSON. Two transports: a full
// QWebSocket client, or a raw RFC 6455 reader on QTcpSocket (hand-made handshake) for the
// 200-client rows, where QWebSocket's per-message cost would make the test process, not the
// server, the bottleneck. Everything runs on the test's main thread.
#include <QByteArray>
#include <QNetworkRequest>
#include <QObject>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

namespace crewdeck::testsupport {

class BurstReader : public QObject
{
public:
    qint64 events = 0; // frames with a seq that are not control frames
    qint64 marked = 0; // events whose payload contains the marker
    qint64 lastSeq = 0;
    bool ordered = true;      // every event's seq greater than the one before
    bool finalStatus = false; // a run_status succeeded/failed/cancelled was seen
    qint64 eventsAfterFinal = 0;
    bool connected = false;
    bool closed = false;
    int closeCode = -1;

    BurstReader(bool raw, QByteArray marker) : m_raw(raw), m_marker(std::move(marker)) {}

    void open(quint16 port, const QString &pathAndQuery, const QString &token)
    {
        if (!m_raw) {
            m_ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
            connect(m_ws, &QWebSocket::connected, this, [this] { connected = true; });
            connect(m_ws, &QWebSocket::textMessageReceived, this,
                    [this](const QString &m) { onFrame(m.toUtf8()); });
            connect(m_ws, &QWebSocket::disconnected, this, [this] {
                closed = true;
                closeCode = int(m_ws->closeCode());
            });
            QWebSocketHandshakeOptions opts;
            opts.setSubprotocols(
                {QStringLiteral("crewdeck.v1"), QStringLiteral("bearer.") + token});
            m_ws->open(
                QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port) + pathAndQuery)),
                opts);
            return;
        }
        m_sock = new QTcpSocket(this);
        connect(m_sock, &QTcpSocket::connected, this, [this, pathAndQuery, token] {
            m_sock->write(
                "GET " + pathAndQuery.toUtf8() +
                " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Protocol: crewdeck.v1, bearer." +
                token.toUtf8() + "\r\n\r\n");
        });
        connect(m_sock, &QTcpSocket::readyRead, this, [this] { onRaw(); });
        connect(m_sock, &QTcpSocket::disconnected, this, [this] { closed = true; });
        m_sock->connectToHost(QStringLiteral("127.0.0.1"), port);
    }
    void abort()
    {
        if (m_ws)
            m_ws->abort();
        if (m_sock)
            m_sock->abort();
    }

private:
    void onFrame(const QByteArray &payload)
    {
        // {"type":"...","seq":N,...}: both written first by the server's serialiser.
        const qsizetype t = payload.indexOf("\"type\":\"");
        if (t < 0)
            return;
        const qsizetype tEnd = payload.indexOf('"', t + 8);
        const QByteArray type = payload.mid(t + 8, tEnd - t - 8);
        if (type == "heartbeat" || type == "pong" || type == "snapshot" || type == "reset")
            return;
        const qsizetype s = payload.indexOf("\"seq\":");
        qint64 seq = 0;
        for (qsizetype i = s + 6;
             s >= 0 && i < payload.size() && payload[i] >= '0' && payload[i] <= '9'; ++i)
            seq = seq * 10 + (payload[i] - '0');
        ordered = ordered && seq > lastSeq;
        lastSeq = seq;
        ++events;
        if (finalStatus)
            ++eventsAfterFinal;
        if (payload.contains(m_marker))
            ++marked;
        if (type == "run_status" &&
            (payload.contains("\"succeeded\"") || payload.contains("\"failed\"") ||
             payload.contains("\"cancelled\"")))
            finalStatus = true;
    }
    void onRaw()
    {
        m_in += m_sock->readAll();
        qsizetype pos = 0;
        if (!connected) {
            const qsizetype end = m_in.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            connected = m_in.startsWith("HTTP/1.1 101");
            pos = end + 4;
        }
        for (;;) {
            const qsizetype avail = m_in.size() - pos;
            if (avail < 2)
                break;
            const auto *d = reinterpret_cast<const uchar *>(m_in.constData() + pos);
            qint64 len = d[1] & 0x7f;
            qsizetype hdr = 2;
            if (len == 126) {
                if (avail < 4)
                    break;
                len = (qint64(d[2]) << 8) | d[3];
                hdr = 4;
            } else if (len == 127) {
                if (avail < 10)
                    break;
                len = 0;
                for (int i = 2; i < 10; ++i)
                    len = (len << 8) | d[i];
                hdr = 10;
            }
            if (avail < hdr + len)
                break;
            const int opcode = d[0] & 0x0f;
            if (opcode == 0x1)
                onFrame(QByteArray::fromRawData(m_in.constData() + pos + hdr, len));
            else if (opcode == 0x8 && len >= 2) {
                // The close handshake as a browser does it: echo the code, then the server
                // ends the connection (a reader that does not answer waits for its timeout).
                closeCode = (int(d[hdr]) << 8) | d[hdr + 1];
                closed = true;
                const char reply[] = {char(0x88),   char(0x82),      0, 0, 0, 0,
                                      char(d[hdr]), char(d[hdr + 1])};
                m_sock->write(reply, sizeof reply);
            }
            pos += hdr + len;
        }
        m_in.remove(0, pos);
    }

    bool m_raw;
    QByteArray m_marker;
    QWebSocket *m_ws = nullptr;
    QTcpSocket *m_sock = nullptr;
    QByteArray m_in;
};

} // namespace crewdeck::testsupport
