#include "server/redis/rediscommands.h"

namespace crewdeck::server::rediscmd {

namespace {

template <typename T> Result<T> failure(const RedisReply &r)
{
    Result<T> res;
    if (r.isError())
        res.error = r.str.isEmpty() ? QByteArray("ERR") : r.str;
    else
        res.error = "ERR unexpected reply: " + r.toDebugString().toUtf8();
    return res;
}

template <typename T> Result<T> success(T value)
{
    Result<T> res;
    res.value = std::move(value);
    return res;
}

bool parseEntry(const RedisReply &e, StreamEntry *out)
{
    if (!e.isArray() || e.elements.size() != 2 || !e.elements[0].isString())
        return false;
    out->id = e.elements[0].str;
    const RedisReply &kv = e.elements[1];
    if (!kv.isArray() || kv.elements.size() % 2 != 0)
        return false;
    for (qsizetype i = 0; i + 1 < kv.elements.size(); i += 2)
        out->fields.insert(kv.elements[i].str, kv.elements[i + 1].str);
    return true;
}

void intCommand(RedisConnection &c, const QList<QByteArray> &argv,
                std::function<void(const Result<qint64> &)> done)
{
    c.command(argv, [done = std::move(done)](const RedisReply &r) {
        if (!done)
            return;
        done(r.isInteger() ? success<qint64>(r.integer) : failure<qint64>(r));
    });
}

} // namespace

bool parseEntries(const RedisReply &array, QList<StreamEntry> *out)
{
    if (array.isNil())
        return true;
    if (!array.isArray())
        return false;
    for (const RedisReply &e : array.elements) {
        // XAUTOCLAIM on Redis 6.2 reports deleted entries as nil ids / nil field lists.
        if (e.isNil() || (e.isArray() && e.elements.size() == 2 && e.elements[1].isNil()))
            continue;
        StreamEntry entry;
        if (!parseEntry(e, &entry))
            return false;
        out->append(std::move(entry));
    }
    return true;
}

void xgroupCreate(RedisConnection &c, const QByteArray &key, const QByteArray &group,
                  std::function<void(const Result<bool> &)> done, const QByteArray &startId)
{
    c.command({"XGROUP", "CREATE", key, group, startId, "MKSTREAM"},
              [done = std::move(done)](const RedisReply &r) {
                  if (!done)
                      return;
                  if (r.isStatus("OK"))
                      done(success(true));
                  else if (r.isErrorCode("BUSYGROUP"))
                      done(success(false));
                  else
                      done(failure<bool>(r));
              });
}

void xadd(RedisConnection &c, const QByteArray &key, const Fields &fields,
          std::function<void(const Result<QByteArray> &)> done, qint64 approxMaxLen)
{
    QList<QByteArray> argv{"XADD", key};
    if (approxMaxLen > 0)
        argv << "MAXLEN"
             << "~" << QByteArray::number(approxMaxLen);
    argv << "*";
    for (const auto &[f, v] : fields)
        argv << f << v;
    c.command(argv, [done = std::move(done)](const RedisReply &r) {
        if (done)
            done(r.isString() ? success(r.str) : failure<QByteArray>(r));
    });
}

void xreadgroup(RedisConnection &c, const QByteArray &key, const QByteArray &group,
                const QByteArray &consumer, int count, int blockMs,
                std::function<void(const Result<QList<StreamEntry>> &)> done)
{
    QList<QByteArray> argv{"XREADGROUP", "GROUP", group,
                           consumer,     "COUNT", QByteArray::number(qMax(1, count))};
    if (blockMs > 0)
        argv << "BLOCK" << QByteArray::number(blockMs);
    argv << "STREAMS" << key << ">";
    auto handler = [done = std::move(done)](const RedisReply &r) {
        if (!done)
            return;
        // Nil on timeout; else [[key, [[id, [f, v...]], ...]], ...]
        if (r.isNil()) {
            done(success(QList<StreamEntry>()));
            return;
        }
        if (!r.isArray()) {
            done(failure<QList<StreamEntry>>(r));
            return;
        }
        QList<StreamEntry> entries;
        for (const RedisReply &stream : r.elements) {
            if (!stream.isArray() || stream.elements.size() != 2 ||
                !parseEntries(stream.elements[1], &entries)) {
                done(failure<QList<StreamEntry>>(r));
                return;
            }
        }
        done(success(std::move(entries)));
    };
    if (blockMs > 0)
        c.blockingCommand(argv, blockMs, std::move(handler));
    else
        c.command(argv, std::move(handler));
}

void xack(RedisConnection &c, const QByteArray &key, const QByteArray &group,
          const QList<QByteArray> &ids, std::function<void(const Result<qint64> &)> done)
{
    QList<QByteArray> argv{"XACK", key, group};
    argv.append(ids);
    intCommand(c, argv, std::move(done));
}

void xautoclaim(RedisConnection &c, const QByteArray &key, const QByteArray &group,
                const QByteArray &consumer, qint64 minIdleMs, const QByteArray &start, int count,
                std::function<void(const Result<AutoClaim> &)> done)
{
    c.command({"XAUTOCLAIM", key, group, consumer, QByteArray::number(minIdleMs), start, "COUNT",
               QByteArray::number(qMax(1, count))},
              [done = std::move(done)](const RedisReply &r) {
                  if (!done)
                      return;
                  if (!r.isArray() || r.elements.size() < 2 || !r.elements[0].isString()) {
                      done(failure<AutoClaim>(r));
                      return;
                  }
                  AutoClaim claim;
                  claim.nextStart = r.elements[0].str;
                  if (!parseEntries(r.elements[1], &claim.entries)) {
                      done(failure<AutoClaim>(r));
                      return;
                  }
                  if (r.elements.size() >= 3 && r.elements[2].isArray()) {
                      for (const RedisReply &id : r.elements[2].elements)
                          claim.deletedIds << id.str;
                  }
                  done(success(std::move(claim)));
              });
}

void xpendingSummary(RedisConnection &c, const QByteArray &key, const QByteArray &group,
                     std::function<void(const Result<PendingSummary> &)> done)
{
    c.command({"XPENDING", key, group}, [done = std::move(done)](const RedisReply &r) {
        if (!done)
            return;
        // [count, smallest id | nil, largest id | nil, [[consumer, "n"], ...] | nil]
        if (!r.isArray() || r.elements.size() != 4 || !r.elements[0].isInteger()) {
            done(failure<PendingSummary>(r));
            return;
        }
        PendingSummary s;
        s.count = r.elements[0].integer;
        s.smallestId = r.elements[1].str;
        s.largestId = r.elements[2].str;
        for (const RedisReply &cons : r.elements[3].elements) {
            if (cons.isArray() && cons.elements.size() == 2)
                s.consumers.append({cons.elements[0].str, cons.elements[1].str.toLongLong()});
        }
        done(success(std::move(s)));
    });
}

void set(RedisConnection &c, const QByteArray &key, const QByteArray &value, qint64 ttlMs,
         std::function<void(const Result<bool> &)> done, SetCondition condition)
{
    QList<QByteArray> argv{"SET", key, value};
    if (ttlMs > 0)
        argv << "PX" << QByteArray::number(ttlMs);
    if (condition == SetCondition::IfNotExists)
        argv << "NX";
    else if (condition == SetCondition::IfExists)
        argv << "XX";
    c.command(argv, [done = std::move(done)](const RedisReply &r) {
        if (!done)
            return;
        if (r.isStatus("OK"))
            done(success(true));
        else if (r.isNil())
            done(success(false));
        else
            done(failure<bool>(r));
    });
}

void get(RedisConnection &c, const QByteArray &key,
         std::function<void(const Result<std::optional<QByteArray>> &)> done)
{
    c.command({"GET", key}, [done = std::move(done)](const RedisReply &r) {
        if (!done)
            return;
        if (r.isNil())
            done(success(std::optional<QByteArray>()));
        else if (r.isString())
            done(success(std::optional<QByteArray>(r.str)));
        else
            done(failure<std::optional<QByteArray>>(r));
    });
}

void del(RedisConnection &c, const QList<QByteArray> &keys,
         std::function<void(const Result<qint64> &)> done)
{
    QList<QByteArray> argv{"DEL"};
    argv.append(keys);
    intCommand(c, argv, std::move(done));
}

void incrBy(RedisConnection &c, const QByteArray &key, qint64 delta,
            std::function<void(const Result<qint64> &)> done)
{
    intCommand(c, {"INCRBY", key, QByteArray::number(delta)}, std::move(done));
}

void publish(RedisConnection &c, const QByteArray &channel, const QByteArray &payload,
             std::function<void(const Result<qint64> &)> done)
{
    intCommand(c, {"PUBLISH", channel, payload}, std::move(done));
}

} // namespace crewdeck::server::rediscmd
