#pragma once
#include "server/cluster/clusterbus.h"
#include "server/engine/crewstatus.h"
#include "server/engine/eventlog.h"
#include "server/engine/runqueue.h"
#include "server/model/runscheduler.h"
#include "server/model/store.h"
#include "server/redis/redisconnection.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace crewdeck::server {

// The run queue of a cluster, on a Redis Stream with one consumer group:
//  - every node (api, worker, all) enqueues with XADD; a run whose XADD failed (Redis away)
//    is re-sent when Redis is back, and a sweep re-sends runs that stayed queued too long;
//  - worker nodes (worker, all) read with XREADGROUP as many runs as they have free slots,
//    claim each in the store (queued -> running, a compare-and-set, so a redelivered entry
//    never runs twice), execute it with the local RunQueue and XACK it when it ends;
//  - workers announce themselves in a sorted set with an expiry (heartbeat); crews are
//    offline while no worker is alive;
//  - a run pending on a consumer whose heartbeat expired is claimed by a live worker
//    (XPENDING + XCLAIM): still queued -> it runs; running -> it is marked failed
//    ("worker lost"), with a tool_end for its running tool call; final -> just acked;
//  - cancel reaches the worker running the run through ClusterBus.
// Thread: main thread only.
class ClusterRunQueue : public QObject, public RunScheduler
{
    Q_OBJECT
public:
    struct Config
    {
        QString nodeId;
        bool worker = true; // executes runs (role worker or all)
        int heartbeatMs = 2000;
        int heartbeatTtlMs = 6000; // a worker silent this long is gone
        int sweepMs = 15000;       // re-send runs queued in the store for longer than this
    };

    ClusterRunQueue(const QString &redisUrl, Store *store, EventLog *log, CrewStatusTracker *crews,
                    ClusterBus *bus, RunQueue *local, Config config, QObject *parent = nullptr);
    ~ClusterRunQueue() override;

    void start();
    void shutdown();
    bool isReady() const { return m_cmd.isReady(); }
    int aliveWorkers() const { return m_aliveWorkers; }

    // RunScheduler
    void enqueue(const QString &runId) override;
    bool cancel(const QString &runId) override;

private:
    void onReady();
    void readMore();
    void heartbeat();
    void reconcileCrews();
    void recoverLost();
    void sweep();
    void ack(const QString &runId);
    void failLostRun(const RunJob &job);
    void handleClaimed(const QByteArray &entryId, const QString &runId);

    Store *m_store;
    EventLog *m_log;
    CrewStatusTracker *m_crews;
    ClusterBus *m_bus;
    RunQueue *m_local; // null on api-only nodes
    Config m_config;
    RedisConnection m_cmd;
    RedisConnection m_block; // XREADGROUP BLOCK has its own connection
    QTimer m_heartbeat;
    QTimer m_sweep;
    QTimer m_readSoon;
    bool m_reading = false;
    bool m_groupReady = false;
    bool m_stopping = false;
    int m_aliveWorkers = 0;
    qint64 m_readySinceMs = 0;            // last (re)connect to Redis
    QSet<QString> m_unsent;               // run ids whose XADD did not go through
    QHash<QString, QByteArray> m_entryOf; // run id -> stream entry id (ours, unacked)
};

} // namespace crewdeck::server
