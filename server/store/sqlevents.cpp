#include "server/store/sqlstore_p.h"
#include "shared/logging.h"

#include <QSqlError>
#include <QSqlQuery>

// SqlStore: the event log (events, seq allocation, per-stream reads); pruning is in
// sqlprune.cpp.

using namespace Qt::StringLiterals;

namespace crewdeck::server {

using namespace sqlstore;

// Declared in sqlstore_p.h (the prune's per-stream thresholds use it too).
QString sqlstore::streamWhere(const StreamKey &key, QVariantList *binds)
{
    switch (key.kind) {
    case StreamKind::Run:
        *binds << text(key.id) << text(key.orgId);
        return u"run_id = ? AND org_id = ? AND type <> 'signal'"_s;
    case StreamKind::Mission:
        *binds << text(key.orgId);
        return u"org_id = ? AND type = 'signal'"_s;
    case StreamKind::Graph:
        *binds << text(key.orgId) << text(key.id);
        // substr, not LIKE: '_' is a LIKE wildcard and SQLite's LIKE ignores case.
        return u"org_id = ? AND crew_id = ? AND substr(type, 1, 5) = 'tool_'"_s;
    }
    *binds << text(key.orgId);
    return u"org_id = ? AND 1 = 0"_s;
}

namespace {

const QString EventColumns = u"seq, org_id, crew_id, run_id, type, ts_ms, body"_s;

// What an append answers before it writes anything: true for an empty batch, false on a
// closed store; nullopt when there is something to write.
std::optional<bool> appendAnswerWithoutWriting(const QList<StoredEventPtr> &events, bool open)
{
    if (events.isEmpty())
        return true;
    if (!open) {
        qCWarning(lcStore) << "append events failed: the store is not open";
        return false;
    }
    return std::nullopt;
}

} // namespace

const QString &SqlStore::eventColumns()
{
    return EventColumns;
}

QString SqlStore::streamEventsSql(const StreamKey &key, QVariantList *binds)
{
    return u"SELECT "_s + EventColumns + u" FROM events WHERE "_s + streamWhere(key, binds) +
           u" AND seq > ? ORDER BY seq LIMIT ?"_s;
}

QString SqlStore::streamLatestSql(const StreamKey &key, QVariantList *binds)
{
    return u"SELECT MAX(seq) FROM events WHERE "_s + streamWhere(key, binds);
}

// Reads the primary key only: MAX(seq) is its last entry.
const QString &SqlStore::allocateSeqSql()
{
    static const QString sql =
        u"SELECT MAX(seq), (SELECT value FROM meta WHERE key = 'pruned_horizon') FROM events"_s;
    return sql;
}

bool SqlStore::insertEvents(const QList<StoredEventPtr> &events)
{
    // Inside the caller's transaction. Multi-row INSERTs: on a database server each statement
    // is a network round trip, and one per event capped a worker at about 3,200 events/s
    // with its event loop waiting in poll() (strace, docs/benchmarks.md). At most 64 rows per
    // statement (under SQLite's historical 999-variable limit), the rest in one statement:
    // at most 64 distinct statements in the connection's cache.
    QList<const StoredEvent *> rows;
    rows.reserve(events.size());
    for (const StoredEventPtr &ev : events) {
        if (ev)
            rows.append(ev.get());
    }
    constexpr qsizetype MaxRows = 64;
    for (qsizetype at = 0; at < rows.size(); at += MaxRows) {
        const qsizetype chunk = qMin(MaxRows, rows.size() - at);
        QString sql = u"INSERT INTO events ("_s + EventColumns + u") VALUES "_s;
        QVariantList binds;
        binds.reserve(chunk * 7);
        for (qsizetype i = 0; i < chunk; ++i) {
            const StoredEvent &ev = *rows.at(at + i);
            sql += i == 0 ? u"(?, ?, ?, ?, ?, ?, ?)"_s : u", (?, ?, ?, ?, ?, ?, ?)"_s;
            binds << ev.seq << text(ev.orgId) << textOrNull(ev.crewId) << textOrNull(ev.runId)
                  << text(ev.type) << ev.tsMs << (ev.bytes.isNull() ? QByteArray("") : ev.bytes);
        }
        if (!exec("append events", sql, binds))
            return false;
    }
    return true;
}

bool SqlStore::appendEvents(const QList<StoredEventPtr> &events)
{
    if (const auto answer = appendAnswerWithoutWriting(events, m_open))
        return *answer;
    Transaction tx(*this, WriteLock::Events);
    if (!tx.ok() || !insertEvents(events))
        return false;
    return tx.commit();
}

bool SqlStore::appendEventsAllocating(QList<StoredEventPtr> &events)
{
    if (const auto answer = appendAnswerWithoutWriting(events, m_open))
        return *answer;
    // The event lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: pg_advisory_xact_lock) is held
    // from before reading MAX(seq) until COMMIT, so allocations of concurrent writers (other
    // connections, other nodes) are serialised and commit in seq order.
    Transaction tx(*this, WriteLock::Events);
    if (!tx.ok())
        return false;
    // Never hand out a seq at or below the pruned horizon: a reader that was told history up
    // to there may be gone must not later find new events below it. Both in one statement:
    // every round trip here holds the node's event loop (docs/benchmarks.md, "Cluster").
    auto top = exec("allocate event seq", allocateSeqSql());
    if (!top || !top->next())
        return false;
    qint64 next = qMax(int64Of(top->value(0), 0), int64Of(top->value(1), 0)) + 1;
    top.reset();
    QList<StoredEventPtr> out;
    out.reserve(events.size());
    for (const StoredEventPtr &e : events) {
        if (e)
            out.append(withSeq(*e, next++));
    }
    if (!insertEvents(out) || !tx.commit())
        return false;
    events = std::move(out);
    return true;
}

QList<StoredEventPtr> SqlStore::loadEvents(const char *what, const QString &sql,
                                           const QVariantList &binds)
{
    return collect(exec(what, sql, binds), [](const Row &r) -> StoredEventPtr {
        auto e = std::make_shared<StoredEvent>();
        e->seq = r.i64(0);
        e->orgId = r.str(1);
        e->crewId = r.str(2);
        e->runId = r.str(3);
        e->type = r.str(4);
        e->tsMs = r.i64(5);
        e->bytes = r.value(6).toByteArray();
        return e;
    });
}

QList<StoredEventPtr> SqlStore::events(const StreamKey &key, qint64 since, int limit)
{
    if (limit <= 0)
        return {};
    QVariantList binds;
    const QString sql = streamEventsSql(key, &binds);
    binds << since << qint64(limit);
    return loadEvents("events", sql, binds);
}

QList<StoredEventPtr> SqlStore::eventsAfter(qint64 since, int limit)
{
    if (limit <= 0)
        return {};
    return loadEvents("events after",
                      u"SELECT "_s + EventColumns +
                          u" FROM events WHERE seq > ? ORDER BY seq LIMIT ?"_s,
                      {since, qint64(limit)});
}

qint64 SqlStore::latestSeq(const StreamKey &key)
{
    QVariantList binds;
    const QString sql = streamLatestSql(key, &binds);
    return scalar("latest seq", sql, binds);
}

qint64 SqlStore::maxEventSeq()
{
    return scalar("max event seq", u"SELECT MAX(seq) FROM events"_s, {});
}

} // namespace crewdeck::server
