#include "server/ws/gateway.h"

#include <QDateTime>
#include <QTcpSocket>
#include <QUrlQuery>

#include "server/ws/framering.h"
#include "server/ws/session.h"
#include "server/ws/wsconnection.h"
#include "server/ws/wstransport.h"
#include "shared/events.h"
#include "shared/logging.h"
#include "shared/timeutil.h"

using namespace Qt::StringLiterals;

namespace crewdeck::server {
namespace {

constexpr int kRefuseGraceMs = 5000;

// The bearer token from the offered subprotocols ("crewdeck.v1, bearer.<token>") or from
// "Authorization: Bearer <token>". Never logged.
QByteArray extractToken(const WsConnection &ws)
{
    const QByteArray &protocols = ws.offeredProtocols();
    for (const QByteArray &p : protocols.split(',')) {
        const QByteArray proto = p.trimmed();
        if (proto.startsWith("bearer.") && proto.size() > 7)
            return proto.mid(7);
    }
    const QByteArray auth = ws.authorization().trimmed();
    if (auth.size() > 7 && auth.left(7).toLower() == "bearer ")
        return auth.mid(7).trimmed();
    return {};
}

} // namespace

Gateway::Gateway(EventSource *source, StreamAuthority *authority, const Config &config,
                 QObject *parent)
    : QObject(parent), m_source(source), m_authority(authority), m_config(config),
      m_serverName(QByteArrayLiteral("crewdeck/" CREWDECK_VERSION)),
      m_pacer(config.coalesceMs, config.coalesceBusyMs)
{
    m_ring = std::make_unique<FrameRing>(m_config.ringBytes, m_source->globalLatestSeq());
    if (m_config.takeDescriptors)
        m_poller = FdPoller::create();
    m_feed.source = m_source;
    m_feed.ring = m_ring.get();
    m_feed.schedulePump = [this](Session *s) { schedulePump(s); };
    m_feed.scheduleLivePump = [this](Session *s) { scheduleLivePump(s); };
    m_feed.clock.start();
    m_feed.sliceBytes = qMax<qint64>(4096, m_config.sliceBytes);
    m_feed.historyBatch = qMax(1, m_config.historyBatch);
    m_feed.finishedRunGraceMs = m_config.finishedRunGraceMs;
    m_pacedPump.setSingleShot(true);
    m_pacedPump.setTimerType(Qt::PreciseTimer); // a 3 ms wait must not become 8
    connect(&m_pacedPump, &QTimer::timeout, this, &Gateway::pumpScheduled);
    connect(m_source, &EventSource::published, this, &Gateway::onPublished);
    m_heartbeat.setInterval(qMax(1, m_config.heartbeatSeconds) * 1000);
    connect(&m_heartbeat, &QTimer::timeout, this, &Gateway::onHeartbeat);
    m_heartbeat.start();
    setStallTimeoutMs(m_config.stallTimeoutMs);
    connect(&m_stallCheck, &QTimer::timeout, this, &Gateway::checkStalls);
    m_stallCheck.start();
}

void Gateway::setStallTimeoutMs(int ms)
{
    m_config.stallTimeoutMs = qMax(1, ms);
    // Checked a few times per limit (a stalled socket goes within ~1.25 x the limit), and at
    // least every second: expired tokens are closed (4401) within a second of `exp`.
    m_stallCheck.setInterval(qBound(10, m_config.stallTimeoutMs / 4, 1000));
}

Gateway::~Gateway()
{
    // Sessions are children; their queued `finished` must not come back to us.
    for (Session *s : std::as_const(m_sessions))
        QObject::disconnect(s, nullptr, this, nullptr);
}

void Gateway::handleUpgrade(QTcpSocket *socket)
{
    if (m_closingAll) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    // The connection answers the handshake itself (101 with "crewdeck.v1", or 400); the
    // stream decisions are made once it is open.
    auto *ws = new WsConnection(WsTransport::adopt(socket, m_poller), m_config.maxIncomingMessage,
                                m_serverName, this);
    connect(ws, &WsConnection::opened, this, [this, ws] { accept(ws); });
    // Until a session owns it (handshake failed, or refused): gone with its socket.
    connect(ws, &WsConnection::disconnected, ws, &QObject::deleteLater);
}

void Gateway::refuse(WsConnection *ws, const QString &path, const QString &org, const QString &user,
                     int code, const QString &reason)
{
    qCInfo(lcWs).noquote() << u"ws refused path="_s + path << u"org="_s + org << u"user="_s + user
                           << u"code="_s + QString::number(code);
    ws->releaseRequest();
    ws->close(code, reason);
    QTimer::singleShot(kRefuseGraceMs, ws, [ws] { ws->abort(); });
}

void Gateway::accept(WsConnection *ws)
{
    const QUrl url = QUrl::fromEncoded(ws->requestTarget());
    const QString path = url.path();
    const QUrlQuery query(url);

    if (m_closingAll)
        return refuse(ws, path, {}, {}, 1001, u"server shutting down"_s);

    const QByteArray token = extractToken(*ws);
    const std::optional<jwt::Claims> claims =
        token.isEmpty() ? std::nullopt : m_authority->authenticate(token);
    if (!claims)
        return refuse(ws, path, {}, {}, 4401, u"unauthorized"_s);
    const QString org = claims->org;
    const QString user = claims->sub;

    qint64 since = -1;
    if (query.hasQueryItem(u"since"_s)) {
        bool ok = false;
        since = query.queryItemValue(u"since"_s).toLongLong(&ok);
        if (!ok || since < 0)
            return refuse(ws, path, org, user, 4400, u"malformed since"_s);
    }

    StreamKey key;
    key.orgId = org;
    bool finishedRun = false;
    const QString runPrefix = u"/ws/runs/"_s;
    if (path == u"/ws/mission"_s) {
        key.kind = StreamKind::Mission;
    } else if (path == u"/ws/graph"_s) {
        key.kind = StreamKind::Graph;
        key.id = query.queryItemValue(u"crew_id"_s, QUrl::FullyDecoded);
        if (key.id.isEmpty())
            return refuse(ws, path, org, user, 4400, u"crew_id missing"_s);
        switch (m_authority->crewAccess(*claims, key.id)) {
        case StreamAuthority::Access::Ok:
            break;
        case StreamAuthority::Access::Forbidden:
            return refuse(ws, path, org, user, 4403, u"forbidden"_s);
        case StreamAuthority::Access::NotFound:
            return refuse(ws, path, org, user, 4404, u"not found"_s);
        }
    } else if (path.startsWith(runPrefix) && path.size() > runPrefix.size() &&
               !path.mid(runPrefix.size()).contains(u'/')) {
        key.kind = StreamKind::Run;
        key.id = path.mid(runPrefix.size());
        if (m_authority->runAccess(*claims, key.id, &finishedRun) != StreamAuthority::Access::Ok)
            return refuse(ws, path, org, user, 4404, u"not found"_s);
    } else {
        return refuse(ws, path, org, user, 4404, u"not found"_s);
    }

    // Share the key strings with the sessions already watching this stream (see onPublished),
    // and the ring key and user id too: per-socket strings are most of a session's memory.
    QString ringKey;
    QString userId = user;
    auto &index = indexFor(key.kind);
    const auto existing = index.constFind(indexKey(key));
    if (existing != index.cend()) {
        for (Session *other : existing.value().sessions) {
            if (other->key().orgId == key.orgId)
                key.orgId = other->key().orgId;
            if (key.kind != StreamKind::Mission && other->key().id == key.id)
                key.id = other->key().id;
            if (other->key().orgId == key.orgId && other->key().id == key.id)
                ringKey = other->ringKey();
            if (other->userId() == userId)
                userId = other->userId();
            break;
        }
    }
    if (ringKey.isNull())
        ringKey = FrameRing::ringKey(key);

    // Indexed before it starts: every event published from now on pumps it; its cursor finds
    // whatever it has not been sent in the ring or the store.
    ws->releaseRequest();
    QObject::disconnect(ws, &WsConnection::disconnected, ws, nullptr); // the session owns it now
    auto *session = new Session(ws, &m_feed, key, ringKey, userId, finishedRun, this);
    m_sessions.insert(session);
    Bucket &bucket = index[indexKey(key)];
    bucket.sessions.insert(session);
    bucket.scheduledEpoch = 0; // the new session is not on the pump list
    connect(session, &Session::closing, this, &Gateway::sessionClosed);
    connect(session, &Session::finished, this, [this, session] { remove(session); });
    qCInfo(lcWs).noquote() << u"ws open path="_s + path << u"org="_s + org << u"user="_s + user;
    Q_EMIT sessionOpened();

    QByteArray snapshot;
    qint64 snapshotSeq = 0;
    if (key.kind == StreamKind::Mission && since < 0) {
        snapshotSeq = m_source->latestSeq(key);
        snapshot =
            Event{snapshotSeq, nowUtc(), SnapshotEvent{m_authority->crewStates(*claims)}}.toBytes();
    }
    session->setExpiry(claims->exp);
    session->start(since, snapshot, snapshotSeq);
}

void Gateway::onPublished(const StoredEventPtr &event)
{
    if (!event)
        return;
    // The index entries of the event's streams (indexKey(): a session's own key tells the
    // orgs of a run or crew id apart below).
    Bucket *buckets[2] = {nullptr, nullptr};
    int found = 0;
    forEachStreamOf(event->type, event->runId, event->crewId,
                    [&](StreamKind kind, const QString &id) {
                        QHash<QString, Bucket> &index = indexFor(kind);
                        const auto it = index.find(indexKey(kind, event->orgId, id));
                        if (it != index.end())
                            buckets[found++] = &it.value();
                    });
    // One complete WebSocket frame per event, kept once in the ring for every socket (also
    // when nobody watches yet: a client connecting with `since` a moment later reads it here).
    m_ring->append(*event, WsConnection::textFrame(event->bytes), isFinalRunStatus(*event));
    for (Bucket *bucket : buckets) {
        // Every session of the entry is on the next pass already (an earlier event of this
        // batch put them there): notify() would return at once for each. The pass reads each
        // cursor up to the ring's end, this event included. Under load that is all but the
        // first event per pass, which used to cost a visit to every session per event.
        if (!bucket || bucket->scheduledEpoch == m_passEpoch)
            continue;
        // Sessions leave the index only through a queued signal, so the bucket is stable here.
        // The sessions of a bucket nearly always share one key, and their key strings share
        // data (interned in accept()): the match is computed once per distinct key, not once
        // per session.
        const StreamKey *last = nullptr;
        bool lastMatch = false;
        bool allScheduled = true;
        for (Session *s : std::as_const(bucket->sessions)) {
            const StreamKey &k = s->key();
            if (!last || last->kind != k.kind || last->orgId.constData() != k.orgId.constData() ||
                last->id.constData() != k.id.constData()) {
                last = &k;
                lastMatch = k.matches(*event);
            }
            if (lastMatch)
                s->notify();
            allScheduled = allScheduled && s->pumpScheduled();
        }
        if (allScheduled)
            bucket->scheduledEpoch = m_passEpoch;
    }
}

bool Gateway::enqueue(Session *session)
{
    if (session->pumpScheduled())
        return false;
    session->setPumpScheduled(true);
    m_toPump.append(session);
    return true;
}

void Gateway::schedulePump(Session *session)
{
    if (!enqueue(session))
        return;
    // A socket with more to send goes on at the next pass; sessions waiting for a paced pass
    // ride along (their frames have waited less than the pacer allows: no harm).
    postPump();
}

void Gateway::scheduleLivePump(Session *session)
{
    if (!enqueue(session) || m_pumpPosted || m_pacedPump.isActive())
        return;
    const int waitMs = m_pacer.delayMs(m_feed.clock.nsecsElapsed());
    if (waitMs > 0)
        m_pacedPump.start(waitMs);
    else
        postPump();
}

void Gateway::postPump()
{
    m_pacedPump.stop();
    if (m_pumpPosted)
        return;
    m_pumpPosted = true;
    // Queued: a whole batch of published events (the event log emits them in one pass)
    // becomes one pump, one write, per socket.
    QMetaObject::invokeMethod(this, &Gateway::pumpScheduled, Qt::QueuedConnection);
}

void Gateway::pumpScheduled()
{
    m_pumpPosted = false;
    m_pacedPump.stop();
    ++m_passEpoch; // the sessions leave the pump list: no index entry is known to be on it
    const QList<Session *> sessions = std::exchange(m_toPump, {});
    if (sessions.isEmpty())
        return;
    const qint64 start = m_feed.clock.nsecsElapsed();
    m_feed.busyFrames = m_pacer.busyFrames(start);
    const qint64 writes = m_feed.frameWrites;
    const qint64 busyWrites = m_feed.busyFrameWrites;
    for (Session *s : sessions) {
        s->setPumpScheduled(false);
        s->pump(); // one slice each; a session with more puts itself back for the next pass
    }
    m_pacer.passDone(start, m_feed.clock.nsecsElapsed(), m_feed.frameWrites - writes,
                     m_feed.busyFrameWrites - busyWrites);
}

void Gateway::checkStalls()
{
    const qint64 now = m_feed.clock.elapsed();
    const qint64 wall = QDateTime::currentMSecsSinceEpoch();
    const QSet<Session *> all = m_sessions; // closing emits signals
    for (Session *s : all)
        s->checkStall(now, m_config.stallTimeoutMs, wall);
}

void Gateway::onHeartbeat()
{
    for (const Bucket &bucket : std::as_const(m_missionIndex)) {
        for (Session *s : bucket.sessions)
            s->sendHeartbeat();
    }
}

void Gateway::remove(Session *session)
{
    if (!m_sessions.remove(session))
        return;
    if (session->pumpScheduled())
        m_toPump.removeOne(session);
    auto &index = indexFor(session->key().kind);
    const QString k = indexKey(session->key());
    auto it = index.find(k);
    if (it != index.end()) {
        it->sessions.remove(session);
        if (it->sessions.isEmpty())
            index.erase(it);
    }
    const int code = session->closeCode();
    if (!session->isClosing())
        Q_EMIT sessionClosed(code);
    qCInfo(lcWs).noquote() << u"ws close path="_s + session->path()
                           << u"org="_s + session->key().orgId << u"user="_s + session->userId()
                           << u"code="_s + QString::number(code);
    session->deleteLater();
}

void Gateway::closeAll()
{
    m_closingAll = true;
    m_heartbeat.stop();
    // What was published before the shutdown (the cancelled tools' last events) goes out
    // ahead of the close frame, as far as each socket's slice allows.
    pumpScheduled();
    const QSet<Session *> all = m_sessions;
    for (Session *s : all)
        s->closeWith(1001, u"server shutting down"_s);
}

QHash<QString, Gateway::Bucket> &Gateway::indexFor(StreamKind kind)
{
    switch (kind) {
    case StreamKind::Run:
        return m_runIndex;
    case StreamKind::Mission:
        return m_missionIndex;
    case StreamKind::Graph:
        break;
    }
    return m_graphIndex;
}

const QString &Gateway::indexKey(StreamKind kind, const QString &orgId, const QString &id)
{
    return kind == StreamKind::Mission ? orgId : id;
}

QString Gateway::indexKey(const StreamKey &key)
{
    return indexKey(key.kind, key.orgId, key.id);
}

} // namespace crewdeck::server
