// WsConnection's output side (see wsconnection.h): frames go straight from the shared
// frame bytes into the kernel with sendmsg; what the kernel does not take waits as shared
// references and is written when the socket's write notifier fires. Nothing here copies a
// frame per connection. Thread: the connection's (main) thread.
#include "server/ws/wsconnection.h"

#include <QSocketNotifier>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>
#endif

namespace crewdeck::server {
namespace {

// After our close frame, a client that neither answers nor closes is aborted after this long.
constexpr int kCloseGraceMs = 10'000;

#ifdef Q_OS_UNIX
// Sends frames [0, count) of `at`, skipping `offset` bytes of the first, with as few sendmsg
// calls as the kernel allows (up to 512 frames each). Returns the bytes the kernel took (0 when
// it takes nothing now), or -1 when the connection is broken.
template <typename At> qint64 gatherSend(int fd, const At &at, qsizetype count, qint64 offset)
{
    constexpr qsizetype kMaxIov = 512;
    iovec iov[kMaxIov];
    qint64 total = 0;
    qsizetype first = 0;
    qint64 skip = offset;
    while (first < count) {
        qsizetype n = 0;
        size_t want = 0;
        for (qsizetype i = first; i < count && n < kMaxIov; ++i, ++n) {
            const QByteArray &f = at(i);
            const qint64 s = i == first ? skip : 0;
            iov[n].iov_base = const_cast<char *>(f.constData() + s);
            iov[n].iov_len = size_t(f.size() - s);
            want += iov[n].iov_len;
        }
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = decltype(msg.msg_iovlen)(n);
        ssize_t sent;
        do {
            sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (sent < 0 && errno == EINTR);
        if (sent < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ? total : -1;
        total += sent;
        if (size_t(sent) < want)
            return total;
        first += n;
        skip = 0;
    }
    return total;
}
#endif

} // namespace

void WsConnection::sendFrame(const QByteArray &frame)
{
    if (m_state != State::Open || m_closeSent)
        return;
    enqueue(frame);
}

qint64 WsConnection::sendFrames(const QByteArray *const *frames, qsizetype count)
{
    if (m_state != State::Open || m_closeSent || count <= 0)
        return 0;
    if (!m_out.isEmpty() || !m_pong.isEmpty() || m_writeFailed ||
        m_socket->state() != QAbstractSocket::ConnectedState) {
        for (qsizetype i = 0; i < count; ++i) {
            m_out.append(*frames[i]);
            m_outBytes += frames[i]->size();
        }
        return m_blocked ? 0 : writeOut();
    }
    qint64 taken = 0;
    qsizetype done = 0;
    qint64 into = 0; // bytes of frames[done] already taken
#ifdef Q_OS_UNIX
    const int fd = rawDescriptor();
    if (socketPending() == 0 && fd >= 0) {
        taken = gatherSend(
            fd, [frames](qsizetype i) -> const QByteArray & { return *frames[i]; }, count, 0);
        if (taken < 0) {
            failWrite();
            return 0;
        }
        qint64 left = taken;
        while (left > 0) {
            const qint64 rest = frames[done]->size() - into;
            if (left >= rest) {
                left -= rest;
                ++done;
                into = 0;
            } else {
                into += left;
                left = 0;
            }
        }
    }
#endif
    // What the kernel did not take waits here, shared with the caller's frames.
    for (qsizetype i = done; i < count; ++i) {
        m_out.append(*frames[i]);
        m_outBytes += frames[i]->size();
    }
    m_outOffset = into;
    m_outBytes -= into;
    if (m_out.isEmpty()) {
        setBlocked(false);
        return taken;
    }
    return taken + writeOut(); // non-Unix: hands the rest to the socket; Unix: blocks
}

void WsConnection::enqueue(const QByteArray &frame)
{
    // Shared, not copied: the same frame bytes sit in the queue of every subscriber.
    m_out.append(frame);
    m_outBytes += frame.size();
    scheduleFlush();
}

void WsConnection::clearQueue()
{
    m_out = QList<QByteArray>();
    m_outBytes = 0;
    m_outOffset = 0;
    m_pong = QByteArray();
    setBlocked(false);
}

void WsConnection::close(int code, const QString &reason)
{
    if (m_closeSent || m_state == State::Closed || m_state == State::Handshake)
        return;
    m_closeSent = true;
    m_closeCode = code;
    m_state = State::Closing;
    enqueue(closeFrame(code, reason.toUtf8()));
    // Written now, not on the next pass: on shutdown (closeAll, 1001) the process may stop
    // before another event-loop pass, and the close frame must still reach the client.
    flush();
    QTimer::singleShot(kCloseGraceMs, this, [this] { abort(); });
}

void WsConnection::abort()
{
    clearQueue();
    delete std::exchange(m_writeNotifier, nullptr); // before the descriptor goes
    m_socket->abort();
}

qint64 WsConnection::pendingBytes() const
{
    return m_outBytes + m_pong.size() + socketPending();
}

int WsConnection::rawDescriptor() const
{
    return m_tls ? -1 : int(m_socket->socketDescriptor());
}

qint64 WsConnection::socketPending() const
{
    if (!m_tls)
        return m_socket->bytesToWrite();
    return m_socket->bytesToWrite() + static_cast<QSslSocket *>(m_socket)->encryptedBytesToWrite();
}

void WsConnection::scheduleFlush()
{
    if (m_flushScheduled)
        return;
    m_flushScheduled = true;
    // Queued: every frame queued during this event-loop pass goes out in one write.
    QMetaObject::invokeMethod(this, &WsConnection::flush, Qt::QueuedConnection);
}

void WsConnection::setBlocked(bool blocked)
{
    if (m_blocked == blocked)
        return;
    m_blocked = blocked;
#ifdef Q_OS_UNIX
    if (blocked && !m_writeNotifier) {
        const qintptr fd = m_socket->socketDescriptor();
        if (fd < 0)
            return;
        m_writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
        connect(m_writeNotifier, &QSocketNotifier::activated, this, &WsConnection::flush);
    }
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(blocked);
#endif
}

void WsConnection::failWrite()
{
    // The peer is gone (EPIPE, ECONNRESET): drop the output; the socket reports the end on
    // its read side, or abort() does on the next pass.
    clearQueue();
    m_writeFailed = true;
    QMetaObject::invokeMethod(this, &WsConnection::abort, Qt::QueuedConnection);
}

void WsConnection::consume(qint64 bytes)
{
    m_outBytes -= bytes;
    qsizetype done = 0;
    while (bytes > 0) {
        const qint64 rest = m_out.at(done).size() - m_outOffset;
        if (bytes >= rest) {
            bytes -= rest;
            ++done;
            m_outOffset = 0;
        } else {
            m_outOffset += bytes;
            bytes = 0;
        }
    }
    if (done == m_out.size())
        m_out = QList<QByteArray>(); // a burst's large list is released
    else if (done > 0)
        m_out.remove(0, done);
}

qint64 WsConnection::writeOut()
{
    // A pong waits for a frame boundary where nothing else is waiting: so at most one pong
    // is ever queued behind data (and one more in m_pong), however fast the client pings.
    if (!m_pong.isEmpty() && m_out.isEmpty()) {
        m_out.append(std::exchange(m_pong, {}));
        m_outBytes += m_out.constFirst().size();
    }
    if (m_out.isEmpty() || m_writeFailed) {
        setBlocked(false);
        return 0;
    }
    qint64 taken = 0;
#ifdef Q_OS_UNIX
    const int fd = rawDescriptor();
    if (socketPending() == 0 && fd >= 0) {
        taken = gatherSend(
            fd, [this](qsizetype i) -> const QByteArray & { return m_out.at(i); }, m_out.size(),
            m_outOffset);
        if (taken < 0) {
            failWrite();
            return 0;
        }
        consume(taken);
        if (taken > 0)
            m_pongsSuperseded = 0;
        setBlocked(!m_out.isEmpty());
        return taken;
    }
#endif
    // TLS, not Unix, or the socket already buffers: the socket's own buffer takes the rest
    // (bounded: the gateway hands more only once pendingBytes() is 0).
    for (qsizetype i = 0; i < m_out.size(); ++i) {
        const qint64 skip = i == 0 ? m_outOffset : 0;
        m_socket->write(m_out.at(i).constData() + skip, m_out.at(i).size() - skip);
    }
    taken = m_outBytes;
    m_out = QList<QByteArray>();
    m_outBytes = 0;
    m_outOffset = 0;
    // TLS: QSslSocket only encrypts and sends on a later event-loop pass; flush() does it now,
    // so a close frame written on shutdown (closeAll, 1001) still leaves before the process
    // ends, and each batch reaches the kernel without waiting for another pass.
    if (m_tls)
        m_socket->flush();
    setBlocked(false);
    return taken;
}

void WsConnection::flush()
{
    m_flushScheduled = false;
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        clearQueue();
        return;
    }
    const qint64 taken = writeOut();
    // Closing and everything (our close frame last) is out: when the close handshake is
    // complete, or we gave up on the client, stop sending (FIN) and keep draining input until
    // the client closes, so unread input does not turn our close into a reset.
    if (m_state == State::Closing && m_closeSent && pendingBytes() == 0 &&
        (m_closeReceived || m_messageOpcode < 0)) {
#ifdef Q_OS_UNIX
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
#else
        m_socket->disconnectFromHost();
#endif
    }
    if (taken > 0)
        Q_EMIT bytesWritten();
}

} // namespace crewdeck::server
