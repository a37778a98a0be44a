#include "server/core/limits.h"
#include "server/core/auth/passwords.h"
#include "server/core/http/apicontext.h"
#include "server/core/http/metrics.h"
#include "server/ws/frontdoor.h"
#include "shared/logging.h"

#include <QPointer>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

ServerLimits::ServerLimits(const ServerConfig &config) : m_config(config)
{
    if (config.loginRatePerIp > 0)
        m_loginBuckets =
            std::make_unique<TokenBuckets>(config.loginRatePerIp / 60.0, config.loginRatePerIp);
    if (config.requestRatePerToken > 0)
        m_requestBuckets = std::make_unique<TokenBuckets>(config.requestRatePerToken,
                                                          2.0 * config.requestRatePerToken);
    m_loginQueue =
        std::make_unique<FairQueue>(passwords::pool(), config.loginQueuePerIp, config.loginQueue);
}

ServerLimits::~ServerLimits()
{
    m_loginQueue->close();
    m_loginQueue->waitForIdle();
}

void ServerLimits::wire(ApiContext &api) const
{
    api.loginBuckets = m_loginBuckets.get();
    api.requestBuckets = m_requestBuckets.get();
    api.loginQueue = m_loginQueue.get();
    api.maxAgentsPerCrew = m_config.maxAgentsPerCrew;
    api.maxToolsPerAgent = m_config.maxToolsPerAgent;
}

void ServerLimits::apply(FrontDoor *door)
{
    const int fdLimit = ConnectionLimits::raiseDescriptorLimit();
    m_maxConnections =
        m_config.maxConnections > 0 ? m_config.maxConnections : qMax(16, fdLimit * 9 / 10);
    door->setConnectionLimits(m_maxConnections, m_config.maxConnectionsPerIp);
    qCInfo(lcHttp).noquote() << u"descriptor limit %1; at most %2 connections, %3 per address"_s
                                    .arg(fdLimit)
                                    .arg(m_maxConnections)
                                    .arg(m_config.maxConnectionsPerIp);
}

void ServerLimits::registerMetrics(Metrics &metrics, FrontDoor *door, const ApiContext &api) const
{
    // Read at scrape time on the main thread, where the front door lives.
    QPointer<FrontDoor> fd = door;
    metrics.addGauge(u"crewdeck_connections_open"_s,
                     u"Open client connections (HTTP and WebSocket)"_s,
                     [fd] { return fd ? double(fd->openConnections()) : 0.0; });
    metrics.addGauge(u"crewdeck_connections_limit"_s, u"--max-connections in force"_s,
                     [n = m_maxConnections] { return double(n); });
    metrics.addGauge(
        u"crewdeck_connections_refused_total"_s,
        u"Connections closed at once (per-address or total limit, out of descriptors)"_s,
        [fd] { return fd ? double(fd->refusedConnections()) : 0.0; });
    metrics.addGauge(u"crewdeck_connections_evicted_total"_s,
                     u"Idle connections without a token closed to make room"_s,
                     [fd] { return fd ? double(fd->evictedConnections()) : 0.0; });

    TokenBuckets *login = m_loginBuckets.get();
    TokenBuckets *requests = m_requestBuckets.get();
    FairQueue *queue = m_loginQueue.get();
    metrics.addGauge(u"crewdeck_login_rate_limited_total"_s,
                     u"Logins refused by --login-rate-per-ip"_s,
                     [login] { return login ? double(login->refusals()) : 0.0; });
    metrics.addGauge(u"crewdeck_requests_rate_limited_total"_s,
                     u"Requests refused by --request-rate-per-token"_s,
                     [requests] { return requests ? double(requests->refusals()) : 0.0; });
    metrics.addGauge(u"crewdeck_login_queue_length"_s, u"Password checks waiting for a thread"_s,
                     [queue] { return double(queue->queued()); });
    metrics.addGauge(u"crewdeck_login_queue_refused_total"_s,
                     u"Logins refused by --login-queue-per-ip or --login-queue"_s,
                     [queue] { return double(queue->refusals()); });
    const std::atomic<qint64> *tooLarge = &api.crewsTooLarge;
    metrics.addGauge(u"crewdeck_crews_too_large_total"_s,
                     u"POST /crews refused by --max-agents-per-crew or --max-tools-per-agent"_s,
                     [tooLarge] { return double(tooLarge->load()); });

    // The configured values, so a dashboard can show how close the counters come to them.
    const struct
    {
        const char16_t *name;
        const char16_t *flag;
        int value;
    } limits[] = {
        {u"crewdeck_limit_connections_per_ip", u"--max-connections-per-ip",
         m_config.maxConnectionsPerIp},
        {u"crewdeck_limit_login_rate_per_ip_per_minute", u"--login-rate-per-ip (0: off)",
         m_config.loginRatePerIp},
        {u"crewdeck_limit_login_queue_per_ip", u"--login-queue-per-ip", m_config.loginQueuePerIp},
        {u"crewdeck_limit_login_queue", u"--login-queue", m_config.loginQueue},
        {u"crewdeck_limit_request_rate_per_token_per_second", u"--request-rate-per-token (0: off)",
         m_config.requestRatePerToken},
        {u"crewdeck_limit_agents_per_crew", u"--max-agents-per-crew", m_config.maxAgentsPerCrew},
        {u"crewdeck_limit_tools_per_agent", u"--max-tools-per-agent", m_config.maxToolsPerAgent},
    };
    for (const auto &l : limits)
        metrics.addGauge(QString::fromUtf16(l.name), QString::fromUtf16(l.flag),
                         [v = l.value] { return double(v); });
}

} // namespace crewdeck::server
