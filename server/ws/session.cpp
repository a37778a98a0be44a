#include "server/ws/session.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <vector>

#include "server/ws/framering.h"
#include "server/ws/wsconnection.h"
#include "shared/events.h"
#include "shared/timeutil.h"

using namespace Qt::StringLiterals;

namespace crewdeck::server {
namespace {

// A client that does not read our close frame is aborted after this long.
constexpr int kCloseGraceMs = 10'000;
// Frames handed to one sendFrames() call (sendmsg gathers up to 512 per call).
constexpr int kMaxFramesPerWrite = 2048;

// Frame pointers of one write. Main thread only, reused by every session: no per-socket
// storage.
std::vector<const QByteArray *> &scratch()
{
    static std::vector<const QByteArray *> frames;
    return frames;
}

} // namespace

bool isFinalRunStatus(const StoredEvent &event)
{
    if (event.type != EventType::RunStatus)
        return false;
    const QString status =
        QJsonDocument::fromJson(event.bytes).object().value(u"status"_s).toString();
    return status == u"succeeded"_s || status == u"failed"_s || status == u"cancelled"_s;
}

Session::Session(WsConnection *socket, const SessionFeed *feed, const StreamKey &key,
                 const QString &ringKey, const QString &userId, bool finishedRun, QObject *parent)
    : QObject(parent), m_socket(socket), m_feed(feed), m_key(key), m_ringKey(ringKey),
      m_userId(userId), m_finishedRun(finishedRun && key.kind == StreamKind::Run)
{
    m_socket->setParent(this);
    m_progressMs = m_feed->clock.elapsed();
    connect(m_socket, &WsConnection::textMessageReceived, this, &Session::onTextMessage);
    connect(m_socket, &WsConnection::binaryMessageReceived, this,
            [this] { closeWith(4400, u"unexpected message"_s); });
    connect(m_socket, &WsConnection::bytesWritten, this, &Session::onBytesWritten);
    // Queued: the gateway's stream index must not change while it fans an event out.
    connect(
        m_socket, &WsConnection::disconnected, this,
        [this] {
            if (!m_closing)
                m_closeCode = m_socket->closeCode();
            Q_EMIT finished();
        },
        Qt::QueuedConnection);
}

Session::~Session() = default;

QString Session::path() const
{
    switch (m_key.kind) {
    case StreamKind::Run:
        return u"/ws/runs/"_s + m_key.id;
    case StreamKind::Mission:
        return u"/ws/mission"_s;
    case StreamKind::Graph:
        break;
    }
    return u"/ws/graph"_s;
}

void Session::start(qint64 since, const QByteArray &snapshot, qint64 snapshotSeq)
{
    m_started = true;
    EventSource *source = m_feed->source;
    if (m_key.kind == StreamKind::Mission && since < 0) {
        // Live after the snapshot: events it already reflects are skipped by seq.
        m_cursor = m_lastSeq = snapshotSeq;
        sendControl(snapshot);
        pump();
        return;
    }
    const qint64 latest = source->latestSeq(m_key);
    if (m_key.kind == StreamKind::Graph && since < 0) {
        // Live from now: everything published so far is behind the cursor.
        m_lastSeq = latest;
        m_cursor = std::max(latest, source->globalLatestSeq());
        pump();
        return;
    }
    const qint64 from = since < 0 ? 0 : since; // a run without since: from its first event
    if (from > latest || from < source->historyHorizon(m_key)) {
        // The history asked for is not ours (beyond the stream) or is gone (pruned): the
        // client refetches over REST and continues live from here.
        sendReset(latest);
    } else {
        m_cursor = m_lastSeq = from;
    }
    pump();
}

void Session::notify()
{
    if (m_pumpScheduled || m_closing || !m_started)
        return;
    m_feed->scheduleLivePump(this);
}

void Session::onBytesWritten()
{
    m_progressMs = m_feed->clock.elapsed();
    m_supersededPings = 0;
    // The kernel took everything: the next slice (a separate event-loop event per socket, so
    // sockets take turns).
    if (m_socket->pendingBytes() == 0)
        pump();
}

void Session::write(const QByteArray *const *frames, qsizetype count)
{
    if (m_socket->sendFrames(frames, count) > 0)
        m_progressMs = m_feed->clock.elapsed();
    ++m_feed->frameWrites;
    if (count >= m_feed->busyFrames)
        ++m_feed->busyFrameWrites;
}

void Session::pump()
{
    if (m_closing || !m_started || m_inPump)
        return;
    // The connection failed or the client closed: nothing more is written (until the
    // disconnect removes this session).
    if (m_socket->state() != WsConnection::State::Open)
        return;
    if (m_socket->pendingBytes() > 0)
        return; // the kernel has not taken the last slice: onBytesWritten() continues
    m_inPump = true;
    m_progressMs = m_feed->clock.elapsed(); // nothing waits: not stalled
    // Control replies first: they carry the seq of the last event the client was sent.
    if (m_pongWanted) {
        m_pongWanted = false;
        sendControl(Event{m_lastSeq, nowUtc(), PongEvent{}}.toBytes());
    }
    if (m_heartbeatWanted) {
        m_heartbeatWanted = false;
        sendControl(Event{m_lastSeq, nowUtc(), HeartbeatEvent{}}.toBytes());
    }
    const FrameRing &ring = *m_feed->ring;
    qint64 budget = m_feed->sliceBytes;
    bool caughtUp = false;
    while (!m_closing && budget > 0 && m_socket->pendingBytes() == 0) {
        if (m_storeOnly || !ring.covers(m_cursor)) {
            if (!pumpFromStore(budget)) {
                caughtUp = true;
                break;
            }
            continue;
        }
        std::vector<const QByteArray *> &frames = scratch();
        frames.clear();
        const FrameRing::Slice slice =
            ring.read(m_ringKey, m_cursor, budget, kMaxFramesPerWrite, frames);
        if (slice.count == 0) {
            caughtUp = true;
            break;
        }
        m_cursor = m_lastSeq = slice.lastSeq;
        budget -= slice.bytes;
        write(frames.data(), qsizetype(frames.size()));
        if (slice.endsRun)
            closeWith(1000, u"run finished"_s);
        if (!slice.more) {
            caughtUp = true; // no second look into the ring for nothing
            break;
        }
    }
    m_inPump = false;
    if (m_closing || m_socket->pendingBytes() > 0)
        return;
    if (!caughtUp) {
        m_feed->schedulePump(this); // more after this slice: others take their turn first
        return;
    }
    if (m_finishedRun)
        endFinishedRun();
}

bool Session::pumpFromStore(qint64 &budget)
{
    EventSource *source = m_feed->source;
    const FrameRing &ring = *m_feed->ring;
    const QList<StoredEventPtr> page = source->history(m_key, m_cursor, m_feed->historyBatch);
    // The horizon is read after the page: a prune that deleted rows the page should have had
    // (another node's, committed before the page was read) is already in it, and the reader
    // gets a reset instead of a gap.
    if (!m_storeOnly && m_cursor < source->historyHorizon(m_key)) {
        // Fell behind everything the server keeps: the client refetches over REST.
        sendReset(source->latestSeq(m_key));
        return true;
    }
    // Frames of a store page are built for this socket only and live until the kernel took
    // them; a page is cut at the slice budget (the rest is read again next time).
    QList<QByteArray> built;
    qint64 bytes = 0;
    bool ends = false;
    qsizetype used = 0;
    for (const StoredEventPtr &e : page) {
        ++used;
        if (e->seq <= m_cursor)
            continue;
        built.append(WsConnection::textFrame(e->bytes));
        bytes += built.constLast().size();
        m_cursor = m_lastSeq = e->seq;
        if (m_key.kind == StreamKind::Run && isFinalRunStatus(*e)) {
            ends = true;
            break;
        }
        if (bytes >= budget)
            break;
    }
    if (!built.isEmpty()) {
        std::vector<const QByteArray *> &frames = scratch();
        frames.clear();
        for (const QByteArray &f : std::as_const(built))
            frames.push_back(&f);
        write(frames.data(), qsizetype(frames.size()));
        budget -= bytes;
        if (ends)
            closeWith(1000, u"run finished"_s);
    }
    if (used == page.size() && page.size() < m_feed->historyBatch) {
        // The store has nothing of this stream after the cursor; nor has it anything up to
        // the ring's floor (published means stored), so the ring serves the rest.
        if (!m_storeOnly)
            m_cursor = std::max(m_cursor, ring.floor());
        return !built.isEmpty() && !m_storeOnly;
    }
    return true;
}

void Session::endFinishedRun()
{
    if (m_closing)
        return;
    if (m_storeOnly) {
        // The grace ran out and the store's history has been sent.
        closeWith(1000, u"run finished"_s);
        return;
    }
    if (m_graceStarted)
        return;
    m_graceStarted = true;
    // A client resuming after the end: the stream's last event is the final status.
    EventSource *source = m_feed->source;
    const qint64 latest = source->latestSeq(m_key);
    if (latest > 0 && latest <= m_lastSeq) {
        const QList<StoredEventPtr> last = source->history(m_key, latest - 1, 1);
        if (!last.isEmpty() && isFinalRunStatus(*last.constFirst())) {
            closeWith(1000, u"run finished"_s);
            return;
        }
    }
    // The run's row says final but its final run_status frame has not been sent: closing
    // now would cut off the run's tail (the events still waiting for the event log's next
    // tick). Stay live until the frame arrives (pump closes then); after the grace period,
    // send whatever the store has and close.
    m_finalGrace = new QTimer(this);
    m_finalGrace->setSingleShot(true);
    connect(m_finalGrace, &QTimer::timeout, this, [this] {
        m_storeOnly = true;
        if (m_socket->pendingBytes() == 0)
            pump();
    });
    m_finalGrace->start(std::max(0, m_feed->finishedRunGraceMs));
}

void Session::sendReset(qint64 latest)
{
    m_cursor = m_lastSeq = latest;
    sendControl(Event{latest, nowUtc(), ResetEvent{}}.toBytes());
}

void Session::sendControl(const QByteArray &bytes)
{
    m_socket->sendText(bytes);
}

void Session::sendHeartbeat()
{
    if (m_closing || !m_started)
        return;
    if (m_socket->pendingBytes() > 0) {
        m_heartbeatWanted = true; // sent by the next pump, once the kernel took the rest
        return;
    }
    sendControl(Event{m_lastSeq, nowUtc(), HeartbeatEvent{}}.toBytes());
}

void Session::onTextMessage(const QByteArray &message)
{
    if (m_closing)
        return;
    if (!isPingMessage(QString::fromUtf8(message))) {
        closeWith(4400, u"unexpected message"_s);
        return;
    }
    if (m_socket->pendingBytes() == 0 && !m_inPump) {
        sendControl(Event{m_lastSeq, nowUtc(), PongEvent{}}.toBytes());
        return;
    }
    // One pong waits at most (the latest ping's); a client that pings on while it reads
    // nothing of what we write is closed instead of answered without end.
    if (m_pongWanted && m_socket->isBlocked() && ++m_supersededPings > m_feed->maxSupersededPings) {
        closeWith(1008, u"not reading"_s);
        return;
    }
    m_pongWanted = true;
}

void Session::checkStall(qint64 nowMs, qint64 stallMs, qint64 wallMs)
{
    if (m_closing)
        return;
    if (m_expiresAtMs > 0 && wallMs >= m_expiresAtMs) {
        closeWith(4401, u"token expired"_s);
        return;
    }
    if (m_socket->pendingBytes() == 0)
        return;
    if (nowMs - m_progressMs > stallMs)
        closeWith(1013, u"client not reading"_s);
}

void Session::closeWith(int code, const QString &reason)
{
    if (m_closing)
        return;
    m_closing = true;
    m_closeCode = code;
    if (m_finalGrace)
        m_finalGrace->stop();
    Q_EMIT closing(code);
    m_socket->close(code, reason);
    QTimer::singleShot(kCloseGraceMs, this, [this] { m_socket->abort(); });
}

void Session::setExpiry(qint64 expSecondsSinceEpoch)
{
    if (expSecondsSinceEpoch <= 0 || m_closing)
        return;
    m_expiresAtMs = expSecondsSinceEpoch * 1000;
    if (m_expiresAtMs <= QDateTime::currentMSecsSinceEpoch())
        closeWith(4401, u"token expired"_s);
}

} // namespace crewdeck::server
