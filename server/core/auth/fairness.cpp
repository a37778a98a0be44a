#include "server/core/auth/fairness.h"

#include <QThreadPool>
#include <cmath>

namespace crewdeck::server {

TokenBuckets::TokenBuckets(double ratePerSecond, double burst, int maxKeys)
    : m_rate(ratePerSecond), m_burst(qMax(1.0, burst)), m_maxKeys(maxKeys)
{
}

double TokenBuckets::refilled(const Bucket &b, qint64 nowMs) const
{
    return qMin(m_burst, b.tokens + double(qMax<qint64>(0, nowMs - b.lastMs)) * m_rate / 1000.0);
}

int TokenBuckets::take(const QString &key, qint64 nowMs)
{
    QMutexLocker lock(&m_mutex);
    if (m_buckets.size() >= m_maxKeys && !m_buckets.contains(key)) {
        // Drop the buckets that have refilled: they hold no information.
        for (auto it = m_buckets.begin(); it != m_buckets.end();)
            it = refilled(*it, nowMs) >= m_burst ? m_buckets.erase(it) : std::next(it);
    }
    auto it = m_buckets.find(key);
    if (it == m_buckets.end())
        it = m_buckets.insert(key, Bucket{m_burst, nowMs});
    it->tokens = refilled(*it, nowMs);
    it->lastMs = nowMs;
    if (it->tokens >= 1.0) {
        it->tokens -= 1.0;
        return 0;
    }
    ++m_refusals;
    return qMax(1, int(std::ceil((1.0 - it->tokens) / m_rate)));
}

void TokenBuckets::charge(const QString &key, double units, qint64 nowMs)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_buckets.find(key);
    if (it == m_buckets.end())
        return;
    it->tokens = refilled(*it, nowMs) - units;
    it->lastMs = nowMs;
}

qint64 TokenBuckets::refusals() const
{
    QMutexLocker lock(&m_mutex);
    return m_refusals;
}

FairQueue::FairQueue(QThreadPool *pool, int maxPerKey, int maxTotal)
    : m_state(std::make_shared<State>())
{
    m_state->pool = pool;
    m_state->maxPerKey = maxPerKey;
    m_state->maxTotal = maxTotal;
}

FairQueue::~FairQueue()
{
    close();
    waitForIdle();
}

FairQueue::Submit FairQueue::submit(const QString &key, std::function<void()> run,
                                    std::function<void()> cancelled)
{
    State &s = *m_state;
    QMutexLocker lock(&s.mutex);
    if (s.closed)
        return Submit::Closed;
    auto q = s.queues.find(key);
    if ((q != s.queues.end() && int(q->size()) >= s.maxPerKey) || s.queued >= s.maxTotal) {
        ++s.refusals;
        return Submit::Full;
    }
    if (q == s.queues.end()) {
        q = s.queues.insert(key, {});
        s.turns.push_back(key);
    }
    q->push_back(Job{std::move(run), std::move(cancelled)});
    ++s.queued;
    dispatchLocked(m_state);
    return Submit::Queued;
}

// Thread: any, with the state's mutex held.
void FairQueue::dispatchLocked(const std::shared_ptr<State> &state)
{
    State &s = *state;
    const int threads = qMax(1, s.pool->maxThreadCount());
    const int perKey = qMax(1, threads - 1);
    // One pass over the keys in turn: a key already using its share of threads keeps its
    // place and waits for one of its own jobs to end.
    for (qsizetype tries = qsizetype(s.turns.size());
         tries > 0 && !s.closed && s.running < threads && !s.turns.empty(); --tries) {
        const QString key = s.turns.front();
        s.turns.pop_front();
        if (s.runningPerKey.value(key) >= perKey) {
            s.turns.push_back(key);
            continue;
        }
        auto it = s.queues.find(key);
        Job job = std::move(it->front());
        it->pop_front();
        if (it->empty())
            s.queues.erase(it);
        else
            s.turns.push_back(key);
        --s.queued;
        ++s.running;
        ++s.runningPerKey[key];
        tries = qsizetype(s.turns.size()) + 1; // a full pass again after each start
        // The task holds the state, not the queue: it may end after the queue is gone.
        s.pool->start([state, key, run = std::move(job.run)]() mutable {
            run();
            run = {}; // the job's captures die before waitForIdle() can return
            QMutexLocker lock(&state->mutex);
            --state->running;
            if (--state->runningPerKey[key] <= 0)
                state->runningPerKey.remove(key);
            dispatchLocked(state);
            if (state->running == 0)
                state->idle.wakeAll();
        });
    }
}

void FairQueue::close()
{
    std::vector<Job> cancelled;
    {
        QMutexLocker lock(&m_state->mutex);
        m_state->closed = true;
        for (auto &q : m_state->queues) {
            for (Job &job : q)
                cancelled.push_back(std::move(job));
        }
        m_state->queues.clear();
        m_state->turns.clear();
        m_state->queued = 0;
    }
    // Outside the lock: a callback may well look at the queue (metrics).
    for (Job &job : cancelled) {
        if (job.cancelled)
            job.cancelled();
    }
}

void FairQueue::waitForIdle()
{
    QMutexLocker lock(&m_state->mutex);
    while (m_state->running > 0)
        m_state->idle.wait(&m_state->mutex);
}

int FairQueue::queued() const
{
    QMutexLocker lock(&m_state->mutex);
    return m_state->queued;
}

int FairQueue::running() const
{
    QMutexLocker lock(&m_state->mutex);
    return m_state->running;
}

qint64 FairQueue::refusals() const
{
    QMutexLocker lock(&m_state->mutex);
    return m_state->refusals;
}

} // namespace crewdeck::server
