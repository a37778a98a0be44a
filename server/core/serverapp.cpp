#include "server/core/serverapp.h"
#include "server/cluster/clusterbus.h"
#include "server/cluster/clusterrunqueue.h"
#include "server/core/auth/accounts.h"
#include "server/core/auth/passwords.h"
#include "server/core/auth/tokens.h"
#include "server/core/demoseed.h"
#include "server/core/http/router.h"
#include "server/core/limits.h"
#include "server/core/toolsandbox.h"
#include "server/engine/analyticswarmer.h"
#include "server/engine/crewstatus.h"
#include "server/engine/demopipelines.h"
#include "server/engine/eventlog.h"
#include "server/engine/runqueue.h"
#include "server/engine/streamauthority.h"
#include "server/model/runscheduler.h"
#include "server/model/store.h"
#include "server/store/storefactory.h"
#include "server/ws/frontdoor.h"
#include "server/ws/gateway.h"
#include "server/ws/tlsconfig.h"
#include "shared/logging.h"
#include "shared/timeutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHttpServer>
#include <QPointer>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QSysInfo>
#include <QTcpServer>
#include <cstdio>

namespace crewdeck::server {

using namespace Qt::StringLiterals;

namespace {
const QString BootstrapOrg = u"default"_s;
const QString BootstrapEmail = u"admin@localhost"_s;
} // namespace

ServerApp::ServerApp(ServerConfig config, QObject *parent)
    : QObject(parent), m_config(std::move(config))
{
    m_domainEvents = new DomainEvents(this);
    m_api.domainEvents = m_domainEvents;
    m_api.loginLimiter = &m_limiter;
    m_serverLimits = std::make_unique<ServerLimits>(m_config);
    m_serverLimits->wire(m_api);
    m_api.metrics = &m_metrics;
    m_api.context = this;
    // Clustered nodes share the database: other nodes' writes do not change this node's
    // store version, so cached answers also expire after a second there.
    const bool sharedDb =
        !m_config.redisUrl.isEmpty() || m_config.dbKind() == ServerConfig::DbKind::Postgres;
    const qint64 cacheAgeMs = sharedDb ? 1000 : 0;
    m_api.responses.configure(1024, cacheAgeMs);
    m_api.users.configure(4096, cacheAgeMs);
    m_settleTimer.setInterval(qMax(50, m_config.rentalSettleIntervalMs));
    connect(&m_settleTimer, &QTimer::timeout, this, [this] {
        if (!m_store)
            return;
        const int settled = m_store->settleRentals(toMs(nowUtc()));
        if (settled > 0)
            qCInfo(lcStore) << "settled" << settled << "ended rental(s)";
    });
}

ServerApp::~ServerApp()
{
    // Login jobs use m_api and the store on the password pool: none may run past this point.
    // Queued ones are answered 503 (their promises finish; nobody listens any more).
    m_serverLimits->closeLoginQueue();
    m_serverLimits->waitForLogins();
    // The routes refer to m_api and the store: tear the HTTP side down first (the front door
    // is a child of the QHttpServer since bind()), then sockets, then the live machinery,
    // which still writes to the store while it winds down.
    if (m_listener)
        m_listener->close();
    delete m_http;
    m_http = nullptr;
    m_listener = nullptr;
    m_router.reset();
    delete m_gateway;
    m_gateway = nullptr;
    delete m_demo;
    m_demo = nullptr;
    delete m_clusterQueue;
    m_clusterQueue = nullptr;
    delete m_bus;
    m_bus = nullptr;
    delete m_runQueue; // kills any tool tree still running
    m_runQueue = nullptr;
    m_authority.reset();
    delete m_warmer; // uses the store
    m_warmer = nullptr;
    delete m_crewStatus;
    m_crewStatus = nullptr;
    m_api.flushEvents = {};
    delete m_eventLog; // flushes
    m_eventLog = nullptr;
}

QTcpServer *ServerApp::listener() const
{
    return m_listener;
}

quint16 ServerApp::port() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

QHostAddress ServerApp::address() const
{
    return m_listener ? m_listener->serverAddress() : QHostAddress();
}

void ServerApp::addReadinessCheck(const QString &name, std::function<bool()> check)
{
    m_api.readinessChecks.append({name, std::move(check)});
}

bool ServerApp::prepareDataDir(QString *error)
{
    QDir dir(m_config.dataDir);
    if (!dir.exists() && !QDir().mkpath(m_config.dataDir)) {
        *error = u"cannot create the data folder %1"_s.arg(m_config.dataDir);
        return false;
    }
    // Holds the database, the JWT secret and the workspaces: the owner only, also when an
    // older version or an operator left it open.
    const auto ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner;
    if (QFile::permissions(m_config.dataDir) != ownerOnly) {
        if (!QFile::setPermissions(m_config.dataDir, ownerOnly))
            qCWarning(lcStore) << "cannot make the data folder private (mode 0700):"
                               << m_config.dataDir;
    }
    return true;
}

void ServerApp::restrictStoreFiles() const
{
    if (m_config.dbKind() != ServerConfig::DbKind::Sqlite)
        return;
    // SQLite creates its -wal and -shm files with the database's own mode.
    const QString db = m_config.sqlitePath();
    for (const QString &f : QStringList{db, db + u"-wal"_s, db + u"-shm"_s}) {
        if (QFileInfo::exists(f))
            QFile::setPermissions(f, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
}

bool ServerApp::openStore(QString *error)
{
    m_store = crewdeck::server::openStore(m_config.dbUrl, m_config.sqlitePath(), error);
    if (!m_store)
        return false;
    restrictStoreFiles();
    m_api.store = m_store.get();
    return true;
}

bool ServerApp::seed(QString *error)
{
    if (m_config.demo) {
        QString password =
            QProcessEnvironment::systemEnvironment().value(u"CREWDECK_DEMO_PASSWORD"_s);
        if (password.isEmpty())
            password = demo::DefaultPassword;
        if (!demo::seed(*m_store, m_config, password, error))
            return false;
    }
    if (m_config.createBootstrapAdmin && m_store->userCount() == 0) {
        const QString password = passwords::randomPassword(20);
        // The password goes to a file only the server's user can read, never to the terminal
        // or the log (under systemd both end up in the journal). The file is written before
        // the user exists, so that a failure never leaves an admin whose password nobody has.
        const QString passwordFile = QDir(m_config.dataDir).filePath(u"initial-admin-password"_s);
        QFile::remove(passwordFile); // left over from an earlier, deleted database
        QFile file(passwordFile);
        const QByteArray line = password.toUtf8() + '\n';
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                       QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
            file.write(line) != line.size() || !file.flush()) {
            *error = u"cannot write the first admin's password to %1: %2"_s.arg(passwordFile,
                                                                                file.errorString());
            file.close();
            QFile::remove(passwordFile);
            return false;
        }
        file.close();
        QString reason;
        if (!accounts::addUser(*m_store, BootstrapOrg, m_config.startingGrant, BootstrapEmail,
                               Roles::Admin, password, &reason)) {
            QFile::remove(passwordFile);
            *error = u"cannot create the first admin user: %1"_s.arg(reason);
            return false;
        }
        qCWarning(lcAuth).noquote()
            << u"created the first admin user %1; its password is in %2 (mode 0600). "
               "Keep it elsewhere, delete the file, and add users with POST /users "
               "or `crewdeck-server useradd`."_s.arg(BootstrapEmail, passwordFile);
    }
    return true;
}

bool ServerApp::createListener(QString *error)
{
    // One port for HTTP and WebSockets: the front door peeks at each request head and hands
    // upgrades to the gateway (which can answer the crewdeck.v1 subprotocol, unlike
    // QHttpServer 6.4) and everything else to QHttpServer; it also enforces the 1 MiB body
    // limit. Heap-allocated: bind() makes the QHttpServer its parent.
    m_listener = new FrontDoor(this);
    m_serverLimits->apply(m_listener);
    m_serverLimits->registerMetrics(m_metrics, m_listener, m_api);
    QPointer<Gateway> gateway = m_gateway;
    m_listener->setUpgradeHandler([gateway](QTcpSocket *socket) {
        if (gateway) {
            gateway->handleUpgrade(socket);
        } else {
            socket->abort();
            socket->deleteLater();
        }
    });
    if (m_config.tlsEnabled()) {
        // main() checked the files already (exit 2); loaded again here for embedders (tests).
        const auto tls = loadServerTls({m_config.tlsCertFile, m_config.tlsKeyFile}, error);
        if (!tls) {
            delete m_listener;
            m_listener = nullptr;
            return false;
        }
        m_listener->setTlsConfiguration(*tls);
        qCInfo(lcTls).noquote() << "TLS only on this port:" << describeServerCertificate(*tls);
        const QPointer<FrontDoor> door = m_listener;
        m_metrics.addGauge(u"crewdeck_tls_handshakes_ok_total"_s,
                           u"TLS handshakes completed since start"_s,
                           [door] { return door ? double(door->tlsHandshakesOk()) : 0.0; });
        m_metrics.addGauge(
            u"crewdeck_tls_handshakes_failed_total"_s,
            u"TLS handshakes that failed (error, client gone, or the head timeout) since start"_s,
            [door] { return door ? double(door->tlsHandshakesFailed()) : 0.0; });
    }
    if (!m_listener->listen(m_config.listenAddress(), m_config.listenPort)) {
        *error = u"cannot listen on %1:%2: %3"_s.arg(m_config.listenHost)
                     .arg(m_config.listenPort)
                     .arg(m_listener->errorString());
        delete m_listener;
        m_listener = nullptr;
        return false;
    }
    m_http->bind(m_listener);
    return true;
}

bool ServerApp::start(QString *error)
{
    QString dummy;
    if (!error)
        error = &dummy;
    if (m_running) {
        *error = u"already started"_s;
        return false;
    }
    if (!passwords::initialize()) {
        *error = u"libsodium cannot be initialised"_s;
        return false;
    }
    if (!prepareDataDir(error))
        return false;
    const auto secret =
        TokenService::loadOrCreateSecret(m_config.jwtSecretFile, m_config.dataDir, error);
    if (!secret)
        return false;
    m_tokens = std::make_unique<TokenService>(*secret);
    m_api.tokens = m_tokens.get();
    if (!openStore(error))
        return false;
    if (!seed(error))
        return false;

    if (!startEngine(error))
        return false;
    m_http = new QHttpServer(this);
    m_router = std::make_unique<Router>(m_http, &m_api);
    m_router->registerContractRoutes();
    m_router->installFallback();
    if (!createListener(error))
        return false;

    m_settleTimer.start();
    m_store->settleRentals(toMs(nowUtc()));
    if (m_config.demo && !startDemo(error))
        return false;
    m_running = true;
    qCInfo(lcHttp).noquote() << "listening on"
                             << u"%1://%2:%3"_s.arg(m_config.tlsEnabled() ? u"https"_s : u"http"_s)
                                    .arg(address().protocol() == QAbstractSocket::IPv6Protocol
                                             ? u'[' + address().toString() + u']'
                                             : address().toString())
                                    .arg(port())
                             << "data dir" << m_config.dataDir;
    return true;
}

void ServerApp::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    qCInfo(lcHttp) << "stopping: no new connections";
    if (m_listener)
        m_listener->close();
    m_settleTimer.stop();
    m_pruneTimer.stop();
    if (m_warmer)
        m_warmer->stop();
    if (m_demo)
        m_demo->stop();
    Q_EMIT aboutToStop();
    // Logins still waiting for a password thread are answered 503 now; running ones finish
    // and are waited for with the other asynchronous requests (waitForInFlight).
    m_serverLimits->closeLoginQueue();
    if (m_clusterQueue)
        m_clusterQueue->shutdown(); // leaves the worker set; other nodes take over
    // Running tools are cancelled and recorded as such before the sockets close, so that
    // watchers see the cancelled tool_end and run_status first.
    if (m_runQueue && !m_runQueue->isIdle()) {
        connect(m_runQueue, &RunQueue::idle, this, &ServerApp::finishStop,
                Qt::SingleShotConnection);
        m_runQueue->shutdown();
    } else {
        if (m_runQueue)
            m_runQueue->shutdown();
        finishStop();
    }
}

void ServerApp::finishStop()
{
    if (m_crewStatus)
        m_crewStatus->goOffline();
    if (m_eventLog) {
        m_eventLog->stopPrune(); // between two steps; the next start's prune finishes it
        m_eventLog->flush();
    }
    if (m_gateway)
        m_gateway->closeAll(); // 1001 going away
    waitForInFlight(QDateTime::currentMSecsSinceEpoch() + 10000);
}

bool ServerApp::startEngine(QString *error)
{
    RunExecutor::prepareProcess();
    const bool clustered = !m_config.redisUrl.isEmpty();
    EventLog::Config lc;
    // With Redis, several nodes share the store: it allocates seqs, every node tails it.
    lc.shared = clustered;
    lc.flushIntervalMs = qMax(0, m_config.eventFlushMs);
    m_eventLog = new EventLog(m_store.get(), lc, this);
    m_api.flushEvents = [log = m_eventLog] { log->flush(); };
    const QString workspaceRoot = QDir(m_config.dataDir).filePath(u"workspaces"_s);
    const QString demoDir = m_config.demo ? QDir(m_config.dataDir).filePath(u"demo"_s) : QString();
    if (!demoDir.isEmpty())
        QDir().mkpath(demoDir);
    ToolSandboxSetup tools;
    if (m_config.role != u"api"_s) {
        const auto setup = setUpToolSandbox(m_config, workspaceRoot, demoDir, error);
        if (!setup)
            return false;
        tools = *setup;
        m_toolRefusal = tools.refusal;
        registerToolMetrics(m_metrics, tools, m_config);
    }
    // Without a sandbox (and without --unsafe-tools) this node serves no crews: they show
    // offline and runs stay queued rather than fail one by one.
    const bool servesCrews = m_config.role != u"api"_s && tools.runsTools();
    if (m_config.role != u"worker"_s) {
        m_warmer = new AnalyticsWarmer(m_store.get(), this);
        m_warmer->start();
    }
    m_crewStatus = new CrewStatusTracker(m_store.get(), m_eventLog, servesCrews, this);
    connect(m_domainEvents, &DomainEvents::crewCreated, m_crewStatus,
            &CrewStatusTracker::crewCreated);
    connect(m_domainEvents, &DomainEvents::crewDeleted, m_crewStatus,
            [this](const QString &, const QString &crewId) { m_crewStatus->crewDeleted(crewId); });

    if (servesCrews) {
        RunQueue::Config qc;
        qc.maxConcurrent = qMax(1, m_config.maxConcurrentRuns);
        qc.executor.workspaceRoot = workspaceRoot;
        qc.executor.python = m_config.python;
        qc.executor.keepWorkspaces = m_config.keepWorkspaces;
        qc.executor.sandbox = tools.sandbox;
        qc.executor.gitLocalRoots = tools.gitLocalRoots;
        // Tools a crashed predecessor on this data dir left behind die before anything runs.
        if (const int killed = RunExecutor::killLeftovers(qc.executor))
            qCWarning(lcRuns) << "killed" << killed << "tool process(es) left by a previous server";
        m_runQueue = new RunQueue(m_store.get(), m_eventLog, m_crewStatus, qc, this);
    }
    if (clustered) {
        m_bus = new ClusterBus(m_config.redisUrl, m_eventLog, this);
        if (!m_bus->open(error))
            return false;
        ClusterRunQueue::Config cc;
        cc.nodeId = QSysInfo::machineHostName() + u'-' +
                    QString::number(QCoreApplication::applicationPid()) + u'-' +
                    QString::number(QRandomGenerator::system()->generate() % 100000);
        cc.worker = servesCrews;
        m_clusterQueue = new ClusterRunQueue(m_config.redisUrl, m_store.get(), m_eventLog,
                                             m_crewStatus, m_bus, m_runQueue, cc, this);
        m_clusterQueue->start();
        setRunScheduler(m_clusterQueue);
        addReadinessCheck(u"redis"_s,
                          [this] { return m_bus->isReady() && m_clusterQueue->isReady(); });
        qCInfo(lcRedis).noquote() << "cluster node" << cc.nodeId << "role" << m_config.role;
    } else {
        // One node: runs left running by a previous process are failed ("interrupted") and
        // queued ones run now. (In a cluster that is the lost-worker recovery's job.)
        m_crewStatus->initialise();
        if (m_runQueue) {
            m_runQueue->recover();
            setRunScheduler(m_runQueue);
        }
    }

    TokenService *tokens = m_tokens.get();
    m_authority = std::make_unique<StoreStreamAuthority>(
        m_store.get(), m_crewStatus, [tokens](const QByteArray &token) {
            return tokens->verify(token, QDateTime::currentSecsSinceEpoch());
        });
    Gateway::Config gc;
    gc.heartbeatSeconds = m_config.wsHeartbeatSeconds;
    gc.ringBytes = qint64(m_config.wsRingMb) * 1024 * 1024;
    gc.coalesceMs = m_config.wsCoalesceMs;
    gc.coalesceBusyMs = m_config.wsCoalesceBusyMs;
    m_gateway = new Gateway(m_eventLog, m_authority.get(), gc, this);
    // One node: its gateway is the only live consumer. In a cluster other nodes' gateways
    // pace too, and a commit held here for this node's pass would wait twice for theirs.
    if (!m_eventLog->isShared()) {
        m_eventLog->setDeliveryPace(
            [gw = QPointer<Gateway>(m_gateway)] { return gw ? gw->msUntilNextLivePass() : 0; });
    }
    m_metrics.addGauge(
        u"crewdeck_ws_write_passes_total"_s,
        u"Gateway write passes (each writes to every socket with frames waiting)"_s,
        [gw = QPointer<Gateway>(m_gateway)] { return gw ? double(gw->writePasses()) : 0.0; });
    m_metrics.addGauge(
        u"crewdeck_ws_coalesce_wait_ms"_s,
        u"How long new frames wait for company after the last write pass (capped by "
        "--ws-coalesce-ms, or --ws-coalesce-busy-ms while the streams are busy)"_s,
        [gw = QPointer<Gateway>(m_gateway)] { return gw ? gw->coalesceGapMs() : 0.0; });
    m_metrics.addGauge(u"crewdeck_limit_ws_coalesce_ms"_s, u"--ws-coalesce-ms (0: off)"_s,
                       [v = m_config.wsCoalesceMs] { return double(v); });
    m_metrics.addGauge(u"crewdeck_limit_ws_coalesce_busy_ms"_s,
                       u"--ws-coalesce-busy-ms (the cap while the streams are busy)"_s,
                       [v = m_config.wsCoalesceBusyMs] { return double(v); });
    m_metrics.addGauge(
        u"crewdeck_ws_busy_passes_total"_s,
        u"Write passes after which new frames waited up to the busy cap"_s,
        [gw = QPointer<Gateway>(m_gateway)] { return gw ? double(gw->busyPasses()) : 0.0; });
    m_metrics.addGauge(
        u"crewdeck_websockets_open"_s, u"Open WebSocket sessions"_s,
        [gw = QPointer<Gateway>(m_gateway)] { return gw ? double(gw->sessionCount()) : 0.0; });
    m_metrics.addGauge(
        u"crewdeck_runs_executing"_s, u"Runs executing on this node"_s,
        [q = QPointer<RunQueue>(m_runQueue)] { return q ? double(q->runningCount()) : 0.0; });
    m_metrics.addGauge(
        u"crewdeck_events_appended_total"_s, u"Events appended since start"_s,
        [l = QPointer<EventLog>(m_eventLog)] { return l ? double(l->appendedCount()) : 0.0; });

    // Pruning runs in short steps on this thread (EventLog::prune): how much it deletes and
    // how long its longest step held the thread (every socket waits for a step).
    const auto pruneGauge = [this](const QString &name, const QString &help, auto value) {
        m_metrics.addGauge(name, help, [l = QPointer<EventLog>(m_eventLog), value] {
            return l ? double(value(l->pruneStats())) : 0.0;
        });
    };
    pruneGauge(u"crewdeck_events_prunes_total"_s, u"Prunes of the event log started"_s,
               [](const EventLog::PruneStats &s) { return s.prunes; });
    pruneGauge(u"crewdeck_events_pruned_total"_s, u"Events deleted by pruning"_s,
               [](const EventLog::PruneStats &s) { return s.events; });
    pruneGauge(u"crewdeck_events_prune_steps_total"_s,
               u"Prune steps (each a short transaction on the main thread)"_s,
               [](const EventLog::PruneStats &s) { return s.steps; });
    pruneGauge(u"crewdeck_events_prune_step_max_ms"_s,
               u"The longest prune step: how long pruning held the main thread at once"_s,
               [](const EventLog::PruneStats &s) { return double(s.longestNs) / 1e6; });
    pruneGauge(u"crewdeck_events_prune_last_ms"_s,
               u"The last finished prune, from its start to its end (steps and pauses)"_s,
               [](const EventLog::PruneStats &s) { return double(s.lastWallNs) / 1e6; });
    m_metrics.addGauge(
        u"crewdeck_events_pruning"_s, u"1 while a prune runs"_s,
        [l = QPointer<EventLog>(m_eventLog)] { return l && l->isPruning() ? 1.0 : 0.0; });

    // History is kept for at least 24 h and the newest 10,000 events of every stream.
    m_pruneTimer.setInterval(3600 * 1000);
    connect(&m_pruneTimer, &QTimer::timeout, this, [this] { m_eventLog->prune(toMs(nowUtc())); });
    m_pruneTimer.start();
    return true;
}

bool ServerApp::startDemo(QString *error)
{
    const auto org = m_store->orgByName(demo::Org);
    if (!org || !runScheduler() || !m_runQueue)
        return true; // an api-only node seeds but does not run the demo pipelines
    const QString dir = QDir(m_config.dataDir).filePath(u"demo"_s);
    m_demo = new DemoPipelines(m_store.get(), runScheduler(), dir, org->id, 20000, this);
    QString why;
    if (!m_demo->prepare(&why)) {
        *error = u"cannot prepare the demo repository: "_s + why;
        return false;
    }
    m_demo->start();
    qCInfo(lcDemo).noquote() << "demo pipelines run every 20 s against" << m_demo->repositoryUrl();
    return true;
}

void ServerApp::waitForInFlight(qint64 deadlineMs)
{
    // In-flight synchronous requests have already been answered (they run to completion on
    // this thread); asynchronous ones (login) finish on the password pool and come back here.
    // A login's pool task ends just after its response is handed over: wait for it too.
    const bool busy = m_api.inFlightAsync > 0 || m_serverLimits->runningLogins() > 0;
    if (busy && QDateTime::currentMSecsSinceEpoch() < deadlineMs) {
        QTimer::singleShot(20, this, [this, deadlineMs] { waitForInFlight(deadlineMs); });
        return;
    }
    m_running = false;
    qCInfo(lcHttp) << "stopped";
    Q_EMIT stopped();
}

} // namespace crewdeck::server
