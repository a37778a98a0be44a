#pragma once
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include "server/model/streams.h"

class QTcpSocket;

// The WebSocket gateway (docs/protocol.md, "WebSockets"). It answers upgrades handed over by
// the FrontDoor with subprotocol "crewdeck.v1", authenticates them, and fans the events of an
// EventSource out to the sessions watching each stream.
// Fan-out: each event's WebSocket frame is built once (WsConnection::textFrame) and the same
// bytes are queued on every subscribed connection; each connection writes everything queued
// in one event-loop pass with one write (see wsconnection.h).
//
// Endpoints: /ws/runs/{run_id}?since=, /ws/mission?since=, /ws/graph?crew_id=&since=.
// Close codes: 4401 no/bad/expired token; 4404 unknown path, unknown run or another org's run;
// 4403 crew not accessible; 4400 missing crew_id, malformed since, or any client message other
// than {"type":"ping"}; 1009 client message over maxIncomingMessage; 1013 client too slow
// (its unsent data exceeded maxQueueBytes; note: Qt 6.4's QWebSocket client rejects 1013 as an
// invalid code and reports 1002; browsers accept it); 1000 after a run's final run_status; 1001 on
// shutdown (closeAll()).
// Resume: `since` beyond the stream's latest seq, or below the history horizon, gets `reset`
// (seq = the stream's latest) and the stream continues live from there.
// Thread: everything runs on the gateway's (main) thread, the same as the EventSource's.
namespace crewdeck::server {

class Session;
class WsConnection;

class Gateway : public QObject
{
    Q_OBJECT
public:
    struct Config
    {
        int heartbeatSeconds = 45;
        qint64 maxQueueBytes = 1024 * 1024;
        qint64 maxIncomingMessage = 64 * 1024;
        int historyBatch = 500;
        // How long a stream of an already-finished run waits for its final frame.
        int finishedRunGraceMs = 3000;
    };

    // `source` and `authority` must outlive the gateway.
    Gateway(EventSource *source, StreamAuthority *authority, const Config &config,
            QObject *parent = nullptr);
    ~Gateway() override;

    // Takes ownership of an upgrade request's socket (from FrontDoor).
    void handleUpgrade(QTcpSocket *socket);
    // Shutdown: closes every socket with 1001 and refuses new ones.
    void closeAll();

    int sessionCount() const { return int(m_sessions.size()); }

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
    void remove(Session *session);
    QHash<QString, QSet<Session *>> &indexFor(StreamKind kind);
    static QString indexKey(const StreamKey &key);

    EventSource *m_source;
    StreamAuthority *m_authority;
    Config m_config;
    QByteArray m_serverName;
    QTimer m_heartbeat;
    QSet<Session *> m_sessions;
    QHash<QString, QSet<Session *>> m_runIndex;     // run id -> sessions
    QHash<QString, QSet<Session *>> m_missionIndex; // org id -> sessions
    QHash<QString, QSet<Session *>> m_graphIndex;   // crew id -> sessions
    bool m_closingAll = false;
};

} // namespace crewdeck::server
