#include "server/engine/crewstatus.h"

#include "shared/logging.h"

#include <QSet>

namespace crewdeck::server {

CrewStatusTracker::CrewStatusTracker(Store *store, EventLog *log, bool servesCrews, QObject *parent)
    : QObject(parent), m_store(store), m_log(log), m_serves(servesCrews)
{
}

void CrewStatusTracker::setClusterMode(std::function<void()> onChange)
{
    m_clusterChanged = std::move(onChange);
}

void CrewStatusTracker::reconcile(bool anyWorkerAlive)
{
    QSet<QString> busy;
    for (const RunJob &job : m_store->runsInStatus(RunState::Running))
        busy.insert(job.crewId);
    for (const Crew &c : m_store->allCrews()) {
        // Start from what the shared store says (other nodes change it too).
        m_ownerOrg.insert(c.id, c.ownerOrgId);
        m_status.insert(c.id, c.status);
        const QString desired = !anyWorkerAlive       ? CrewStatus::Offline
                                : busy.contains(c.id) ? CrewStatus::Busy
                                                      : CrewStatus::Available;
        set(c.id, desired);
    }
}

void CrewStatusTracker::initialise()
{
    if (m_clusterChanged)
        return; // the cluster reconciles from the store

    const QString idle = m_serves ? CrewStatus::Available : CrewStatus::Offline;
    for (const Crew &c : m_store->allCrews()) {
        m_ownerOrg.insert(c.id, c.ownerOrgId);
        m_status.insert(c.id, c.status);
        set(c.id, idle);
    }
}

void CrewStatusTracker::goOffline()
{
    if (m_clusterChanged)
        return; // other workers may still serve the crews: the cluster reconciles
    const QList<QString> crews = m_status.keys();
    for (const QString &crewId : crews)
        set(crewId, CrewStatus::Offline);
}

void CrewStatusTracker::crewCreated(const QString &orgId, const QString &crewId)
{
    if (m_clusterChanged) {
        m_ownerOrg.insert(crewId, orgId);
        m_clusterChanged();
        return;
    }
    m_ownerOrg.insert(crewId, orgId);
    m_status.insert(crewId, CrewStatus::Offline);
    set(crewId, m_serves ? CrewStatus::Available : CrewStatus::Offline);
}

void CrewStatusTracker::crewDeleted(const QString &crewId)
{
    set(crewId, CrewStatus::Offline);
    m_ownerOrg.remove(crewId);
    m_status.remove(crewId);
    m_running.remove(crewId);
}

void CrewStatusTracker::runStarted(const QString &crewId)
{
    if (m_clusterChanged) {
        m_clusterChanged();
        return;
    }
    if (++m_running[crewId] == 1)
        set(crewId, CrewStatus::Busy);
}

void CrewStatusTracker::runFinished(const QString &crewId)
{
    if (m_clusterChanged) {
        m_clusterChanged();
        return;
    }
    auto it = m_running.find(crewId);
    if (it == m_running.end())
        return;
    if (--it.value() <= 0) {
        m_running.erase(it);
        set(crewId, m_serves ? CrewStatus::Available : CrewStatus::Offline);
    }
}

QString CrewStatusTracker::status(const QString &crewId) const
{
    return m_status.value(crewId, CrewStatus::Offline);
}

void CrewStatusTracker::set(const QString &crewId, const QString &status)
{
    if (!m_ownerOrg.contains(crewId)) {
        // A crew created by another node or before we knew it: learn its owner.
        const auto crew = m_store->crewById(crewId);
        if (!crew)
            return;
        m_ownerOrg.insert(crewId, crew->ownerOrgId);
    }
    // The shared store holds the truth (other nodes change it too): one transition is a
    // compare-and-set there, and only the node that made it sends the signal.
    QString previous = m_status.value(crewId);
    if (m_clusterChanged) {
        const auto crew = m_store->crewById(crewId);
        if (!crew)
            return;
        previous = crew->status;
    }
    m_status.insert(crewId, status);
    if (previous == status)
        return;
    if (!m_store->compareAndSetCrewStatus(crewId, previous, status)) {
        // Another node moved it first; it sent the signal. Learn where it is now.
        if (const auto crew = m_store->crewById(crewId))
            m_status.insert(crewId, crew->status);
        return;
    }
    m_log->append(m_ownerOrg.value(crewId), SignalEvent{crewId, status});
    qCDebug(lcRuns) << "crew" << crewId << previous << "->" << status;
}

} // namespace crewdeck::server
