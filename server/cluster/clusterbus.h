#pragma once
#include "server/engine/eventlog.h"
#include "server/redis/redisconnection.h"
#include "server/redis/redissubscriber.h"

#include <QObject>

namespace crewdeck::server {

// Live fan-out between server nodes over Redis pub/sub. Each node publishes every batch of
// events it commits (seq, org, crew, run, type, time and the wire frame, once per event) on
// `crewdeck:events`; every node subscribes to it and hands the events to its event log, which
// delivers them to its clients straight from the message while they continue its published
// seq, and reads the shared store only to fill a gap (a batch overtaken by another node's, a
// message lost while Redis was away, a reconnect). The store stays the truth (seq order =
// commit order): a lost message costs latency, never an event; the event log also polls the
// store, faster while Redis is down. Why frames rather than wake-ups: docs/architecture.md.
// Also carries run cancellation requests to the worker running the run.
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

Q_SIGNALS:
    void cancelRequested(const QString &runId);
    void readyChanged(bool ready);

private:
    void publishCommitted(const QList<StoredEventPtr> &events);
    void onEvents(const QByteArray &payload);
    void updateReadiness();

    EventLog *m_log;
    RedisConnection m_pub;
    RedisSubscriber m_sub;
    bool m_ready = false;
};

} // namespace crewdeck::server
