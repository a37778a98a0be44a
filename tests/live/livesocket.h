#pragma once
// Helpers shared by the live tests (tests/live/tst_live.cpp and tests/e2e/tst_live_e2e.cpp):
// a recording WebSocket client for the crewdeck.v1 endpoints, a raw-socket upgrade for a
// client that never reads, and a parser that finds the close code in a raw frame backlog.
// Everything runs on the test's main thread.
#include <QAbstractSocket>
#include <QByteArray>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTcpSocket>
#include <QTest>
#include <QUrl>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

namespace crewdeck::testsupport {

// One WebSocket client that records every text frame (raw and parsed) and how it ended.
class LiveSocket : public QObject
{
public:
    QWebSocket ws;
    QStringList raw;           // text frames as received
    QList<QJsonObject> frames; // the same, parsed
    bool connected = false;
    bool closed = false;
    int closeCode = -1;
    QString closeReason;
    QList<QAbstractSocket::SocketError> errors;

    LiveSocket()
    {
        connect(&ws, &QWebSocket::connected, this, [this] { connected = true; });
        connect(&ws, &QWebSocket::textMessageReceived, this, [this](const QString &m) {
            raw.append(m);
            frames.append(QJsonDocument::fromJson(m.toUtf8()).object());
        });
        connect(&ws, &QWebSocket::disconnected, this, [this] {
            closed = true;
            closeCode = int(ws.closeCode());
            closeReason = ws.closeReason();
        });
        connect(&ws, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), this,
                [this](QAbstractSocket::SocketError e) { errors.append(e); });
    }

    // ws://127.0.0.1:<port><pathAndQuery>; offers crewdeck.v1 and, with a token, bearer.<token>.
    void open(quint16 port, const QString &pathAndQuery, const QString &token)
    {
        const QUrl url(QStringLiteral("ws://127.0.0.1:%1").arg(port) + pathAndQuery,
                       QUrl::TolerantMode);
        QWebSocketHandshakeOptions opts;
        QStringList protocols{QStringLiteral("crewdeck.v1")};
        if (!token.isEmpty())
            protocols.append(QStringLiteral("bearer.") + token);
        opts.setSubprotocols(protocols);
        ws.open(QNetworkRequest(url), opts);
    }

    static bool isControl(const QString &type)
    {
        return type == QLatin1String("heartbeat") || type == QLatin1String("pong") ||
               type == QLatin1String("snapshot") || type == QLatin1String("reset");
    }
    // Frames of one type; with an empty type, every event (no control frames).
    QList<QJsonObject> ofType(const QString &type = {}) const
    {
        QList<QJsonObject> out;
        for (const auto &f : frames) {
            const QString t = f.value(QLatin1String("type")).toString();
            if (type.isEmpty() ? !isControl(t) : t == type)
                out.append(f);
        }
        return out;
    }
    QList<qint64> eventSeqs() const
    {
        QList<qint64> out;
        for (const auto &f : ofType())
            out.append(f.value(QLatin1String("seq")).toInteger());
        return out;
    }
    qint64 lastEventSeq() const
    {
        const auto seqs = eventSeqs();
        return seqs.isEmpty() ? 0 : seqs.last();
    }
    // True when some frame has this type and (optionally) this status.
    bool has(const QString &type, const QString &status = {}) const
    {
        for (const auto &f : ofType(type)) {
            if (status.isEmpty() || f.value(QLatin1String("status")).toString() == status)
                return true;
        }
        return false;
    }
    bool hasMessage(const QString &text) const
    {
        for (const auto &f : ofType(QStringLiteral("tool_progress"))) {
            if (f.value(QLatin1String("message")).toString().contains(text))
                return true;
        }
        return false;
    }
};

inline bool strictlyIncreasing(const QList<qint64> &seqs)
{
    for (qsizetype i = 1; i < seqs.size(); ++i) {
        if (seqs[i] <= seqs[i - 1])
            return false;
    }
    return true;
}

inline QList<QJsonObject> toObjects(const QJsonArray &a)
{
    QList<QJsonObject> out;
    for (const auto &v : a)
        out.append(v.toObject());
    return out;
}

// Sends a hand-made upgrade request on a raw socket and waits for the 101. `received` gets
// everything read so far (the 101 head and maybe the first frames). False on failure.
inline bool rawUpgrade(QTcpSocket &s, quint16 port, const QString &pathAndQuery,
                       const QString &token, QByteArray *received, int timeoutMs = 10000)
{
    // Waits spin the event loop (never the blocking waitFor* calls): the server may live in
    // this very thread.
    QDeadlineTimer deadline(timeoutMs);
    s.connectToHost(QStringLiteral("127.0.0.1"), port);
    while (s.state() != QAbstractSocket::ConnectedState) {
        if (deadline.hasExpired() || s.state() == QAbstractSocket::UnconnectedState)
            return false;
        QTest::qWait(5);
    }
    s.write("GET " + pathAndQuery.toUtf8() +
            " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: crewdeck.v1, bearer." +
            token.toUtf8() + "\r\n\r\n");
    QByteArray data;
    while (!data.contains("\r\n\r\n")) {
        if (deadline.hasExpired() || s.state() == QAbstractSocket::UnconnectedState)
            return false;
        QTest::qWait(5);
        data += s.readAll();
    }
    *received = data;
    return data.startsWith("HTTP/1.1 101");
}

// Walks server->client frames (unmasked) from `pos`; returns the close code of the first
// close frame found, or -1 when the data seen so far holds none. Advances `pos` past the
// complete frames it read.
inline int findCloseCode(const QByteArray &data, qsizetype &pos)
{
    while (true) {
        if (data.size() - pos < 2)
            return -1;
        const auto *d = reinterpret_cast<const uchar *>(data.constData() + pos);
        qint64 len = d[1] & 0x7f;
        qsizetype hdr = 2;
        if (len == 126) {
            if (data.size() - pos < 4)
                return -1;
            len = (qint64(d[2]) << 8) | d[3];
            hdr = 4;
        } else if (len == 127) {
            if (data.size() - pos < 10)
                return -1;
            len = 0;
            for (int i = 2; i < 10; ++i)
                len = (len << 8) | d[i];
            hdr = 10;
        }
        if (data.size() - pos < hdr + len)
            return -1;
        if ((d[0] & 0x0f) == 0x8)
            return len >= 2 ? ((int(d[hdr]) << 8) | d[hdr + 1]) : 1005;
        pos += hdr + len;
    }
}

} // namespace crewdeck::testsupport
