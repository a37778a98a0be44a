#include "server/cluster/clusterbus.h"

#include "server/redis/rediscommands.h"
#include "shared/logging.h"

namespace crewdeck::server {

using namespace Qt::StringLiterals;

namespace {
const QByteArray EventPattern = QByteArrayLiteral("crewdeck:ev:*");
const QByteArray CancelChannel = QByteArrayLiteral("crewdeck:cancel");
// Poll the store this often as a safety net while Redis is up, and much more often while it
// is down (then polling is the only way other nodes' events reach our clients).
constexpr int PollWhileUpMs = 5000;
constexpr int PollWhileDownMs = 250;
} // namespace

ClusterBus::ClusterBus(const QString &redisUrl, EventLog *log, QObject *parent)
    : QObject(parent), m_log(log), m_pub(redisUrl, this), m_sub(redisUrl, this)
{
    connect(m_log, &EventLog::committed, this, &ClusterBus::publishCommitted);
    connect(&m_sub, &RedisSubscriber::patternMessage, this,
            [this](const QByteArray &, const QByteArray &, const QByteArray &) {
                m_log->notifyRemote();
            });
    connect(&m_sub, &RedisSubscriber::message, this,
            [this](const QByteArray &channel, const QByteArray &payload) {
                if (channel == CancelChannel)
                    Q_EMIT cancelRequested(QString::fromUtf8(payload));
            });
    // Messages published while we were away are gone: catch up from the store.
    connect(&m_sub, &RedisSubscriber::resubscribed, m_log, &EventLog::tail);
    connect(&m_pub, &RedisClientBase::stateChanged, this, &ClusterBus::updateReadiness);
    connect(&m_sub, &RedisClientBase::stateChanged, this, &ClusterBus::updateReadiness);
}

bool ClusterBus::open(QString *error)
{
    if (!m_pub.isValid() || !m_sub.isValid()) {
        if (error)
            *error = m_pub.errorString();
        return false;
    }
    m_sub.psubscribe(EventPattern);
    m_sub.subscribe(CancelChannel);
    m_pub.open();
    m_sub.open();
    m_log->setPollInterval(PollWhileDownMs);
    return true;
}

bool ClusterBus::isReady() const
{
    return m_pub.isReady() && m_sub.isReady();
}

void ClusterBus::updateReadiness()
{
    const bool ready = isReady();
    if (ready == m_ready)
        return;
    m_ready = ready;
    m_log->setPollInterval(ready ? PollWhileUpMs : PollWhileDownMs);
    if (ready) {
        qCInfo(lcRedis).noquote() << "connected to" << m_pub.displayUrl();
        m_log->tail();
    } else {
        qCWarning(lcRedis).noquote()
            << "lost" << m_pub.displayUrl()
            << "- serving on; other nodes' events come by polling the store";
    }
    Q_EMIT readyChanged(ready);
}

QByteArray ClusterBus::channelFor(const StoredEvent &e, bool graph)
{
    const QByteArray org = e.orgId.toUtf8();
    if (e.type == EventType::Signal)
        return "crewdeck:ev:" + org + ":mission:" + e.crewId.toUtf8();
    if (graph)
        return "crewdeck:ev:" + org + ":graph:" + e.crewId.toUtf8();
    return "crewdeck:ev:" + org + ":run:" + e.runId.toUtf8();
}

void ClusterBus::publishCommitted(const QList<StoredEventPtr> &events)
{
    if (!m_pub.isReady())
        return; // the other nodes poll the store meanwhile
    for (const auto &e : events) {
        rediscmd::publish(m_pub, channelFor(*e, false), e->bytes);
        if (e->type.startsWith(u"tool_"_s))
            rediscmd::publish(m_pub, channelFor(*e, true), e->bytes);
    }
}

void ClusterBus::publishCancel(const QString &runId)
{
    rediscmd::publish(m_pub, CancelChannel, runId.toUtf8());
}

} // namespace crewdeck::server
