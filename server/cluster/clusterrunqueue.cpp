#include "server/cluster/clusterrunqueue.h"

#include "server/redis/rediscommands.h"
#include "shared/logging.h"
#include "shared/timeutil.h"

#include <QDateTime>

namespace crewdeck::server {

using namespace Qt::StringLiterals;

namespace {
const QByteArray Stream = QByteArrayLiteral("crewdeck:runs");
const QByteArray Group = QByteArrayLiteral("workers");
const QByteArray Workers = QByteArrayLiteral("crewdeck:workers");
constexpr int BlockMs = 2000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

ClusterRunQueue::ClusterRunQueue(const QString &redisUrl, Store *store, EventLog *log,
                                 CrewStatusTracker *crews, ClusterBus *bus, RunQueue *local,
                                 Config config, QObject *parent)
    : QObject(parent), m_store(store), m_log(log), m_crews(crews), m_bus(bus), m_local(local),
      m_config(std::move(config)), m_cmd(redisUrl, this), m_block(redisUrl, this)
{
    m_heartbeat.setInterval(m_config.heartbeatMs);
    connect(&m_heartbeat, &QTimer::timeout, this, &ClusterRunQueue::heartbeat);
    m_sweep.setInterval(m_config.sweepMs);
    connect(&m_sweep, &QTimer::timeout, this, &ClusterRunQueue::sweep);
    m_readSoon.setSingleShot(true);
    m_readSoon.setInterval(0);
    connect(&m_readSoon, &QTimer::timeout, this, &ClusterRunQueue::readMore);
    connect(&m_cmd, &RedisClientBase::ready, this, &ClusterRunQueue::onReady);
    connect(&m_block, &RedisClientBase::ready, this, [this] { m_readSoon.start(); });
    connect(m_bus, &ClusterBus::cancelRequested, this, [this](const QString &runId) {
        if (m_local && m_local->has(runId))
            m_local->cancel(runId);
    });
    if (m_local) {
        connect(m_local, &RunQueue::runFinished, this,
                [this](const QString &runId, const QString &) { ack(runId); });
        connect(m_local, &RunQueue::runSkipped, this, &ClusterRunQueue::ack);
    }
    // Crew statuses follow the cluster: reconcile soon after any local change.
    m_crews->setClusterMode(
        [this] { QTimer::singleShot(0, this, &ClusterRunQueue::reconcileCrews); });
}

ClusterRunQueue::~ClusterRunQueue() = default;

void ClusterRunQueue::start()
{
    m_cmd.open();
    if (m_local)
        m_block.open();
    m_heartbeat.start();
    m_sweep.start();
}

void ClusterRunQueue::shutdown()
{
    m_stopping = true;
    m_heartbeat.stop();
    m_sweep.stop();
    if (m_config.worker && m_cmd.isReady())
        m_cmd.command({"ZREM", Workers, m_config.nodeId.toUtf8()});
}

void ClusterRunQueue::onReady()
{
    m_readySinceMs = nowMs();
    // MKSTREAM + from "0": entries added before the group existed are still delivered; a
    // duplicate delivery is harmless because claiming a run is a compare-and-set.
    rediscmd::xgroupCreate(
        m_cmd, Stream, Group,
        [this](const rediscmd::Result<bool> &r) {
            if (!r.ok()) {
                qCWarning(lcRedis) << "cannot create the run stream group:" << r.error;
                return;
            }
            m_groupReady = true;
            const QSet<QString> unsent = std::exchange(m_unsent, {});
            for (const QString &runId : unsent)
                enqueue(runId);
            m_readSoon.start();
            heartbeat();
        },
        "0");
}

void ClusterRunQueue::enqueue(const QString &runId)
{
    rediscmd::xadd(m_cmd, Stream, {{QByteArrayLiteral("run"), runId.toUtf8()}},
                   [this, runId](const rediscmd::Result<QByteArray> &r) {
                       if (!r.ok()) {
                           // Redis is away: the run stays queued in the store and is sent
                           // again as soon as Redis answers (or by the sweep).
                           m_unsent.insert(runId);
                       }
                   });
}

bool ClusterRunQueue::cancel(const QString &runId)
{
    if (m_local && m_local->has(runId))
        return m_local->cancel(runId);
    const auto job = m_store->runJob(runId);
    if (!job)
        return false;
    if (m_store->cancelQueuedRun(runId, nowMs())) {
        m_log->append(job->orgId, RunStatusEvent{job->crewId, runId, RunState::Cancelled});
        return true;
    }
    const auto run = m_store->run(job->orgId, runId);
    if (!run || RunState::isFinal(run->status))
        return false;
    // Running on some worker: ask them all; the one running it cancels its tool.
    m_bus->publishCancel(runId);
    return true;
}

void ClusterRunQueue::readMore()
{
    if (!m_local || m_stopping || m_reading || !m_groupReady || !m_block.isReady())
        return;
    const int free = m_local->maxConcurrent() - m_local->runningCount() - m_local->queuedCount();
    if (free <= 0)
        return;
    m_reading = true;
    rediscmd::xreadgroup(m_block, Stream, Group, m_config.nodeId.toUtf8(), free, BlockMs,
                         [this](const rediscmd::Result<QList<rediscmd::StreamEntry>> &r) {
                             m_reading = false;
                             if (!r.ok()) {
                                 if (r.error.startsWith("NOGROUP"))
                                     m_groupReady = false, onReady();
                                 else if (!m_stopping)
                                     QTimer::singleShot(500, this, &ClusterRunQueue::readMore);
                                 return;
                             }
                             for (const auto &e : r.value)
                                 handleClaimed(e.id, QString::fromUtf8(e.fields.value("run")));
                             m_readSoon.start();
                         });
}

void ClusterRunQueue::handleClaimed(const QByteArray &entryId, const QString &runId)
{
    if (runId.isEmpty()) {
        m_cmd.command({"XACK", Stream, Group, entryId});
        return;
    }
    m_entryOf.insert(runId, entryId);
    if (!m_local->has(runId))
        m_local->enqueue(runId);
}

void ClusterRunQueue::ack(const QString &runId)
{
    const QByteArray id = m_entryOf.value(runId);
    m_entryOf.remove(runId);
    if (!id.isEmpty())
        m_cmd.command({"XACK", Stream, Group, id});
    m_readSoon.start();
}

void ClusterRunQueue::heartbeat()
{
    if (m_stopping || !m_cmd.isReady())
        return;
    const qint64 now = nowMs();
    if (m_config.worker)
        m_cmd.command({"ZADD", Workers, QByteArray::number(now + m_config.heartbeatTtlMs),
                       m_config.nodeId.toUtf8()});
    m_cmd.command({"ZREMRANGEBYSCORE", Workers, "-inf", QByteArray::number(now)});
    m_cmd.command(
        {"ZRANGEBYSCORE", Workers, QByteArray::number(now), "+inf"}, [this](const RedisReply &r) {
            if (!r.isArray())
                return;
            QSet<QByteArray> alive;
            for (const RedisReply &e : r.elements)
                alive.insert(e.str);
            m_aliveWorkers = int(alive.size());
            // A Redis that restarted has lost the worker set: until every live worker had one
            // heartbeat period (TTL) to announce itself again, "nobody" only means "not yet", and
            // the crews must not flap offline.
            if (alive.isEmpty() && nowMs() - m_readySinceMs < m_config.heartbeatTtlMs && !m_local)
                return;
            reconcileCrews();
            // Every node, API nodes too, settles the runs of lost workers: with the only worker
            // gone, nobody else would.
            recoverLost();
        });
}

void ClusterRunQueue::reconcileCrews()
{
    // Without Redis we cannot know who is alive: keep the statuses as they are.
    if (!m_cmd.isReady())
        return;
    m_crews->reconcile(m_aliveWorkers > 0 || (m_local && !m_stopping));
}

void ClusterRunQueue::recoverLost()
{
    // Entries delivered to consumers whose heartbeat expired: claim them and settle them.
    m_cmd.command({"XPENDING", Stream, Group, "-", "+", "100"}, [this](const RedisReply &r) {
        if (!r.isArray() || m_stopping)
            return;
        m_cmd.command({"ZRANGEBYSCORE", Workers, QByteArray::number(nowMs()), "+inf"},
                      [this, pending = r](const RedisReply &aliveReply) {
                          if (!aliveReply.isArray())
                              return;
                          QSet<QByteArray> alive;
                          for (const RedisReply &e : aliveReply.elements)
                              alive.insert(e.str);
                          if (m_config.worker)
                              alive.insert(m_config.nodeId.toUtf8());
                          QList<QByteArray> lost;
                          for (const RedisReply &p : pending.elements) {
                              if (p.elements.size() < 3)
                                  continue;
                              const QByteArray consumer = p.elements.at(1).str;
                              if (!alive.contains(consumer) &&
                                  p.elements.at(2).integer >= m_config.heartbeatTtlMs)
                                  lost.append(p.elements.at(0).str);
                          }
                          if (lost.isEmpty())
                              return;
                          QList<QByteArray> argv{"XCLAIM", Stream, Group, m_config.nodeId.toUtf8(),
                                                 QByteArray::number(m_config.heartbeatTtlMs)};
                          argv += lost;
                          m_cmd.command(argv, [this](const RedisReply &claimed) {
                              QList<rediscmd::StreamEntry> entries;
                              if (!rediscmd::parseEntries(claimed, &entries))
                                  return;
                              for (const auto &e : entries) {
                                  const QString runId = QString::fromUtf8(e.fields.value("run"));
                                  const auto job = m_store->runJob(runId);
                                  const auto run =
                                      job ? m_store->run(job->orgId, runId) : std::nullopt;
                                  if (run && run->status == RunState::Queued && m_local) {
                                      qCInfo(lcRuns)
                                          << "run" << runId << "taken over from a lost worker";
                                      handleClaimed(e.id, runId);
                                      continue;
                                  }
                                  if (run && run->status == RunState::Queued) {
                                      // An API node runs nothing: back into the stream for
                                      // the next live worker.
                                      m_cmd.command({"XACK", Stream, Group, e.id});
                                      enqueue(runId);
                                      continue;
                                  }
                                  if (run && run->status == RunState::Running)
                                      failLostRun(*job);
                                  m_cmd.command({"XACK", Stream, Group, e.id});
                              }
                          });
                      });
    });
}

void ClusterRunQueue::failLostRun(const RunJob &job)
{
    const qint64 now = nowMs();
    // The run row is the lease's compare-and-set: of the nodes that saw the worker's lease
    // expire, only the one that moves the row reports the end (one tool_end, one run_status).
    const QList<ToolCall> running = m_store->runningToolCalls(job.runId);
    if (!m_store->markRunFinished(job.runId, RunState::Failed, now))
        return;
    for (const ToolCall &call : running) {
        const qint64 duration =
            call.startedAt.isValid() ? qMax<qint64>(0, now - toMs(call.startedAt)) : 0;
        m_store->finishToolCall(call.id, CallState::Failed, std::nullopt, duration, {});
        m_log->append(job.orgId,
                      ToolEndEvent{job.crewId, job.runId, call.agentId, call.id, call.tool,
                                   duration, CallState::Failed, std::nullopt, u"worker lost"_s});
    }
    m_log->append(job.orgId, RunStatusEvent{job.crewId, job.runId, RunState::Failed});
    qCWarning(lcRuns) << "run" << job.runId << "failed: its worker was lost";
    reconcileCrews();
}

void ClusterRunQueue::sweep()
{
    if (m_stopping || !m_cmd.isReady())
        return;
    const qint64 cutoff = nowMs() - m_config.sweepMs;
    for (const RunJob &job : m_store->runsInStatus(RunState::Queued)) {
        if (toMs(job.createdAt) < cutoff && !(m_local && m_local->has(job.runId)))
            enqueue(job.runId);
    }
}

} // namespace crewdeck::server
