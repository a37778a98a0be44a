// WsConnection's output side (see wsconnection.h): frames go straight from the shared
// frame bytes to the transport (sendmsg for a plain descriptor); what the kernel does not take
// waits as shared references and is written when the transport reports it writable. Nothing
// here copies a frame per connection. Thread: the connection's (main) thread.
#include "server/ws/wsconnection.h"

#include <QTimer>
#include <vector>

namespace crewdeck::server {
namespace {

// After our close frame, a client that neither answers nor closes is aborted after this long.
constexpr int kCloseGraceMs = 10'000;

// Frame pointers of one write from m_out. Main thread only, shared by every connection.
std::vector<const QByteArray *> &outScratch()
{
    static std::vector<const QByteArray *> frames;
    return frames;
}

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
    if (!m_out.isEmpty() || !m_pong.isEmpty() || m_writeFailed || !m_transport->isOpen() ||
        m_transport->bufferedBytes() > 0) {
        for (qsizetype i = 0; i < count; ++i) {
            m_out.append(*frames[i]);
            m_outBytes += frames[i]->size();
        }
        return m_blocked ? 0 : writeOut();
    }
    // Straight from the caller's frames into the kernel.
    const qint64 taken = m_transport->write(frames, count, 0);
    if (taken < 0) {
        failWrite();
        return 0;
    }
    qsizetype done = 0;
    qint64 into = 0; // bytes of frames[done] already taken
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
    // What the kernel did not take waits here, shared with the caller's frames; the kernel is
    // full, so the next try is when the transport reports it writable.
    for (qsizetype i = done; i < count; ++i) {
        m_out.append(*frames[i]);
        m_outBytes += frames[i]->size();
    }
    m_outOffset = into;
    m_outBytes -= into;
    // Blocked: bytes wait here, or in the transport's own buffer (TLS) until it drains.
    setBlocked(!m_out.isEmpty() || m_transport->bufferedBytes() > 0);
    if (taken > 0)
        m_pongsSuperseded = 0;
    return taken;
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
    m_transport->abort();
    onDisconnected(); // once: the transport reports nothing for an abort
}

qint64 WsConnection::pendingBytes() const
{
    return m_outBytes + m_pong.size() + m_transport->bufferedBytes();
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
    m_transport->watchWritable(blocked);
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
    if (m_transport->bufferedBytes() > 0) {
        // A DeviceTransport (TLS) still holds what it took last time, i.e. the kernel did not
        // take it: nothing more goes into its buffer until it drains (transportWritable), so
        // frames and pongs wait here, bounded, as they do on a full descriptor.
        setBlocked(true);
        return 0;
    }
    std::vector<const QByteArray *> &frames = outScratch();
    frames.clear();
    for (const QByteArray &f : std::as_const(m_out))
        frames.push_back(&f);
    const qint64 taken = m_transport->write(frames.data(), qsizetype(frames.size()), m_outOffset);
    if (taken < 0) {
        failWrite();
        return 0;
    }
    consume(taken);
    if (taken > 0)
        m_pongsSuperseded = 0;
    setBlocked(!m_out.isEmpty() || m_transport->bufferedBytes() > 0);
    return taken;
}

void WsConnection::flush()
{
    flushNow();
}

qint64 WsConnection::flushNow()
{
    m_flushScheduled = false;
    if (!m_transport->isOpen()) {
        clearQueue();
        return 0;
    }
    const qint64 taken = writeOut();
    // Closing and everything (our close frame last) is out: when the close handshake is
    // complete, or we gave up on the client, stop sending (FIN) and keep draining input until
    // the client closes, so unread input does not turn our close into a reset.
    if (m_state == State::Closing && m_closeSent && pendingBytes() == 0 &&
        (m_closeReceived || m_messageOpcode < 0))
        m_transport->shutdownWrite();
    if (taken > 0)
        Q_EMIT bytesWritten();
    return taken;
}

} // namespace crewdeck::server
