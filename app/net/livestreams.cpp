#include "app/net/livestreams.h"
#include "app/models/crewsmodel.h"
#include "app/models/dashboarddata.h"
#include "app/models/runsmodel.h"
#include "app/models/toolactivitymodel.h"
#include "app/net/authsession.h"
#include "shared/logging.h"
#include "shared/types.h"

#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace crewdeck::client {

LiveStreams::LiveStreams(AuthSession *session, QObject *parent)
    : QObject(parent), m_session(session), m_activity(new ToolActivityModel(this))
{
}

LiveStreams::~LiveStreams()
{
    // Close without waiting for the event loop: the sockets' parent is this object.
    stop();
}

void LiveStreams::setDashboard(DashboardData *dashboard)
{
    m_dashboard = dashboard;
}

void LiveStreams::setRunsModel(RunsModel *runs)
{
    m_runsModel = runs;
}

LiveSocket *LiveStreams::makeSocket(const QString &path, const QString &query)
{
    auto *s = new LiveSocket(this);
    s->setUrl(m_session->socketUrl(path, query));
    s->setToken(m_session->token());
    s->setHeartbeatInterval(m_heartbeatMs);
    s->setBackoff(m_backoffBaseMs, m_backoffCapMs);
    connect(s, &LiveSocket::authenticationFailed, this, &LiveStreams::authenticationFailed);
    return s;
}

void LiveStreams::closeSocket(LiveSocket *socket)
{
    if (!socket)
        return;
    socket->disconnect(this);
    socket->close();
    socket->deleteLater();
}

int LiveStreams::socketCount() const
{
    const auto open = [](const LiveSocket *s) {
        return s && s->state() != LiveSocket::State::Disconnected ? 1 : 0;
    };
    int n = open(m_mission);
    for (const LiveSocket *s : m_graphs)
        n += open(s);
    for (const LiveSocket *s : m_runs)
        n += open(s);
    return n;
}

void LiveStreams::start()
{
    if (m_mission)
        return;
    m_missionWasLive = false;
    m_mission = makeSocket(u"/ws/mission"_s, {});
    connect(m_mission, &LiveSocket::eventReceived, this, [this](const Event &e) {
        if (m_dashboard)
            m_dashboard->handleEvent(e);
        Q_EMIT missionEvent(e);
    });
    connect(m_mission, &LiveSocket::resetRequired, this, [this] {
        if (m_dashboard)
            m_dashboard->handleReset();
    });
    connect(m_mission, &LiveSocket::stateChanged, this, [this](LiveSocket::State s) {
        if (s != LiveSocket::State::Live)
            return;
        // Back after an outage: what happened meanwhile is in REST, not in the snapshot.
        if (m_missionWasLive && m_dashboard)
            m_dashboard->refresh();
        m_missionWasLive = true;
    });
    if (m_missionResume)
        m_mission->setResumePoint(*m_missionResume);
    m_mission->open();
    Q_EMIT socketCountChanged(socketCount());
}

void LiveStreams::stop()
{
    followCrews(nullptr);
    closeSocket(std::exchange(m_mission, nullptr));
    for (LiveSocket *s : std::as_const(m_graphs))
        closeSocket(s);
    for (LiveSocket *s : std::as_const(m_runs))
        closeSocket(s);
    m_graphs.clear();
    m_graphRefs.clear();
    m_runs.clear();
    m_runRefs.clear();
    m_activity->clear();
    Q_EMIT socketCountChanged(socketCount());
}

bool LiveStreams::isMissionLive() const
{
    return m_mission && m_mission->state() == LiveSocket::State::Live;
}

// ------------------------------------------------------------------ graph streams

void LiveStreams::followCrews(CrewsModel *crews)
{
    if (m_followed == crews)
        return;
    if (m_followed)
        m_followed->disconnect(this);
    m_followed = crews;
    if (crews) {
        connect(crews, &QAbstractItemModel::modelReset, this, &LiveStreams::syncFollowed);
        connect(crews, &QAbstractItemModel::rowsInserted, this, &LiveStreams::syncFollowed);
        connect(crews, &QAbstractItemModel::rowsRemoved, this, &LiveStreams::syncFollowed);
    }
    syncFollowed();
}

void LiveStreams::syncFollowed()
{
    QSet<QString> wanted;
    if (m_followed) {
        for (const Crew &c : m_followed->crews())
            wanted.insert(c.id);
    }
    const QSet<QString> gone = m_followedCrews - wanted;
    const QSet<QString> added = wanted - m_followedCrews;
    m_followedCrews = wanted;
    for (const QString &id : added)
        acquireGraph(id);
    for (const QString &id : gone)
        releaseGraph(id);
}

void LiveStreams::acquireGraph(const QString &crewId)
{
    if (crewId.isEmpty() || !m_session->isLoggedIn())
        return;
    if (m_graphRefs[crewId]++ > 0)
        return;
    QUrlQuery q;
    q.addQueryItem(u"crew_id"_s, crewId);
    LiveSocket *s = makeSocket(u"/ws/graph"_s, q.toString(QUrl::FullyEncoded));
    m_graphs.insert(crewId, s);
    // /ws/graph carries tool_* events only (protocol.md): run_status and signals come from
    // elsewhere (the run socket, the mission socket).
    connect(s, &LiveSocket::eventReceived, this, &LiveStreams::onGraphEvent);
    connect(s, &LiveSocket::resetRequired, this, [this, crewId] {
        // The crew's history is gone: what was running is unknown, REST is the truth.
        m_activity->clearCrew(crewId);
        if (m_runsModel)
            m_runsModel->reload();
        Q_EMIT graphReset(crewId);
    });
    connect(s, &LiveSocket::accessDenied, this, [crewId](int code, const QString &reason) {
        // E.g. a rented crew whose rental ended: the stream stays closed.
        qCWarning(lcClient) << "graph stream of" << crewId << "refused:" << code << reason;
    });
    s->open();
    Q_EMIT socketCountChanged(socketCount());
}

void LiveStreams::releaseGraph(const QString &crewId)
{
    const auto it = m_graphRefs.find(crewId);
    if (it == m_graphRefs.end())
        return;
    if (--*it > 0)
        return;
    m_graphRefs.erase(it);
    closeSocket(m_graphs.take(crewId));
    m_activity->clearCrew(crewId);
    Q_EMIT socketCountChanged(socketCount());
}

LiveSocket *LiveStreams::graphSocket(const QString &crewId) const
{
    return m_graphs.value(crewId);
}

void LiveStreams::onGraphEvent(const Event &event)
{
    if (!m_activity->applyEvent(event))
        return;
    if (m_runsModel) {
        // A run the list does not show yet has started; a listed one moved on (tokens,
        // status): tool_start and tool_end only, progress lines change nothing there.
        const bool start = std::holds_alternative<ToolStartEvent>(event.body);
        if (start || std::holds_alternative<ToolEndEvent>(event.body)) {
            const QString runId = event.runId();
            if (m_runsModel->rowOf(runId) >= 0)
                m_runsModel->refreshRun(runId);
            else if (start)
                m_runsModel->applyRunStatus(
                    RunStatusEvent{event.crewId(), runId, RunState::Running});
        }
    }
    Q_EMIT graphEvent(event);
}

// ------------------------------------------------------------------ run streams

LiveSocket *LiveStreams::acquireRun(const QString &runId)
{
    if (runId.isEmpty() || !m_session->isLoggedIn())
        return nullptr;
    if (m_runRefs[runId]++ > 0)
        return m_runs.value(runId);
    LiveSocket *s =
        makeSocket(u"/ws/runs/"_s + QString::fromLatin1(QUrl::toPercentEncoding(runId)), {});
    s->setEndsOnNormalClose(true);
    m_runs.insert(runId, s);
    connect(s, &LiveSocket::eventReceived, this, [this, runId](const Event &e) {
        // run_status arrives on run sockets only: the recent-runs card takes it too.
        if (m_dashboard && std::holds_alternative<RunStatusEvent>(e.body))
            m_dashboard->handleEvent(e);
        Q_EMIT runEvent(runId, e);
    });
    connect(s, &LiveSocket::resetRequired, this, [this, runId] { Q_EMIT runReset(runId); });
    s->open();
    Q_EMIT socketCountChanged(socketCount());
    return s;
}

void LiveStreams::releaseRun(const QString &runId)
{
    const auto it = m_runRefs.find(runId);
    if (it == m_runRefs.end())
        return;
    if (--*it > 0)
        return;
    m_runRefs.erase(it);
    closeSocket(m_runs.take(runId));
    Q_EMIT socketCountChanged(socketCount());
}

} // namespace crewdeck::client
