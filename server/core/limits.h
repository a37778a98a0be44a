#pragma once
#include "server/core/auth/fairness.h"
#include "server/core/cli/options.h"

#include <memory>

// The limits that keep every client served (issue 14; README and docs/deploy.md, "Limits"):
// built from the configuration once at start, wired into the REST layer's ApiContext and the
// front door, and shown in /metrics. Thread: main thread (the objects themselves are
// thread-safe: login work runs on the password pool).
namespace crewdeck::server {

class FrontDoor;
class Metrics;
struct ApiContext;

class ServerLimits
{
public:
    explicit ServerLimits(const ServerConfig &config);
    ~ServerLimits();

    // Per-address login bucket, per-user request bucket, the fair login queue and the crew
    // size limits, into the REST layer's context.
    void wire(ApiContext &api) const;
    // Raises the soft descriptor limit to the hard one, sets the front door's connection
    // limits (--max-connections default: 90 % of the descriptor limit, the rest is the
    // reserve for the store, Redis, tools and accept itself) and logs them.
    void apply(FrontDoor *door);
    // crewdeck_connections_*, crewdeck_login_*, crewdeck_requests_rate_limited_total,
    // crewdeck_crews_too_large_total and a crewdeck_limit_* gauge per configured limit.
    void registerMetrics(Metrics &metrics, FrontDoor *door, const ApiContext &api) const;

    // Shutdown: queued logins are answered 503 at once; running ones finish.
    void closeLoginQueue() { m_loginQueue->close(); }
    // Blocks until no login job runs (see FairQueue::waitForIdle).
    void waitForLogins() { m_loginQueue->waitForIdle(); }
    int runningLogins() const { return m_loginQueue->running(); }

private:
    const ServerConfig m_config;
    int m_maxConnections = 0;
    std::unique_ptr<TokenBuckets> m_loginBuckets;   // per client address; null when off
    std::unique_ptr<TokenBuckets> m_requestBuckets; // per user; null when off
    std::unique_ptr<FairQueue> m_loginQueue;        // password work, per client address in turn
};

} // namespace crewdeck::server
