// TokenBuckets and FairQueue (issue 14) on their own: explicit clocks and blocking jobs, so
// every check is about order and counts, never about time.
#include "server/core/auth/fairness.h"

#include <QSemaphore>
#include <QThreadPool>
#include <QtTest>
#include <atomic>

using namespace crewdeck::server;
using namespace Qt::StringLiterals;

class TestFairness : public QObject
{
    Q_OBJECT

    // A pool of two threads, like the password pool.
    static std::unique_ptr<QThreadPool> twoThreads()
    {
        auto pool = std::make_unique<QThreadPool>();
        pool->setMaxThreadCount(2);
        return pool;
    }

private slots:
    void bucketBurstThenRetryAfter()
    {
        TokenBuckets b(30 / 60.0, 30); // 30 a minute, burst 30
        for (int i = 0; i < 30; ++i)
            QCOMPARE(b.take(u"10.0.0.1"_s, 1000), 0);
        QCOMPARE(b.take(u"10.0.0.1"_s, 1000), 2); // one token every 2 s
        QCOMPARE(b.take(u"10.0.0.2"_s, 1000), 0); // another key has its own bucket
        QCOMPARE(b.take(u"10.0.0.1"_s, 3000), 0); // refilled one
        QCOMPARE(b.take(u"10.0.0.1"_s, 3000), 2);
        QCOMPARE(b.refusals(), 2);
    }

    void bucketChargeGoesBelowZero()
    {
        TokenBuckets b(50, 100);
        QCOMPARE(b.take(u"u1"_s, 0), 0);
        b.charge(u"u1"_s, 150, 0);       // a large response: 99 - 150 = -51
        QCOMPARE(b.take(u"u1"_s, 0), 2); // 52 tokens short at 50/s
        QCOMPARE(b.take(u"u1"_s, 1040), 0);
        b.charge(u"unknown"_s, 10, 0); // no bucket yet: nothing to charge
        QCOMPARE(b.take(u"unknown"_s, 0), 0);
    }

    void bucketKeysAreBounded()
    {
        TokenBuckets b(1, 1, 3);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(b.take(QString::number(i), 0), 0);
        // All three are empty (burst 1, just taken): nothing can be dropped, the new key is
        // still served; once they refilled, they are dropped to make room.
        QCOMPARE(b.take(u"x"_s, 0), 0);
        QCOMPARE(b.take(u"y"_s, 5000), 0);
        QCOMPARE(b.take(u"0"_s, 5000), 0); // dropped, so a fresh full bucket
    }

    // One key with many blocked jobs leaves a thread for the others.
    void queueLeavesAThreadForOthers()
    {
        auto pool = twoThreads();
        FairQueue q(pool.get(), 8, 100);
        QSemaphore release;
        const auto unblock = qScopeGuard([&] { release.release(100); }); // also on failure
        std::atomic<int> floodRan{0};
        QSemaphore floodStarted;
        // One runs at once (a thread stays free for other keys), eight wait.
        for (int i = 0; i < 9; ++i) {
            QCOMPARE(q.submit(u"flood"_s,
                              [&] {
                                  ++floodRan;
                                  floodStarted.release();
                                  release.acquire();
                              },
                              {}),
                     FairQueue::Submit::Queued);
        }
        QCOMPARE(q.submit(u"flood"_s, [] {}, {}), FairQueue::Submit::Full); // 8 wait per key
        QSemaphore otherDone;
        QCOMPARE(q.submit(u"other"_s, [&] { otherDone.release(); }, {}), FairQueue::Submit::Queued);
        // The other key's job runs while every flood job but one still waits.
        QVERIFY(otherDone.tryAcquire(1, 30000));
        QVERIFY(floodStarted.tryAcquire(1, 30000));
        QCOMPARE(floodRan.load(), 1);
        QCOMPARE(q.queued(), 8);
        release.release(9);
        q.waitForIdle();
        QCOMPARE(floodRan.load(), 9);
        QCOMPARE(q.refusals(), 1);
    }

    void queueBoundInTotal()
    {
        auto pool = twoThreads();
        FairQueue q(pool.get(), 8, 3);
        QSemaphore release;
        const auto unblock = qScopeGuard([&] { release.release(100); });
        for (int i = 0; i < 4; ++i)
            QCOMPARE(q.submit(QString::number(i % 2), [&] { release.acquire(); }, {}),
                     FairQueue::Submit::Queued);
        // Two run (one per key), two wait; one more fits, then the total bound refuses.
        QCOMPARE(q.submit(u"2"_s, [&] { release.acquire(); }, {}), FairQueue::Submit::Queued);
        QCOMPARE(q.submit(u"3"_s, [] {}, {}), FairQueue::Submit::Full);
        release.release(5);
        q.waitForIdle();
    }

    // Shutdown: queued jobs are cancelled on the closing thread, running ones are waited for,
    // and nothing is accepted any more.
    void closeCancelsQueuedAndWaitsForRunning()
    {
        auto pool = twoThreads();
        auto q = std::make_unique<FairQueue>(pool.get(), 8, 100);
        QSemaphore started;
        QSemaphore release;
        const auto unblock = qScopeGuard([&] { release.release(100); });
        std::atomic<int> ran{0};
        int cancelled = 0;
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(q->submit(
                         u"a"_s,
                         [&] {
                             started.release();
                             release.acquire();
                             ++ran;
                         },
                         [&] {
                             QCOMPARE(QThread::currentThread(), thread());
                             ++cancelled;
                         }),
                     FairQueue::Submit::Queued);
        }
        QVERIFY(started.tryAcquire(1, 30000));
        q->close();
        QCOMPARE(cancelled, 3);
        QCOMPARE(q->queued(), 0);
        QCOMPARE(q->running(), 1);
        QCOMPARE(q->submit(
                     u"b"_s, [] {}, [] {}),
                 FairQueue::Submit::Closed);
        release.release();
        q.reset(); // the destructor waits for the running job
        QCOMPARE(ran.load(), 1);
        QCOMPARE(cancelled, 3);
    }
};

QTEST_GUILESS_MAIN(TestFairness)
#include "tst_fairness.moc"
