#pragma once
#include "server/redis/redisconnection.h"
#include "server/redis/redisreply.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QPair>
#include <functional>
#include <optional>

// Typed wrappers over RedisConnection::command() for the distributed run queue (Redis
// Streams with consumer groups) and a few plain key/value and pub/sub commands.
// Same callback contract as RedisConnection::command(): called exactly once, asynchronously,
// with ok() false and `error` set on an Error reply, a lost link or an unexpected reply shape.
namespace crewdeck::server::rediscmd {

template <typename T> struct Result
{
    T value{};
    QByteArray error; // empty on success
    bool ok() const { return error.isEmpty(); }
};

struct StreamEntry
{
    QByteArray id;                       // e.g. "1700000000000-0"
    QMap<QByteArray, QByteArray> fields; // a repeated field keeps its last value
};

struct AutoClaim
{
    QByteArray nextStart;         // cursor for the next XAUTOCLAIM ("0-0": scan done)
    QList<StreamEntry> entries;   // claimed entries, now owned by the consumer
    QList<QByteArray> deletedIds; // pending ids whose entries no longer exist
};

struct PendingSummary
{
    qint64 count = 0;
    QByteArray smallestId; // empty when count == 0
    QByteArray largestId;
    QList<QPair<QByteArray, qint64>> consumers; // consumer name -> pending count
};

using Fields = QList<QPair<QByteArray, QByteArray>>;

// XGROUP CREATE key group startId MKSTREAM. value: true if created, false if the group
// already existed (BUSYGROUP is not an error).
void xgroupCreate(RedisConnection &c, const QByteArray &key, const QByteArray &group,
                  std::function<void(const Result<bool> &)> done, const QByteArray &startId = "$");

// XADD key [MAXLEN ~ maxLen] * field value ... value: the new entry id.
void xadd(RedisConnection &c, const QByteArray &key, const Fields &fields,
          std::function<void(const Result<QByteArray> &)> done, qint64 approxMaxLen = 0);

// XREADGROUP GROUP group consumer COUNT count [BLOCK blockMs] STREAMS key >
// value: the new entries (empty on timeout). blockMs <= 0: do not block (Redis' BLOCK 0 would
// block forever, which the liveness check cannot tell from a dead server: loop with a finite
// BLOCK instead). A blocking read stalls every later command on the same connection: give
// blocking readers their own RedisConnection.
void xreadgroup(RedisConnection &c, const QByteArray &key, const QByteArray &group,
                const QByteArray &consumer, int count, int blockMs,
                std::function<void(const Result<QList<StreamEntry>> &)> done);

// XACK key group id... value: number of entries acknowledged.
void xack(RedisConnection &c, const QByteArray &key, const QByteArray &group,
          const QList<QByteArray> &ids, std::function<void(const Result<qint64> &)> done);

// XAUTOCLAIM key group consumer minIdleMs start COUNT count (Redis >= 7.0: 3-element reply;
// a 6.2 server's 2-element reply is accepted with empty deletedIds).
void xautoclaim(RedisConnection &c, const QByteArray &key, const QByteArray &group,
                const QByteArray &consumer, qint64 minIdleMs, const QByteArray &start, int count,
                std::function<void(const Result<AutoClaim> &)> done);

// XPENDING key group (summary form).
void xpendingSummary(RedisConnection &c, const QByteArray &key, const QByteArray &group,
                     std::function<void(const Result<PendingSummary> &)> done);

enum class SetCondition { Always, IfNotExists, IfExists };

// SET key value [PX ttlMs] [NX|XX]. value: true if the key was set (false when NX/XX said no).
void set(RedisConnection &c, const QByteArray &key, const QByteArray &value, qint64 ttlMs,
         std::function<void(const Result<bool> &)> done,
         SetCondition condition = SetCondition::Always);

// GET key. value: std::nullopt when the key does not exist.
void get(RedisConnection &c, const QByteArray &key,
         std::function<void(const Result<std::optional<QByteArray>> &)> done);

// DEL key... value: number of keys removed.
void del(RedisConnection &c, const QList<QByteArray> &keys,
         std::function<void(const Result<qint64> &)> done);

// INCRBY key delta. value: the new value.
void incrBy(RedisConnection &c, const QByteArray &key, qint64 delta,
            std::function<void(const Result<qint64> &)> done);

// PUBLISH channel payload. value: number of subscribers that received it.
void publish(RedisConnection &c, const QByteArray &channel, const QByteArray &payload,
             std::function<void(const Result<qint64> &)> done = {});

// Parsing helpers, exposed for tests and for callers issuing their own XREAD/XRANGE.
// [[id, [f, v, ...]], ...] -> entries; false on an unexpected shape. Nil entries (deleted
// while pending) are skipped.
bool parseEntries(const RedisReply &array, QList<StreamEntry> *out);

} // namespace crewdeck::server::rediscmd
