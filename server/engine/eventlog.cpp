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
    m_flushTimer.setTimerType(Qt::PreciseTimer); // a 1 ms gap must not become 5
    m_flushTimer.setInterval(m_config.flushIntervalMs);
    m_clock.start();
    connect(&m_flushTimer, &QTimer::timeout, this, &EventLog::flush);
    m_tailSoon.setSingleShot(true);
    m_tailSoon.setInterval(0);
    connect(&m_tailSoon, &QTimer::timeout, this, &EventLog::tail);
    // Between two prune steps the event loop serves everything that is ready (sockets, the
    // flush timer): each step holds this thread for a few milliseconds at most.
    m_pruneTimer.setSingleShot(true);
    m_pruneTimer.setInterval(m_config.pruneStepGapMs);
    connect(&m_pruneTimer, &QTimer::timeout, this, &EventLog::pruneStep);
    if (m_config.shared) {
        m_pollTimer.setInterval(m_config.pollIntervalMs);
        connect(&m_pollTimer, &QTimer::timeout, this, &EventLog::tail);
        m_pollTimer.start();
    }
}

EventLog::~EventLog()
{
    // A prune in progress stops between two steps (each committed on its own): the next
    // prune, after a restart, starts over and finishes it.
    m_prune.reset();
    flush();
}

void EventLog::append(const QString &orgId, const EventBody &body)
{
    Event e;
    // Shared mode: the store assigns the seq (and rewrites it in the frame) when it commits.
    e.seq = m_config.shared ? 0 : m_nextSeq++;
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
    if (m_pending.size() >= m_config.maxBatch) {
        flush();
    } else if (!m_flushTimer.isActive()) {
        const qint64 sinceLast = m_clock.elapsed() - m_lastFlushMs;
        qint64 gapLeft = qMax<qint64>(0, m_config.minFlushGapMs - sinceLast);
        // Frames published now would wait for the gateway's next write pass anyway: commit
        // just before it, in one transaction instead of one per gap. After a quiet spell
        // (no wait there) the event still goes out on the next event-loop pass.
        if (m_deliveryPace)
            gapLeft = qMax<qint64>(gapLeft, m_deliveryPace());
        m_flushTimer.start(int(qMax<qint64>(m_config.flushIntervalMs, gapLeft)));
    }
}

void EventLog::flush()
{
    m_flushTimer.stop();
    if (m_pending.isEmpty())
        return;
    m_lastFlushMs = m_clock.elapsed();
    if (m_config.shared) {
        QList<StoredEventPtr> batch = m_pending;
        if (!m_store->appendEventsAllocating(batch)) {
            // The database is away: keep the events (bounded) and try again, so that watchers
            // get them late rather than never.
            if (m_pending.size() > m_config.maxPending) {
                const qsizetype drop = m_pending.size() - m_config.maxPending;
                qCWarning(lcEvents)
                    << "event store unavailable: dropping" << drop << "oldest unstored events";
                m_pending.remove(0, drop);
            }
            m_flushTimer.start(m_config.retryIntervalMs);
            return;
        }
        m_pending.clear();
        Q_EMIT committed(batch);
        deliver(batch); // our own commit: no need to read it back unless something is missing
        return;
    }
    const QList<StoredEventPtr> batch = std::exchange(m_pending, {});
    // Persist before publishing: a subscriber that sees an event can always find it again
    // by seq. If the store refuses the batch the events are still delivered live (the
    // store being unavailable must not stop the watchers), and the failure is logged.
    if (!m_store->appendEvents(batch))
        qCWarning(lcEvents) << "could not persist" << batch.size()
                            << "events; delivering live only";
    else
        Q_EMIT committed(batch);
    for (const auto &e : batch) {
        m_lastPublished = e->seq;
        Q_EMIT published(e);
    }
}

void EventLog::notifyRemote()
{
    if (m_config.shared && !m_tailSoon.isActive())
        m_tailSoon.start();
}

void EventLog::deliver(const QList<StoredEventPtr> &events)
{
    if (!m_config.shared)
        return;
    for (const auto &e : events) {
        if (e->seq <= m_lastPublished)
            continue; // already published (tailed from the store, or a duplicate)
        if (e->seq != m_lastPublished + 1) {
            // Something committed before it has not reached us yet (another node's message
            // still in flight, lost while Redis was away, or a seq the store skipped): the
            // store has all of it, in commit order.
            tail();
            return;
        }
        m_lastPublished = e->seq;
        Q_EMIT published(e);
    }
}

void EventLog::tail()
{
    if (!m_config.shared)
        return;
    m_tailSoon.stop();
    // Commit order equals seq order in the shared store, so reading `seq > last` in order
    // never skips an event that commits later with a lower seq.
    for (;;) {
        const QList<StoredEventPtr> batch = m_store->eventsAfter(m_lastPublished, 2000);
        for (const auto &e : batch) {
            if (e->seq <= m_lastPublished)
                continue;
            m_lastPublished = e->seq;
            Q_EMIT published(e);
        }
        if (batch.size() < 2000)
            break;
    }
}

void EventLog::prune(qint64 nowMs)
{
    if (m_prune)
        return; // the running one continues (it started from an older cutoff: the next prune
                // takes what it leaves)
    flush();
    m_pruneStartNs = m_clock.nsecsElapsed();
    m_prune = m_store->startPrune(nowMs - m_config.retentionMs, m_config.keepPerStream);
    ++m_pruneStats.prunes;
    m_pruneStats.lastBusyNs = 0;
    countPruneStep(m_clock.nsecsElapsed() - m_pruneStartNs);
    if (!m_prune) {
        qCWarning(lcEvents) << "could not start pruning the event log; the next prune retries";
        Q_EMIT pruneFinished();
        return;
    }
    if (m_prune->done())
        endPrune();
    else
        m_pruneTimer.start();
}

void EventLog::pruneStep()
{
    if (!m_prune)
        return;
    const qint64 t0 = m_clock.nsecsElapsed();
    const EventPruneJob::Step step = m_prune->step();
    countPruneStep(m_clock.nsecsElapsed() - t0);
    m_pruneStats.events += step.deleted;
    // The step committed: readers behind what it deleted get `reset` from now on.
    if (step.highestDeleted > m_horizon)
        m_horizon = step.highestDeleted;
    if (!step.ok)
        qCWarning(lcEvents) << "a prune step failed; the next prune continues";
    Q_EMIT pruneStepped();
    if (m_prune->done())
        endPrune();
    else
        m_pruneTimer.start();
}

void EventLog::countPruneStep(qint64 ns)
{
    ++m_pruneStats.steps;
    m_pruneStats.lastStepNs = ns;
    m_pruneStats.lastBusyNs += ns;
    m_pruneStats.longestNs = qMax(m_pruneStats.longestNs, ns);
}

void EventLog::endPrune()
{
    m_pruneTimer.stop();
    m_prune.reset();
    m_pruneStats.lastWallNs = m_clock.nsecsElapsed() - m_pruneStartNs;
    qCDebug(lcEvents) << "prune took" << m_pruneStats.lastWallNs / 1000000 << "ms, of which"
                      << m_pruneStats.lastBusyNs / 1000000 << "ms in steps; horizon" << m_horizon;
    Q_EMIT pruneFinished();
}

void EventLog::stopPrune()
{
    if (m_prune)
        endPrune();
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
    // Shared store: other nodes prune too, and each records its horizon in the store in the
    // transaction that deletes (one primary-key read here; callers ask once per store page).
    // A store that does not answer leaves the last horizon known.
    if (m_config.shared)
        m_horizon = qMax(m_horizon, m_store->prunedHorizon());
    return m_horizon;
}

qint64 EventLog::globalLatestSeq()
{
    return m_lastPublished;
}

} // namespace crewdeck::server
