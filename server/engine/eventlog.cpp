#include "server/engine/eventlog.h"

#include "shared/logging.h"
#include "shared/timeutil.h"

namespace crewdeck::server {

EventLog::EventLog(Store *store, Config config, QObject *parent)
    : EventSource(parent), m_store(store), m_config(config)
{
    m_nextSeq = m_store->maxEventSeq() + 1;
    m_lastPublished = m_nextSeq - 1;
    m_horizon = m_store->prunedHorizon();
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(m_config.flushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &EventLog::flush);
}

EventLog::~EventLog()
{
    flush();
}

qint64 EventLog::append(const QString &orgId, const EventBody &body)
{
    Event e;
    e.seq = m_nextSeq++;
    e.ts = nowUtc();
    e.body = body;
    auto stored = std::make_shared<StoredEvent>();
    stored->seq = e.seq;
    stored->orgId = orgId;
    stored->crewId = e.crewId();
    stored->runId = e.runId();
    stored->type = e.type();
    stored->tsMs = toMs(e.ts);
    stored->bytes = e.toBytes();
    m_pending.append(std::move(stored));
    ++m_appended;
    if (m_pending.size() >= m_config.maxBatch)
        flush();
    else if (!m_flushTimer.isActive())
        m_flushTimer.start();
    return e.seq;
}

void EventLog::flush()
{
    m_flushTimer.stop();
    if (m_pending.isEmpty())
        return;
    const QList<StoredEventPtr> batch = std::exchange(m_pending, {});
    // Persist before publishing: a subscriber that sees an event can always find it again
    // by seq. If the store refuses the batch the events are still delivered live (the
    // store being unavailable must not stop the watchers), and the failure is logged.
    if (!m_store->appendEvents(batch))
        qCWarning(lcEvents) << "could not persist" << batch.size() << "events; delivering live only";
    for (const auto &e : batch) {
        m_lastPublished = e->seq;
        Q_EMIT published(e);
    }
}

void EventLog::prune(qint64 nowMs)
{
    flush();
    const qint64 h = m_store->pruneEvents(nowMs - m_config.retentionMs, m_config.keepPerStream);
    if (h > m_horizon)
        m_horizon = h;
}

QList<StoredEventPtr> EventLog::history(const StreamKey &key, qint64 since, int limit)
{
    return m_store->events(key, since, limit);
}

qint64 EventLog::latestSeq(const StreamKey &key)
{
    // Pending events are not published yet, so the published latest is what the store has.
    return m_store->latestSeq(key);
}

qint64 EventLog::historyHorizon(const StreamKey &)
{
    return m_horizon;
}

qint64 EventLog::globalLatestSeq()
{
    return m_lastPublished;
}

} // namespace crewdeck::server
