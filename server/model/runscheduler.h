#pragma once
#include <QObject>
#include <QString>

// What the HTTP layer asks of the run machinery (implemented by RunQueue in server/engine, and
// by ClusterRunQueue in server/cluster when nodes share a Redis run queue).
// Thread: main thread only.
namespace crewdeck::server {

class RunScheduler
{
public:
    virtual ~RunScheduler() = default;
    // A run was stored with status "queued": schedule it.
    virtual void enqueue(const QString &runId) = 0;
    // Requests cancellation of a queued or running run. False when the run is already final
    // (the caller answers 409). Its running tool ends "cancelled".
    virtual bool cancel(const QString &runId) = 0;
};

// Domain notifications the REST layer raises so that live state (crew status, signals) can
// follow. Emitted on the main thread, after the store change is committed.
class DomainEvents : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
Q_SIGNALS:
    void crewCreated(const QString &orgId, const QString &crewId);
    void crewDeleted(const QString &orgId, const QString &crewId);
    void rentalStarted(const QString &renterOrgId, const QString &crewId);
};

} // namespace crewdeck::server
