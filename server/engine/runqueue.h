#pragma once
#include "server/engine/crewstatus.h"
#include "server/engine/eventlog.h"
#include "server/model/runscheduler.h"
#include "server/model/store.h"
#include "server/runs/runexecutor.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QQueue>

namespace crewdeck::server {

class RunContext;

// Queued runs -> a bounded pool of executors (local worker). One run per crew at a time (a
// crew is one team: its status is `busy` while it works); runs of other crews run in
// parallel up to maxConcurrent. Each run's progress goes to the store and the event log.
// Thread: main thread only.
class RunQueue : public QObject, public RunScheduler
{
    Q_OBJECT
public:
    struct Config
    {
        int maxConcurrent = 2;
        RunExecutor::Config executor;
    };

    RunQueue(Store *store, EventLog *log, CrewStatusTracker *crews, Config config,
             QObject *parent = nullptr);
    ~RunQueue() override;

    // Marks runs left `running` by a previous process as failed ("interrupted"), with a
    // tool_end for each running tool call and a final run_status; re-queues `queued` runs.
    void recover();
    // Cancels everything running (shutdown); `finished` is emitted when all are recorded.
    void shutdown();
    bool isIdle() const { return m_active.isEmpty(); }
    int runningCount() const { return int(m_active.size()); }
    int queuedCount() const { return int(m_queue.size()); }
    int maxConcurrent() const { return m_config.maxConcurrent; }
    bool has(const QString &runId) const
    {
        return m_active.contains(runId) || m_queue.contains(runId);
    }

    // RunScheduler
    void enqueue(const QString &runId) override;
    bool cancel(const QString &runId) override;

Q_SIGNALS:
    void runFinished(const QString &runId, const QString &status);
    // A run handed to us was not queued any more when its turn came (nothing ran).
    void runSkipped(const QString &runId);
    void idle();

private:
    friend class RunContext;
    void pump();
    void onContextDone(RunContext *ctx);

    Store *m_store;
    EventLog *m_log;
    CrewStatusTracker *m_crews;
    Config m_config;
    QQueue<QString> m_queue;               // run ids, FIFO
    QHash<QString, RunContext *> m_active; // run id -> context
    QHash<QString, QString> m_busyCrews;   // crew id -> run id
    bool m_shuttingDown = false;
};

} // namespace crewdeck::server
