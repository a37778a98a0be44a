#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <functional>
#include <limits>

#include "server/model/streams.h"

// One WebSocket client of the gateway: a cursor over one stream (run, mission or graph), not
// a queue. It holds its stream and the last seq it was sent; whenever its connection has
// handed everything to the kernel, pump() writes the next frames, up to one slice, from the
// gateway's FrameRing, or from the store when the cursor is older than the ring. Replay
// (`since`), catch-up and live delivery are this one path. Created and driven by Gateway;
// lives on the server's main thread like everything of the gateway.
namespace crewdeck::server {

class FrameRing;
class Session;
class WsConnection;

// What every session of one gateway reads from and how it is paced; owned by the gateway,
// shared by its sessions (nothing of it is per socket).
struct SessionFeed
{
    EventSource *source = nullptr;
    FrameRing *ring = nullptr;
    // Pump this session on the next event-loop pass (batched over sessions by the gateway):
    // it has more to send.
    std::function<void(Session *)> schedulePump;
    // Pump it for new frames of its stream: on the next pass, or a little later when the
    // last pass was costly (the gateway's WritePacer).
    std::function<void(Session *)> scheduleLivePump;
    QElapsedTimer clock; // monotonic ms for progress times
    // Socket writes of event frames, and those of busyFrames frames or more, counted by the
    // sessions for the gateway's WritePacer, which sets busyFrames before each pass.
    // Statistics: sessions see the feed const, these alone they update.
    qint64 busyFrames = std::numeric_limits<qint64>::max();
    mutable qint64 frameWrites = 0;
    mutable qint64 busyFrameWrites = 0;
    // Bytes one session writes per pump: one socket cannot hold the loop for long, and what
    // the kernel does not take at once (held as shared frames) stays below this.
    qint64 sliceBytes = 128 * 1024;
    int historyBatch = 500; // events per store page for a cursor older than the ring
    // Run stream of a run whose row was already final at connect: its final run_status may
    // still be on its way (the event log writes on its next tick; in a cluster another node
    // writes it), so the stream ends when that frame has been sent, or after this long
    // without it (a run whose history has no final frame), with what the store has.
    int finishedRunGraceMs = 3000;
    // Pings answered by a newer pong while the client read nothing: beyond this, 1008.
    int maxSupersededPings = 64;
};

class Session : public QObject
{
    Q_OBJECT
public:
    // Takes ownership of `socket` (an open connection; reparented to the session).
    // `ringKey`: FrameRing::ringKey(key), shared by the sessions of one stream (idle memory).
    // `finishedRun`: a run stream whose run had ended when the client connected.
    Session(WsConnection *socket, const SessionFeed *feed, const StreamKey &key,
            const QString &ringKey, const QString &userId, bool finishedRun,
            QObject *parent = nullptr);
    ~Session() override;

    const StreamKey &key() const { return m_key; }
    const QString &userId() const { return m_userId; }
    const QString &ringKey() const { return m_ringKey; }
    // The request path of the stream (for the log), rebuilt from the key: not kept per socket.
    QString path() const;
    WsConnection *socket() const { return m_socket; }
    bool isClosing() const { return m_closing; }
    int closeCode() const { return m_closeCode; }
    // The gateway's pump list: set while this session is on it.
    bool pumpScheduled() const { return m_pumpScheduled; }
    void setPumpScheduled(bool on) { m_pumpScheduled = on; }

    // Starts the stream. `since` < 0: no `since` parameter (stream-specific default).
    // `snapshot`: mission snapshot frame to send first (seq already set), if any.
    void start(qint64 since, const QByteArray &snapshot, qint64 snapshotSeq);

    // A new event of this session's stream is in the ring: pump soon unless already waiting.
    void notify();
    // Writes the next slice when the connection has nothing pending (see the class comment).
    void pump();

    // Control frames carry the seq of the last event this client got. At most one heartbeat
    // and one pong wait at any time.
    void sendHeartbeat();
    // The gateway's periodic check (`nowMs` on the feed's clock, `wallMs` since the epoch):
    // closes with 4401 once the token has expired, and with 1013 when frames have been waiting
    // for `stallMs` without the client taking any byte. A client that reads, however slowly,
    // is never closed for being behind.
    void checkStall(qint64 nowMs, qint64 stallMs, qint64 wallMs);
    // Closes with `code` (not after a close has begun). A client that does not read the close
    // frame is aborted after a grace period.
    void closeWith(int code, const QString &reason);
    // The token's expiry: the gateway's periodic check closes the socket then (4401), no
    // timer per socket.
    void setExpiry(qint64 expSecondsSinceEpoch);

Q_SIGNALS:
    // The server decided to close (code), emitted once, before the socket disconnects.
    void closing(int code);
    // The socket is gone; the gateway drops the session.
    void finished();

private:
    // Writes frames; records progress when the kernel took bytes.
    void write(const QByteArray *const *frames, qsizetype count);
    // One store page after the cursor (cursor older than the ring); false when none is left.
    bool pumpFromStore(qint64 &budget);
    // Caught up: a finished run's stream ends once its final status is out (see SessionFeed).
    void endFinishedRun();
    void sendControl(const QByteArray &bytes);
    void sendReset(qint64 latest);
    void onTextMessage(const QByteArray &message);
    void onBytesWritten();

    WsConnection *m_socket;
    const SessionFeed *m_feed;
    StreamKey m_key;
    QString m_ringKey;
    QString m_userId;
    qint64 m_cursor = 0;      // every event of the stream up to here has been handed over
    qint64 m_lastSeq = 0;     // the last event sent (what control frames carry)
    qint64 m_progressMs = 0;  // last time the kernel took bytes or a pump found it idle
    qint64 m_expiresAtMs = 0; // token expiry, ms since the epoch (0: none)
    QTimer *m_finalGrace = nullptr;
    int m_closeCode = 0;
    int m_supersededPings = 0;
    bool m_started = false;
    bool m_closing = false;
    bool m_pumpScheduled = false;
    bool m_inPump = false;
    bool m_pongWanted = false;
    bool m_heartbeatWanted = false;
    bool m_finishedRun = false;
    bool m_graceStarted = false;
    bool m_storeOnly = false; // the grace ran out: read what the store has, then close
};

// True for a run_status frame whose status ends the run (succeeded | failed | cancelled).
bool isFinalRunStatus(const StoredEvent &event);

} // namespace crewdeck::server
