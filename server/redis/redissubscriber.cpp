#include "server/redis/redissubscriber.h"

#include "shared/logging.h"

#include <QPointer>
#include <QUuid>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <vector>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

RedisSubscriber::RedisSubscriber(const QString &url, QObject *parent)
    : RedisClientBase(url, parent),
      m_livenessPattern("crewdeck:liveness:" + QUuid::createUuid().toByteArray(QUuid::Id128))
{
}

RedisSubscriber::~RedisSubscriber()
{
    shutdown();
}

void RedisSubscriber::subscribe(const QByteArray &channel)
{
    if (channel.isEmpty() || m_channels.contains(channel))
        return;
    m_channels.insert(channel);
    if (isLinkUp())
        sendArgv({"SUBSCRIBE", channel});
}

void RedisSubscriber::psubscribe(const QByteArray &pattern)
{
    if (pattern.isEmpty() || pattern == m_livenessPattern || m_patterns.contains(pattern))
        return;
    m_patterns.insert(pattern);
    if (isLinkUp())
        sendArgv({"PSUBSCRIBE", pattern});
}

void RedisSubscriber::unsubscribe(const QByteArray &channel)
{
    if (!m_channels.remove(channel))
        return;
    if (isLinkUp())
        sendArgv({"UNSUBSCRIBE", channel});
}

void RedisSubscriber::punsubscribe(const QByteArray &pattern)
{
    if (!m_patterns.remove(pattern))
        return;
    if (isLinkUp())
        sendArgv({"PUNSUBSCRIBE", pattern});
}

// All subscription traffic shares one static callback; hiredis keeps it registered per
// channel/pattern and calls it for confirmations and messages (and with nullptr on free).
void RedisSubscriber::sendArgv(const QList<QByteArray> &argv)
{
    std::vector<const char *> args;
    std::vector<size_t> lens;
    for (const QByteArray &a : argv) {
        args.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    if (redisAsyncCommandArgv(context(), &RedisSubscriber::subscriptionCallback, nullptr,
                              int(args.size()), args.data(), lens.data()) != REDIS_OK) {
        // The link is going down; everything is subscribed again on reconnect.
        qCDebug(lcRedis) << "subscription command not sent: link is shutting down";
    }
}

void RedisSubscriber::linkUp()
{
    if (!m_channels.isEmpty()) {
        QList<QByteArray> argv{"SUBSCRIBE"};
        argv.append(m_channels.values());
        sendArgv(argv);
    }
    if (!m_patterns.isEmpty()) {
        QList<QByteArray> argv{"PSUBSCRIBE"};
        argv.append(m_patterns.values());
        sendArgv(argv);
    }
    // Sent last: its confirmation arrives after all the others, and marks the link Ready.
    sendArgv({"PSUBSCRIBE", m_livenessPattern});
}

void RedisSubscriber::sendLivenessPing()
{
    // Appended raw, without a callback: in subscribe mode hiredis 0.14 would park a PING
    // callback in a list that is only drained on free. The answer ["pong", <pattern>] is
    // routed by hiredis to the liveness pattern's callback.
    redisAsyncContext *ac = context();
    const QByteArray cmd = "*2\r\n$4\r\nPING\r\n$" + QByteArray::number(m_livenessPattern.size()) +
                           "\r\n" + m_livenessPattern + "\r\n";
    if (redisAppendFormattedCommand(&ac->c, cmd.constData(), size_t(cmd.size())) == REDIS_OK &&
        ac->ev.addWrite)
        ac->ev.addWrite(ac->ev.data);
}

void RedisSubscriber::subscriptionCallback(redisAsyncContext *ac, void *replyPtr, void *privdata)
{
    Q_UNUSED(privdata);
    auto *self = static_cast<RedisSubscriber *>(fromContext(ac));
    const auto *reply = static_cast<const redisReply *>(replyPtr);
    if (!self || !reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2)
        return;
    auto bytes = [reply](size_t i) {
        const redisReply *e = i < reply->elements ? reply->element[i] : nullptr;
        return e && e->str ? QByteArray(e->str, qsizetype(e->len)) : QByteArray();
    };
    const QByteArray kind = bytes(0).toLower();
    const QByteArray name = bytes(1);
    // Emitting is the last thing each branch does: a slot may delete this object.
    if (kind == "message") {
        Q_EMIT self->message(name, bytes(2));
    } else if (kind == "pmessage") {
        if (name != self->m_livenessPattern)
            Q_EMIT self->patternMessage(name, bytes(2), bytes(3));
    } else if (kind == "pong") {
        if (name == self->m_livenessPattern)
            self->pongReceived();
    } else if (kind == "subscribe") {
        if (self->m_channels.contains(name))
            Q_EMIT self->subscribed(name);
    } else if (kind == "psubscribe") {
        if (name == self->m_livenessPattern) {
            const bool again = self->everReady();
            QPointer<RedisSubscriber> alive(self);
            self->markReady();
            if (alive && again)
                Q_EMIT alive->resubscribed();
        } else if (self->m_patterns.contains(name)) {
            Q_EMIT self->psubscribed(name);
        }
    }
}

} // namespace crewdeck::server
