#pragma once
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include "server/model/streams.h"
#include "server/ws/session.h"
#include "server/ws/writepacer.h"

#include <memory>

class QTcpSocket;

// The WebSocket gateway (docs/protocol.md, "WebSockets"). It answers upgrades handed over by
// the FrontDoor with subprotocol "crewdeck.v1", authenticates them, and fans the events of an
// EventSource out to the sessions watching each stream.
// Delivery (docs/architecture.md, "One event's path"): each event's WebSocket frame is built
// once and kept in a FrameRing shared by all sockets; every socket is a cursor (Session) that
// writes the next frames of its stream from the ring, or from the store when it is older than
// the ring, whenever its connection has handed everything to the kernel, at most one slice
// per event-loop pass. A reader that keeps reading is never closed for being behind.
//
// Endpoints: /ws/runs/{run_id}?since=, /ws/mission?since=, /ws/graph?crew_id=&since=.
// Close codes: 4401 no/bad/expired token; 4404 unknown path, unknown run or another org's run;
// 4403 crew not accessible; 4400 missing crew_id, malformed since, or any client message other
// than {"type":"ping"}; 1009 client message over maxIncomingMessage; 1013 client not reading
// (frames waiting and not one byte taken for stallTimeoutMs; note: Qt 6.4's QWebSocket client
// rejects 1013 as an invalid code and reports 1002; browsers accept it); 1008 a client that
// keeps pinging while reading nothing; 1000 after a run's final run_status; 1001 on shutdown
// (closeAll()).
// Resume: `since` beyond the stream's latest seq, or below the history horizon, gets `reset`
// (seq = the stream's latest) and the stream continues live from there; so does a cursor that
// falls behind the history horizon while it reads.
// Thread: everything runs on the gateway's (main) thread, the same as the EventSource's.
namespace crewdeck::server {

class FdPoller;
class FrameRing;
class WsConnection;

class Gateway : public QObject
{
    Q_OBJECT
public:
    struct Config
    {
        int heartbeatSeconds = 45;
        qint64 maxIncomingMessage = 64 * 1024;
        int historyBatch = 500;
        // How long a stream of an already-finished run waits for its final frame.
        int finishedRunGraceMs = 3000;
        // The shared ring of recent frames (all streams), frames plus bookkeeping.
        qint64 ringBytes = 32LL * 1024 * 1024;
        // What one socket writes per event-loop pass (see SessionFeed::sliceBytes).
        qint64 sliceBytes = 128 * 1024;
        // The most a new frame waits for the next ones before it is written (WritePacer,
        // `--ws-coalesce-ms`); 0: every write pass at once.
        int coalesceMs = 0;
        // The cap instead while the streams are busy (`--ws-coalesce-busy-ms`; WritePacer).
        int coalesceBusyMs = 0;
        // A socket with frames waiting that takes no byte for this long is closed (1013).
        int stallTimeoutMs = 60'000;
        // Plain-TCP connections keep only their descriptor (WsTransport::adopt). Off: every
        // connection is read and written through its QTcpSocket, as a QSslSocket always is
        // (tests run the suite both ways).
        bool takeDescriptors = true;
    };

    // `source` and `authority` must outlive the gateway.
    Gateway(EventSource *source, StreamAuthority *authority, const Config &config,
            QObject *parent = nullptr);
    ~Gateway() override;

    // Takes ownership of an upgrade request's socket (from FrontDoor): a plain QTcpSocket is
    // reduced to its descriptor (WsTransport::adopt), a QSslSocket is kept and read through.
    void handleUpgrade(QTcpSocket *socket);
    // Shutdown: closes every socket with 1001 and refuses new ones.
    void closeAll();

    int sessionCount() const { return int(m_sessions.size()); }
    const FrameRing &ring() const { return *m_ring; }
    // Tests: a shorter no-progress limit than the configured one.
    void setStallTimeoutMs(int ms);
    // Write passes so far, and the wait new frames get after the last one (for /metrics).
    qint64 writePasses() const { return m_pacer.passes(); }
    qint64 busyPasses() const { return m_pacer.busyPasses(); }
    double coalesceGapMs() const { return double(m_pacer.gapNs()) / 1e6; }
    // How long frames published now would wait for their write pass (whole ms; 0: the next
    // pass). The event log commits its batches to meet it (EventLog::setDeliveryPace).
    int msUntilNextLivePass() const { return m_pacer.delayMs(m_feed.clock.nsecsElapsed()); }

Q_SIGNALS:
    // A session was accepted for a stream.
    void sessionOpened();
    // A session closes: the server's close code when the server closed it, else the client's.
    void sessionClosed(int closeCode);

private:
    void accept(WsConnection *ws);
    void refuse(WsConnection *ws, const QString &path, const QString &org, const QString &user,
                int code, const QString &reason);
    void onPublished(const StoredEventPtr &event);
    void onHeartbeat();
    // Puts the session on the next pass's list; false when it is on it already.
    bool enqueue(Session *session);
    void schedulePump(Session *session);
    void scheduleLivePump(Session *session);
    void postPump();
    void pumpScheduled();
    void checkStalls();
    void remove(Session *session);
    // The sessions of one index entry. `scheduledEpoch`: the write pass (m_passEpoch) for
    // which every one of them was found on the pump list, so that the entry's next events
    // need not visit them again (onPublished); 0: not known.
    struct Bucket
    {
        QSet<Session *> sessions;
        quint64 scheduledEpoch = 0;
    };
    QHash<QString, Bucket> &indexFor(StreamKind kind);
    // An index entry's key: the org id for the mission index, else the run or crew id.
    static const QString &indexKey(StreamKind kind, const QString &orgId, const QString &id);
    static QString indexKey(const StreamKey &key);

    EventSource *m_source;
    StreamAuthority *m_authority;
    Config m_config;
    QByteArray m_serverName;
    QTimer m_heartbeat;
    QTimer m_stallCheck;
    std::unique_ptr<FrameRing> m_ring;
    // Watches every plain-TCP connection's descriptor (one epoll set; shared with the
    // transports, which may outlive the gateway's members during teardown). Null: no epoll.
    std::shared_ptr<FdPoller> m_poller;
    SessionFeed m_feed;
    QList<Session *> m_toPump; // sessions to pump on the next pass (flag on each session)
    bool m_pumpPosted = false;
    WritePacer m_pacer;
    QTimer m_pacedPump; // a pass for new frames, when the pacer says wait
    QSet<Session *> m_sessions;
    QHash<QString, Bucket> m_runIndex;     // run id -> sessions
    QHash<QString, Bucket> m_missionIndex; // org id -> sessions
    QHash<QString, Bucket> m_graphIndex;   // crew id -> sessions
    quint64 m_passEpoch = 1;               // +1 whenever a pass takes the pump list
    bool m_closingAll = false;
};

} // namespace crewdeck::server
