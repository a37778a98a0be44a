#include "server/ws/frontdoor.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSslSocket>
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
    const QByteArray body =
        QJsonDocument(QJsonObject{{u"error"_s, error}}).toJson(QJsonDocument::Compact);
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason +
           "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " +
           QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
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
    connect(this, &QTcpServer::acceptError, this, &FrontDoor::onAcceptError);
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
    QTcpSocket *socket = createSocket(socketDescriptor);
    if (!socket)
        return;
    // Responses and frames are written whole: without TCP_NODELAY a small answer can wait
    // for the client's delayed ACK (Nagle), ~40 ms per request on loopback.
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_draining || !admit(socket)) {
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
        onTlsFailed(socket, u"the client closed the connection during the handshake"_s);
        forget(socket);
        socket->deleteLater();
    });
    if (m_tls) {
        m_conns.at(socket).handshaking = true;
        static_cast<QSslSocket *>(socket)->startServerEncryption();
    }
}

void FrontDoor::onReadyRead(QTcpSocket *socket)
{
    Conn *found = connFor(socket);
    if (!found)
        return;
    Conn &c = *found;
    c.lastActivityMs = m_clock.elapsed();
    if (c.phase == Phase::Http) {
        readInput(socket);
        return;
    }
    if (c.phase != Phase::AwaitHead)
        return;

    // Until the first head is complete, peek, never read: an upgrade's bytes must stay in the
    // socket for the WebSocket side.
    const qint64 avail = socket->bytesAvailable();
    if (avail <= c.scannedUnread)
        return;
    const QByteArray bytes = socket->peek(avail);
    qint64 pos = qMin<qint64>(c.scannedUnread, bytes.size());
    while (pos < bytes.size()) {
        const HttpFramer::Step st = c.framer.step(bytes.constData() + pos, bytes.size() - pos);
        pos += st.consumed;
        c.scannedUnread = pos;
        if (st.verdict != HttpFramer::Verdict::Ok) {
            refuse(socket, st.verdict, c.framer.badRequestReason());
            return;
        }
        if (st.event == HttpFramer::Event::None)
            continue;
        if (c.framer.isWebSocketUpgrade()) {
            handOverUpgrade(socket);
            return;
        }
        Pending p;
        p.wantsClose = c.framer.wantsClose();
        p.http10 = c.framer.isHttp10();
        if (st.event == HttpFramer::Event::Request) {
            p.end = pos;
            c.lastBoundary = pos;
        } else {
            c.bodyDeadlineMs = m_clock.elapsed() + bodyAllowanceMs(c.framer.bodyLength());
        }
        c.queue.push_back(p);
        c.framedTo = pos;
        enterHttp(socket);
        return;
    }
}

qint64 FrontDoor::bodyAllowanceMs(qint64 length) const
{
    const qint64 bytes = length >= 0 ? length : m_limits.maxBodyBytes;
    return m_limits.bodyFloorMs + bytes * 1000 / qMax<qint64>(1, m_limits.minBodyBytesPerSecond);
}

// The first head is complete and is not an upgrade: from now on the front door reads the
// client's bytes itself and QHttpServer gets them through an HttpPipe, one request at a time.
void FrontDoor::enterHttp(QTcpSocket *socket)
{
    Conn &c = m_conns.at(socket);
    c.phase = Phase::Http;
    // Pipelined requests wait in the inbox; past a bound we stop reading and let TCP push
    // back on the client instead of buffering its stream.
    socket->setReadBufferSize(64 * 1024);
    auto *pipe = new HttpPipe(
        socket, [this, socket](const char *data, qint64 size) { onPipeWrite(socket, data, size); },
        [this, socket] { closeAfterFlush(socket); }, this);
    c.pipe = pipe;
    addPendingConnection(pipe);
    Q_EMIT newConnection(); // QHttpServer (bound to us) connects to the pipe here
    readInput(socket);
}

FrontDoor::Conn *FrontDoor::connFor(QTcpSocket *socket)
{
    const auto it = m_conns.find(socket);
    return it == m_conns.end() ? nullptr : &it->second;
}

void FrontDoor::readInput(QTcpSocket *socket)
{
    Conn *found = connFor(socket);
    if (!found)
        return;
    Conn &c = *found;
    if (c.phase != Phase::Http || c.stopped || c.readPaused)
        return;
    c.inbox.append(socket->readAll());
    if (!frameInbox(socket, c))
        return;
    const qint64 now = m_clock.elapsed();
    if (!c.framer.inHead())
        c.headStartMs = -1;
    else if (c.headStartMs < 0)
        c.headStartMs = now;
    // One whole request may wait behind the one being answered (plus a head), no more.
    if (c.awaiting && c.inbox.size() > m_limits.maxBodyBytes + m_limits.maxHeadBytes)
        c.readPaused = true;
    pump(socket);
}

// Frames the inbox bytes not framed yet and queues what they complete. Returns false when
// the connection was dropped.
bool FrontDoor::frameInbox(QTcpSocket *socket, Conn &c)
{
    while (!c.stopped && c.framedTo < c.inboxStart + c.inbox.size()) {
        const qint64 from = c.framedTo - c.inboxStart;
        const HttpFramer::Step st =
            c.framer.step(c.inbox.constData() + from, c.inbox.size() - from);
        c.framedTo += st.consumed;
        if (st.verdict != HttpFramer::Verdict::Ok) {
            // The offending request gets its refusal in its turn, after every earlier one.
            if (c.queue.empty() || c.queue.back().end >= 0)
                c.queue.emplace_back();
            c.queue.back().refuse = st.verdict;
            c.queue.back().why = c.framer.badRequestReason();
            c.stopped = true;
            break;
        }
        if (st.event == HttpFramer::Event::None)
            continue;
        const bool newHead = c.queue.empty() || c.queue.back().end >= 0;
        if (newHead) {
            Pending p;
            p.wantsClose = c.framer.wantsClose();
            p.http10 = c.framer.isHttp10();
            p.upgrade = c.framer.isWebSocketUpgrade();
            c.queue.push_back(p);
            if (p.upgrade) {
                // The rest of the stream is WebSocket: it goes back into the socket for the
                // gateway once every earlier request is answered.
                c.stopped = true;
                break;
            }
        }
        if (st.event == HttpFramer::Event::Request) {
            c.queue.back().end = c.framedTo;
            c.lastBoundary = c.framedTo;
            c.bodyDeadlineMs = -1;
        } else {
            c.bodyDeadlineMs = m_clock.elapsed() + bodyAllowanceMs(c.framer.bodyLength());
        }
    }
    Q_UNUSED(socket);
    return true;
}

// Hands QHttpServer the next request once the previous response is complete. Never runs
// inside another pump of the same connection: QHttpServer answers sync routes from within
// push(), and must not be fed again before its readyRead handler returned.
void FrontDoor::pump(QTcpSocket *socket)
{
    auto it = m_conns.find(socket);
    if (it == m_conns.end())
        return;
    if (it->second.pumping) {
        it->second.pumpAgain = true;
        return;
    }
    it->second.pumping = true;
    bool again = true;
    while (again) {
        it = m_conns.find(socket);
        if (it == m_conns.end())
            return;
        it->second.pumpAgain = false;
        const bool progressed = pumpOnce(socket, it->second);
        it = m_conns.find(socket);
        if (it == m_conns.end())
            return;
        again = progressed || it->second.pumpAgain;
    }
    it->second.pumping = false;
}

bool FrontDoor::pumpOnce(QTcpSocket *socket, Conn &c)
{
    if (c.phase != Phase::Http || c.awaiting || c.queue.empty())
        return false;
    const Pending &p = c.queue.front();
    if (p.refuse != HttpFramer::Verdict::Ok) {
        refuse(socket, p.refuse, p.why);
        return false;
    }
    if (p.upgrade) {
        // Everything before the upgrade head was answered: give its bytes (and whatever
        // followed) back to the socket, in front of anything still unread.
        const QByteArray tail = c.inbox.mid(qMax<qint64>(0, c.lastBoundary - c.inboxStart));
        socket->setReadBufferSize(0);
        for (qsizetype i = tail.size() - 1; i >= 0; --i)
            socket->ungetChar(tail.at(i));
        if (c.pipe)
            c.pipe->closeFromFront();
        handOverUpgrade(socket);
        return false;
    }
    const qint64 limit = p.end >= 0 ? p.end : c.framedTo;
    const qint64 n = limit - c.inboxStart;
    if (n <= 0)
        return false;
    const QByteArray chunk = c.inbox.left(n);
    c.inbox.remove(0, n);
    c.inboxStart += n;
    if (p.end >= 0) {
        c.awaiting = true;
        c.replyCloses = p.wantsClose;
        c.reply10 = p.http10;
        c.respHead.clear();
        c.respLeft = -1;
        c.queue.pop_front();
    }
    if (c.readPaused && c.inbox.size() <= m_limits.maxBodyBytes) {
        c.readPaused = false;
        QMetaObject::invokeMethod(
            socket, [this, socket] { readInput(socket); }, Qt::QueuedConnection);
    }
    if (QPointer<HttpPipe> pipe = c.pipe)
        pipe->push(chunk); // may answer at once (sync routes): responseComplete -> pumpAgain
    return true;
}

// QHttpServer writes a response: forward it, adding "Connection: close" (or keep-alive for
// HTTP/1.0) to the head, and follow Content-Length to know when it is complete.
void FrontDoor::onPipeWrite(QTcpSocket *socket, const char *data, qint64 size)
{
    Conn *found = connFor(socket);
    if (!found)
        return;
    Conn &c = *found;
    if (c.phase != Phase::Http)
        return;
    if (!c.awaiting) {
        // QHttpServer answering without a complete request of ours (it should not happen):
        // pass it on, and do not let it count as anyone's response.
        socket->write(data, size);
        return;
    }
    qint64 pos = 0;
    while (pos < size) {
        if (c.respLeft < 0) {
            const qsizetype before = c.respHead.size();
            c.respHead.append(data + pos, size - pos);
            const qsizetype end = c.respHead.indexOf("\r\n\r\n", qMax<qsizetype>(0, before - 3));
            if (end < 0)
                return;
            pos += end + 4 - before;
            QByteArray head = c.respHead.left(end + 2); // without the empty line
            c.respHead.clear();
            c.respLeft = 0;
            for (const QByteArray &line : head.split('\n')) {
                const QByteArray l = line.trimmed();
                if (l.size() > 15 && l.left(15).toLower() == "content-length:")
                    c.respLeft = qMax<qint64>(0, l.mid(15).trimmed().toLongLong());
            }
            if (m_draining)
                c.replyCloses = true;
            if (c.replyCloses)
                head += "Connection: close\r\n";
            else if (c.reply10)
                head += "Connection: keep-alive\r\n";
            socket->write(head + "\r\n");
        } else {
            const qint64 take = qMin(c.respLeft, size - pos);
            socket->write(data + pos, take);
            pos += take;
            c.respLeft -= take;
        }
        if (c.respLeft == 0) {
            responseComplete(socket, c);
            if (pos < size && m_conns.count(socket))
                socket->write(data + pos, size - pos); // not expected: more than one response
            return;
        }
    }
}

void FrontDoor::responseComplete(QTcpSocket *socket, Conn &c)
{
    c.awaiting = false;
    c.respLeft = -1;
    ++c.answered;
    c.lastActivityMs = m_clock.elapsed();
    if (c.replyCloses) {
        closeAfterFlush(socket);
        return;
    }
    if (c.pumping) {
        c.pumpAgain = true;
    } else {
        // An async (QFuture) response: QHttpServer is still inside its continuation.
        QMetaObject::invokeMethod(
            socket, [this, socket] { pump(socket); }, Qt::QueuedConnection);
    }
}

// Close once the last response is flushed (lingering, like a refusal), reading no more.
void FrontDoor::closeAfterFlush(QTcpSocket *socket)
{
    Conn *found = connFor(socket);
    if (!found || found->phase == Phase::Rejecting)
        return;
    discardInput(socket, *found);
    if (unsent(socket) == 0)
        linger(socket);
}

// No more requests on this connection: QHttpServer's pipe is closed and incoming bytes are
// discarded as they arrive (the answer already queued, or about to be, still goes out).
void FrontDoor::discardInput(QTcpSocket *socket, Conn &c)
{
    c.phase = Phase::Rejecting;
    if (QPointer<HttpPipe> pipe = c.pipe)
        pipe->closeFromFront();
    c.pipe = nullptr;
    QObject::disconnect(socket, &QIODevice::readyRead, nullptr, nullptr);
    socket->skip(socket->bytesAvailable());
    connect(socket, &QIODevice::readyRead, this,
            [socket] { socket->skip(socket->bytesAvailable()); });
}

void FrontDoor::onBytesWritten(QTcpSocket *socket)
{
    Conn *found = connFor(socket);
    if (!found)
        return;
    Conn &c = *found;
    c.lastActivityMs = m_clock.elapsed();
    if (unsent(socket) > 0)
        return;
    if (c.phase == Phase::Http) {
        if (m_draining)
            checkDrained();
    } else if (c.phase == Phase::Rejecting && !c.lingering) {
        linger(socket);
    }
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
    QMetaObject::invokeMethod(
        socket, [socket] { Q_EMIT socket->readyRead(); }, Qt::QueuedConnection);
}

void FrontDoor::refuse(QTcpSocket *socket, HttpFramer::Verdict verdict, const QByteArray &why)
{
    int status = 400;
    QByteArray reason = "Bad Request";
    QString code = u"bad_request"_s;
    QString message = QString::fromLatin1(why.isEmpty() ? "malformed HTTP request" : why);
    if (verdict == HttpFramer::Verdict::BodyTooLarge) {
        status = 413;
        reason = "Payload Too Large";
        code = u"payload_too_large"_s;
        message = u"request body over 1 MiB"_s;
    } else if (verdict == HttpFramer::Verdict::HeadTooLarge) {
        status = 431;
        reason = "Request Header Fields Too Large";
        code = u"request_header_fields_too_large"_s;
        message = u"request head over 16 KiB"_s;
    }
    Conn &c = m_conns.at(socket);
    const bool keepAlive = c.phase == Phase::Http;
    qCInfo(lcHttp).noquote() << "refused request:" << status << code << message
                             << (keepAlive ? "(keep-alive)" : "");
    discardInput(socket, c);
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
    const auto it = m_conns.find(socket);
    if (it == m_conns.end())
        return;
    if (QPointer<HttpPipe> pipe = it->second.pipe)
        pipe->closeFromFront(); // QHttpServer deletes it
    m_conns.erase(it);
    if (m_draining)
        QMetaObject::invokeMethod(this, &FrontDoor::checkDrained, Qt::QueuedConnection);
}

void FrontDoor::drop(QTcpSocket *socket)
{
    forget(socket);
    QObject::disconnect(socket, nullptr, this, nullptr);
    socket->abort();
    socket->deleteLater();
}

bool FrontDoor::isIdle(QTcpSocket *socket, const Conn &conn) const
{
    return conn.phase == Phase::Http && !conn.awaiting && conn.queue.empty() &&
           conn.inbox.isEmpty() && conn.framer.atBoundary() && unsent(socket) == 0;
}

void FrontDoor::sweep()
{
    const qint64 now = m_clock.elapsed();
    std::vector<QTcpSocket *> dropped;
    for (auto &[socket, c] : m_conns) {
        if (c.phase == Phase::AwaitHead) {
            if (now - c.acceptedMs > m_limits.headTimeoutMs)
                dropped.push_back(socket); // TLS: the handshake counts against this too
            continue;
        }
        // While QHttpServer works on a request, or we hold the client back, the client is
        // not the slow party.
        if (c.phase != Phase::Http || c.awaiting || c.readPaused)
            continue;
        if (c.framer.inHead() && c.headStartMs >= 0 && now - c.headStartMs > m_limits.headTimeoutMs)
            dropped.push_back(socket);
        else if (c.framer.inBody() && c.bodyDeadlineMs >= 0 && now > c.bodyDeadlineMs)
            dropped.push_back(socket);
        else if (now - c.lastActivityMs > m_limits.idleTimeoutMs)
            dropped.push_back(socket);
    }
    for (QTcpSocket *socket : dropped) {
        qCInfo(lcHttp) << "closed a connection that timed out";
        onTlsFailed(socket, u"no complete handshake within the request-head timeout"_s);
        drop(socket);
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
    for (QTcpSocket *socket : waiting)
        drop(socket);
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
