#pragma once
#include <QHash>
#include <QMutex>
#include <QString>
#include <QWaitCondition>
#include <deque>
#include <functional>
#include <memory>

class QThreadPool;

// Limits that keep one client from crowding out the others (issue 14).
// Thread: any (both classes are internally locked).
namespace crewdeck::server {

// A token bucket per key (client address, user): `ratePerSecond` tokens a second up to
// `burst`. Memory is bounded: past `maxKeys` keys, full (idle) buckets are dropped.
class TokenBuckets
{
public:
    TokenBuckets(double ratePerSecond, double burst, int maxKeys = 100'000);
    // Takes a token: 0 when allowed, else the seconds until one is available (>= 1).
    int take(const QString &key, qint64 nowMs);
    // Charges `units` more to a key after the fact (e.g. for a large response); the bucket
    // may go below zero, and the key then waits until it refills.
    void charge(const QString &key, double units, qint64 nowMs);
    qint64 refusals() const;

private:
    struct Bucket
    {
        double tokens = 0;
        qint64 lastMs = 0;
    };
    double refilled(const Bucket &b, qint64 nowMs) const;

    mutable QMutex m_mutex;
    double m_rate;
    double m_burst;
    int m_maxKeys;
    QHash<QString, Bucket> m_buckets;
    qint64 m_refusals = 0;
};

// Runs jobs on a thread pool fairly per key: at most the pool's thread count run at once, one
// key's jobs never occupy all of them (at most threads - 1, at least 1), and the next job is
// taken from the keys in turn (round robin). So with two or more threads a key with a thousand
// queued jobs does not delay another key's job at all: a thread is always left for the others.
// Queues are bounded per key and in total: submit() refuses beyond them.
//
// A job is in flight from submit() until its pool task has ended (or, once the queue is
// closed, until its `cancelled` callback has run). close() + waitForIdle() is the shutdown:
// after them no job of this queue runs or will run, and the queue may be destroyed (the
// destructor does both). The bookkeeping the pool tasks touch lives in shared state, so a
// task finishing just as the queue is destroyed touches nothing freed.
class FairQueue
{
public:
    enum class Submit { Queued, Full, Closed };

    FairQueue(QThreadPool *pool, int maxPerKey, int maxTotal);
    ~FairQueue();
    FairQueue(const FairQueue &) = delete;
    FairQueue &operator=(const FairQueue &) = delete;

    // `run` runs on the pool; `cancelled` runs instead, on the thread calling close(), for a
    // job still queued when the queue closes. Neither runs when the result is not Queued.
    Submit submit(const QString &key, std::function<void()> run, std::function<void()> cancelled);
    // Refuses new jobs and cancels the queued ones; running jobs go on. Thread: any.
    void close();
    // Blocks until no job of this queue runs (a running job never waits for the caller's
    // thread: it only computes and finishes a promise). Thread: any but the pool's.
    void waitForIdle();
    int queued() const;
    int running() const;
    qint64 refusals() const;

private:
    struct Job
    {
        std::function<void()> run;
        std::function<void()> cancelled;
    };
    struct State
    {
        QThreadPool *pool = nullptr;
        int maxPerKey = 0;
        int maxTotal = 0;
        mutable QMutex mutex;
        QWaitCondition idle;
        QHash<QString, std::deque<Job>> queues;
        QHash<QString, int> runningPerKey;
        std::deque<QString> turns; // keys with queued jobs, in round-robin order
        int queued = 0;
        int running = 0;
        bool closed = false;
        qint64 refusals = 0;
    };
    static void dispatchLocked(const std::shared_ptr<State> &state);

    std::shared_ptr<State> m_state;
};

} // namespace crewdeck::server
