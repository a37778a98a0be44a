#pragma once
#include "server/engine/eventlog.h"
#include "server/model/store.h"

#include <QHash>
#include <QObject>
#include <functional>

namespace crewdeck::server {

// Owns the live status of every crew: `available` when a worker here can take its work,
// `busy` while one of its runs executes, `offline` when no worker serves it. Every change is
// stored and becomes a `signal` event on the owner org's mission stream.
// Thread: main thread only.
class CrewStatusTracker : public QObject
{
    Q_OBJECT
public:
    CrewStatusTracker(Store *store, EventLog *log, bool servesCrews, QObject *parent = nullptr);

    // Sets every known crew to available/offline according to servesCrews (at start).
    void initialise();
    // Marks every crew offline (at shutdown, when this node stops serving).
    void goOffline();

    void crewCreated(const QString &orgId, const QString &crewId);
    void crewDeleted(const QString &crewId);
    // Reference-counted: a crew is busy while at least one of its runs executes.
    void runStarted(const QString &crewId);
    void runFinished(const QString &crewId);

    QString status(const QString &crewId) const;

    // Cluster mode: statuses follow the shared store instead of this node's own runs. A
    // crew is offline while no worker is alive, busy while any node runs one of its runs,
    // available otherwise. runStarted()/runFinished() then only call `onChange`.
    void setClusterMode(std::function<void()> onChange);
    void reconcile(bool anyWorkerAlive);

private:
    void set(const QString &crewId, const QString &status);
    // Cluster mode: moves the shared row from what `seen` read to `status` (compare-and-set).
    void transition(const Store::CrewStatusRow &seen, const QString &status);

    Store *m_store;
    EventLog *m_log;
    bool m_serves;
    QHash<QString, QString> m_ownerOrg; // crew id -> owner org
    QHash<QString, QString> m_status;
    QHash<QString, int> m_running;
    std::function<void()> m_clusterChanged;
};

} // namespace crewdeck::server
