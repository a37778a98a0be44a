#include "server/store/sqlstore_p.h"
#include "shared/logging.h"

#include <QSqlError>
#include <QSqlQuery>

// SqlStore: the event log (events, seq allocation, per-stream reads, pruning and its horizon).

using namespace Qt::StringLiterals;

namespace crewdeck::server {

using namespace sqlstore;

namespace {

const QString EventColumns = u"seq, org_id, crew_id, run_id, type, ts_ms, body"_s;

// The WHERE clause (without the seq condition) selecting one stream, mirroring
// StreamKey::matches(), and its bound values.
QString streamWhere(const StreamKey &key, QVariantList *binds)
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

// Both read the primary key only: the allocation's MAX(seq) is its last entry, a probe one
// seek.
const QString &SqlStore::allocateSeqSql()
{
    static const QString sql =
        u"SELECT MAX(seq), (SELECT value FROM meta WHERE key = 'pruned_horizon') FROM events"_s;
    return sql;
}

const QString &SqlStore::pruneProbeSql()
{
    static const QString sql =
        u"SELECT seq, ts_ms FROM events WHERE seq >= ? ORDER BY seq LIMIT 1"_s;
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

std::optional<qint64> SqlStore::seqReachingTime(qint64 cutoffMs)
{
    // Events are appended in seq order stamped with the appending node's clock, so the log
    // reaches the cutoff at one seq: a binary search over the primary key finds it (one index
    // seek per probe, log2 of the seq range: ~20 for a million events, at most 64), where a
    // time index would cost every appended row an index entry (migration 6). Where stamps are
    // out of order (nodes whose clocks differ, a clock set back) the search stops at some
    // event that is not older: older events above it wait for a later prune, and the caller's
    // own ts_ms condition keeps anything newer than the cutoff.
    auto range = exec("prune seq range", u"SELECT (SELECT MIN(seq) FROM events),"
                                         " (SELECT MAX(seq) FROM events)"_s);
    if (!range || !range->next())
        return std::nullopt;
    if (range->value(0).isNull())
        return 0; // no events
    qint64 lo = int64Of(range->value(0));
    qint64 hi = int64Of(range->value(1)) + 1;
    range.reset();
    // Invariant: every event below lo is older than the cutoff as far as the probes saw; the
    // first event at or above hi (if any) is not.
    while (lo < hi) {
        const qint64 mid = lo + (hi - lo) / 2;
        auto probe = exec("prune seq probe", pruneProbeSql(), {mid});
        if (!probe || !probe->next())
            return std::nullopt; // mid <= MAX(seq): there is an event (unless it failed)
        const qint64 seq = int64Of(probe->value(0));
        if (seq < hi && int64Of(probe->value(1)) < cutoffMs)
            lo = seq + 1;
        else
            hi = mid; // no event in [mid, seq), and the one at seq is not older
    }
    return lo;
}

qint64 SqlStore::pruneEvents(qint64 cutoffMs, int keepPerStream)
{
    // An event is kept if it is among the newest `keep` of ANY stream it belongs to: its run
    // (tool_*, run_status), its (org, crew) graph (tool_*), or its org's signals (mission).
    const QVariant keep = qint64(qMax(0, keepPerStream));
    const QString keepSet =
        u"SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY run_id, org_id ORDER BY seq "
        u"DESC) AS rn"
        " FROM events WHERE run_id IS NOT NULL AND type <> 'signal') AS r WHERE rn <= ?"
        " UNION SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY org_id, crew_id ORDER "
        "BY seq DESC) AS rn"
        " FROM events WHERE substr(type, 1, 5) = 'tool_') AS g WHERE rn <= ?"
        " UNION SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY seq "
        "DESC) AS rn"
        " FROM events WHERE type = 'signal') AS m WHERE rn <= ?"_s;
    const QString victims =
        u" FROM events WHERE seq < ? AND ts_ms < ? AND seq NOT IN ("_s + keepSet + u")"_s;

    Transaction tx(*this);
    if (!tx.ok())
        return 0;
    const std::optional<qint64> reach = seqReachingTime(cutoffMs);
    if (!reach || *reach <= 0)
        return 0; // failed or empty; the transaction rolls back harmlessly
    // The keep set (three window passes over the whole table) is what a prune costs, so it is
    // computed once: the DELETE returns the seqs it removed (a SELECT MAX(seq) over the
    // victims first computed it a second time).
    auto del = exec("prune events", u"DELETE"_s + victims + u" RETURNING seq"_s,
                    {*reach, cutoffMs, keep, keep, keep});
    if (!del)
        return 0;
    qint64 highest = 0;
    qint64 deleted = 0;
    while (del->next()) {
        highest = qMax(highest, int64Of(del->value(0)));
        ++deleted;
    }
    del.reset();
    if (deleted == 0)
        return 0; // nothing to delete; the transaction rolls back harmlessly
    const qint64 previous = scalar("prune previous horizon",
                                   u"SELECT value FROM meta WHERE key = 'pruned_horizon'"_s, {}, 0);
    if (!exec("prune record horizon",
              u"INSERT INTO meta (key, value) VALUES ('pruned_horizon', ?)"
              " ON CONFLICT (key) DO UPDATE SET value = excluded.value"_s,
              {QString::number(qMax(previous, highest))}))
        return 0;
    if (!tx.commit())
        return 0;
    qCDebug(lcStore) << "pruned" << deleted << "events up to seq" << highest;
    return highest;
}

qint64 SqlStore::prunedHorizon()
{
    auto q = exec("pruned horizon", u"SELECT value FROM meta WHERE key = 'pruned_horizon'"_s);
    if (!q || !q->next())
        return 0;
    return int64Of(q->value(0));
}

} // namespace crewdeck::server
