#pragma once
#include "shared/events.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QUrl>
#include <functional>

class QWebSocket;

namespace crewdeck::client {

// One resumable CrewDeck WebSocket (/ws/mission, /ws/graph or /ws/runs/{id}); GUI thread.
//
// State machine:
//   Disconnected --open()--> Connecting --handshake ok--> Live
//   Connecting/Live --drop/timeout--> Reconnecting (backoff wait, then a new attempt)
//   Reconnecting --handshake ok--> Live
//   any --close() or a final close code--> Disconnected
// Final close codes: 4401 (authenticationFailed), 4403/4404 (accessDenied), 4400/1009
// (a client bug; retrying would loop) and, when endsOnNormalClose(), 1000.
//
// Resume: the socket remembers the seq of the last stream event (tool_*, run_status,
// signal); a snapshot's seq and a reset's seq are resume points as well (they describe the
// state up to that seq). Every reconnect asks for `since=<that seq>` and drops events whose
// seq is not above it, so nothing is delivered twice. Heartbeats and pongs never move it.
//
// Delivery: frames are queued as they arrive and decoded and emitted from the event loop in
// slices of at most ~5 ms, in order. A backlog (thousands of frames read in one go after the
// GUI thread was busy or descheduled) is worked off between paints and timers instead of in
// one long pass. The queue is emptied before any state change is reported, so a consumer sees
// every event of a connection before it hears that the connection ended; close() drops it.
class LiveSocket : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Live, Reconnecting };
    Q_ENUM(State)

    explicit LiveSocket(QObject *parent = nullptr);
    ~LiveSocket() override;

    // ws(s)://host:port/ws/... with any fixed query (crew_id=...), without `since`.
    void setUrl(const QUrl &url) { m_url = url; }
    QUrl url() const { return m_url; }
    // Access token offered as subprotocol "bearer.<token>"; read at every connect.
    void setToken(const QString &token) { m_token = token; }

    // The server's heartbeat period. A ping is sent every half period; no frame at all for
    // two periods means the link is dead (half-open) and it is dropped and re-dialled.
    void setHeartbeatInterval(int ms);
    int heartbeatInterval() const { return m_heartbeatMs; }
    void setBackoff(int baseMs, int capMs);
    // After this long Live the backoff starts again from attempt 0.
    void setStableAfter(int ms) { m_stableTimer.setInterval(ms); }
    // A clean 1000 close ends the stream (a run socket after its last run_status).
    void setEndsOnNormalClose(bool ends) { m_endsOnNormalClose = ends; }
    // Uniform random numbers in [0, 1) for the jitter; replaceable for tests.
    void setRandomSource(std::function<double()> source) { m_random = std::move(source); }

    // min(cap, base * 2^attempt): the upper bound of the wait before retry `attempt`.
    static qint64 backoffCeilingMs(int attempt, int baseMs, int capMs);
    // Full jitter: uniform in [0, backoffCeilingMs(attempt)].
    qint64 backoffDelayMs(int attempt) const;

    void open();
    void close();

    State state() const { return m_state; }
    int attempt() const { return m_attempt; }
    bool hasResumePoint() const { return m_haveSeq; }
    qint64 lastSeq() const { return m_lastSeq; }
    // Start from a known point (e.g. the last seq of events fetched over REST).
    void setResumePoint(qint64 seq);
    void clearResumePoint()
    {
        m_haveSeq = false;
        m_lastSeq = 0;
    }

    QDateTime nextRetryAt() const { return m_nextRetryAt; }
    // Whole seconds (rounded up) until the next attempt; -1 when none is scheduled.
    int secondsUntilRetry() const;
    QDateTime lastHeardAt() const { return m_lastHeardAt; }
    int lastCloseCode() const { return m_lastCloseCode; }
    QString lastCloseReason() const { return m_lastCloseReason; }
    qint64 droppedDuplicates() const { return m_droppedDuplicates; }
    // The last dial's certificate problem (for the user; empty when none): see tlsFailed().
    QString tlsError() const { return m_tlsError; }
    // Frames received but not yet delivered (see Delivery above).
    qsizetype pendingFrames() const { return m_inbox.size() - m_inboxPos; }

Q_SIGNALS:
    void stateChanged(crewdeck::client::LiveSocket::State state);
    // Stream events (tool_*, run_status, signal) and the mission snapshot.
    void eventReceived(const crewdeck::Event &event);
    // The server no longer holds our history: refetch over REST; the stream continues.
    void resetRequired();
    void authenticationFailed();                        // 4401
    void accessDenied(int code, const QString &reason); // 4403 / 4404
    // Any close after which no retry follows (includes the two above).
    void closedPermanently(int code, const QString &reason);
    void retryScheduled(qint64 delayMs);
    // A dial failed because the server's certificate is not trusted: `details` names the
    // problem and the certificate (subject, issuer, validity, SHA-256). Retries go on (the
    // user may fix the trust), each failing the same way until then.
    void tlsFailed(const QString &details);

private:
    void setState(State s);
    void connectNow();
    // Bounds what one event-loop pass reads from `socket` (see livesocket.cpp).
    void limitReads(QWebSocket *socket);
    void onConnected();
    void onTextMessage(const QString &text);
    void handleFrame(const QString &text);
    // Delivers queued frames for one slice (from the drain timer), then yields.
    void drainInbox();
    void onSocketGone(QWebSocket *socket, int code, const QString &reason);
    void finishGone(int code, const QString &reason);
    void onLivenessTimeout();
    void scheduleRetry();
    void detachSocket(bool abort);

    QUrl m_url;
    QString m_token;
    State m_state = State::Disconnected;
    QWebSocket *m_socket = nullptr;
    int m_heartbeatMs = 45000;
    int m_baseMs = 500;
    int m_capMs = 20000;
    int m_attempt = 0;
    bool m_endsOnNormalClose = false;
    bool m_haveSeq = false;
    qint64 m_lastSeq = 0;
    qint64 m_droppedDuplicates = 0;
    int m_lastCloseCode = 0;
    QString m_lastCloseReason;
    QString m_tlsError;
    QDateTime m_nextRetryAt;
    QDateTime m_lastHeardAt;
    std::function<double()> m_random;
    QTimer m_retryTimer;
    QTimer m_pingTimer;
    QTimer m_livenessTimer;
    QTimer m_stableTimer;
    QTimer m_drainTimer;
    QList<QString> m_inbox;
    qsizetype m_inboxPos = 0;
    // The connection ended while frames were still queued: reported once they are out.
    bool m_goneWaiting = false;
    int m_goneCode = 0;
    QString m_goneReason;
};

} // namespace crewdeck::client
