#pragma once
#include "server/model/store.h"
#include "server/model/streams.h"

#include <QElapsedTimer>
#include <QList>
#include <QTimer>

#include <functional>

namespace crewdeck::server {

// The single source of truth for live events: allocates each event's seq, serialises it
// once, writes batches in one store transaction per event-loop tick, and only then publishes
// (so that REST `/runs/{id}/events`, socket resume and live delivery read the same truth).
//
// Two modes:
//  - local (one node, SQLite): seqs are allocated here, in memory, and each batch is
//    published right after it is stored.
//  - shared (several nodes on one PostgreSQL): the store allocates seqs under its event
//    lock, so commit order equals seq order across nodes. Every node publishes events in seq
//    order, each once: its own batches right after they commit and other nodes' as the
//    cluster bus brings them (deliver()), as long as they continue the published sequence;
//    at a gap it *tails* the store (`seq > last published`, in order). A poll timer tails
//    too, so nothing is lost while Redis is away: it is only slower.
// Thread: main thread only.
class EventLog : public EventSource
{
    Q_OBJECT
public:
    struct Config
    {
        int flushIntervalMs = 0; // 0: flush on the next event-loop pass
        // Under load, batches are written at most this often: an event after a quiet spell
        // goes out on the next pass, a stream of them in one transaction per gap instead of
        // one per pass. Bounds the added latency. 1 ms since the gateway paces its own writes
        // (WritePacer): the two waits add up, and 2 ms here cost ~2-3 ms of fan-out p99 for
        // no CPU saved (docs/benchmarks.md, "Quiet before/after, and write pacing").
        int minFlushGapMs = 1;
        int maxBatch = 5000;                         // flush at once when this many are pending
        qint64 retentionMs = 7LL * 24 * 3600 * 1000; // at least 24 h is promised
        int keepPerStream = 10000;                   // the newest N of every stream survive pruning
        bool shared = false;                         // several nodes share the store (see above)
        int pollIntervalMs = 1000;                   // shared: tail the store at least this often
        int retryIntervalMs = 500; // a batch the store refused is retried this often
        int maxPending = 200000;   // beyond this, the oldest unstored events are dropped
        // The pause between two prune steps. A step holds the main thread for a few ms; with a
        // pause about as long, a socket that becomes ready while a prune runs waits half as
        // often, for a prune that takes a little longer in all (docs/benchmarks.md, "Event
        // store: pruning in steps"). Not a flag: the hourly prune's length hardly matters.
        int pruneStepGapMs = 2;
    };

    EventLog(Store *store, Config config, QObject *parent = nullptr);
    ~EventLog() override;

    // Queues an event. orgId is the org the event belongs to (the crew owner's for signals,
    // the run's org for run events). Its seq is known once it is stored.
    void append(const QString &orgId, const EventBody &body);
    // Writes everything pending now (also called before shutdown).
    void flush();
    // Shared mode: another node committed events; read them from the store soon.
    void notifyRemote();
    // Shared mode: reads and publishes everything committed after the last published seq.
    void tail();
    // Shared mode: committed events (ascending seqs; ours or another node's) published as they
    // are while they continue the published sequence; at the first gap the store fills it
    // (tail()). Events already published are skipped, so each goes out once.
    void deliver(const QList<StoredEventPtr> &events);
    bool isShared() const { return m_config.shared; }
    // The milliseconds until the live consumer's next write pass (the gateway's WritePacer;
    // 0: right away). Batches wait for it instead of committing earlier and then waiting
    // there: one store transaction per write pass instead of about three, for a tenth of the
    // server's CPU per message and ~2 ms of p95 at 1 M msgs/s (docs/benchmarks.md, "Commits
    // aligned with write passes"). Main thread.
    void setDeliveryPace(std::function<int()> msUntilNextPass)
    {
        m_deliveryPace = std::move(msUntilNextPass);
    }
    void setPollInterval(int ms) { m_pollTimer.setInterval(ms); }
    int pendingCount() const { return int(m_pending.size()); }
    // Starts deleting old history (the owner calls it hourly): the pending events are written
    // first, then the store's prune job (Store::startPrune) runs one short step per event-loop
    // pass, the horizon following each committed step. A prune still running is left to
    // finish: never two at once. Main thread.
    void prune(qint64 nowMs);
    // Stops a running prune between two steps (shutdown); the next prune finishes the job.
    void stopPrune();
    bool isPruning() const { return m_prune != nullptr; }
    // What pruning did since this log was created (/metrics).
    struct PruneStats
    {
        qint64 prunes = 0;     // prunes started
        qint64 steps = 0;      // steps run (the start, a binary search, counts as one)
        qint64 events = 0;     // events deleted
        qint64 longestNs = 0;  // the longest step: how long pruning held the main thread
        qint64 lastStepNs = 0; // the step that ran last
        qint64 lastBusyNs = 0; // the last prune: its steps' time, summed
        qint64 lastWallNs = 0; // the last finished prune: from start to end
    };
    const PruneStats &pruneStats() const { return m_pruneStats; }

    qint64 appendedCount() const { return m_appended; }

Q_SIGNALS:
    // This node's events, right after the store accepted them (with their final seqs): the
    // cluster bus publishes them to the other nodes.
    void committed(const QList<crewdeck::server::StoredEventPtr> &events);
    // A prune step committed (the horizon may have grown), and a prune ended (done, failed or
    // stopped).
    void pruneStepped();
    void pruneFinished();

public:
    // EventSource
    QList<StoredEventPtr> history(const StreamKey &key, qint64 since, int limit) override;
    qint64 latestSeq(const StreamKey &key) override;
    qint64 historyHorizon(const StreamKey &key) override;
    qint64 globalLatestSeq() override;

private:
    Store *m_store;
    Config m_config;
    qint64 m_nextSeq = 1;
    qint64 m_lastPublished = 0;
    qint64 m_horizon = 0;
    qint64 m_appended = 0;
    QList<StoredEventPtr> m_pending;
    QTimer m_flushTimer;
    QElapsedTimer m_clock;
    qint64 m_lastFlushMs = -1000000; // long ago
    QTimer m_pollTimer;
    QTimer m_tailSoon;
    std::function<int()> m_deliveryPace;

    void pruneStep();
    void endPrune();
    void countPruneStep(qint64 ns);
    std::unique_ptr<EventPruneJob> m_prune; // the running prune, if any
    QTimer m_pruneTimer;                    // its next step
    qint64 m_pruneStartNs = 0;
    PruneStats m_pruneStats;
};

} // namespace crewdeck::server
