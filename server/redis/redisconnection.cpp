#include "server/redis/redisconnection.h"

#include "server/redis/qtadapter.h"
#include "shared/logging.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

struct RedisConnection::Pending
{
    Callback callback;
    bool internal = false;
};

RedisConnection::RedisConnection(const QString &url, QObject *parent) : RedisClientBase(url, parent)
{
}

RedisConnection::~RedisConnection()
{
    shutdown();
}

bool RedisConnection::command(const QList<QByteArray> &argv, Callback callback)
{
    return send(argv, std::move(callback), false);
}

bool RedisConnection::blockingCommand(const QList<QByteArray> &argv, int blockMs, Callback callback)
{
    if (!send(argv, std::move(callback), false))
        return false;
    noteBlocking(blockMs);
    return true;
}

void RedisConnection::failLater(Callback callback, const QByteArray &message)
{
    if (!callback)
        return;
    QMetaObject::invokeMethod(
        this,
        [callback = std::move(callback), message] { callback(RedisReply::makeError(message)); },
        Qt::QueuedConnection);
}

bool RedisConnection::send(const QList<QByteArray> &argv, Callback callback, bool internal)
{
    if (argv.isEmpty()) {
        failLater(std::move(callback), "ERR empty command");
        return false;
    }
    static const QList<QByteArray> refused = {"SUBSCRIBE",   "PSUBSCRIBE",   "SSUBSCRIBE",
                                              "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
                                              "MONITOR"};
    if (refused.contains(argv.first().toUpper())) {
        failLater(std::move(callback), "ERR pub/sub commands need a RedisSubscriber");
        return false;
    }
    // Internal setup commands go out while Connecting; user commands only once Ready.
    if (!context() || (!internal && state() != State::Ready)) {
        failLater(std::move(callback),
                  "ERR not connected to Redis (" + errorString().toUtf8() + ")");
        return false;
    }
    std::vector<const char *> args;
    std::vector<size_t> lens;
    args.reserve(size_t(argv.size()));
    lens.reserve(size_t(argv.size()));
    for (const QByteArray &a : argv) {
        args.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    auto pending = std::make_unique<Pending>();
    pending->callback = std::move(callback);
    pending->internal = internal;
    if (redisAsyncCommandArgv(context(), &RedisConnection::replyCallback, pending.get(),
                              int(args.size()), args.data(), lens.data()) != REDIS_OK) {
        failLater(std::move(pending->callback), "ERR connection lost (link is shutting down)");
        return false;
    }
    pending.release(); // owned by hiredis until replyCallback
    if (!internal)
        ++m_pending;
    return true;
}

// Runs inside hiredis, for a reply or with reply == nullptr when the context is freed.
void RedisConnection::replyCallback(redisAsyncContext *ac, void *reply, void *privdata)
{
    std::unique_ptr<Pending> pending(static_cast<Pending *>(privdata));
    auto *self = static_cast<RedisConnection *>(fromContext(ac));
    if (!self)
        return; // the RedisConnection is being destroyed: drop the callback
    if (!pending->internal)
        --self->m_pending;
    if (!pending->callback)
        return;
    if (reply) {
        pending->callback(redisdetail::convertReply(static_cast<redisReply *>(reply)));
    } else {
        QByteArray why = "connection lost";
        if (ac->err && ac->errstr)
            why += QByteArray(" (") + ac->errstr + ')';
        pending->callback(RedisReply::makeError(why));
    }
}

void RedisConnection::linkUp()
{
    const quint64 gen = linkGeneration();
    if (!authPassword().isEmpty()) {
        QList<QByteArray> auth{"AUTH"};
        if (!authUser().isEmpty())
            auth << authUser();
        auth << authPassword();
        send(
            auth,
            [this, gen](const RedisReply &r) {
                if (r.isError() && gen == linkGeneration())
                    failLink(gen, u"AUTH failed: %1"_s.arg(QString::fromUtf8(r.str)));
            },
            true);
    }
    send(
        {"SELECT", QByteArray::number(database())},
        [this, gen](const RedisReply &r) {
            if (gen != linkGeneration())
                return;
            if (!r.isStatus("OK")) {
                failLink(gen, u"SELECT %1 failed: %2"_s.arg(database()).arg(r.toDebugString()));
                return;
            }
            markReady();
        },
        true);
}

void RedisConnection::sendLivenessPing()
{
    const quint64 gen = linkGeneration();
    send(
        {"PING"},
        [this, gen](const RedisReply &r) {
            // Any answer (even an error such as LOADING) proves the link is alive.
            if (gen == linkGeneration() && !r.str.startsWith("connection lost"))
                pongReceived();
        },
        true);
}

} // namespace crewdeck::server
