// Pruning the event log in steps (issue 13): the store's prune job against the brute-force
// model (tests/support/storemodel.h) on randomized logs, with events appended and other
// connections pruning between its steps, and EventLog running it one step per event-loop
// pass. Built twice like tst_store: tst_prune on SQLite (a fresh file per test function),
// tst_prune_pg (CREWDECK_TEST_POSTGRES) on a throwaway PostgreSQL server.
#include "server/engine/eventlog.h"
#include "tests/support/storebackend.h"
#include "tests/support/storemodel.h"

#include <QRandomGenerator>
#include <QSet>
#include <QtTest>
#include <memory>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::server;
using crewdeck::test::seqs;
using crewdeck::test::storedEvent;

namespace {

constexpr qint64 T0 = 1'780'000'000'000; // a fixed "now" in ms (2026)
const QString Db = u"prune_db"_s;

// A log of `count` events from seq `first`, stamped about 10 ms apart from `t0`: a few large
// runs and many small ones over 3 orgs and their crews, signals, run_status events, a few
// tool events without a crew, a few under another org than their run's and signals with a
// run id (the stream indexes hold rows of other streams: the walks must check them); a fifth
// of the stamps a little out of order, and one stretch where a clock was set back a second.
QList<StoredEventPtr> randomLog(QRandomGenerator &rng, qint64 first, int count, qint64 t0)
{
    QList<StoredEventPtr> out;
    const QStringList types{EventType::ToolStart, EventType::ToolProgress, EventType::ToolEnd};
    const int stepBack = int(rng.bounded(count));
    for (int i = 0; i < count; ++i) {
        const qint64 seq = first + i;
        // 40 % of the events in 3 large runs, the rest in up to 300 small ones.
        const int run = rng.bounded(100) < 40 ? int(rng.bounded(3)) : 3 + int(rng.bounded(300));
        const QString org = u"org_%1"_s.arg(run % 3);
        const QString crew = u"crw_%1"_s.arg(run % 12);
        qint64 ts = t0 + 10 * i;
        if (rng.bounded(5) == 0)
            ts += qint64(rng.bounded(60)) - 30;
        if (i >= stepBack && i < stepBack + 150)
            ts -= 1000;
        const int kind = int(rng.bounded(100));
        if (kind < 7)
            out << storedEvent(seq, org, crew, QString(), EventType::Signal, ts);
        else if (kind < 8) // a signal with a run id: not part of the run's stream
            out << storedEvent(seq, org, crew, u"run_%1"_s.arg(run), EventType::Signal, ts);
        else if (kind < 11)
            out << storedEvent(seq, org, crew, u"run_%1"_s.arg(run), EventType::RunStatus, ts);
        else if (kind < 13)
            out << storedEvent(seq, org, QString(), u"run_%1"_s.arg(run), EventType::ToolProgress,
                               ts);
        else if (kind < 14) // the same run id under another org: another stream
            out << storedEvent(seq, u"org_%1"_s.arg((run + 1) % 3), crew, u"run_%1"_s.arg(run),
                               EventType::ToolEnd, ts);
        else
            out << storedEvent(seq, org, crew, u"run_%1"_s.arg(run), types[int(rng.bounded(3))],
                               ts);
    }
    return out;
}

} // namespace

class TestPrune : public QObject
{
    Q_OBJECT

    test::StoreBackend m_backend;
    std::unique_ptr<SqlStore> m_store;

    std::unique_ptr<SqlStore> openStore()
    {
        auto store = m_backend.store(Db);
        QString error;
        if (!store->open(&error))
            qWarning() << "cannot open the store:" << error;
        return store;
    }

    // Every seq left in the store.
    QSet<qint64> storedSeqs()
    {
        QSet<qint64> out;
        for (const auto &e : m_store->eventsAfter(0, 1'000'000))
            out.insert(e->seq);
        return out;
    }

    // The model's survivors of `all` at `cutoff` and `keep`, with the store's reach.
    static test::PruneModel model(const QList<StoredEventPtr> &all, qint64 cutoff, int keep)
    {
        return test::pruneModel(all, test::streamsOf(all), cutoff, keep,
                                test::seqReaching(all, cutoff));
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (const QString why = test::StoreBackend::unavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
        QString error;
        QVERIFY2(m_backend.start(&error), qPrintable(error));
    }

    void init()
    {
        QString error;
        QVERIFY2(m_backend.fresh(Db, &error), qPrintable(error));
        m_store = openStore();
        QVERIFY(m_store->schemaVersion() > 0);
    }

    void cleanup()
    {
        m_store.reset();
        m_backend.clear();
    }

    void cleanupTestCase() { m_backend.stop(); }

    void stepsGiveTheModelsResult_data()
    {
        QTest::addColumn<quint32>("seed");
        QTest::addColumn<int>("keep");
        for (const quint32 seed : {1u, 2u})
            for (const int keep : {0, 1, 7, 60, 400, 5000})
                QTest::addRow("seed %u keep %d", seed, keep) << seed << keep;
    }
    // Run to its end, the job leaves exactly what the model does: every event at or above the
    // reach or stamped at or after the cutoff, and the newest `keep` of every stream.
    void stepsGiveTheModelsResult()
    {
        QFETCH(quint32, seed);
        QFETCH(int, keep);
        QRandomGenerator rng(seed);
        const QList<StoredEventPtr> all = randomLog(rng, 1, 6000, T0);
        QVERIFY(m_store->appendEvents(all));
        const qint64 cutoff = T0 + 10 * 4500; // three quarters of the log are older
        const test::PruneModel m = model(all, cutoff, keep);
        if (keep < 5000)
            QVERIFY(m.highestDeleted > 0); // the keep bites
        std::unique_ptr<EventPruneJob> job = m_store->startPrune(cutoff, keep);
        QVERIFY(job);
        qint64 highest = 0, deleted = 0;
        int steps = 0;
        while (!job->done()) {
            const EventPruneJob::Step step = job->step();
            QVERIFY(step.ok);
            QVERIFY(step.highestDeleted == 0 || step.highestDeleted > highest);
            highest = qMax(highest, step.highestDeleted);
            deleted += step.deleted;
            // The horizon is recorded with each step, never behind what is gone.
            QCOMPARE(m_store->prunedHorizon(), highest);
            QVERIFY(++steps < 10000);
        }
        QCOMPARE(storedSeqs(), m.survivors);
        QCOMPARE(highest, m.highestDeleted);
        QCOMPARE(deleted, qint64(all.size() - m.survivors.size()));
        QCOMPARE(m_store->prunedHorizon(), m.highestDeleted);
        QVERIFY(steps >= 6); // 6,000 events: at least one read step per 1,000
        // Nothing is left to do; the horizon stays.
        QCOMPARE(m_store->pruneEvents(cutoff, keep), 0);
        QCOMPARE(m_store->prunedHorizon(), m.highestDeleted);
    }

    // Events appended between the steps (new events of the same streams and of new ones) make
    // more events prunable but never less: the job deletes nothing that the model of the final
    // log keeps, and everything it deleted the first model let go too.
    void appendsBetweenStepsNeverCostAKeptEvent()
    {
        QRandomGenerator rng(7);
        QList<StoredEventPtr> all = randomLog(rng, 1, 5000, T0);
        QVERIFY(m_store->appendEvents(all));
        const qint64 cutoff = T0 + 10 * 4000;
        const int keep = 25;
        const qint64 reach = test::seqReaching(all, cutoff);
        const test::PruneModel before =
            test::pruneModel(all, test::streamsOf(all), cutoff, keep, reach);
        QVERIFY(before.highestDeleted > 0);
        std::unique_ptr<EventPruneJob> job = m_store->startPrune(cutoff, keep);
        QVERIFY(job);
        int steps = 0;
        while (!job->done()) {
            QVERIFY(job->step().ok);
            // 40 new events after every step, stamped after the cutoff, as a busy server
            // appends them while its prune runs.
            const QList<StoredEventPtr> more =
                randomLog(rng, all.last()->seq + 1, 40, cutoff + 1000 + 400 * steps);
            QVERIFY(m_store->appendEvents(more));
            all += more;
            QVERIFY(++steps < 10000);
        }
        QVERIFY(steps > 5);
        // The job searched for its reach before the appends.
        const test::PruneModel after =
            test::pruneModel(all, test::streamsOf(all), cutoff, keep, reach);
        const QSet<qint64> left = storedSeqs();
        for (const qint64 seq : after.survivors)
            QVERIFY2(left.contains(seq), qPrintable(u"seq %1 was deleted"_s.arg(seq)));
        // And it took everything the log let go when it started (thresholds only move up).
        for (const auto &e : all)
            if (e->seq <= before.highestDeleted && !before.survivors.contains(e->seq))
                QVERIFY2(!left.contains(e->seq), qPrintable(u"seq %1 is left"_s.arg(e->seq)));
    }

    // Two connections (two nodes of a cluster) prune the same log at once, their steps
    // interleaved: rows the other deleted are no-ops, the horizon only grows, and together
    // they leave exactly what the model does.
    void twoPrunersAtOnce()
    {
        QRandomGenerator rng(11);
        const QList<StoredEventPtr> all = randomLog(rng, 1, 5000, T0);
        QVERIFY(m_store->appendEvents(all));
        const qint64 cutoff = T0 + 10 * 4000;
        const int keep = 9;
        const test::PruneModel m = model(all, cutoff, keep);
        std::unique_ptr<SqlStore> other = openStore();
        std::unique_ptr<EventPruneJob> a = m_store->startPrune(cutoff, keep);
        std::unique_ptr<EventPruneJob> b = other->startPrune(cutoff, keep);
        QVERIFY(a && b);
        qint64 deleted = 0;
        for (int i = 0; !a->done() || !b->done(); ++i) {
            EventPruneJob &job = (i % 3 == 0 && !b->done()) || a->done() ? *b : *a;
            const EventPruneJob::Step step = job.step();
            QVERIFY(step.ok);
            deleted += step.deleted;
            QVERIFY(i < 20000);
        }
        QCOMPARE(storedSeqs(), m.survivors);
        QCOMPARE(deleted, qint64(all.size() - m.survivors.size())); // each row deleted once
        QCOMPARE(m_store->prunedHorizon(), m.highestDeleted);
        QCOMPARE(other->prunedHorizon(), m.highestDeleted);
    }

    // A cluster: another node's prune moves this node's horizon too (the gateway compares
    // readers paging from the store with it), read from the store, never lowered.
    void sharedLogSeesAnotherNodesPrune()
    {
        QRandomGenerator rng(13);
        const QList<StoredEventPtr> all = randomLog(rng, 1, 3000, T0);
        QVERIFY(m_store->appendEvents(all));
        const qint64 cutoff = T0 + 10 * 2000;
        const test::PruneModel m = model(all, cutoff, 5);
        QVERIFY(m.highestDeleted > 0);
        EventLog::Config config;
        config.shared = true;
        config.pollIntervalMs = 3600 * 1000; // nothing but this test reads the store
        EventLog log(m_store.get(), config);
        const StreamKey key{StreamKind::Run, u"org_0"_s, {}};
        QCOMPARE(log.historyHorizon(key), qint64(0));
        std::unique_ptr<SqlStore> other = openStore(); // the other node
        QCOMPARE(other->pruneEvents(cutoff, 5), m.highestDeleted);
        QCOMPARE(log.historyHorizon(key), m.highestDeleted);
        QCOMPARE(log.historyHorizon({StreamKind::Mission, u"org_1"_s, {}}), m.highestDeleted);
    }

    // EventLog runs the prune one step per event-loop pass: something queued before the prune
    // runs before it finishes, the horizon (which the gateway compares readers with) grows
    // step by step, a second prune() while one runs starts nothing, and pending events are
    // written before it starts.
    void eventLogPrunesInStepsBetweenOtherWork()
    {
        QRandomGenerator rng(3);
        QList<StoredEventPtr> all = randomLog(rng, 1, 6000, T0);
        QVERIFY(m_store->appendEvents(all));
        const qint64 cutoff = T0 + 10 * 5000;
        const int keep = 20;

        EventLog::Config config;
        config.retentionMs = 1000;
        config.keepPerStream = keep;
        EventLog log(m_store.get(), config);
        QList<qint64> horizons;
        connect(&log, &EventLog::pruneStepped, this, [&] {
            horizons << log.historyHorizon({StreamKind::Run, u"org_0"_s, {}});
        });
        log.append(u"org_0"_s, SignalEvent{u"crw_0"_s, u"busy"_s});
        QCOMPARE(log.pendingCount(), 1);
        bool queuedRan = false;
        qint64 stepsWhenQueuedRan = -1;
        QTimer::singleShot(0, this, [&] {
            queuedRan = true;
            stepsWhenQueuedRan = log.pruneStats().steps;
        });
        log.prune(cutoff + config.retentionMs);
        QCOMPARE(log.pendingCount(), 0); // written first
        all += m_store->eventsAfter(all.last()->seq, 10);
        QCOMPARE(all.size(), 6001);
        const test::PruneModel m = model(all, cutoff, keep);
        QVERIFY(log.isPruning());
        QVERIFY(!queuedRan);                           // prune() returned without running the job
        log.prune(cutoff + config.retentionMs + 5000); // ignored: one is running
        QSignalSpy finished(&log, &EventLog::pruneFinished);
        QVERIFY(finished.wait(60000));
        QVERIFY(!log.isPruning());
        QVERIFY(queuedRan);
        QVERIFY(stepsWhenQueuedRan < log.pruneStats().steps);
        QCOMPARE(log.pruneStats().prunes, 1);
        // Step by step: never lower, and many distinct values on the way to the final one.
        QVERIFY(std::is_sorted(horizons.begin(), horizons.end()));
        QVERIFY(QSet<qint64>(horizons.begin(), horizons.end()).size() >= 4);
        QCOMPARE(horizons.last(), m.highestDeleted);
        QCOMPARE(log.historyHorizon({StreamKind::Mission, u"org_1"_s, {}}), m.highestDeleted);
        QCOMPARE(log.pruneStats().events, qint64(all.size() - m.survivors.size()));
        QVERIFY(m.survivors.contains(6001)); // the signal appended first
        QCOMPARE(storedSeqs(), m.survivors);
        QCOMPARE(finished.size(), 1);
    }

    // Destroyed between two steps (a shutdown), the log leaves a consistent store: what is
    // gone is below the recorded horizon, nothing the model keeps is gone. The next prune (a
    // new log, as after a restart) finishes the job.
    void interruptedPruneIsFinishedByTheNext()
    {
        QRandomGenerator rng(5);
        const QList<StoredEventPtr> all = randomLog(rng, 1, 6000, T0);
        QVERIFY(m_store->appendEvents(all));
        const qint64 cutoff = T0 + 10 * 5000;
        const int keep = 3;
        const test::PruneModel m = model(all, cutoff, keep);
        EventLog::Config config;
        config.retentionMs = 1000;
        config.keepPerStream = keep;
        auto log = std::make_unique<EventLog>(m_store.get(), config);
        QSignalSpy stepped(log.get(), &EventLog::pruneStepped);
        log->prune(cutoff + config.retentionMs);
        // Back here right after a step that deleted something, before the next one.
        while (log->pruneStats().events == 0)
            QVERIFY(stepped.wait(30000));
        QVERIFY(log->isPruning());
        const qint64 horizon = log->historyHorizon({});
        log.reset();

        QCOMPARE(m_store->prunedHorizon(), horizon);
        const QSet<qint64> left = storedSeqs();
        qint64 gone = 0;
        for (const auto &e : all) {
            if (!left.contains(e->seq)) {
                QVERIFY(e->seq <= horizon);
                QVERIFY(!m.survivors.contains(e->seq));
                ++gone;
            }
        }
        QVERIFY(gone > 0);
        QVERIFY(left.size() > m.survivors.size()); // really interrupted

        EventLog next(m_store.get(), config);
        QCOMPARE(next.historyHorizon({}), horizon);
        QSignalSpy finished(&next, &EventLog::pruneFinished);
        next.prune(cutoff + config.retentionMs);
        QVERIFY(finished.wait(60000));
        QCOMPARE(storedSeqs(), m.survivors);
        QCOMPARE(next.historyHorizon({}), m.highestDeleted);
        QCOMPARE(m_store->prunedHorizon(), m.highestDeleted);
    }

    // stopPrune() (the server's shutdown) ends it between two steps the same way.
    void stopPruneEndsBetweenSteps()
    {
        QRandomGenerator rng(9);
        const QList<StoredEventPtr> all = randomLog(rng, 1, 4000, T0);
        QVERIFY(m_store->appendEvents(all));
        EventLog::Config config;
        config.retentionMs = 1000;
        config.keepPerStream = 2;
        EventLog log(m_store.get(), config);
        QSignalSpy finished(&log, &EventLog::pruneFinished);
        QSignalSpy stepped(&log, &EventLog::pruneStepped);
        log.prune(T0 + 10 * 3000 + config.retentionMs);
        while (log.pruneStats().events == 0)
            QVERIFY(stepped.wait(30000));
        QVERIFY(log.isPruning());
        log.stopPrune();
        QVERIFY(!log.isPruning());
        QCOMPARE(finished.size(), 1);
        const qint64 steps = log.pruneStats().steps;
        QTest::qWait(50); // no step runs any more
        QCOMPARE(log.pruneStats().steps, steps);
        QCOMPARE(m_store->prunedHorizon(), log.historyHorizon({}));
    }
};

QTEST_GUILESS_MAIN(TestPrune)
#include "tst_prune.moc"
