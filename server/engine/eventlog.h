#pragma once
#include "server/model/store.h"
#include "server/model/streams.h"

#include <QList>
#include <QTimer>

namespace crewdeck::server {

// The single source of truth for live events: allocates each event's seq, serialises it
// once, writes batches in one store transaction per event-loop tick, and only then publishes
// (so that REST `/runs/{id}/events`, socket resume and live delivery read the same truth).
// Thread: main thread only.
class EventLog : public EventSource
{
    Q_OBJECT
public:
    struct Config
    {
        int flushIntervalMs = 0;     // 0: flush on the next event-loop pass
        int maxBatch = 5000;         // flush at once when this many are pending
        qint64 retentionMs = 7LL * 24 * 3600 * 1000; // at least 24 h is promised
        int keepPerStream = 10000;   // the newest N of every stream survive pruning
    };

    EventLog(Store *store, Config config, QObject *parent = nullptr);
    ~EventLog() override;

    // Queues an event; returns its seq. orgId is the org the event belongs to (the crew
    // owner's for signals, the run's org for run events).
    qint64 append(const QString &orgId, const EventBody &body);
    // Writes everything pending now (also called before shutdown).
    void flush();
    // Deletes old history (runs periodically from the owner).
    void prune(qint64 nowMs);

    qint64 appendedCount() const { return m_appended; }

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
};

} // namespace crewdeck::server
