#pragma once
#include <QByteArray>
#include <QObject>
#include <QString>
#include <memory>
#include <optional>

#include "shared/events.h"
#include "shared/jwt.h"

// The event-stream model shared by the event log (server/engine) and the WebSocket gateway
// (server/ws). Everything here lives on the server's main thread.
namespace crewdeck::server {

// One event exactly as it was stored and as it goes on the wire. `bytes` is the complete
// JSON frame, serialised once and shared by every subscriber.
struct StoredEvent
{
    qint64 seq = 0; // global, strictly increasing in the order events were appended
    QString orgId;  // the org the event belongs to (the renter's for a rented run;
                    // the crew owner's for a signal)
    QString crewId;
    QString runId;    // empty for signals
    QString type;     // tool_start | tool_progress | tool_end | run_status | signal
    qint64 tsMs = 0;  // event time, ms since epoch UTC
    QByteArray bytes; // {"type","seq","ts",...}
};
using StoredEventPtr = std::shared_ptr<const StoredEvent>;

enum class StreamKind { Run, Mission, Graph };

// Which events one endpoint carries:
//  Run:     every event of run `id` (tool_*, run_status)
//  Mission: `signal` events of crews owned by `orgId`
//  Graph:   tool_* events of runs of crew `id` that belong to `orgId`
struct StreamKey
{
    StreamKind kind = StreamKind::Run;
    QString orgId;
    QString id; // run id, crew id, or empty for mission

    bool matches(const StoredEvent &e) const
    {
        switch (kind) {
        case StreamKind::Run:
            return e.runId == id && e.orgId == orgId && e.type != EventType::Signal;
        case StreamKind::Mission:
            return e.type == EventType::Signal && e.orgId == orgId;
        case StreamKind::Graph:
            return e.crewId == id && e.orgId == orgId && e.type.startsWith(QLatin1String("tool_"));
        }
        return false;
    }
};

// The streams an event belongs to, the ones StreamKey::matches() selects: its org's mission
// (a signal), or its run's (when it has a run) and, for a tool event, its crew's graph in its
// org. Calls fn(kind, id) for each, id being the run or crew id (empty for the mission). One
// rule for everything that files events by stream: the gateway's indexes, the frame ring,
// the store's prune.
template <typename Fn>
void forEachStreamOf(const QString &type, const QString &runId, const QString &crewId, Fn &&fn)
{
    if (type == EventType::Signal) {
        fn(StreamKind::Mission, QString());
        return;
    }
    if (!runId.isEmpty())
        fn(StreamKind::Run, runId);
    if (type.startsWith(QLatin1String("tool_")))
        fn(StreamKind::Graph, crewId);
}

// Durable, ordered events with live notification. Implemented by the event log on top of the
// store; the gateway only reads. Thread: main thread only.
class EventSource : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~EventSource() override = default;

    // Events of `key` with seq > since, ascending, at most `limit`.
    virtual QList<StoredEventPtr> history(const StreamKey &key, qint64 since, int limit) = 0;
    // Latest seq of the stream (0 when it has no events).
    virtual qint64 latestSeq(const StreamKey &key) = 0;
    // Events with seq <= horizon may have been pruned: `since < horizon` means the history a
    // client asks for may be gone, so it gets `reset`.
    virtual qint64 historyHorizon(const StreamKey &key) = 0;
    // Latest seq over all streams (what control frames of a fresh stream carry).
    virtual qint64 globalLatestSeq() = 0;

Q_SIGNALS:
    // Emitted once per event, in seq order, only after the event is durable.
    void published(const crewdeck::server::StoredEventPtr &event);
};

// Answers the gateway's questions about who may watch what. Thread: main thread only.
class StreamAuthority
{
public:
    virtual ~StreamAuthority() = default;
    enum class Access { Ok, Forbidden, NotFound };

    // Verifies a bearer token (signature, alg, exp) and that its user still exists.
    virtual std::optional<jwt::Claims> authenticate(const QByteArray &token) = 0;
    // Ok when the run belongs to claims.org; NotFound for unknown or other orgs' runs.
    // `finished` is set when the run has ended (its stream is complete).
    virtual Access runAccess(const jwt::Claims &claims, const QString &runId, bool *finished) = 0;
    // Ok when the crew is the org's own or actively rented by it; Forbidden otherwise.
    virtual Access crewAccess(const jwt::Claims &claims, const QString &crewId) = 0;
    // Current status of the org's crews, for the mission snapshot.
    virtual QList<CrewState> crewStates(const jwt::Claims &claims) = 0;
};

} // namespace crewdeck::server
