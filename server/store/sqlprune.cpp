#include "server/store/sqlstore_p.h"
#include "shared/logging.h"

#include <QSqlQuery>
#include <algorithm>
#include <limits>

// SqlStore: pruning the event log in short steps (the job, its per-stream thresholds, the seq
// where the log reaches the cutoff, the pruned horizon). Thread: the store's (the main thread,
// which also writes every WebSocket: no step may hold it for long).

using namespace Qt::StringLiterals;

namespace crewdeck::server {

using namespace sqlstore;

namespace {

// What one step may do: either read the next StepRows events by primary key (they wait in
// the job until examined), or examine them within StepWork units of work: walking one entry
// of a stream index towards a threshold costs 1, deleting an event DeleteCost (its row and
// its two or three index entries), so a step walks at most 2,000 entries or deletes at most
// 500 events, in one transaction. Measured on SQLite at a million events (docs/benchmarks.md,
// "Event store: pruning in steps"): reading 1,000 rows takes 1.5-4 ms, walking 4,000 entries
// 2-4 ms, deleting 1,000 rows about 4 ms; steps twice this size took up to 13 ms on a busy
// machine, these about 2 ms (p50) and at most 6-9 ms. Smaller steps would only add
// transactions. Not a flag: nothing here is an operator's trade-off.
constexpr int StepRows = 1000;
constexpr qint64 StepWork = 2000;
constexpr qint64 DeleteCost = 4;
// Ranges of consecutive victims per DELETE: one statement (one round trip on PostgreSQL) for
// a step of old events, and at most 32 distinct statements in the connection's cache.
constexpr int RangesPerDelete = 32;
constexpr qint64 NoSeq = std::numeric_limits<qint64>::max();

} // namespace

const QString &SqlStore::pruneProbeSql()
{
    static const QString sql =
        u"SELECT seq, ts_ms FROM events WHERE seq >= ? ORDER BY seq LIMIT 1"_s;
    return sql;
}

const QString &SqlStore::pruneRowsSql()
{
    static const QString sql = u"SELECT seq, org_id, crew_id, run_id, type, ts_ms FROM events"
                               " WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?"_s;
    return sql;
}

QString SqlStore::pruneDeleteSql(int ranges)
{
    QString sql = u"DELETE FROM events WHERE seq BETWEEN ? AND ?"_s;
    for (int i = 1; i < ranges; ++i)
        sql += u" OR seq BETWEEN ? AND ?"_s;
    return sql;
}

namespace {

// A stream as a prune walks it: the condition on its index's own columns (so the walk reads
// the index alone: PostgreSQL, asked for the whole condition, preferred walking the primary key
// backwards through every other stream's rows, 17-50 ms per piece at a million events) and the
// rest, checked on the rows found ("e."). Mirrors StreamKey::matches(); a graph key without a
// crew id stands for the tool events stored without one (crew_id NULL), which the one-pass
// prune ranked as one graph per org.
struct WalkedStream
{
    QString index;
    QVariantList indexBinds;
    QString rest; // empty: the index alone selects the stream
    QVariantList restBinds;
};

WalkedStream walked(const StreamKey &key)
{
    WalkedStream w;
    switch (key.kind) {
    case StreamKind::Run:
        w.index = u"run_id = ?"_s;
        w.indexBinds << text(key.id);
        w.rest = u"e.org_id = ? AND e.type <> 'signal'"_s;
        w.restBinds << text(key.orgId);
        break;
    case StreamKind::Graph:
        w.index = key.id.isEmpty() ? u"org_id = ? AND crew_id IS NULL"_s
                                   : u"org_id = ? AND crew_id = ?"_s;
        w.indexBinds << text(key.orgId);
        if (!key.id.isEmpty())
            w.indexBinds << text(key.id);
        w.rest = u"substr(e.type, 1, 5) = 'tool_'"_s;
        break;
    case StreamKind::Mission:
        w.index = u"org_id = ? AND type = 'signal'"_s; // the partial events_signal
        w.indexBinds << text(key.orgId);
        break;
    }
    return w;
}

// The next `n` entries of the stream's index below `below`, newest first.
QString piece(const WalkedStream &w, qint64 below, qint64 n, QVariantList *binds)
{
    *binds << w.indexBinds << below << n;
    return u"(SELECT seq FROM events WHERE "_s + w.index +
           u" AND seq < ? ORDER BY seq DESC LIMIT ?) AS c"_s;
}

} // namespace

QString SqlStore::pruneWalkSql(const StreamKey &key, qint64 below, qint64 n, QVariantList *binds)
{
    const WalkedStream w = walked(key);
    if (w.rest.isEmpty())
        return u"SELECT COUNT(*), MIN(c.seq), COUNT(*) FROM "_s + piece(w, below, n, binds);
    *binds << w.restBinds;
    const QString sql =
        u"SELECT COUNT(*), MIN(c.seq), SUM(CASE WHEN "_s + w.rest + u" THEN 1 ELSE 0 END) FROM "_s;
    return sql + piece(w, below, n, binds) + u" JOIN events e ON e.seq = c.seq"_s;
}

QString SqlStore::pruneLocateSql(const StreamKey &key, qint64 below, qint64 n, qint64 offset,
                                 QVariantList *binds)
{
    const WalkedStream w = walked(key);
    QString sql = u"SELECT c.seq FROM "_s + piece(w, below, n, binds);
    if (!w.rest.isEmpty()) {
        sql += u" JOIN events e ON e.seq = c.seq WHERE "_s + w.rest;
        *binds << w.restBinds;
    }
    *binds << offset;
    return sql + u" ORDER BY c.seq DESC LIMIT 1 OFFSET ?"_s;
}

// One prune. Each event below the seq where the log reaches the cutoff (`reach`) and stamped
// before the cutoff is deleted unless it is among the newest `keep` events of a stream it
// belongs to. Per stream the job finds a threshold, the seq of the stream's keep-th newest
// event (counted down its index from the newest, within each step's work): an event below it
// has at least `keep` newer ones in the stream. No such event: the stream has fewer than
// `keep` and all of it stays. Thresholds are computed when a step first needs them
// and kept for the whole prune.
//
// Why a threshold stays safe while the log changes between steps (events appended, other
// nodes pruning the same table): once an event has `keep` newer events in a stream it keeps
// having at least `keep` of them. Appends only add newer events; a prune deletes an event
// only when it has `keep` newer ones, which are newer than anything below it as well. Each
// event counted on the way down existed when it was counted; if it is deleted later, the
// events that allowed that are newer still. So an event below a threshold found at any time
// is still prunable at any later time, and a threshold only errs on the side of keeping
// (events appended since make a few more prunable, which the next prune takes). Deleting a
// row another node deleted already is a no-op, and the horizon only grows.
class SqlStore::PruneJob final : public EventPruneJob
{
public:
    PruneJob(SqlStore &store, qint64 cutoffMs, int keep, qint64 reach)
        : m_store(store), m_cutoffMs(cutoffMs), m_keep(keep), m_reach(reach)
    {
    }
    ~PruneJob() override
    {
        qCDebug(lcStore) << "prune" << (done() ? "finished:" : "stopped:") << m_deleted
                         << "events deleted up to seq" << m_highest << "in" << m_steps << "steps,"
                         << m_thresholds.size() << "stream thresholds";
    }

    Step step() override;
    bool done() const override { return m_failed || (m_at == m_rows.size() && m_next >= m_reach); }

private:
    struct Row
    {
        qint64 seq = 0;
        qint64 tsMs = 0;
        // The streams the event belongs to, at most two (run and graph, or mission).
        StreamKey streams[2];
        int streamCount = 0;
    };
    struct Threshold
    {
        qint64 below = NoSeq; // the walk continues below this seq
        qint64 counted = 0;   // events counted so far, newest first
        qint64 seq = -1;      // -1: still counting; 0: fewer than keep (keep all)
    };

    bool readRows();
    // Whether the row goes; nullopt when a threshold it needs is not known yet and `walk` (what
    // is left of the step's work) is spent, or a statement failed (m_failed).
    std::optional<bool> prunable(const Row &row, qint64 &walk);
    bool advance(const StreamKey &key, Threshold &t, qint64 &walk);
    bool deleteRanges(const QList<std::pair<qint64, qint64>> &ranges, qint64 highest,
                      qint64 *deleted);
    Step fail()
    {
        m_failed = true;
        return Step{false, 0, 0};
    }

    SqlStore &m_store;
    const qint64 m_cutoffMs;
    const int m_keep;
    const qint64 m_reach;
    qint64 m_next = 0; // the lowest seq not read yet
    QList<Row> m_rows; // read, examined up to m_at
    qsizetype m_at = 0;
    QHash<QString, Threshold> m_thresholds; // by streamId()
    bool m_failed = false;
    qint64 m_deleted = 0;
    qint64 m_highest = 0;
    int m_steps = 0;
};

namespace {

QString streamId(const StreamKey &key)
{
    return QString::number(int(key.kind)) + key.orgId + QChar(u'\x1f') + key.id;
}

} // namespace

bool SqlStore::PruneJob::readRows()
{
    m_rows.clear();
    m_at = 0;
    auto q = m_store.exec("prune rows", pruneRowsSql(), {m_next, m_reach, qint64(StepRows)});
    if (!q)
        return false;
    while (q->next()) {
        Row r;
        r.seq = int64Of(q->value(0));
        const QString org = q->value(1).toString();
        const QString crew = q->value(2).toString(); // NULL: empty
        const QString run = q->value(3).toString();
        const QString type = q->value(4).toString();
        r.tsMs = int64Of(q->value(5));
        // The streams as StreamKey::matches() sees them (and the one-pass prune ranked them).
        forEachStreamOf(type, run, crew, [&](StreamKind kind, const QString &id) {
            r.streams[r.streamCount++] = StreamKey{kind, org, id};
        });
        m_rows.append(std::move(r));
    }
    // Fewer rows than asked: nothing is left below reach (seqs are never reused below it).
    m_next = m_rows.size() < StepRows ? m_reach : m_rows.last().seq + 1;
    return true;
}

bool SqlStore::PruneJob::advance(const StreamKey &key, Threshold &t, qint64 &walk)
{
    // Walks the next piece of the stream's index, from below the last entry walked, counting
    // the stream's events in it. A piece is charged in full even where the stream ends in it,
    // so the pieces grow with what the stream has shown: a stream of a few events (most runs)
    // costs a 64-entry piece instead of a whole step's walk, a long one about 6 for 10,000.
    const qint64 size = qMax<qint64>(64, 4 * t.counted);
    const qint64 n = std::min({qint64(m_keep) - t.counted, walk, size});
    QVariantList binds;
    const QString sql = pruneWalkSql(key, t.below, n, &binds);
    auto q = m_store.exec("prune walk", sql, binds);
    if (!q || !q->next())
        return false;
    walk -= n;
    const qint64 entries = int64Of(q->value(0));
    const qint64 lowest = int64Of(q->value(1));
    const qint64 events = int64Of(q->value(2));
    q.reset();
    if (t.counted + events >= m_keep) {
        // The keep-th newest is in this piece (n <= keep - counted: never beyond it).
        binds.clear();
        const QString at = pruneLocateSql(key, t.below, n, m_keep - t.counted - 1, &binds);
        auto located = m_store.exec("prune threshold", at, binds);
        if (!located)
            return false;
        if (!located->next())
            return true; // another node's prune took rows of the piece meanwhile: walk it again
        t.seq = int64Of(located->value(0));
        t.counted = m_keep;
        return true;
    }
    t.counted += events;
    t.below = lowest;
    if (entries < n)
        t.seq = 0; // the index ends here: fewer than keep, all of them stay
    return true;
}

std::optional<bool> SqlStore::PruneJob::prunable(const Row &row, qint64 &walk)
{
    if (row.tsMs >= m_cutoffMs)
        return false;
    if (m_keep <= 0)
        return true;
    for (int i = 0; i < row.streamCount; ++i) {
        Threshold &t = m_thresholds[streamId(row.streams[i])];
        while (t.seq < 0) {
            if (walk <= 0)
                return std::nullopt;
            if (!advance(row.streams[i], t, walk)) {
                m_failed = true;
                return std::nullopt;
            }
        }
        if (row.seq >= t.seq)
            return false; // among the newest `keep` of this stream (or it has fewer)
    }
    return true;
}

bool SqlStore::PruneJob::deleteRanges(const QList<std::pair<qint64, qint64>> &ranges,
                                      qint64 highest, qint64 *deleted)
{
    // Inside one transaction with the horizon: a reader never sees rows gone above the
    // recorded horizon. On PostgreSQL the data write lock serialises it with other nodes'
    // steps; the horizon's upsert never lowers it in any case.
    Transaction tx(m_store);
    if (!tx.ok())
        return false;
    for (qsizetype at = 0; at < ranges.size(); at += RangesPerDelete) {
        const qsizetype chunk = qMin<qsizetype>(RangesPerDelete, ranges.size() - at);
        QVariantList binds;
        for (qsizetype i = 0; i < chunk; ++i)
            binds << ranges[at + i].first << ranges[at + i].second;
        auto del = m_store.exec("prune events", pruneDeleteSql(int(chunk)), binds);
        if (!del)
            return false;
        *deleted += qMax(0, del->numRowsAffected());
    }
    if (!m_store.exec("prune record horizon",
                      u"INSERT INTO meta (key, value) VALUES ('pruned_horizon', ?)"
                      " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                      " WHERE CAST(meta.value AS BIGINT) < CAST(excluded.value AS BIGINT)"_s,
                      {QString::number(highest)}))
        return false;
    return tx.commit();
}

EventPruneJob::Step SqlStore::PruneJob::step()
{
    if (done())
        return Step{!m_failed, 0, 0};
    ++m_steps;
    if (m_at == m_rows.size()) {
        // Reading is a step of its own (see StepRows); an empty read ends the job.
        if (!readRows())
            return fail();
        return Step{};
    }
    // Examine rows in seq order until the step's work is spent (walking to a threshold still
    // being counted, or on victims). The victims form ranges of consecutive rows (no row lies
    // between two rows read: seqs below reach are never allocated again).
    qint64 work = StepWork;
    QList<std::pair<qint64, qint64>> ranges;
    qint64 highest = 0;
    bool inRange = false;
    for (; m_at < m_rows.size(); ++m_at) {
        const Row &row = m_rows.at(m_at);
        const std::optional<bool> goes = prunable(row, work);
        if (!goes)
            break;
        if (*goes) {
            if (inRange)
                ranges.last().second = row.seq;
            else
                ranges.append({row.seq, row.seq});
            highest = row.seq;
            work -= DeleteCost;
            if (work <= 0) {
                ++m_at;
                break;
            }
        }
        inRange = *goes;
    }
    if (m_failed)
        return fail();
    qint64 deleted = 0;
    if (!ranges.isEmpty() && !deleteRanges(ranges, highest, &deleted))
        return fail();
    m_deleted += deleted;
    m_highest = qMax(m_highest, highest);
    return Step{true, deleted, highest};
}

std::unique_ptr<EventPruneJob> SqlStore::startPrune(qint64 cutoffMs, int keepPerStream)
{
    const std::optional<qint64> reach = seqReachingTime(cutoffMs);
    if (!reach)
        return nullptr;
    return std::make_unique<PruneJob>(*this, cutoffMs, qMax(0, keepPerStream), *reach);
}

std::optional<qint64> SqlStore::seqReachingTime(qint64 cutoffMs)
{
    // Events are appended in seq order stamped with the appending node's clock, so the log
    // reaches the cutoff at one seq: a binary search over the primary key finds it (one index
    // seek per probe, log2 of the seq range: ~20 for a million events, at most 64), where a
    // time index would cost every appended row an index entry (migration 6). Where stamps are
    // out of order (nodes whose clocks differ, a clock set back) the search stops at some
    // event that is not older: older events above it wait for a later prune, and the job's
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

qint64 SqlStore::prunedHorizon()
{
    auto q = exec("pruned horizon", u"SELECT value FROM meta WHERE key = 'pruned_horizon'"_s);
    if (!q || !q->next())
        return 0;
    return int64Of(q->value(0));
}

} // namespace crewdeck::server
