#include "server/ws/frontdoor.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include "shared/logging.h"

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

using namespace Qt::StringLiterals;

namespace crewdeck::server {
namespace {

// How long a refused connection keeps draining (and discarding) what the client still sends
// after our response, so that closing does not reset the connection before the client has
// read the response (the classic "lingering close").
constexpr int kLingerMs = 2000;
constexpr int kSweepMs = 1000;

QByteArray errorResponse(int status, const QByteArray &reason, const QString &code,
                         const QString &message)
{
    const QJsonObject error{{u"code"_s, code}, {u"message"_s, message}};
    const QByteArray body = QJsonDocument(QJsonObject{{u"error"_s, error}}).toJson(QJsonDocument::Compact);
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
           + "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: "
           + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

} // namespace

FrontDoor::FrontDoor(QObject *parent) : FrontDoor(Limits{}, parent) {}

FrontDoor::FrontDoor(const Limits &limits, QObject *parent) : QTcpServer(parent), m_limits(limits)
{
    m_clock.start();
    // A reconnect storm (every client of a restarted node at once) must be accepted, not
    // refused by a tiny kernel backlog or a pause in accepting.
    setListenBacklogSize(4096);
    setMaxPendingConnections(4096);
    m_sweepTimer.setInterval(kSweepMs);
    connect(&m_sweepTimer, &QTimer::timeout, this, &FrontDoor::sweep);
    m_sweepTimer.start();
    m_graceTimer.setSingleShot(true);
    connect(&m_graceTimer, &QTimer::timeout, this, [this] {
        std::vector<QTcpSocket *> rest;
        for (auto &[socket, conn] : m_conns)
            rest.push_back(socket);
        for (QTcpSocket *socket : rest)
            socket->abort();
        checkDrained();
    });
}

FrontDoor::~FrontDoor()
{
    // The sockets are children and die after this body; their last signals must not reach a
    // half-destroyed FrontDoor.
    for (auto &[socket, conn] : m_conns)
        QObject::disconnect(socket, nullptr, this, nullptr);
}

int FrontDoor::openHttpConnections() const
{
    int n = 0;
    for (const auto &[socket, conn] : m_conns)
        n += conn.phase != Phase::AwaitHead ? 1 : 0;
    return n;
}

int FrontDoor::pendingHeads() const
{
    return int(m_conns.size()) - openHttpConnections();
}

// Thread: the FrontDoor's (main) thread, from the listening socket's notifier.
void FrontDoor::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    // Responses and frames are written whole: without TCP_NODELAY a small answer can wait
    // for the client's delayed ACK (Nagle), ~40 ms per request on loopback.
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_draining) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    m_conns.emplace(socket, Conn(m_limits, m_clock.elapsed()));
    // Connected before anyone else (QHttpServer connects later, at handover), so the framer
    // sees every new byte before it can be read.
    connect(socket, &QIODevice::readyRead, this, [this, socket] { onReadyRead(socket); });
    connect(socket, &QIODevice::bytesWritten, this, [this, socket] { onBytesWritten(socket); });
    connect(socket, &QAbstractSocket::disconnected, this, [this, socket] {
        forget(socket);
        socket->deleteLater();
    });
}

void FrontDoor::onReadyRead(QTcpSocket *socket)
{
    const auto it = m_conns.find(socket);
    if (it == m_conns.end())
        return;
    Conn &c = it->second;
    c.lastActivityMs = m_clock.elapsed();
    if (c.phase == Phase::Rejecting)
        return;

    const qint64 avail = socket->bytesAvailable();
    if (avail > c.scannedUnread) {
        // peek, never read: the bytes stay for QHttpServer (or the WebSocket server).
        const QByteArray bytes = socket->peek(avail);
        const qint64 from = qMin<qint64>(c.scannedUnread, bytes.size());
        const HttpFramer::Verdict v = c.framer.feed(bytes.constData() + from, bytes.size() - from);
        c.scannedUnread = bytes.size();
        switch (v) {
        case HttpFramer::Verdict::Ok:
            break;
        case HttpFramer::Verdict::BodyTooLarge:
            reject(socket, 413, "Payload Too Large", u"payload_too_large"_s,
                   u"request body over 1 MiB"_s);
            return;
        case HttpFramer::Verdict::HeadTooLarge:
            reject(socket, 431, "Request Header Fields Too Large",
                   u"request_header_fields_too_large"_s, u"request head over 16 KiB"_s);
            return;
        case HttpFramer::Verdict::BadRequest:
            reject(socket, 400, "Bad Request", u"bad_request"_s, u"malformed HTTP request"_s);
            return;
        }
    }
    if (c.phase == Phase::AwaitHead && c.framer.headComplete()) {
        if (c.framer.isWebSocketUpgrade())
            handOverUpgrade(socket);
        else
            handOverHttp(socket);
    } else if (c.phase == Phase::Http && c.framer.isWebSocketUpgrade()) {
        // An upgrade after plain requests on the same connection (a proxy reusing its
        // upstream connection). QHttpServer would answer it 404: take the socket back before
        // its readyRead slot (connected after ours) can read the head. Its `destroyed`
        // connection stays, so its per-connection request object is still freed.
        QObject::disconnect(socket, &QIODevice::readyRead, nullptr, nullptr);
        QObject::disconnect(socket, &QAbstractSocket::disconnected, nullptr, nullptr);
        handOverUpgrade(socket);
    }
}

// Runs after QHttpServer's readyRead slot: whatever it left unread has been framed already.
void FrontDoor::onReadyReadAfter(QTcpSocket *socket)
{
    const auto it = m_conns.find(socket);
    if (it != m_conns.end() && it->second.phase == Phase::Http)
        it->second.scannedUnread = socket->bytesAvailable();
}

void FrontDoor::onBytesWritten(QTcpSocket *socket)
{
    const auto it = m_conns.find(socket);
    if (it == m_conns.end())
        return;
    Conn &c = it->second;
    c.lastActivityMs = m_clock.elapsed();
    if (socket->bytesToWrite() > 0)
        return;
    if (c.phase == Phase::Http) {
        c.answered = c.framer.completedRequests();
        if (m_draining)
            checkDrained();
    } else if (c.phase == Phase::Rejecting && !c.lingering) {
        linger(socket);
    }
}

void FrontDoor::handOverHttp(QTcpSocket *socket)
{
    m_conns.at(socket).phase = Phase::Http;
    addPendingConnection(socket);
    Q_EMIT newConnection(); // QHttpServer (bound to us) connects its readyRead slot here
    connect(socket, &QIODevice::readyRead, this, [this, socket] { onReadyReadAfter(socket); });
    // The head arrived before QHttpServer was listening to the socket: tell it again.
    QMetaObject::invokeMethod(socket, [socket] { Q_EMIT socket->readyRead(); }, Qt::QueuedConnection);
}

void FrontDoor::handOverUpgrade(QTcpSocket *socket)
{
    forget(socket);
    QObject::disconnect(socket, nullptr, this, nullptr);
    socket->setParent(nullptr);
    if (!m_upgradeHandler) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    m_upgradeHandler(socket);
    QMetaObject::invokeMethod(socket, [socket] { Q_EMIT socket->readyRead(); }, Qt::QueuedConnection);
}

void FrontDoor::reject(QTcpSocket *socket, int status, const QByteArray &reason,
                       const QString &code, const QString &message)
{
    Conn &c = m_conns.at(socket);
    const bool handedOver = c.phase == Phase::Http;
    c.phase = Phase::Rejecting;
    qCInfo(lcHttp).noquote() << "refused request:" << status << code
                             << (handedOver ? "(keep-alive)" : "");
    // Nobody else may read this request: QHttpServer's slot is cut off before it buffers the
    // body, and from now on incoming bytes are discarded as they arrive.
    QObject::disconnect(socket, &QIODevice::readyRead, nullptr, nullptr);
    if (socket->isTransactionStarted())
        socket->rollbackTransaction();
    socket->skip(socket->bytesAvailable());
    connect(socket, &QIODevice::readyRead, this, [socket] { socket->skip(socket->bytesAvailable()); });
    socket->write(errorResponse(status, reason, code, message));
}

// The response is flushed: stop sending (FIN), keep discarding input for a short while so the
// client reads the response instead of a reset, then abort.
void FrontDoor::linger(QTcpSocket *socket)
{
    m_conns.at(socket).lingering = true;
#ifdef Q_OS_UNIX
    ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    QTimer::singleShot(kLingerMs, socket, [socket] { socket->abort(); });
#else
    socket->abort();
#endif
}

void FrontDoor::forget(QTcpSocket *socket)
{
    if (m_conns.erase(socket) > 0 && m_draining)
        QMetaObject::invokeMethod(this, &FrontDoor::checkDrained, Qt::QueuedConnection);
}

bool FrontDoor::isIdle(QTcpSocket *socket, const Conn &conn) const
{
    return conn.phase == Phase::Http && conn.framer.atBoundary() && socket->bytesToWrite() == 0
           && conn.answered >= conn.framer.completedRequests();
}

void FrontDoor::sweep()
{
    const qint64 now = m_clock.elapsed();
    std::vector<QTcpSocket *> drop;
    for (auto &[socket, c] : m_conns) {
        if (c.phase == Phase::AwaitHead && now - c.acceptedMs > m_limits.headTimeoutMs)
            drop.push_back(socket);
        else if (c.phase == Phase::Http && now - c.lastActivityMs > m_limits.idleTimeoutMs)
            drop.push_back(socket);
    }
    for (QTcpSocket *socket : drop) {
        forget(socket);
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        socket->deleteLater();
    }
    if (m_draining)
        checkDrained();
}

void FrontDoor::shutdown(int graceMs)
{
    if (m_draining)
        return;
    m_draining = true;
    close();
    m_graceTimer.start(graceMs);
    std::vector<QTcpSocket *> waiting;
    for (auto &[socket, c] : m_conns) {
        if (c.phase == Phase::AwaitHead)
            waiting.push_back(socket);
    }
    for (QTcpSocket *socket : waiting) {
        forget(socket);
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        socket->deleteLater();
    }
    checkDrained();
}

void FrontDoor::checkDrained()
{
    if (!m_draining || m_drainedEmitted)
        return;
    std::vector<QTcpSocket *> idle;
    for (auto &[socket, c] : m_conns) {
        if (isIdle(socket, c))
            idle.push_back(socket);
    }
    for (QTcpSocket *socket : idle)
        socket->disconnectFromHost(); // disconnected -> forget()
    if (m_conns.empty()) {
        m_drainedEmitted = true;
        m_graceTimer.stop();
        Q_EMIT drained();
    }
}

} // namespace crewdeck::server
