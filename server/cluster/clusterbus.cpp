#include "server/cluster/clusterbus.h"

#include "server/redis/rediscommands.h"
#include "shared/logging.h"

#include <QDataStream>
#include <QIODevice>

namespace crewdeck::server {

using namespace Qt::StringLiterals;

namespace {
const QByteArray EventChannel = QByteArrayLiteral("crewdeck:events");
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
    connect(&m_sub, &RedisSubscriber::message, this,
            [this](const QByteArray &channel, const QByteArray &payload) {
                if (channel == EventChannel)
                    onEvents(payload);
                else if (channel == CancelChannel)
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
    m_sub.subscribe(EventChannel);
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

void ClusterBus::publishCommitted(const QList<StoredEventPtr> &events)
{
    if (!m_pub.isReady() || events.isEmpty())
        return; // the other nodes poll the store meanwhile
    // One message per committed batch, on one channel: every node wants every event (its
    // sessions' streams are decided locally), and the frames are what its clients get.
    QByteArray payload;
    QDataStream out(&payload, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_4);
    out << qint32(events.size());
    for (const auto &e : events)
        out << e->seq << e->orgId << e->crewId << e->runId << e->type << e->tsMs << e->bytes;
    rediscmd::publish(m_pub, EventChannel, payload);
}

void ClusterBus::onEvents(const QByteArray &payload)
{
    QDataStream in(payload);
    in.setVersion(QDataStream::Qt_6_4);
    qint32 n = 0;
    in >> n;
    QList<StoredEventPtr> events;
    events.reserve(qBound(0, n, 10000));
    for (qint32 i = 0; i < n && in.status() == QDataStream::Ok; ++i) {
        auto e = std::make_shared<StoredEvent>();
        in >> e->seq >> e->orgId >> e->crewId >> e->runId >> e->type >> e->tsMs >> e->bytes;
        events.append(std::move(e));
    }
    if (in.status() != QDataStream::Ok) {
        qCWarning(lcRedis) << "unreadable event message; reading the store instead";
        m_log->notifyRemote();
        return;
    }
    // In order: delivered as they are, without reading the store. After a gap (a message lost
    // while Redis was away, or another node's batch overtaking this one) deliver() reads the
    // store instead; our own batches come back here too and are skipped as already published.
    m_log->deliver(events);
}

void ClusterBus::publishCancel(const QString &runId)
{
    rediscmd::publish(m_pub, CancelChannel, runId.toUtf8());
}

} // namespace crewdeck::server
