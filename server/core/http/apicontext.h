#pragma once
#include <QByteArray>
#include <QList>
#include <QPointer>
#include <QString>
#include <atomic>
#include <functional>
#include <utility>

#include "server/core/http/readcache.h"
#include "server/model/store.h"

class QObject;

// Everything the REST handlers reach: owned by ServerApp, which outlives the routes.
// Thread: main thread only.
namespace crewdeck::server {

class Store;
class TokenService;
class DomainEvents;
class RunScheduler;
class LoginRateLimiter;
class Metrics;
class TokenBuckets;
class FairQueue;

struct ApiContext
{
    Store *store = nullptr;
    TokenService *tokens = nullptr;
    DomainEvents *domainEvents = nullptr;
    RunScheduler *scheduler = nullptr; // null until the run queue exists: POST runs -> 503
    LoginRateLimiter *loginLimiter = nullptr;
    // Fairness (issue 14), each optional: login attempts per client address, authenticated
    // requests per user, and the password pool's queue, served per client address in turn.
    TokenBuckets *loginBuckets = nullptr;
    TokenBuckets *requestBuckets = nullptr;
    FairQueue *loginQueue = nullptr;
    int maxAgentsPerCrew = 100; // POST /crews beyond these sizes: 400
    int maxToolsPerAgent = 16;
    std::atomic<qint64> crewsTooLarge{0}; // POST /crews refused for its size (/metrics)
    Metrics *metrics = nullptr;
    QObject *context = nullptr; // main-thread object for QFuture continuations
    // Writes the events appended so far (this node's event log batches them per tick), so a
    // history read right after a run's row turned final includes its last events.
    std::function<void()> flushEvents;
    // Read caches (see ReadCache): response bodies of hot GETs by org, route and query, and
    // the user behind a token. Configured by ServerApp (an age limit when clustered).
    ReadCache<QByteArray> responses;
    ReadCache<UserRecord> users;
    // Extra checks for /readyz (e.g. Redis); each returns true when healthy.
    QList<std::pair<QString, std::function<bool()>>> readinessChecks;
    std::atomic<int> inFlightAsync{0}; // asynchronous responses not yet finished (stop waits)
};

} // namespace crewdeck::server
