#pragma once
#include "app/net/livesocket.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <optional>

namespace crewdeck::client {

class AuthSession;
class CrewsModel;
class DashboardData;
class RunsModel;
class ToolActivityModel;

// The one owner of the app's live connections (GUI thread):
//   - the mission socket (/ws/mission) while logged in: snapshot and signals;
//   - one /ws/graph socket per crew that something shows, reference counted: the runs list
//     and the notifications follow every crew of the org (followCrews), the graph page its
//     selected crew; two holders of one crew share one socket;
//   - one /ws/runs/{id} socket per opened run, on demand, until the server's 1000 close.
// Every socket resumes by seq itself (LiveSocket); what a reset or a reconnect after an
// outage means for the data is decided here, in one place:
//   mission reset          -> DashboardData::handleReset (statuses from REST again)
//   mission Live again     -> DashboardData::refresh (what happened meanwhile)
//   graph reset of a crew  -> its calls leave the ToolActivityModel, RunsModel::reload
//   run reset              -> runReset(): the run page refills its model from REST
// The models it feeds: the dashboard (and through it crews and recent runs), the runs list
// (a run it does not list yet starts, a listed one moves on) and the tool-activity model the
// graph scene and the toasts read. Pages and the tray observe those models or the signals
// below; none of them opens a socket.
class LiveStreams : public QObject
{
    Q_OBJECT
public:
    explicit LiveStreams(AuthSession *session, QObject *parent = nullptr);
    ~LiveStreams() override;

    // Socket tuning, applied to every socket opened later (the server's heartbeat period).
    void setHeartbeatInterval(int ms) { m_heartbeatMs = ms; }
    void setBackoff(int baseMs, int capMs)
    {
        m_backoffBaseMs = baseMs;
        m_backoffCapMs = capMs;
    }

    // The models fed (not owned, may be null). The tool-activity model is owned here.
    void setDashboard(DashboardData *dashboard);
    void setRunsModel(RunsModel *runs);
    ToolActivityModel *toolActivity() const { return m_activity; }

    // Opens the mission socket (token and URL from the session). stop() closes everything.
    void start();
    // Before start(): the mission socket resumes from `seq` (the last seq an earlier session
    // saw, from the offline cache) instead of starting with a fresh snapshot only.
    void setMissionResumePoint(qint64 seq) { m_missionResume = seq; }
    void stop();
    LiveSocket *mission() const { return m_mission; }
    bool isMissionLive() const;

    // Holds one graph reference on every crew of `crews` as long as it lists it (the runs
    // list and the notifications cover the whole org). Null stops following.
    void followCrews(CrewsModel *crews);

    // Reference-counted /ws/graph streams. acquire opens the socket on the first holder,
    // release closes it with the last one.
    void acquireGraph(const QString &crewId);
    void releaseGraph(const QString &crewId);
    LiveSocket *graphSocket(const QString &crewId) const;
    int graphHolders(const QString &crewId) const { return m_graphRefs.value(crewId); }
    QStringList graphCrews() const { return m_graphs.keys(); }

    // Reference-counted /ws/runs/{id} streams (events of one run from its first, ending with
    // the server's 1000 close). The socket stays until the last holder releases it.
    LiveSocket *acquireRun(const QString &runId);
    void releaseRun(const QString &runId);
    LiveSocket *runSocket(const QString &runId) const { return m_runs.value(runId); }

    // Sockets open or (re)connecting now (mission + graph + run; a run socket after its
    // final close does not count), for tests, the bench and /metrics checks.
    int socketCount() const;

Q_SIGNALS:
    // Mission events (snapshot, signal), after the dashboard applied them.
    void missionEvent(const crewdeck::Event &event);
    // tool_* events of every held crew, after the tool-activity model applied them.
    void graphEvent(const crewdeck::Event &event);
    void graphReset(const QString &crewId);
    // Events of one run socket; the holder applies them to its run model.
    void runEvent(const QString &runId, const crewdeck::Event &event);
    void runReset(const QString &runId);
    // A socket's 4401: the session is over (AppController returns to the login).
    void authenticationFailed();
    void socketCountChanged(int count);

private:
    LiveSocket *makeSocket(const QString &path, const QString &query);
    void closeSocket(LiveSocket *socket);
    void onGraphEvent(const Event &event);
    void syncFollowed();

    AuthSession *m_session;
    QPointer<DashboardData> m_dashboard;
    QPointer<RunsModel> m_runsModel;
    QPointer<CrewsModel> m_followed;
    ToolActivityModel *m_activity;
    LiveSocket *m_mission = nullptr;
    std::optional<qint64> m_missionResume;
    bool m_missionWasLive = false;
    QHash<QString, LiveSocket *> m_graphs;
    QHash<QString, int> m_graphRefs;
    QSet<QString> m_followedCrews; // the crews followCrews() holds a reference on
    QHash<QString, LiveSocket *> m_runs;
    QHash<QString, int> m_runRefs;
    int m_heartbeatMs = 45000;
    int m_backoffBaseMs = 500;
    int m_backoffCapMs = 20000;
    int m_lastCount = 0;
};

} // namespace crewdeck::client
