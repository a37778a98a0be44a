#pragma once
#include "server/engine/eventlog.h"
#include "server/redis/redisconnection.h"
#include "server/redis/redissubscriber.h"

#include <QObject>

namespace crewdeck::server {

// Live fan-out between server nodes over Redis pub/sub. Each node publishes the events it
// commits on channels named after their streams (`crewdeck:ev:{org}:run:{run}`,
// `...:graph:{crew}`, `...:mission:{crew}`); every node pattern-subscribes to all of them and,
// on any message, tails the shared store from its last published seq. Redis carries the
// *news*; the store carries the *truth* (seq order = commit order), so a message lost while
// Redis is away costs latency, never an event: the event log also polls the store, faster
// while Redis is down. Also carries run cancellation requests to the worker running the run.
// Thread: main thread only.
class ClusterBus : public QObject
{
    Q_OBJECT
public:
    ClusterBus(const QString &redisUrl, EventLog *log, QObject *parent = nullptr);

    bool open(QString *error);
    bool isReady() const;
    // Asks every node to cancel this run if it executes it.
    void publishCancel(const QString &runId);

    static QByteArray channelFor(const StoredEvent &e, bool graph);

Q_SIGNALS:
    void cancelRequested(const QString &runId);
    void readyChanged(bool ready);

private:
    void publishCommitted(const QList<StoredEventPtr> &events);
    void updateReadiness();

    EventLog *m_log;
    RedisConnection m_pub;
    RedisSubscriber m_sub;
    bool m_ready = false;
};

} // namespace crewdeck::server
