#include "server/ws/session.h"

#include <QDateTime>
#include <algorithm>
#include <QJsonDocument>
#include <QJsonObject>
#include <utility>

#include "server/ws/wsconnection.h"
#include "shared/events.h"
#include "shared/timeutil.h"

using namespace Qt::StringLiterals;

namespace crewdeck::server {
namespace {

// A client that does not read our close frame is aborted after this long.
constexpr int kCloseGraceMs = 10'000;
// QTimer intervals are int milliseconds: long expiries are reached in steps.
constexpr qint64 kMaxTimerMs = qint64(24) * 3600 * 1000;

} // namespace

bool isFinalRunStatus(const StoredEvent &event)
{
    if (event.type != EventType::RunStatus)
        return false;
    const QString status = QJsonDocument::fromJson(event.bytes).object().value(u"status"_s).toString();
    return status == u"succeeded"_s || status == u"failed"_s || status == u"cancelled"_s;
}

Session::Session(WsConnection *socket, EventSource *source, const StreamKey &key,
                 const QString &userId, const QString &path, const Options &options,
                 QObject *parent)
    : QObject(parent), m_socket(socket), m_source(source), m_key(key), m_userId(userId),
      m_path(path), m_options(options)
{
    m_socket->setParent(this);
    connect(m_socket, &WsConnection::textMessageReceived, this, &Session::onTextMessage);
    connect(m_socket, &WsConnection::binaryMessageReceived, this,
            [this] { closeWith(4400, u"unexpected message"_s); });
    connect(m_socket, &WsConnection::bytesWritten, this, [this] {
        if (m_waitingForDrain && m_socket->pendingBytes() <= m_options.maxQueueBytes / 2) {
            m_waitingForDrain = false;
            replayStep();
        }
    });
    // Queued: the gateway's stream index must not change while it fans an event out.
    connect(m_socket, &WsConnection::disconnected, this, [this] {
        if (!m_closing)
            m_closeCode = m_socket->closeCode();
        Q_EMIT finished();
    }, Qt::QueuedConnection);
}

Session::~Session() = default;

void Session::start(qint64 since, const QByteArray &snapshot, qint64 snapshotSeq)
{
    if (m_key.kind == StreamKind::Mission && since < 0) {
        // Live after the snapshot: events it already reflects are skipped by seq.
        m_lastSeq = snapshotSeq;
        sendControl(snapshot);
        return;
    }
    const qint64 latest = m_source->latestSeq(m_key);
    if (m_key.kind == StreamKind::Graph && since < 0) {
        m_lastSeq = latest; // live from now
        return;
    }
    const qint64 from = since < 0 ? 0 : since; // a run without since: from its first event
    if (from > latest || from < m_source->historyHorizon(m_key)) {
        // The history asked for is not ours (beyond the stream) or is gone (pruned): the
        // client refetches over REST and continues live from here.
        m_lastSeq = latest;
        sendControl(Event{latest, nowUtc(), ResetEvent{}}.toBytes());
        if (m_key.kind == StreamKind::Run && m_options.finishedRun)
            endFinishedRun();
        return;
    }
    m_lastSeq = from;
    m_replaying = true;
    replayStep();
}

// Sends one batch of history, then yields to the event loop (live events published meanwhile
// are buffered in m_pending) and continues; waits while the client has a lot unread.
void Session::replayStep()
{
    if (m_closing || !m_replaying)
        return;
    if (m_socket->pendingBytes() > m_options.maxQueueBytes / 2) {
        m_waitingForDrain = true;
        return;
    }
    const QList<StoredEventPtr> batch = m_source->history(m_key, m_lastSeq, m_options.historyBatch);
    sendStored(batch);
    if (m_closing)
        return;
    if (batch.size() < m_options.historyBatch)
        finishReplay();
    else
        QMetaObject::invokeMethod(this, &Session::replayStep, Qt::QueuedConnection);
}

void Session::finishReplay()
{
    m_replaying = false;
    const QList<StoredEventPtr> pending = std::exchange(m_pending, {});
    m_pendingBytes = 0;
    sendStored(pending); // what history already sent is skipped by seq
    if (m_closing)
        return;
    if (m_key.kind == StreamKind::Run && m_options.finishedRun)
        endFinishedRun();
}

void Session::sendStored(const QList<StoredEventPtr> &events)
{
    for (const StoredEventPtr &e : events) {
        if (e->seq <= m_lastSeq)
            continue;
        sendEvent(e, WsConnection::textFrame(e->bytes), m_key.kind == StreamKind::Run && isFinalRunStatus(*e));
        if (m_closing)
            return;
    }
}

void Session::endFinishedRun()
{
    if (m_closing)
        return;
    // A client resuming after the end: the stream's last event is the final status.
    const qint64 latest = m_source->latestSeq(m_key);
    if (latest > 0 && latest <= m_lastSeq) {
        const QList<StoredEventPtr> last = m_source->history(m_key, latest - 1, 1);
        if (!last.isEmpty() && isFinalRunStatus(*last.constFirst())) {
            closeWith(1000, u"run finished"_s);
            return;
        }
    }
    // The run's row says final but its final run_status frame has not been sent: closing
    // now would cut off the run's tail (the events still waiting for the event log's next
    // tick). Stay live until the frame arrives (sendEvent closes then); give up after the
    // grace period, sending whatever the history has by then.
    if (!m_finalGrace) {
        m_finalGrace = new QTimer(this);
        m_finalGrace->setSingleShot(true);
        connect(m_finalGrace, &QTimer::timeout, this, [this] {
            if (m_closing)
                return;
            sendStored(m_source->history(m_key, m_lastSeq, m_options.historyBatch));
            closeWith(1000, u"run finished"_s);
        });
    }
    m_finalGrace->start(std::max(0, m_options.finishedRunGraceMs));
}

void Session::deliver(const StoredEventPtr &event, const QByteArray &frame, bool endsRun)
{
    if (m_closing || event->seq <= m_lastSeq)
        return;
    if (m_replaying) {
        m_pending.append(event);
        m_pendingBytes += event->bytes.size();
        if (m_pendingBytes > m_options.maxQueueBytes)
            closeWith(1013, u"client too slow"_s);
        return;
    }
    // Bounded per-client queue: a client that does not keep up is dropped (it resumes with
    // `since`); nobody else waits for it. Counted: what this pass queued plus what the
    // kernel has not taken yet.
    if (m_socket->pendingBytes() > m_options.maxQueueBytes) {
        closeWith(1013, u"client too slow"_s);
        return;
    }
    sendEvent(event, frame, endsRun);
}

void Session::sendEvent(const StoredEventPtr &event, const QByteArray &frame, bool endsRun)
{
    m_socket->sendFrame(frame);
    m_lastSeq = event->seq;
    if (endsRun)
        closeWith(1000, u"run finished"_s);
}

void Session::sendControl(const QByteArray &bytes)
{
    m_socket->sendText(bytes);
}

void Session::sendHeartbeat()
{
    if (m_closing || m_replaying)
        return;
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
    sendControl(Event{m_lastSeq, nowUtc(), PongEvent{}}.toBytes());
}

void Session::closeWith(int code, const QString &reason)
{
    if (m_closing)
        return;
    m_closing = true;
    m_closeCode = code;
    m_replaying = false;
    m_pending.clear();
    m_pendingBytes = 0;
    if (m_expiry)
        m_expiry->stop();
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
    const qint64 left = expSecondsSinceEpoch * 1000 - QDateTime::currentMSecsSinceEpoch();
    if (left <= 0) {
        closeWith(4401, u"token expired"_s);
        return;
    }
    if (!m_expiry) {
        m_expiry = new QTimer(this);
        m_expiry->setSingleShot(true);
        m_expiry->setTimerType(Qt::PreciseTimer);
        connect(m_expiry, &QTimer::timeout, this, [this, expSecondsSinceEpoch] { setExpiry(expSecondsSinceEpoch); });
    }
    m_expiry->start(int(qMin(left, kMaxTimerMs)));
}

} // namespace crewdeck::server
