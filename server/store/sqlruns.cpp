#include "server/store/migrations.h"
#include "server/store/sqlstore_p.h"
#include "server/store/storeutil.h"

// SqlStore: runs, their tool calls, and the run aggregates every run change keeps up to date
// (run_stats, run_hourly, run_durations, run_duration_buckets; read in sqlanalytics.cpp).

using namespace Qt::StringLiterals;

namespace crewdeck::server {

using namespace sqlstore;
using storeutil::newId;

namespace {

// Upserts a finished run into its creation hour's rollup (same rules as addFinishedToStats).
const QString HourlyFinishedSql =
    u"INSERT INTO run_hourly (org_id, hour, succeeded, failed, finished) VALUES (?, ?, ?, ?, 1)"
    " ON CONFLICT (org_id, hour) DO UPDATE SET succeeded = run_hourly.succeeded + "
    "excluded.succeeded,"
    " failed = run_hourly.failed + excluded.failed, finished = run_hourly.finished + 1"_s;

} // namespace

QList<Run> SqlStore::loadRuns(const char *what, const QString &sqlTail, const QVariantList &binds,
                              bool *ok)
{
    return collect(
        exec(
            what,
            u"SELECT id, crew_id, status, created_at, started_at, finished_at, duration_ms, tokens,"
            " timeout_s FROM runs "_s +
                sqlTail,
            binds),
        [](const Row &row) {
            Run r;
            r.id = row.str(0);
            r.crewId = row.str(1);
            r.status = row.str(2);
            r.createdAt = row.time(3);
            r.startedAt = row.timeOrNull(4);
            r.finishedAt = row.timeOrNull(5);
            r.durationMs = row.i64OrNull(6);
            r.tokens = row.i64(7);
            // NOT NULL in the schema; a null would come from a foreign row and stays unset.
            if (!row.isNull(8))
                r.timeoutS = row.i32(8);
            r.withToolCalls = false;
            return r;
        },
        ok);
}

QList<ToolCall> SqlStore::loadToolCalls(const char *what, const QString &sqlTail,
                                        const QVariantList &binds)
{
    return collect(exec(what,
                        u"SELECT id, agent_id, tool, params, status, exit_code, started_at,"
                        " duration_ms FROM tool_calls "_s +
                            sqlTail,
                        binds),
                   [](const Row &r) {
                       ToolCall t;
                       t.id = r.str(0);
                       t.agentId = r.str(1);
                       t.tool = r.str(2);
                       t.params = parseObject(r.str(3));
                       t.status = r.str(4);
                       if (!r.isNull(5))
                           t.exitCode = r.i32(5);
                       t.startedAt = r.time(6);
                       t.durationMs = r.i64OrNull(7);
                       return t;
                   });
}

QList<RunJob> SqlStore::loadRunJobs(const char *what, const QString &sqlTail,
                                    const QVariantList &binds)
{
    return collect(
        exec(what,
             u"SELECT id, org_id, crew_id, steps, timeout_s, created_at FROM runs "_s + sqlTail,
             binds),
        [](const Row &r) {
            RunJob j;
            j.runId = r.str(0);
            j.orgId = r.str(1);
            j.crewId = r.str(2);
            j.steps = parseArray(r.str(3));
            j.timeoutS = r.i32(4);
            j.createdAt = r.time(5);
            return j;
        });
}

Run SqlStore::createRun(const QString &orgId, const QString &crewId, const QJsonArray &steps,
                        int timeoutS, qint64 nowMs)
{
    Run r;
    r.id = newId(u"run");
    r.crewId = crewId;
    r.status = RunState::Queued;
    r.createdAt = fromMs(nowMs);
    r.timeoutS = timeoutS;
    r.withToolCalls = true; // a new run has an empty tool_calls list
    // The run and its org's maintained totals change together.
    Transaction tx(*this);
    if (!tx.ok())
        return Run{};
    if (!exec(
            "create run",
            u"INSERT INTO runs (id, org_id, crew_id, status, steps, timeout_s, created_at, tokens)"
            " VALUES (?, ?, ?, 'queued', ?, ?, ?, 0)"_s,
            {r.id, text(orgId), text(crewId), compactJson(steps), timeoutS, nowMs}))
        return Run{};
    if (!exec("create run stats",
              u"INSERT INTO run_stats (org_id, total) VALUES (?, 1)"
              " ON CONFLICT (org_id) DO UPDATE SET total = run_stats.total + 1"_s,
              {text(orgId)}))
        return Run{};
    if (!exec("create run hourly",
              u"INSERT INTO run_hourly (org_id, hour, total) VALUES (?, ?, 1)"
              " ON CONFLICT (org_id, hour) DO UPDATE SET total = run_hourly.total + 1"_s,
              {text(orgId), (nowMs / HourMs) * HourMs}))
        return Run{};
    if (!tx.commit())
        return Run{};
    return r;
}

std::optional<Run> SqlStore::run(const QString &orgId, const QString &runId)
{
    auto list = loadRuns("run", u"WHERE org_id = ? AND id = ?"_s, {text(orgId), text(runId)});
    if (list.isEmpty())
        return std::nullopt;
    Run r = list.takeFirst();
    r.toolCalls =
        loadToolCalls("run tool calls", u"WHERE run_id = ? ORDER BY ord"_s, {text(runId)});
    r.withToolCalls = true;
    return r;
}

std::optional<RunJob> SqlStore::runJob(const QString &runId)
{
    return firstOf(loadRunJobs("run job", u"WHERE id = ?"_s, {text(runId)}));
}

RunPage SqlStore::runs(const QString &orgId, const RunFilter &filter, StoreError *err)
{
    StoreError dummy;
    StoreError &e = err ? *err : dummy;
    e = StoreError::None;
    RunPage page;

    std::optional<storeutil::RunCursor> cursor;
    if (!filter.cursor.isEmpty()) {
        cursor = storeutil::decodeRunCursor(filter.cursor);
        if (!cursor) {
            e = StoreError::BadRequest;
            return page;
        }
    }
    const int limit = qBound(1, filter.limit, 200);

    // Only fixed SQL fragments are appended; every value is bound.
    QString where = u"WHERE org_id = ?"_s;
    QVariantList binds{text(orgId)};
    if (!filter.crewId.isEmpty()) {
        where += u" AND crew_id = ?"_s;
        binds << filter.crewId;
    }
    if (!filter.status.isEmpty()) {
        where += u" AND status = ?"_s;
        binds << filter.status;
    }
    if (filter.from.isValid()) {
        where += u" AND created_at >= ?"_s;
        binds << toMs(filter.from);
    }
    if (filter.to.isValid()) {
        where += u" AND created_at < ?"_s;
        binds << toMs(filter.to);
    }
    if (cursor) {
        where += u" AND (created_at < ? OR (created_at = ? AND id < ?))"_s;
        binds << cursor->createdMs << cursor->createdMs << cursor->id;
    }
    binds << qint64(limit) + 1; // one extra row tells whether there is a next page
    bool ok = false;
    page.items =
        loadRuns("runs", where + u" ORDER BY created_at DESC, id DESC LIMIT ?"_s, binds, &ok);
    if (!ok) {
        e = StoreError::Unavailable;
        return page;
    }
    if (page.items.size() > limit) {
        page.items.resize(limit);
        const Run &last = page.items.constLast();
        page.nextCursor = storeutil::encodeRunCursor({toMs(last.createdAt), last.id});
    }
    return page;
}

QList<RunJob> SqlStore::runsInStatus(const QString &status)
{
    return loadRunJobs("runs in status", u"WHERE status = ? ORDER BY created_at, id"_s,
                       {text(status)});
}

void SqlStore::markRunStarted(const QString &runId, qint64 nowMs)
{
    exec("mark run started",
         u"UPDATE runs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'"_s,
         {nowMs, text(runId)});
}

bool SqlStore::claimRun(const QString &runId, qint64 nowMs)
{
    // One conditional UPDATE: atomic across connections and nodes, exactly one caller wins.
    auto q = exec(
        "claim run",
        u"UPDATE runs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'"_s,
        {nowMs, text(runId)});
    return q && q->numRowsAffected() == 1;
}

bool SqlStore::cancelQueuedRun(const QString &runId, qint64 nowMs)
{
    // The twin of claimRun(): only a run still queued can be cancelled here; one that a
    // worker claimed meanwhile is cancelled where it runs.
    Transaction tx(*this);
    if (!tx.ok())
        return false;
    auto q = exec("cancel queued run",
                  u"UPDATE runs SET status = 'cancelled', finished_at = ?, duration_ms = NULL"
                  " WHERE id = ? AND status = 'queued'"_s,
                  {nowMs, text(runId)});
    if (!q || q->numRowsAffected() != 1)
        return false;
    q.reset();
    auto org = exec("cancel queued run org", u"SELECT org_id, created_at FROM runs WHERE id = ?"_s,
                    {text(runId)});
    if (!org || !org->next())
        return false;
    const QString orgId = org->value(0).toString();
    const qint64 createdAt = int64Of(org->value(1));
    org.reset();
    if (!addFinishedToStats(orgId, RunState::Cancelled, QVariant()))
        return false;
    if (!exec("cancel queued run hourly", HourlyFinishedSql,
              {text(orgId), (createdAt / HourMs) * HourMs, qint64(0), qint64(0)}))
        return false;
    return tx.commit();
}

bool SqlStore::addFinishedToStats(const QString &orgId, const QString &status,
                                  const QVariant &durationMs)
{
    // Same counting rules as the from-scratch queries: only final states count as finished,
    // and only finished runs with a duration count for latency.
    if (!RunState::isFinal(status))
        return true;
    const bool hasDuration = !durationMs.isNull();
    const qint64 duration = hasDuration ? int64Of(durationMs) : 0;
    if (!exec(
            "run stats finished",
            u"INSERT INTO run_stats (org_id, finished, succeeded, lat_n, lat_sum) VALUES (?, 1, ?, "
            u"?, ?)"
            " ON CONFLICT (org_id) DO UPDATE SET finished = run_stats.finished + 1,"
            " succeeded = run_stats.succeeded + excluded.succeeded,"
            " lat_n = run_stats.lat_n + excluded.lat_n, lat_sum = run_stats.lat_sum + excluded.lat_sum"_s,
            {text(orgId), qint64(status == RunState::Succeeded ? 1 : 0),
             qint64(hasDuration ? 1 : 0), duration}))
        return false;
    if (!hasDuration)
        return true;
    if (!exec("run stats duration",
              u"INSERT INTO run_durations (org_id, duration_ms, n) VALUES (?, ?, 1)"
              " ON CONFLICT (org_id, duration_ms) DO UPDATE SET n = run_durations.n + 1"_s,
              {text(orgId), duration}))
        return false;
    return exec("run stats duration bucket",
                u"INSERT INTO run_duration_buckets (org_id, bucket, n) VALUES (?, ?, 1)"
                " ON CONFLICT (org_id, bucket) DO UPDATE SET n = run_duration_buckets.n + 1"_s,
                {text(orgId), duration / DurationBucketMs})
        .has_value();
}

bool SqlStore::rebuildRunStats()
{
    Transaction tx(*this);
    if (!tx.ok())
        return false;
    for (const QString &stmt : runStatsRebuildStatements()) {
        if (!exec("rebuild run stats", stmt))
            return false;
    }
    if (!exec("rebuild run stats memo", u"DELETE FROM latency_buckets"_s))
        return false;
    return tx.commit();
}

bool SqlStore::markRunFinished(const QString &runId, const QString &status, qint64 nowMs)
{
    // duration_ms = finished - started; NULL for a run that never started (cancelled while
    // queued): it has no latency.
    // The aggregates follow only the caller whose UPDATE moved the run (two nodes finishing
    // the same run: the second one's UPDATE matches no row).
    Transaction tx(*this);
    if (!tx.ok())
        return false;
    auto q = exec("mark run finished",
                  u"UPDATE runs SET status = ?, finished_at = ?,"
                  " duration_ms = CASE WHEN started_at IS NULL THEN NULL"
                  " WHEN ? >= started_at THEN ? - started_at ELSE 0 END"
                  " WHERE id = ? AND status IN ('queued', 'running')"_s,
                  {text(status), nowMs, nowMs, nowMs, text(runId)});
    if (!q || q->numRowsAffected() != 1)
        return false;
    q.reset();
    auto row =
        exec("mark run finished row",
             u"SELECT org_id, duration_ms, created_at FROM runs WHERE id = ?"_s, {text(runId)});
    if (!row || !row->next())
        return false;
    const QString orgId = row->value(0).toString();
    const QVariant duration = row->value(1);
    const qint64 createdAt = int64Of(row->value(2));
    row.reset();
    if (!addFinishedToStats(orgId, status, duration))
        return false;
    // A finish recorded in the past (imports, tests; never a live run) may land in a closed
    // latency bucket whose percentiles were memoised: forget those.
    if (nowMs < QDateTime::currentMSecsSinceEpoch() - LatencyMemoMarginMs &&
        !exec(
            "mark run finished memo",
            u"DELETE FROM latency_buckets WHERE org_id = ? AND start_ms <= ? AND start_ms + width_ms > ?"_s,
            {text(orgId), nowMs, nowMs}))
        return false;
    if (RunState::isFinal(status) && !exec("mark run finished hourly", HourlyFinishedSql,
                                           {text(orgId), (createdAt / HourMs) * HourMs,
                                            qint64(status == RunState::Succeeded ? 1 : 0),
                                            qint64(status == RunState::Failed ? 1 : 0)}))
        return false;
    return tx.commit();
}

void SqlStore::addRunTokens(const QString &runId, qint64 tokens)
{
    Transaction tx(*this);
    if (!tx.ok())
        return;
    auto q = exec("add run tokens", u"UPDATE runs SET tokens = tokens + ? WHERE id = ?"_s,
                  {tokens, text(runId)});
    if (!q || q->numRowsAffected() != 1)
        return;
    q.reset();
    if (!exec(
            "add run tokens stats",
            u"UPDATE run_stats SET tokens = tokens + ? WHERE org_id = (SELECT org_id FROM runs WHERE id = ?)"_s,
            {tokens, text(runId)}))
        return;
    if (!exec("add run tokens hourly",
              u"UPDATE run_hourly SET tokens = tokens + ?"
              " WHERE org_id = (SELECT org_id FROM runs WHERE id = ?)"
              " AND hour = (SELECT (created_at / ?) * ? FROM runs WHERE id = ?)"_s,
              {tokens, text(runId), HourMs, HourMs, text(runId)}))
        return;
    tx.commit();
}

ToolCall SqlStore::startToolCall(const QString &runId, const QString &agentId, const QString &tool,
                                 const QJsonObject &params, qint64 nowMs)
{
    ToolCall t;
    t.id = newId(u"tc");
    t.agentId = agentId;
    t.tool = tool;
    t.params = params;
    t.status = CallState::Running;
    t.startedAt = fromMs(nowMs);
    if (!exec(
            "start tool call",
            u"INSERT INTO tool_calls (id, run_id, ord, agent_id, tool, params, status, started_at)"
            " VALUES (?, ?, (SELECT COALESCE(MAX(ord), 0) + 1 FROM tool_calls WHERE run_id = ?),"
            " ?, ?, ?, 'running', ?)"_s,
            {t.id, text(runId), text(runId), text(agentId), text(tool), compactJson(params),
             nowMs}))
        return ToolCall{};
    return t;
}

void SqlStore::finishToolCall(const QString &toolCallId, const QString &status,
                              std::optional<int> exitCode, qint64 durationMs,
                              const QByteArray &outputTail)
{
    exec(
        "finish tool call",
        u"UPDATE tool_calls SET status = ?, exit_code = ?, duration_ms = ?, output_tail = ? WHERE id = ?"_s,
        {text(status), exitCode ? QVariant(*exitCode) : QVariant(QMetaType::fromType<int>()),
         durationMs, outputTail.isNull() ? QVariant(QByteArray("")) : QVariant(outputTail),
         text(toolCallId)});
}

QList<ToolCall> SqlStore::runningToolCalls(const QString &runId)
{
    return loadToolCalls("running tool calls",
                         u"WHERE run_id = ? AND status = 'running' ORDER BY ord"_s, {text(runId)});
}

bool SqlStore::crewHasActiveRun(const QString &crewId)
{
    auto q =
        exec("crew active run",
             u"SELECT 1 FROM runs WHERE crew_id = ? AND status IN ('queued', 'running') LIMIT 1"_s,
             {text(crewId)});
    return q && q->next();
}

} // namespace crewdeck::server
