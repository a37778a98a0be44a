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
    // The rows (status + version) are read BEFORE the runs they are compared with: if another
    // node changes a status after this read, even back to the same value, our compare-and-set
    // on the version fails rather than applying a decision made from older runs.
    const QList<Store::CrewStatusRow> rows = m_store->crewStatusRows();
    QSet<QString> busy;
    for (const RunJob &job : m_store->runsInStatus(RunState::Running))
        busy.insert(job.crewId);
    for (const Store::CrewStatusRow &row : rows) {
        m_ownerOrg.insert(row.crewId, row.ownerOrgId);
        const QString desired = !anyWorkerAlive             ? CrewStatus::Offline
                                : busy.contains(row.crewId) ? CrewStatus::Busy
                                                            : CrewStatus::Available;
        transition(row, desired);
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
    if (m_clusterChanged) {
        if (const auto row = m_store->crewStatusRow(crewId))
            transition(*row, status);
        return;
    }
    if (!m_ownerOrg.contains(crewId)) {
        const auto crew = m_store->crewById(crewId);
        if (!crew)
            return;
        m_ownerOrg.insert(crewId, crew->ownerOrgId);
    }
    const QString previous = m_status.value(crewId);
    m_status.insert(crewId, status);
    if (previous == status)
        return;
    m_store->setCrewStatus(crewId, status);
    m_log->append(m_ownerOrg.value(crewId), SignalEvent{crewId, status});
    qCDebug(lcRuns) << "crew" << crewId << previous << "->" << status;
}

void CrewStatusTracker::transition(const Store::CrewStatusRow &seen, const QString &status)
{
    // The shared store holds the truth (other nodes change it too): one transition is a
    // compare-and-set of the version there, and only the node that made it sends the signal.
    m_ownerOrg.insert(seen.crewId, seen.ownerOrgId);
    m_status.insert(seen.crewId, seen.status);
    if (seen.status == status)
        return;
    if (!m_store->compareAndSetCrewStatus(seen.crewId, seen.version, status)) {
        // Another node moved it after we read it; it sent the signal. Our decision may rest
        // on older inputs than its: decide again from fresh ones.
        if (const auto now = m_store->crewStatusRow(seen.crewId))
            m_status.insert(seen.crewId, now->status);
        if (m_clusterChanged)
            m_clusterChanged();
        return;
    }
    m_status.insert(seen.crewId, status);
    m_log->append(seen.ownerOrgId, SignalEvent{seen.crewId, status});
    qCDebug(lcRuns) << "crew" << seen.crewId << seen.status << "->" << status;
}
} // namespace crewdeck::server
