#include "server/engine/runqueue.h"

#include "shared/logging.h"
#include "shared/timeutil.h"

#include <QDateTime>

namespace crewdeck::server {

using namespace Qt::StringLiterals;

// Bridges one RunExecutor to the store and the event log. Lives as long as its run executes.
class RunContext : public QObject, public RunSink
{
public:
    RunContext(RunQueue *queue, RunJob job) : QObject(queue), m_queue(queue), m_job(std::move(job))
    {
    }

    // False when the run is no longer queued (cancelled meanwhile, or another worker of the
    // cluster claimed it first): nothing is executed or recorded then.
    bool start()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (!m_queue->m_store->claimRun(m_job.runId, now))
            return false;
        m_queue->m_crews->runStarted(m_job.crewId);
        m_queue->m_log->append(m_job.orgId,
                               RunStatusEvent{m_job.crewId, m_job.runId, RunState::Running});
        m_executor = new RunExecutor(m_job, m_queue->m_config.executor, this, this);
        QObject::connect(m_executor, &RunExecutor::done, this,
                         [this] { m_queue->onContextDone(this); });
        m_executor->start();
        return true;
    }

    void cancel()
    {
        if (m_executor)
            m_executor->cancel();
    }

    const RunJob &job() const { return m_job; }
    QString finalStatus() const { return m_finalStatus; }

    // RunSink (called synchronously by the executor on the main thread)
    QString toolStarted(const QString &agentId, const QString &tool,
                        const QJsonObject &params) override
    {
        const ToolCall call = m_queue->m_store->startToolCall(m_job.runId, agentId, tool, params,
                                                              QDateTime::currentMSecsSinceEpoch());
        m_agentOf.insert(call.id, agentId);
        m_toolOf.insert(call.id, tool);
        m_queue->m_log->append(
            m_job.orgId, ToolStartEvent{m_job.crewId, m_job.runId, agentId, call.id, tool, params});
        return call.id;
    }

    void toolOutput(const QString &toolCallId, const QString &text,
                    std::optional<int> progress) override
    {
        m_queue->m_log->append(m_job.orgId, ToolProgressEvent{m_job.crewId, m_job.runId,
                                                              m_agentOf.value(toolCallId),
                                                              toolCallId, text, progress});
    }

    void toolTokens(const QString &, qint64 n) override
    {
        m_queue->m_store->addRunTokens(m_job.runId, n);
    }

    void toolFinished(const QString &toolCallId, const ToolOutcome &o) override
    {
        m_queue->m_store->finishToolCall(toolCallId, o.status, o.exitCode, o.durationMs,
                                         o.outputTail);
        ToolEndEvent end{m_job.crewId,
                         m_job.runId,
                         m_agentOf.value(toolCallId),
                         toolCallId,
                         m_toolOf.value(toolCallId),
                         o.durationMs,
                         o.status,
                         o.exitCode,
                         o.message};
        m_queue->m_log->append(m_job.orgId, end);
    }

    void runFinished(const QString &runStatus) override
    {
        m_finalStatus = runStatus;
        // Only the end that moved the row is reported: another node may have failed this run
        // already (its lease expired while this worker could not reach Redis).
        if (m_queue->m_store->markRunFinished(m_job.runId, runStatus,
                                              QDateTime::currentMSecsSinceEpoch()))
            m_queue->m_log->append(m_job.orgId,
                                   RunStatusEvent{m_job.crewId, m_job.runId, runStatus});
        else
            qCWarning(lcRuns) << "run" << m_job.runId
                              << "had already been ended elsewhere; not reported again";
        m_queue->m_crews->runFinished(m_job.crewId);
    }

private:
    RunQueue *m_queue;
    RunJob m_job;
    RunExecutor *m_executor = nullptr;
    QHash<QString, QString> m_agentOf;
    QHash<QString, QString> m_toolOf;
    QString m_finalStatus;
};

RunQueue::RunQueue(Store *store, EventLog *log, CrewStatusTracker *crews, Config config,
                   QObject *parent)
    : QObject(parent), m_store(store), m_log(log), m_crews(crews), m_config(std::move(config))
{
    if (m_config.maxConcurrent < 1)
        m_config.maxConcurrent = 1;
}

RunQueue::~RunQueue() = default;

void RunQueue::recover()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const RunJob &job : m_store->runsInStatus(RunState::Running)) {
        for (const ToolCall &call : m_store->runningToolCalls(job.runId)) {
            const qint64 duration =
                call.startedAt.isValid() ? qMax<qint64>(0, now - toMs(call.startedAt)) : 0;
            m_store->finishToolCall(call.id, CallState::Failed, std::nullopt, duration, {});
            m_log->append(job.orgId, ToolEndEvent{job.crewId, job.runId, call.agentId, call.id,
                                                  call.tool, duration, CallState::Failed,
                                                  std::nullopt, u"interrupted"_s});
        }
        m_store->markRunFinished(job.runId, RunState::Failed, now);
        m_log->append(job.orgId, RunStatusEvent{job.crewId, job.runId, RunState::Failed});
        qCInfo(lcRuns) << "run" << job.runId << "was interrupted by a server stop: marked failed";
    }
    m_log->flush();
    for (const RunJob &job : m_store->runsInStatus(RunState::Queued))
        enqueue(job.runId);
}

void RunQueue::shutdown()
{
    m_shuttingDown = true;
    // Queued runs stay queued in the store: the next start picks them up.
    m_queue.clear();
    for (RunContext *ctx : std::as_const(m_active))
        ctx->cancel();
    if (m_active.isEmpty())
        Q_EMIT idle();
}

void RunQueue::enqueue(const QString &runId)
{
    if (m_shuttingDown || m_queue.contains(runId) || m_active.contains(runId))
        return;
    m_queue.enqueue(runId);
    pump();
}

bool RunQueue::cancel(const QString &runId)
{
    if (RunContext *ctx = m_active.value(runId)) {
        ctx->cancel();
        return true;
    }
    if (m_queue.removeOne(runId)) {
        const auto job = m_store->runJob(runId);
        if (job) {
            m_store->markRunFinished(runId, RunState::Cancelled,
                                     QDateTime::currentMSecsSinceEpoch());
            m_log->append(job->orgId, RunStatusEvent{job->crewId, runId, RunState::Cancelled});
            Q_EMIT runFinished(runId, RunState::Cancelled);
        }
        return true;
    }
    // Not ours (yet): a queued run stored but not handed to us cannot be cancelled here.
    const auto job = m_store->runJob(runId);
    if (!job)
        return false;
    const auto stored = m_store->run(job->orgId, runId);
    if (!stored || RunState::isFinal(stored->status))
        return false;
    m_store->markRunFinished(runId, RunState::Cancelled, QDateTime::currentMSecsSinceEpoch());
    m_log->append(job->orgId, RunStatusEvent{job->crewId, runId, RunState::Cancelled});
    Q_EMIT runFinished(runId, RunState::Cancelled);
    return true;
}

void RunQueue::pump()
{
    if (m_shuttingDown)
        return;
    // FIFO, but a run whose crew is busy waits without blocking runs of other crews.
    for (qsizetype i = 0; i < m_queue.size() && m_active.size() < m_config.maxConcurrent;) {
        const QString runId = m_queue.at(i);
        const auto job = m_store->runJob(runId);
        if (!job) {
            m_queue.removeAt(i);
            continue;
        }
        if (m_busyCrews.contains(job->crewId)) {
            ++i;
            continue;
        }
        m_queue.removeAt(i);
        auto *ctx = new RunContext(this, *job);
        m_active.insert(runId, ctx);
        m_busyCrews.insert(job->crewId, runId);
        if (!ctx->start()) {
            m_active.remove(runId);
            m_busyCrews.remove(job->crewId);
            delete ctx;
            qCInfo(lcRuns) << "run" << runId << "is no longer queued: skipped";
            Q_EMIT runSkipped(runId);
        }
    }
}

void RunQueue::onContextDone(RunContext *ctx)
{
    const QString runId = ctx->job().runId;
    m_active.remove(runId);
    m_busyCrews.remove(ctx->job().crewId);
    Q_EMIT runFinished(runId, ctx->finalStatus());
    ctx->deleteLater();
    if (m_active.isEmpty() && m_shuttingDown) {
        m_log->flush();
        Q_EMIT idle();
        return;
    }
    pump();
}

} // namespace crewdeck::server
