#pragma once
#include "server/redis/redisclientbase.h"
#include "server/redis/redisreply.h"

#include <QByteArray>
#include <QList>
#include <functional>

namespace crewdeck::server {

// A Redis connection for request/reply commands, integrated in the Qt event loop of the
// thread that owns it (normally the main thread). See RedisClientBase for the URL format,
// states, reconnect and liveness.
//
// On connect it sends AUTH (if the URL carries a password) and SELECT <db>; it becomes Ready
// when SELECT succeeds.
//
// Callback contract (command() and blockingCommand()):
//  - Each callback is called exactly once with the reply (possibly an Error reply), on the
//    owner thread, never from inside command() itself.
//  - Commands issued while the connection is not Ready fail at once: the callback gets an
//    Error reply "not connected ..." from the event loop. The connection does NOT queue or
//    retry them; the caller decides (e.g. retry on ready()).
//  - Commands pending when the link dies get an Error reply starting with "connection lost".
//    They may or may not have been executed by the server.
//  - If the RedisConnection is destroyed, pending callbacks are dropped without being called
//    (they typically capture the owner, which is being destroyed too).
//  - Pub/sub and MONITOR commands are refused: use RedisSubscriber.
class RedisConnection : public RedisClientBase
{
    Q_OBJECT
public:
    using Callback = std::function<void(const RedisReply &)>;

    explicit RedisConnection(const QString &url, QObject *parent = nullptr);
    ~RedisConnection() override;

    // Sends argv (binary-safe, e.g. {"SET", key, value}). Returns false if the command could
    // not be sent (the callback then gets the Error reply asynchronously).
    bool command(const QList<QByteArray> &argv, Callback callback = {});

    // For commands that block on the server (XREADGROUP ... BLOCK ms, BLPOP ...): also
    // stretches the liveness deadline so the ping queued behind it does not time out.
    // blockMs is the finite server-side block time; never block forever (BLOCK 0, BLPOP k 0)
    // on a RedisConnection: the liveness check would drop the link after about 3 s.
    // Everything sent after a blocking command waits for it, so use a dedicated
    // RedisConnection for blocking reads.
    bool blockingCommand(const QList<QByteArray> &argv, int blockMs, Callback callback = {});

    // Commands sent and not yet answered (excluding internal pings).
    int pendingCount() const { return m_pending; }

protected:
    void linkUp() override;
    void sendLivenessPing() override;

private:
    struct Pending;
    static void replyCallback(struct redisAsyncContext *ac, void *reply, void *privdata);
    bool send(const QList<QByteArray> &argv, Callback callback, bool internal);
    void failLater(Callback callback, const QByteArray &message);

    int m_pending = 0;
};

} // namespace crewdeck::server
