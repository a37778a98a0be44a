#include "server/store/migrations.h"
#include "server/store/sqlstore_p.h"
#include "server/store/storeutil.h"

#include <algorithm>
#include <functional>
#include <vector>

// SqlStore: the read side of the dashboard and analytics pages: dashboard stats, the
// timeseries (one function per metric) and the token/rental figures. Reads the run
// aggregates that sqlruns.cpp maintains; writes only the latency_buckets memo.

using namespace Qt::StringLiterals;

namespace crewdeck::server {

using namespace sqlstore;

namespace {

constexpr qint64 MinMs = std::numeric_limits<qint64>::min();
constexpr qint64 MaxMs = std::numeric_limits<qint64>::max();

// Bucket index of a timestamp column: (ts - first) / width, exact integer division in both
// dialects because every selected ts is >= from >= first. first and width are bound values;
// the caller groups in an outer query so that PostgreSQL sees one expression.
QString bucketExpr(const QString &column)
{
    return u"(("_s + column + u" - ?) / ?)"_s;
}

// Columns: runs, finished, succeeded, tokens, finished runs with a duration, the sum of
// those durations (run_stats' layout; the range query selects the same). Returns the count
// the latency figures are over.
qint64 fillTotals(const Row &r, DashboardStats &s)
{
    s.totalRuns = r.i64(0);
    const qint64 finished = r.i64(1);
    const qint64 succeeded = r.i64(2);
    s.successRate = finished > 0 ? double(succeeded) / double(finished) : 0.0;
    s.totalTokens = r.i64(3);
    const qint64 latN = r.i64(4);
    s.avgLatencyMs = latN > 0 ? double(r.i64(5)) / double(latN) : 0.0;
    return latN;
}

} // namespace

QStringList SqlStore::orgIdsWithFinishedRuns()
{
    return collect(exec("orgs with finished runs",
                        u"SELECT org_id FROM run_stats WHERE finished > 0 ORDER BY org_id"_s),
                   [](const Row &r) { return r.str(0); });
}

qint64 SqlStore::memoizedLatencyBuckets(const QString &orgId)
{
    return scalar("memoised latency buckets",
                  u"SELECT COUNT(*) FROM latency_buckets WHERE org_id = ?"_s, {text(orgId)});
}

// ---------------------------------------------------------------- dashboard

DashboardStats SqlStore::dashboardStats(const QString &orgId, const QDateTime &from,
                                        const QDateTime &to)
{
    DashboardStats s;
    s.activeCrews = scalar("dashboard active crews",
                           u"SELECT COUNT(*) FROM crews WHERE org_id = ? AND status <> 'offline'"_s,
                           {text(orgId)});

    if (!from.isValid() && !to.isValid()) {
        // All of the org's runs: the maintained aggregates, a few index lookups whatever the
        // number of runs.
        qint64 latN = 0;
        if (auto q = exec(
                "dashboard run stats",
                u"SELECT total, finished, succeeded, tokens, lat_n, lat_sum FROM run_stats WHERE org_id = ?"_s,
                {text(orgId)});
            q && q->next())
            latN = fillTotals(Row(*q), s);
        if (latN > 0)
            fillPercentiles(orgId, latN, s);
        s.recentRuns = loadRuns("dashboard recent runs",
                                u"WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT 10"_s,
                                {text(orgId)});
        return s;
    }

    // A range on created_at: answered from runs_org_created_cover (org_id, created_at,
    // status, duration_ms, tokens) without touching the table rows.
    const qint64 fromMs_ = from.isValid() ? toMs(from) : MinMs;
    const qint64 toMs_ = to.isValid() ? toMs(to) : MaxMs;
    const QVariantList range{text(orgId), fromMs_, toMs_};

    qint64 n = 0;
    if (auto q = exec("dashboard totals",
                      u"SELECT COUNT(*),"
                      " COALESCE(SUM(CASE WHEN status IN "_s +
                          FinishedStates +
                          u" THEN 1 ELSE 0 END), 0),"
                          " COALESCE(SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END), 0),"
                          " COALESCE(SUM(tokens), 0),"
                          " COALESCE(SUM(CASE WHEN status IN "_s +
                          FinishedStates +
                          u" AND duration_ms IS NOT NULL THEN 1 ELSE 0 END), 0),"
                          " COALESCE(SUM(CASE WHEN status IN "_s +
                          FinishedStates +
                          u" THEN duration_ms END), 0)"
                          " FROM runs WHERE org_id = ? AND created_at >= ? AND created_at < ?"_s,
                      range);
        q && q->next())
        n = fillTotals(Row(*q), s);

    // Latency is over finished runs that have a duration (a run cancelled while queued never
    // ran and has none). Percentiles use the nearest-rank method: p-th percentile of n values
    // = the value at 1-based rank ceil(p/100 * n) in ascending order, i.e.
    // ORDER BY duration_ms LIMIT 1 OFFSET ceil(p*n/100)-1; 0 when there are no such runs.
    if (n > 0) {
        const QString pct =
            u"SELECT duration_ms FROM runs WHERE org_id = ? AND created_at >= ? AND created_at < ?"
            " AND status IN "_s +
            FinishedStates +
            u" AND duration_ms IS NOT NULL ORDER BY duration_ms LIMIT 1 OFFSET ?"_s;
        s.p50LatencyMs =
            scalar("dashboard p50", pct, range + QVariantList{storeutil::nearestRankOffset(n, 50)});
        s.p95LatencyMs =
            scalar("dashboard p95", pct, range + QVariantList{storeutil::nearestRankOffset(n, 95)});
    }
    s.recentRuns = loadRuns("dashboard recent runs",
                            u"WHERE org_id = ? AND created_at >= ? AND created_at < ?"
                            " ORDER BY created_at DESC, id DESC LIMIT 10"_s,
                            range);
    return s;
}

bool SqlStore::fillPercentiles(const QString &orgId, qint64 n, DashboardStats &s)
{
    // Exact nearest-rank percentiles from the maintained histograms: find the 1 s bucket that
    // holds each rank by walking the coarse counts, then the exact duration inside it.
    const qint64 offsets[2] = {storeutil::nearestRankOffset(n, 50),
                               storeutil::nearestRankOffset(n, 95)};
    qint64 bucketOf[2] = {-1, -1};
    qint64 before[2] = {0, 0}; // runs in earlier buckets
    {
        auto q = exec(
            "dashboard duration buckets",
            u"SELECT bucket, n FROM run_duration_buckets WHERE org_id = ? AND n > 0 ORDER BY bucket"_s,
            {text(orgId)});
        if (!q)
            return false;
        qint64 seen = 0;
        while (q->next() && bucketOf[1] < 0) {
            const qint64 bucket = int64Of(q->value(0));
            const qint64 count = int64Of(q->value(1));
            for (int i = 0; i < 2; ++i) {
                if (bucketOf[i] < 0 && offsets[i] < seen + count) {
                    bucketOf[i] = bucket;
                    before[i] = seen;
                }
            }
            seen += count;
        }
    }
    qint64 result[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
        if (bucketOf[i] < 0)
            return false;
        auto q = exec(
            "dashboard durations",
            u"SELECT duration_ms, n FROM run_durations WHERE org_id = ? AND duration_ms >= ?"
            " AND duration_ms < ? ORDER BY duration_ms"_s,
            {text(orgId), bucketOf[i] * DurationBucketMs, (bucketOf[i] + 1) * DurationBucketMs});
        if (!q)
            return false;
        qint64 seen = before[i];
        while (q->next()) {
            seen += int64Of(q->value(1));
            if (offsets[i] < seen) {
                result[i] = int64Of(q->value(0));
                break;
            }
        }
    }
    s.p50LatencyMs = result[0];
    s.p95LatencyMs = result[1];
    return true;
}

// ---------------------------------------------------------------- timeseries

qint64 SqlStore::SeriesGrid::indexOf(const QVariant &v) const
{
    const qint64 i = SqlStore::int64Of(v, -1);
    return (i >= 0 && i < count) ? i : -1;
}

std::optional<Timeseries> SqlStore::timeseries(const QString &orgId, const QString &metric,
                                               const QString &bucket, qint64 fromTs, qint64 toTs)
{
    Timeseries ts;
    ts.metric = metric;
    ts.bucket = bucket;
    const qint64 width = timeseriesBucketMs(bucket);
    const qint64 count = timeseriesBucketCount(fromTs, toTs, width);
    if (width <= 0 || count <= 0)
        return ts;
    const SeriesGrid grid{orgId, fromTs, toTs, timeseriesBucketStart(fromTs, width), width, count};
    ts.points.resize(count);
    for (qint64 i = 0; i < count; ++i)
        ts.points[i].t = fromMs(grid.first + i * width);

    bool ok = true;
    if (metric == u"runs"_s)
        ok = runsSeries(grid, ts.points);
    else if (metric == u"success_rate"_s)
        ok = successRateSeries(grid, ts.points);
    else if (metric == u"tokens"_s)
        ok = tokensSeries(grid, ts.points);
    else if (metric == u"latency"_s)
        ok = latencySeries(grid, ts.points);
    else if (metric == u"c7t"_s)
        ok = c7tSeries(grid, ts.points);
    if (!ok)
        return std::nullopt;
    return ts;
}

bool SqlStore::runTotals(const SeriesGrid &g,
                         const std::function<void(qint64, const RunTotals &)> &perBucket)
{
    QList<RunTotals> out(g.count);
    // Whole hours inside the range come from the hourly rollups (every bucket boundary is
    // an hour boundary, so an hour never straddles two buckets); the partial hours at
    // either end, if any, from the runs themselves (covering index runs_org_created_cover).
    const qint64 hourFrom = std::min(g.toTs, ((g.fromTs + HourMs - 1) / HourMs) * HourMs);
    const qint64 hourTo = std::max(hourFrom, std::min(g.toTs, (g.toTs / HourMs) * HourMs));
    const QString rawPart =
        u"SELECT "_s + bucketExpr(u"created_at"_s) +
        u" AS b, 1 AS n,"
        " CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END AS s,"
        " CASE WHEN status = 'failed' THEN 1 ELSE 0 END AS f,"
        " CASE WHEN status IN "_s +
        FinishedStates +
        u" THEN 1 ELSE 0 END AS fin,"
        " tokens AS tok FROM runs WHERE org_id = ? AND created_at >= ? AND created_at < ?"_s;
    auto q =
        exec("timeseries runs",
             u"SELECT b, SUM(n), COALESCE(SUM(s), 0), COALESCE(SUM(f), 0), COALESCE(SUM(fin), 0),"
             " COALESCE(SUM(tok), 0) FROM ("_s +
                 rawPart + u" UNION ALL SELECT "_s + bucketExpr(u"hour"_s) +
                 u" AS b, total AS n, succeeded AS s, failed AS f, finished AS fin, tokens AS tok"
                 " FROM run_hourly WHERE org_id = ? AND hour >= ? AND hour < ? UNION ALL "_s +
                 rawPart + u") AS t GROUP BY b ORDER BY b"_s,
             {g.first, g.width, text(g.orgId), g.fromTs, hourFrom, g.first, g.width, text(g.orgId),
              hourFrom, hourTo, g.first, g.width, text(g.orgId), hourTo, g.toTs});
    const bool ok = forEachBucketRow(std::move(q), g, [&out](qint64 i, const Row &r) {
        out[i] = RunTotals{r.i64(1), r.i64(2), r.i64(3), r.i64(4), r.i64(5)};
    });
    if (!ok)
        return false;
    for (qint64 i = 0; i < g.count; ++i)
        perBucket(i, out.at(i));
    return true;
}

bool SqlStore::runsSeries(const SeriesGrid &g, QList<TimeseriesPoint> &points)
{
    return runTotals(g, [&points](qint64 i, const RunTotals &t) {
        points[i].value = double(t.total);
        points[i].extra = QJsonObject{{u"succeeded"_s, t.succeeded}, {u"failed"_s, t.failed}};
    });
}

bool SqlStore::successRateSeries(const SeriesGrid &g, QList<TimeseriesPoint> &points)
{
    // A bucket without finished runs has no rate (null), not 0.
    return runTotals(g, [&points](qint64 i, const RunTotals &t) {
        if (t.finished > 0)
            points[i].value = double(t.succeeded) / double(t.finished);
    });
}

bool SqlStore::tokensSeries(const SeriesGrid &g, QList<TimeseriesPoint> &points)
{
    return runTotals(
        g, [&points](qint64 i, const RunTotals &t) { points[i].value = double(t.tokens); });
}

bool SqlStore::latencySeries(const SeriesGrid &g, QList<TimeseriesPoint> &points)
{
    const qint64 first = g.first, width = g.width, count = g.count;
    for (auto &p : points)
        p.extra = QJsonObject{{u"p95"_s, QJsonValue::Null}};
    // A bucket that lies wholly inside the range and ended LatencyMemoMarginMs ago can no
    // longer change (runs finish with finished_at = now), so its percentiles are read
    // from latency_buckets once computed; only the others (the open bucket, partial
    // ones at the edges, never-asked ones) are computed from the runs.
    const qint64 closedBefore = QDateTime::currentMSecsSinceEpoch() - LatencyMemoMarginMs;
    const auto memoizable = [&](qint64 i) {
        const qint64 bucketStart = first + i * width;
        return bucketStart >= g.fromTs && bucketStart + width <= g.toTs &&
               bucketStart + width <= closedBefore;
    };
    std::vector<char> known(size_t(count), 0);
    {
        auto q = exec("timeseries latency memo",
                      u"SELECT start_ms, n, p50, p95 FROM latency_buckets"
                      " WHERE org_id = ? AND width_ms = ? AND start_ms >= ? AND start_ms < ?"_s,
                      {text(g.orgId), width, first, first + count * width});
        if (!q)
            return false;
        while (q->next()) {
            const qint64 bucketStart = int64Of(q->value(0));
            if ((bucketStart - first) % width != 0)
                continue;
            const qint64 i = (bucketStart - first) / width;
            if (i < 0 || i >= count || !memoizable(i))
                continue;
            known[size_t(i)] = 1;
            if (int64Of(q->value(1)) > 0) {
                points[i].value = double(int64Of(q->value(2)));
                points[i].extra = QJsonObject{{u"p95"_s, double(int64Of(q->value(3)))}};
            }
        }
    }
    // Nearest-rank p50/p95 per bucket in SQL, over each stretch of buckets not known yet:
    // rank the durations within each bucket and keep the rows at ranks
    // ceil(p*n/100) = (p*n + 99) / 100.
    std::vector<qint64> counted(size_t(count), 0);
    for (qint64 i = 0; i < count;) {
        if (known[size_t(i)]) {
            ++i;
            continue;
        }
        qint64 j = i;
        while (j < count && !known[size_t(j)])
            ++j;
        const qint64 lo = std::max(g.fromTs, first + i * width);
        const qint64 hi = std::min(g.toTs, first + j * width);
        auto q = exec(
            "timeseries latency",
            u"SELECT b, rn, cnt, duration_ms FROM ("
            " SELECT b, duration_ms,"
            // One window for both: the count over the whole partition shares
            // the rank's sort (two different windows cost SQLite two sorts).
            " ROW_NUMBER() OVER w AS rn,"
            " COUNT(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS cnt"
            " FROM (SELECT "_s +
                bucketExpr(u"finished_at"_s) +
                u" AS b, duration_ms FROM runs"
                " WHERE org_id = ? AND finished_at >= ? AND finished_at < ?"
                " AND status IN "_s +
                FinishedStates +
                u" AND duration_ms IS NOT NULL) AS d"
                " WINDOW w AS (PARTITION BY b ORDER BY duration_ms)) AS r"
                " WHERE rn = (cnt * 50 + 99) / 100 OR rn = (cnt * 95 + 99) / 100"
                " ORDER BY b, rn"_s,
            {first, width, text(g.orgId), lo, hi});
        const bool ok = forEachBucketRow(std::move(q), g, [&](qint64 b, const Row &r) {
            const qint64 rn = r.i64(1);
            const qint64 cnt = r.i64(2);
            const double d = double(r.i64(3));
            TimeseriesPoint &p = points[b];
            counted[size_t(b)] = cnt;
            if (rn == (cnt * 50 + 99) / 100)
                p.value = d;
            if (rn == (cnt * 95 + 99) / 100)
                p.extra = QJsonObject{{u"p95"_s, d}};
        });
        if (!ok)
            return false;
        i = j;
    }
    // Remember the closed buckets just computed (empty ones too). Best effort: a failure
    // only means computing them again next time.
    bool anyNew = false;
    for (qint64 i = 0; i < count && !anyNew; ++i)
        anyNew = !known[size_t(i)] && memoizable(i);
    if (anyNew) {
        Transaction tx(*this);
        bool ok = tx.ok();
        for (qint64 i = 0; ok && i < count; ++i) {
            if (known[size_t(i)] || !memoizable(i))
                continue;
            const TimeseriesPoint &p = points[i];
            const bool empty = counted[size_t(i)] == 0;
            ok = exec("timeseries latency remember",
                      u"INSERT INTO latency_buckets (org_id, width_ms, start_ms, n, p50, p95)"
                      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, width_ms, start_ms) DO "
                      "NOTHING"_s,
                      {text(g.orgId), width, first + i * width, counted[size_t(i)],
                       empty ? QVariant() : QVariant(qint64(p.value.value_or(0))),
                       empty ? QVariant() : QVariant(qint64(p.extra.value(u"p95"_s).toDouble()))})
                     .has_value();
        }
        if (ok)
            tx.commit();
    }
    return true;
}

bool SqlStore::c7tSeries(const SeriesGrid &g, QList<TimeseriesPoint> &points)
{
    // Ledger entries take effect when created, except a rental reward, which is earned
    // when its rental ends (settlement is lazy; the ledger row is written at rent time).
    const QString effective =
        u"SELECT CASE WHEN l.kind = 'rental_reward' THEN r.ends_at ELSE l.created_at END AS at,"
        " l.kind, l.amount_micros FROM ledger l LEFT JOIN rentals r ON r.id = l.rental_id"
        " WHERE l.org_id = ?"_s;
    const qint64 opening = scalar("timeseries c7t opening",
                                  u"SELECT COALESCE(SUM(amount_micros), 0) FROM ("_s + effective +
                                      u") AS e WHERE at < ?"_s,
                                  {text(g.orgId), g.fromTs}, 0);
    QList<qint64> delta(g.count, 0), spent(g.count, 0), earned(g.count, 0);
    auto q =
        exec("timeseries c7t",
             u"SELECT b, COALESCE(SUM(amount_micros), 0),"
             " COALESCE(SUM(CASE WHEN kind = 'rental_payment' THEN amount_micros ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN kind = 'rental_reward' THEN amount_micros ELSE 0 END), 0)"
             " FROM (SELECT "_s +
                 bucketExpr(u"at"_s) + u" AS b, kind, amount_micros FROM ("_s + effective +
                 u") AS e WHERE at >= ? AND at < ?) AS t GROUP BY b ORDER BY b"_s,
             {g.first, g.width, text(g.orgId), g.fromTs, g.toTs});
    const bool ok = forEachBucketRow(std::move(q), g, [&](qint64 i, const Row &r) {
        delta[i] = r.i64(1);
        spent[i] = -r.i64(2);
        earned[i] = r.i64(3);
    });
    if (!ok)
        return false;
    qint64 balance = opening;
    for (qint64 i = 0; i < g.count; ++i) {
        balance += delta[i];
        TimeseriesPoint &p = points[i];
        p.value = double(balance) / double(Micros::PerUnit);
        p.extra = QJsonObject{{u"spent"_s, Micros{spent[i]}.toJson()},
                              {u"earned"_s, Micros{earned[i]}.toJson()}};
    }
    return true;
}

// ---------------------------------------------------------------- token and rental figures

TokenStats SqlStore::tokenStats(const QString &orgId, qint64 nowMs)
{
    settleRentals(nowMs);
    TokenStats t;
    auto q =
        exec("token stats",
             u"SELECT"
             " COALESCE(SUM(CASE WHEN state = 'settled' THEN amount_micros ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN kind = 'rental_payment' THEN amount_micros ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN kind = 'rental_reward' AND state = 'settled' THEN "
             "amount_micros ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN kind = 'rental_reward' AND state = 'pending' THEN "
             "amount_micros ELSE 0 END), 0)"
             " FROM ledger WHERE org_id = ?"_s,
             {text(orgId)});
    if (q && q->next()) {
        t.balance = Micros{SqlStore::int64Of(q->value(0))};
        t.spent = Micros{-SqlStore::int64Of(q->value(1))};
        t.earned = Micros{SqlStore::int64Of(q->value(2))};
        t.pendingRewards = Micros{SqlStore::int64Of(q->value(3))};
    }
    return t;
}

RentalStats SqlStore::rentalStats(const QString &orgId, qint64 nowMs)
{
    settleRentals(nowMs);
    RentalStats s;
    if (auto q = exec("rental stats counts",
                      u"SELECT COUNT(*), COALESCE(SUM(CASE WHEN starts_at <= ? AND ends_at > ? "
                      u"THEN 1 ELSE 0 END), 0),"
                      " COALESCE(SUM(CASE WHEN owner_org_id = ? THEN price_micros ELSE 0 END), 0),"
                      " COALESCE(SUM(CASE WHEN renter_org_id = ? THEN price_micros ELSE 0 END), 0)"
                      " FROM rentals WHERE renter_org_id = ? OR owner_org_id = ?"_s,
                      {nowMs, nowMs, text(orgId), text(orgId), text(orgId), text(orgId)});
        q && q->next()) {
        s.totalRentals = SqlStore::int64Of(q->value(0));
        s.activeRentals = SqlStore::int64Of(q->value(1));
        s.revenue = Micros{SqlStore::int64Of(q->value(2))};
        s.spend = Micros{SqlStore::int64Of(q->value(3))};
    }
    // utilization = owned priced crews with an active rental / owned priced crews.
    if (auto q = exec("rental utilization",
                      u"SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM rentals r"
                      " WHERE r.crew_id = c.id AND r.owner_org_id = c.org_id AND r.starts_at <= ? "
                      "AND r.ends_at > ?)"
                      " THEN 1 ELSE 0 END), 0)"
                      " FROM crews c WHERE c.org_id = ? AND c.price_micros IS NOT NULL"_s,
                      {nowMs, nowMs, text(orgId)});
        q && q->next()) {
        const qint64 priced = SqlStore::int64Of(q->value(0));
        const qint64 rented = SqlStore::int64Of(q->value(1));
        s.utilization = priced > 0 ? double(rented) / double(priced) : 0.0;
    }
    s.topCrews = collect(
        exec("rental top crews",
             u"SELECT c.id, c.name, COUNT(r.id) AS n, SUM(r.price_micros) AS revenue"
             " FROM crews c JOIN rentals r ON r.crew_id = c.id AND r.owner_org_id = c.org_id"
             " WHERE c.org_id = ? GROUP BY c.id, c.name"
             " ORDER BY revenue DESC, n DESC, c.id LIMIT 5"_s,
             {text(orgId)}),
        [](const Row &r) {
            return TopCrew{r.str(0), r.str(1), r.i64(2), Micros{r.i64(3)}};
        });
    return s;
}

} // namespace crewdeck::server
