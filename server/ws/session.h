#pragma once
#include <QObject>
#include <QTimer>

#include "server/model/streams.h"


// One WebSocket client of the gateway: one stream (run, mission or graph), its delivery
// position and its bounded replay buffer. Created and driven by Gateway; lives on the
// server's main thread like everything of the gateway.
namespace crewdeck::server {

class WsConnection;

class Session : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        qint64 maxQueueBytes = 1024 * 1024;
        int historyBatch = 500;
        // Run stream of a run whose row was already final at connect. Its final run_status
        // frame may still be on its way (the event log writes on its next tick; in a
        // cluster another node writes it), so the stream ends when that frame has been
        // sent, or after finishedRunGraceMs without it (a run whose events are gone).
        bool finishedRun = false;
        int finishedRunGraceMs = 3000;
    };

    // Takes ownership of `socket` (an open connection; reparented to the session).
    Session(WsConnection *socket, EventSource *source, const StreamKey &key, const QString &userId,
            const QString &path, const Options &options, QObject *parent = nullptr);
    ~Session() override;

    const StreamKey &key() const { return m_key; }
    const QString &userId() const { return m_userId; }
    const QString &path() const { return m_path; }
    WsConnection *socket() const { return m_socket; }
    bool isClosing() const { return m_closing; }
    int closeCode() const { return m_closeCode; }

    // Starts the stream. `since` < 0: no `since` parameter (stream-specific default).
    // `snapshot`: mission snapshot frame to send first (seq already set), if any.
    void start(qint64 since, const QByteArray &snapshot, qint64 snapshotSeq);

    // A live event of this session's stream; `frame` is the complete WebSocket frame, built
    // once per event and shared by all sessions; `endsRun` marks a final run_status.
    void deliver(const StoredEventPtr &event, const QByteArray &frame, bool endsRun);

    // Control frames carry the seq of the last event this client got.
    void sendHeartbeat();
    // Closes with `code` (not after a close has begun). A client that does not read the close
    // frame is aborted after a grace period.
    void closeWith(int code, const QString &reason);
    // Closes the socket when the token expires (4401).
    void setExpiry(qint64 expSecondsSinceEpoch);

Q_SIGNALS:
    // The server decided to close (code), emitted once, before the socket disconnects.
    void closing(int code);
    // The socket is gone; the gateway drops the session.
    void finished();

private:
    void replayStep();
    void finishReplay();
    // Sends the stored events after the last one sent, in order, until a close begins (a
    // final run_status on a run stream closes it).
    void sendStored(const QList<StoredEventPtr> &events);
    // Finished run, history sent: close once the final status is out (see Options).
    void endFinishedRun();
    void sendControl(const QByteArray &bytes);
    void sendEvent(const StoredEventPtr &event, const QByteArray &frame, bool endsRun);
    void onTextMessage(const QByteArray &message);

    WsConnection *m_socket;
    EventSource *m_source;
    StreamKey m_key;
    QString m_userId;
    QString m_path;
    Options m_options;
    qint64 m_lastSeq = 0;
    QList<StoredEventPtr> m_pending; // live events that arrived during replay
    qint64 m_pendingBytes = 0;
    QTimer *m_expiry = nullptr;
    QTimer *m_finalGrace = nullptr;
    int m_closeCode = 0;
    bool m_replaying = false;
    bool m_waitingForDrain = false;
    bool m_closing = false;
};

// True for a run_status frame whose status ends the run (succeeded | failed | cancelled).
bool isFinalRunStatus(const StoredEvent &event);

} // namespace crewdeck::server
