#pragma once
#include "server/core/auth/ratelimiter.h"
#include "server/core/cli/options.h"
#include "server/core/http/apicontext.h"
#include "server/core/http/metrics.h"

#include <QHostAddress>
#include <QObject>
#include <QTimer>
#include <functional>
#include <memory>

class QHttpServer;
class QTcpServer;

// The server process as an object: owns the configuration, the store, the token service, the
// HTTP routes and the listening socket, and wires them. main.cpp and the in-process test
// server (tests/support) drive it the same way. Thread: main thread only.
namespace crewdeck::server {

class Store;
class TokenService;
class EventLog;
class CrewStatusTracker;
class AnalyticsWarmer;
class RunQueue;
class StoreStreamAuthority;
class Gateway;
class ServerLimits;
class FrontDoor;
class DemoPipelines;
class ClusterBus;
class ClusterRunQueue;
class Router;
class RunScheduler;
class DomainEvents;

class ServerApp : public QObject
{
    Q_OBJECT
public:
    explicit ServerApp(ServerConfig config, QObject *parent = nullptr);
    ~ServerApp() override;

    // Creates the data dir and the JWT secret (first start), opens the store (migrations),
    // seeds the bootstrap admin / demo data, registers the routes and starts listening.
    // False with a clear message in *error on failure.
    bool start(QString *error);
    // Graceful stop: stops accepting connections, emits aboutToStop() (the run queue cancels
    // its tools, sockets close), waits for in-flight asynchronous responses (at most 10 s),
    // then emits stopped(). Idempotent.
    void stop();

    bool isRunning() const { return m_running; }
    // Why this node runs no tools (no sandbox and no --unsafe-tools); empty when it does or
    // when its role runs none.
    QString toolRefusal() const { return m_toolRefusal; }
    quint16 port() const;         // the bound port (useful with --listen HOST:0)
    QHostAddress address() const; // the bound address

    const ServerConfig &config() const { return m_config; }
    Store *store() const { return m_store.get(); }
    TokenService *tokens() const { return m_tokens.get(); }
    QHttpServer *httpServer() const { return m_http; }
    Router *router() const { return m_router.get(); }
    QTcpServer *listener() const;
    // The live machinery (null before start()).
    EventLog *eventLog() const { return m_eventLog; }
    CrewStatusTracker *crewStatus() const { return m_crewStatus; }
    RunQueue *runQueue() const { return m_runQueue; }
    Gateway *gateway() const { return m_gateway; }
    DemoPipelines *demoPipelines() const { return m_demo; }
    ClusterBus *clusterBus() const { return m_bus; }
    DomainEvents *domainEvents() const { return m_domainEvents; }
    Metrics *metrics() { return &m_metrics; }
    LoginRateLimiter *loginLimiter() { return &m_limiter; }

    // The run queue (null until it exists: POST /crews/{id}/runs and cancel answer 503).
    RunScheduler *runScheduler() const { return m_api.scheduler; }
    void setRunScheduler(RunScheduler *scheduler) { m_api.scheduler = scheduler; }
    // An extra /readyz dependency (e.g. "redis"); `check` runs on the main thread per request.
    void addReadinessCheck(const QString &name, std::function<bool()> check);

Q_SIGNALS:
    void aboutToStop();
    void stopped();

private:
    bool prepareDataDir(QString *error);
    bool openStore(QString *error);
    void restrictStoreFiles() const;
    bool seed(QString *error);
    // The ONE place that creates the listening socket and hands it to QHttpServer.
    bool createListener(QString *error);
    void waitForInFlight(qint64 deadlineMs);
    // Event log, crew status, run queue (with recovery), stream authority and gateway.
    bool startEngine(QString *error);
    bool startDemo(QString *error);
    // Second half of stop(): runs are recorded as cancelled, crews offline, sockets closed.
    void finishStop();

    ServerConfig m_config;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<TokenService> m_tokens;
    LoginRateLimiter m_limiter;
    std::unique_ptr<ServerLimits> m_serverLimits; // issue 14: connections, logins, requests
    Metrics m_metrics;
    DomainEvents *m_domainEvents = nullptr;
    QHttpServer *m_http = nullptr;
    FrontDoor *m_listener = nullptr;
    EventLog *m_eventLog = nullptr;
    CrewStatusTracker *m_crewStatus = nullptr;
    AnalyticsWarmer *m_warmer = nullptr; // nodes that answer the API
    RunQueue *m_runQueue = nullptr;
    std::unique_ptr<StoreStreamAuthority> m_authority;
    Gateway *m_gateway = nullptr;
    DemoPipelines *m_demo = nullptr;
    ClusterBus *m_bus = nullptr;
    ClusterRunQueue *m_clusterQueue = nullptr;
    QTimer m_pruneTimer;
    std::unique_ptr<Router> m_router;
    ApiContext m_api;
    QTimer m_settleTimer;
    QString m_toolRefusal;
    bool m_running = false;
    bool m_stopping = false;
};

} // namespace crewdeck::server
