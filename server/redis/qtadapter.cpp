#include "server/redis/qtadapter.h"

#include <QObject>
#include <QSocketNotifier>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace crewdeck::server::redisdetail {

namespace {

struct QtAdapter
{
    redisAsyncContext *ac = nullptr;
    QSocketNotifier *read = nullptr;
    QSocketNotifier *write = nullptr;
};

void addRead(void *data)
{
    static_cast<QtAdapter *>(data)->read->setEnabled(true);
}
void delRead(void *data)
{
    static_cast<QtAdapter *>(data)->read->setEnabled(false);
}
void addWrite(void *data)
{
    static_cast<QtAdapter *>(data)->write->setEnabled(true);
}
void delWrite(void *data)
{
    static_cast<QtAdapter *>(data)->write->setEnabled(false);
}

// Called by hiredis while it frees the context, possibly from inside one of our notifier
// slots: never delete a notifier synchronously here.
void cleanup(void *data)
{
    auto *a = static_cast<QtAdapter *>(data);
    a->ac->ev.data = nullptr;
    for (QSocketNotifier *n : {a->read, a->write}) {
        n->setEnabled(false);
        n->deleteLater();
    }
    delete a;
}

} // namespace

bool attachQtAdapter(redisAsyncContext *ac)
{
    if (ac->ev.data != nullptr)
        return false;
    auto *a = new QtAdapter;
    a->ac = ac;
    a->read = new QSocketNotifier(ac->c.fd, QSocketNotifier::Read);
    a->write = new QSocketNotifier(ac->c.fd, QSocketNotifier::Write);
    a->read->setEnabled(false);
    a->write->setEnabled(false);
    // The notifier is the context object: once cleanup() disabled it, it never fires again,
    // so `ac` is valid whenever these run. The isEnabled() check guards a notifier disabled
    // earlier in the same dispatch round.
    QSocketNotifier *rn = a->read;
    QObject::connect(rn, &QSocketNotifier::activated, rn, [ac, rn] {
        if (rn->isEnabled())
            redisAsyncHandleRead(ac);
    });
    QSocketNotifier *wn = a->write;
    QObject::connect(wn, &QSocketNotifier::activated, wn, [ac, wn] {
        if (wn->isEnabled())
            redisAsyncHandleWrite(ac);
    });
    ac->ev.data = a;
    ac->ev.addRead = addRead;
    ac->ev.delRead = delRead;
    ac->ev.addWrite = addWrite;
    ac->ev.delWrite = delWrite;
    ac->ev.cleanup = cleanup;
    return true;
}

RedisReply convertReply(const redisReply *reply)
{
    RedisReply r;
    if (!reply)
        return r;
    switch (reply->type) {
    case REDIS_REPLY_STRING:
        r.type = RedisReply::Type::String;
        r.str = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_STATUS:
        r.type = RedisReply::Type::Status;
        r.str = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_ERROR:
        r.type = RedisReply::Type::Error;
        r.str = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_INTEGER:
        r.type = RedisReply::Type::Integer;
        r.integer = reply->integer;
        break;
    case REDIS_REPLY_ARRAY:
        r.type = RedisReply::Type::Array;
        r.elements.reserve(qsizetype(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i)
            r.elements.append(convertReply(reply->element[i]));
        break;
    case REDIS_REPLY_NIL:
    default:
        r.type = RedisReply::Type::Nil;
        break;
    }
    return r;
}

} // namespace crewdeck::server::redisdetail
