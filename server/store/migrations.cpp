#include "server/store/migrations.h"

#include "shared/logging.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {
const QStringList &runStatsRebuildStatementsV2();
const QStringList &runHourlyRebuildStatements();
} // namespace

const Dialect &Dialect::sqlite()
{
    static const Dialect d{
        u"sqlite"_s,
        u"BLOB"_s,
        // The rowid alias: the caller's seq becomes the b-tree key, no second index.
        u"INTEGER PRIMARY KEY"_s,
        // Take the write lock up front so a read-then-write transaction (balance check,
        // migration) cannot be overtaken by another connection between its read and write.
        u"BEGIN IMMEDIATE"_s,
        {u"PRAGMA journal_mode=WAL"_s, u"PRAGMA foreign_keys=ON"_s, u"PRAGMA synchronous=NORMAL"_s},
        true,
    };
    return d;
}

const Dialect &Dialect::postgres()
{
    static const Dialect d{
        u"postgres"_s,
        u"BYTEA"_s,
        u"BIGINT PRIMARY KEY"_s,
        u"BEGIN"_s,
        // client_min_messages: no NOTICE chatter ("already exists, skipping") on stderr.
        {u"SET TIME ZONE 'UTC'"_s, u"SET client_min_messages = warning"_s},
    };
    return d;
}

QString applyDialect(const QString &sql, const Dialect &dialect)
{
    QString out = sql;
    out.replace(u"{BLOB}"_s, dialect.blobType);
    out.replace(u"{SEQ_PK}"_s, dialect.seqPrimaryKey);
    return out;
}

const QList<Migration> &migrations()
{
    // Conventions: ids are opaque TEXT, times are BIGINT ms since the epoch (UTC), money is
    // BIGINT micros, JSON documents are TEXT, raw bytes are {BLOB}. Runs, rentals and events
    // reference crews by id without a foreign key: history outlives a deleted crew.
    static const QList<Migration> list{
        {1,
         u"initial schema"_s,
         {
             u"CREATE TABLE orgs ("
             " id TEXT PRIMARY KEY,"
             " name TEXT NOT NULL UNIQUE,"
             " created_at BIGINT NOT NULL)"_s,

             // email keeps the spelling the user chose; email_norm (lower case, computed by the
             // store) makes uniqueness case-insensitive the same way in every dialect.
             u"CREATE TABLE users ("
             " id TEXT PRIMARY KEY,"
             " org_id TEXT NOT NULL REFERENCES orgs(id),"
             " email TEXT NOT NULL,"
             " email_norm TEXT NOT NULL UNIQUE,"
             " role TEXT NOT NULL,"
             " password_hash TEXT NOT NULL,"
             " created_at BIGINT NOT NULL)"_s,
             u"CREATE INDEX users_org ON users (org_id, created_at)"_s,

             u"CREATE TABLE crews ("
             " id TEXT PRIMARY KEY,"
             " org_id TEXT NOT NULL REFERENCES orgs(id),"
             " name TEXT NOT NULL,"
             " status TEXT NOT NULL,"
             " price_micros BIGINT,"
             " created_at BIGINT NOT NULL)"_s,
             u"CREATE INDEX crews_org ON crews (org_id, created_at)"_s,
             u"CREATE INDEX crews_market ON crews (org_id) WHERE price_micros IS NOT NULL"_s,

             u"CREATE TABLE agents ("
             " id TEXT PRIMARY KEY,"
             " crew_id TEXT NOT NULL REFERENCES crews(id) ON DELETE CASCADE,"
             " position INTEGER NOT NULL,"
             " name TEXT NOT NULL,"
             " role TEXT NOT NULL,"
             " tools TEXT NOT NULL)"_s,
             u"CREATE INDEX agents_crew ON agents (crew_id, position)"_s,

             u"CREATE TABLE runs ("
             " id TEXT PRIMARY KEY,"
             " org_id TEXT NOT NULL REFERENCES orgs(id),"
             " crew_id TEXT NOT NULL,"
             " status TEXT NOT NULL,"
             " steps TEXT NOT NULL,"
             " timeout_s INTEGER NOT NULL,"
             " created_at BIGINT NOT NULL,"
             " started_at BIGINT,"
             " finished_at BIGINT,"
             " duration_ms BIGINT,"
             " tokens BIGINT NOT NULL DEFAULT 0)"_s,
             // Run list (newest first, keyset on created_at, id) with and without filters,
             // and the dashboard's range aggregates.
             u"CREATE INDEX runs_org_created ON runs (org_id, created_at, id)"_s,
             u"CREATE INDEX runs_org_crew_created ON runs (org_id, crew_id, created_at, id)"_s,
             u"CREATE INDEX runs_org_status_created ON runs (org_id, status, created_at, id)"_s,
             // Percentiles: finished runs of an org in duration order.
             u"CREATE INDEX runs_org_status_duration ON runs (org_id, status, duration_ms)"_s,
             // The executor's queue (runsInStatus) and crewHasActiveRun.
             u"CREATE INDEX runs_status_created ON runs (status, created_at, id)"_s,
             u"CREATE INDEX runs_crew_status ON runs (crew_id, status)"_s,

             u"CREATE TABLE tool_calls ("
             " id TEXT PRIMARY KEY,"
             " run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
             " ord INTEGER NOT NULL,"
             " agent_id TEXT NOT NULL,"
             " tool TEXT NOT NULL,"
             " params TEXT NOT NULL,"
             " status TEXT NOT NULL,"
             " exit_code INTEGER,"
             " started_at BIGINT NOT NULL,"
             " duration_ms BIGINT,"
             " output_tail {BLOB})"_s,
             u"CREATE INDEX tool_calls_run ON tool_calls (run_id, ord)"_s,

             u"CREATE TABLE rentals ("
             " id TEXT PRIMARY KEY,"
             " crew_id TEXT NOT NULL,"
             " renter_org_id TEXT NOT NULL REFERENCES orgs(id),"
             " owner_org_id TEXT NOT NULL REFERENCES orgs(id),"
             " hours_micros BIGINT NOT NULL,"
             " price_micros BIGINT NOT NULL,"
             " starts_at BIGINT NOT NULL,"
             " ends_at BIGINT NOT NULL,"
             " settled INTEGER NOT NULL DEFAULT 0)"_s,
             u"CREATE INDEX rentals_renter ON rentals (renter_org_id, starts_at)"_s,
             u"CREATE INDEX rentals_owner ON rentals (owner_org_id, starts_at)"_s,
             u"CREATE INDEX rentals_crew ON rentals (crew_id, ends_at)"_s,
             u"CREATE INDEX rentals_unsettled ON rentals (settled, ends_at)"_s,

             u"CREATE TABLE ledger ("
             " id TEXT PRIMARY KEY,"
             " org_id TEXT NOT NULL REFERENCES orgs(id),"
             " kind TEXT NOT NULL CHECK (kind IN ('grant', 'rental_payment', 'rental_reward')),"
             " amount_micros BIGINT NOT NULL,"
             " state TEXT NOT NULL CHECK (state IN ('settled', 'pending')),"
             " rental_id TEXT REFERENCES rentals(id),"
             " created_at BIGINT NOT NULL)"_s,
             u"CREATE INDEX ledger_org_kind ON ledger (org_id, kind, state)"_s,
             u"CREATE INDEX ledger_org_created ON ledger (org_id, created_at)"_s,
             u"CREATE INDEX ledger_rental ON ledger (rental_id)"_s,

             // body is the complete JSON frame exactly as sent on the wire.
             u"CREATE TABLE events ("
             " seq {SEQ_PK},"
             " org_id TEXT NOT NULL,"
             " crew_id TEXT,"
             " run_id TEXT,"
             " type TEXT NOT NULL,"
             " ts_ms BIGINT NOT NULL,"
             " body {BLOB} NOT NULL)"_s,
             u"CREATE INDEX events_run ON events (run_id, seq)"_s,
             u"CREATE INDEX events_graph ON events (org_id, crew_id, seq)"_s,
             u"CREATE INDEX events_org_type ON events (org_id, type, seq)"_s,
             u"CREATE INDEX events_ts ON events (ts_ms)"_s,

             u"CREATE TABLE meta ("
             " key TEXT PRIMARY KEY,"
             " value TEXT NOT NULL)"_s,
         }},
        {2, u"maintained run aggregates and analytics indexes"_s,
         QStringList{
             // Per-org totals over all runs, kept current by the store in the same
             // transaction as every run change: /dashboard/stats without a range reads one row.
             // finished = succeeded + failed + cancelled; lat_n/lat_sum over finished runs
             // with a duration.
             u"CREATE TABLE run_stats ("
             " org_id TEXT PRIMARY KEY,"
             " total BIGINT NOT NULL DEFAULT 0,"
             " finished BIGINT NOT NULL DEFAULT 0,"
             " succeeded BIGINT NOT NULL DEFAULT 0,"
             " tokens BIGINT NOT NULL DEFAULT 0,"
             " lat_n BIGINT NOT NULL DEFAULT 0,"
             " lat_sum BIGINT NOT NULL DEFAULT 0)"_s,
             // The exact duration histogram of finished runs (duration -> count) and a coarse
             // one (1 s buckets) over it: exact nearest-rank percentiles walk the coarse
             // buckets, then the durations of one bucket, independent of the number of runs.
             u"CREATE TABLE run_durations ("
             " org_id TEXT NOT NULL,"
             " duration_ms BIGINT NOT NULL,"
             " n BIGINT NOT NULL,"
             " PRIMARY KEY (org_id, duration_ms))"_s,
             u"CREATE TABLE run_duration_buckets ("
             " org_id TEXT NOT NULL,"
             " bucket BIGINT NOT NULL,"
             " n BIGINT NOT NULL,"
             " PRIMARY KEY (org_id, bucket))"_s,
             // Ranged dashboard figures and timeseries answered from the index alone.
             u"CREATE INDEX runs_org_created_cover ON runs (org_id, created_at, status, duration_ms, tokens)"_s,
             u"CREATE INDEX runs_org_finished ON runs (org_id, finished_at, status, duration_ms)"_s,
         } + runStatsRebuildStatementsV2()},
        {3, u"hourly run rollups for the timeseries"_s,
         QStringList{
             // Per-org counts of the runs created in each UTC hour (hour = its start in ms),
             // kept current with the runs: a timeseries over a year reads ~8,760 rows per org
             // instead of every run (docs/benchmarks.md, "Timeseries at 1M runs").
             u"CREATE TABLE run_hourly ("
             " org_id TEXT NOT NULL,"
             " hour BIGINT NOT NULL,"
             " total BIGINT NOT NULL DEFAULT 0,"
             " succeeded BIGINT NOT NULL DEFAULT 0,"
             " failed BIGINT NOT NULL DEFAULT 0,"
             " finished BIGINT NOT NULL DEFAULT 0,"
             " tokens BIGINT NOT NULL DEFAULT 0,"
             " PRIMARY KEY (org_id, hour))"_s,
         } + runHourlyRebuildStatements()},
        {4, u"memoised latency percentiles of closed timeseries buckets"_s,
         QStringList{
             // p50/p95 (nearest rank) of the runs that finished in one bucket [start, start +
             // width) of the latency timeseries, written once the bucket can no longer change
             // (runs finish with finished_at = now; see SqlStore::timeseries). n = 0: no runs.
             u"CREATE TABLE latency_buckets ("
             " org_id TEXT NOT NULL,"
             " width_ms BIGINT NOT NULL,"
             " start_ms BIGINT NOT NULL,"
             " n BIGINT NOT NULL,"
             " p50 BIGINT,"
             " p95 BIGINT,"
             " PRIMARY KEY (org_id, width_ms, start_ms))"_s,
         }},
        {5, u"crew status version for compare-and-set across nodes"_s,
         QStringList{
             // Bumped by every status change. Nodes compare-and-set on it rather than on the
             // status value, so a decision taken before an A -> B -> A flap by other nodes
             // fails instead of applying (and signalling) a transition nobody saw happen.
             u"ALTER TABLE crews ADD COLUMN status_version BIGINT NOT NULL DEFAULT 0"_s,
         }},
        {6, u"events: only the indexes the stream reads use"_s,
         QStringList{
             // Every appended row paid four index entries; the reads use two of them for
             // nearly every row (docs/benchmarks.md, "Event store: index maintenance per
             // append"). Pruning finds its seq range by a search over the primary key
             // (SqlStore::pruneEvents), not through a time index.
             u"DROP INDEX events_ts"_s,
             // Only the mission stream (org_id, type = 'signal') read events_org_type: signal
             // rows alone enter its replacement, a tool or run_status row costs nothing here.
             u"DROP INDEX events_org_type"_s,
             u"CREATE INDEX events_signal ON events (org_id, seq) WHERE type = 'signal'"_s,
         }},
    };
    return list;
}

const QStringList &runStatsRebuildStatements()
{
    // Everything the maintained aggregates hold, recomputed from the runs (the latest schema).
    static const QStringList list = runStatsRebuildStatementsV2() + runHourlyRebuildStatements();
    return list;
}

namespace {
const QStringList &runStatsRebuildStatementsV2()
{
    // Frozen: migration 2 runs exactly these (run_hourly does not exist yet at that point).
    static const QStringList list{
        u"DELETE FROM run_stats"_s,
        u"DELETE FROM run_durations"_s,
        u"DELETE FROM run_duration_buckets"_s,
        u"INSERT INTO run_stats (org_id, total, finished, succeeded, tokens, lat_n, lat_sum)"
        " SELECT org_id, COUNT(*),"
        " SUM(CASE WHEN status IN ('succeeded', 'failed', 'cancelled') THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END),"
        " SUM(tokens),"
        " SUM(CASE WHEN status IN ('succeeded', 'failed', 'cancelled') AND duration_ms IS NOT NULL "
        "THEN 1 ELSE 0 END),"
        " COALESCE(SUM(CASE WHEN status IN ('succeeded', 'failed', 'cancelled') THEN duration_ms "
        "END), 0)"
        " FROM runs GROUP BY org_id"_s,
        u"INSERT INTO run_durations (org_id, duration_ms, n)"
        " SELECT org_id, duration_ms, COUNT(*) FROM runs"
        " WHERE status IN ('succeeded', 'failed', 'cancelled') AND duration_ms IS NOT NULL"
        " GROUP BY org_id, duration_ms"_s,
        u"INSERT INTO run_duration_buckets (org_id, bucket, n)"
        " SELECT org_id, duration_ms / 1000, SUM(n) FROM run_durations"
        " GROUP BY org_id, duration_ms / 1000"_s,
    };
    return list;
}

const QStringList &runHourlyRebuildStatements()
{
    // Same counting rules as SqlStore's maintenance: created_at is after 1970, so the integer
    // division floors in both dialects.
    static const QStringList list{
        u"DELETE FROM run_hourly"_s,
        u"INSERT INTO run_hourly (org_id, hour, total, succeeded, failed, finished, tokens)"
        " SELECT org_id, (created_at / 3600000) * 3600000, COUNT(*),"
        " SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN status IN ('succeeded', 'failed', 'cancelled') THEN 1 ELSE 0 END),"
        " COALESCE(SUM(tokens), 0)"
        " FROM runs GROUP BY org_id, created_at / 3600000"_s,
    };
    return list;
}
} // namespace

int latestSchemaVersion()
{
    return migrations().isEmpty() ? 0 : migrations().constLast().version;
}

namespace {

bool execSql(QSqlDatabase &db, const QString &sql, QString *error)
{
    QSqlQuery q(db);
    if (q.exec(sql))
        return true;
    const QString msg = q.lastError().text();
    qCWarning(lcStore) << "schema statement failed:" << msg;
    if (error)
        *error = msg;
    return false;
}

int currentVersion(QSqlDatabase &db, bool *ok)
{
    QSqlQuery q(db);
    *ok = q.exec(u"SELECT COALESCE(MAX(version), 0) FROM schema_version"_s) && q.next();
    if (!*ok) {
        qCWarning(lcStore) << "reading schema_version failed:" << q.lastError().text();
        return 0;
    }
    return q.value(0).toInt();
}

} // namespace

bool migrate(QSqlDatabase &db, const Dialect &dialect, QString *error, int upToVersion)
{
    if (!execSql(db,
                 u"CREATE TABLE IF NOT EXISTS schema_version ("
                 " version INTEGER PRIMARY KEY,"
                 " description TEXT NOT NULL,"
                 " applied_at BIGINT NOT NULL)"_s,
                 error))
        return false;

    for (const Migration &m : migrations()) {
        if (upToVersion > 0 && m.version > upToVersion)
            break;
        bool ok = false;
        if (currentVersion(db, &ok) >= m.version && ok)
            continue;
        if (!ok) {
            if (error)
                *error = u"cannot read the schema version"_s;
            return false;
        }
        if (!execSql(db, dialect.beginWrite, error))
            return false;
        // Another process may have migrated between our check and the write lock.
        const int inside = currentVersion(db, &ok);
        if (!ok) {
            execSql(db, u"ROLLBACK"_s, nullptr);
            if (error)
                *error = u"cannot read the schema version"_s;
            return false;
        }
        if (inside >= m.version) {
            execSql(db, u"ROLLBACK"_s, nullptr);
            continue;
        }
        for (const QString &stmt : m.statements) {
            if (!execSql(db, applyDialect(stmt, dialect), error)) {
                execSql(db, u"ROLLBACK"_s, nullptr);
                if (error)
                    *error =
                        u"migration %1 (%2) failed: %3"_s.arg(m.version).arg(m.description, *error);
                return false;
            }
        }
        QSqlQuery rec(db);
        rec.prepare(
            u"INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)"_s);
        rec.addBindValue(m.version);
        rec.addBindValue(m.description);
        rec.addBindValue(QDateTime::currentMSecsSinceEpoch());
        if (!rec.exec()) {
            const QString msg = rec.lastError().text();
            qCWarning(lcStore) << "recording schema version failed:" << msg;
            execSql(db, u"ROLLBACK"_s, nullptr);
            if (error)
                *error = msg;
            return false;
        }
        if (!execSql(db, u"COMMIT"_s, error)) {
            execSql(db, u"ROLLBACK"_s, nullptr);
            return false;
        }
        qCInfo(lcStore) << "applied schema migration" << m.version << m.description;
    }
    return true;
}

} // namespace crewdeck::server
