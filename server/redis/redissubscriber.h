#pragma once
#include "server/redis/redisclientbase.h"

#include <QByteArray>
#include <QSet>

namespace crewdeck::server {

// A dedicated Redis connection in subscribe mode, integrated in the Qt event loop of the
// owner thread. See RedisClientBase for the URL format, states, reconnect and liveness.
//
// The subscription set is remembered: subscribe() works in any state, and after every
// reconnect all channels and patterns are subscribed again, then resubscribed() is emitted.
// Redis pub/sub is at-most-once: messages published while the link was down are lost, so
// owners should catch up from durable storage on resubscribed().
//
// Liveness: hiredis 0.14 cannot route a PING answer in subscribe mode to a callback, so the
// subscriber psubscribes a private literal pattern (crewdeck:liveness:<uuid>) and sends
// "PING <that pattern>"; hiredis then routes the ["pong", pattern] answer through it.
class RedisSubscriber : public RedisClientBase
{
    Q_OBJECT
public:
    explicit RedisSubscriber(const QString &url, QObject *parent = nullptr);
    ~RedisSubscriber() override;

    void subscribe(const QByteArray &channel);
    void psubscribe(const QByteArray &pattern);
    void unsubscribe(const QByteArray &channel);
    void punsubscribe(const QByteArray &pattern);

    QSet<QByteArray> channels() const { return m_channels; }
    QSet<QByteArray> patterns() const { return m_patterns; }

Q_SIGNALS:
    void message(const QByteArray &channel, const QByteArray &payload);
    void patternMessage(const QByteArray &pattern, const QByteArray &channel,
                        const QByteArray &payload);
    // The server confirmed a subscription (also after each reconnect).
    void subscribed(const QByteArray &channel);
    void psubscribed(const QByteArray &pattern);
    // Everything was subscribed again after a reconnect (not emitted for the first connect).
    void resubscribed();

protected:
    void linkUp() override;
    void sendLivenessPing() override;

private:
    static void subscriptionCallback(struct redisAsyncContext *ac, void *reply, void *privdata);
    void sendArgv(const QList<QByteArray> &argv);

    QSet<QByteArray> m_channels;
    QSet<QByteArray> m_patterns;
    QByteArray m_livenessPattern;
};

} // namespace crewdeck::server
