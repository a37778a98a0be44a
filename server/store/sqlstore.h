#pragma once
#include "server/model/store.h"
#include "server/store/migrations.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariantList>
#include <functional>
#include <memory>
#include <optional>

namespace crewdeck::server {

// The portable SQL implementation of Store, shared by SqliteStore and PostgresStore. Its
// methods are defined in one file per reason to change: sqlstore.cpp (connection, statement
// cache, transactions), sqlorgs.cpp (orgs, users, crews), sqlruns.cpp (runs, tool calls, run
// aggregates), sqlanalytics.cpp (dashboard, timeseries, token/rental figures), sqlledger.cpp
// (rentals, ledger), sqlevents.cpp (event log), sqlprune.cpp (pruning it in steps);
// sqlstore_p.h holds what they share. All queries are written once in the common subset of
// both dialects (see migrations.h); a subclass only configures the QSqlDatabase (driver,
// connection parameters), may add per-dialect locking, and names itself for logs. Every statement
// is prepared with bound values. A failed statement is logged (category crewdeck.store, never with
// bound values: they may be password hashes) and surfaces as "not found"/empty/false, or as
// StoreError::Unavailable where the method reports errors.
//
// Lost connections: after a failed statement outside a transaction the store probes the
// connection with SELECT 1; if that fails too, the connection is marked broken and the next
// call (or ping()) reconnects first. So a database that goes away makes calls fail, not
// crash, and a later call works again once it is back.
//
// Aggregates: PostgreSQL returns SUM()/AVG() of BIGINT as NUMERIC. Queries run with the
// HighPrecision policy (NUMERIC arrives as an exact decimal string) and every numeric read
// goes through int64Of()/doubleOf(), which accept integers, doubles and decimal strings.
//
// Thread: one instance is used only on the thread that called open() (the main thread).
// Several instances may coexist (each has its own connection name).
class SqlStore : public Store
{
public:
    ~SqlStore() override;
    SqlStore(const SqlStore &) = delete;
    SqlStore &operator=(const SqlStore &) = delete;

    const Dialect &dialect() const { return m_dialect; }
    // The applied schema version (0 before open()).
    int schemaVersion();

    bool open(QString *error) override;
    bool ping() override;

    std::optional<OrgRecord> orgByName(const QString &name) override;
    std::optional<OrgRecord> createOrg(const QString &name, Micros startingGrant) override;
    std::optional<UserRecord> userByEmail(const QString &email) override;
    std::optional<UserRecord> userById(const QString &id) override;
    QList<UserRecord> users(const QString &orgId) override;
    std::optional<UserRecord> createUser(const QString &orgId, const QString &email,
                                         const QString &role, const QByteArray &hash,
                                         StoreError *err) override;
    qint64 userCount() override;

    QList<Crew> crews(const QString &orgId) override;
    std::optional<Crew> crew(const QString &orgId, const QString &crewId) override;
    std::optional<Crew> crewById(const QString &crewId) override;
    QList<Crew> allCrews() override;
    QStringList orgIdsWithFinishedRuns() override;
    qint64 memoizedLatencyBuckets(const QString &orgId) override;
    Crew createCrew(const QString &orgId, const CreateCrewRequest &req, qint64 nowMs) override;
    StoreError deleteCrew(const QString &orgId, const QString &crewId, qint64 nowMs) override;
    void setCrewStatus(const QString &crewId, const QString &status) override;
    std::optional<CrewStatusRow> crewStatusRow(const QString &crewId) override;
    QList<CrewStatusRow> crewStatusRows() override;
    bool compareAndSetCrewStatus(const QString &crewId, qint64 expectedVersion,
                                 const QString &status) override;
    QList<MarketCrew> marketCrews(const QString &orgId) override;

    Run createRun(const QString &orgId, const QString &crewId, const QJsonArray &steps,
                  int timeoutS, qint64 nowMs) override;
    std::optional<Run> run(const QString &orgId, const QString &runId) override;
    std::optional<RunJob> runJob(const QString &runId) override;
    RunPage runs(const QString &orgId, const RunFilter &filter, StoreError *err) override;
    QList<RunJob> runsInStatus(const QString &status) override;
    void markRunStarted(const QString &runId, qint64 nowMs) override;
    bool claimRun(const QString &runId, qint64 nowMs) override;
    bool cancelQueuedRun(const QString &runId, qint64 nowMs) override;
    bool markRunFinished(const QString &runId, const QString &status, qint64 nowMs) override;
    void addRunTokens(const QString &runId, qint64 tokens) override;
    ToolCall startToolCall(const QString &runId, const QString &agentId, const QString &tool,
                           const QJsonObject &params, qint64 nowMs) override;
    void finishToolCall(const QString &toolCallId, const QString &status,
                        std::optional<int> exitCode, qint64 durationMs,
                        const QByteArray &outputTail) override;
    QList<ToolCall> runningToolCalls(const QString &runId) override;
    bool crewHasActiveRun(const QString &crewId) override;

    DashboardStats dashboardStats(const QString &orgId, const QDateTime &from,
                                  const QDateTime &to) override;
    std::optional<Timeseries> timeseries(const QString &orgId, const QString &metric,
                                         const QString &bucket, qint64 fromMs,
                                         qint64 toMs) override;
    TokenStats tokenStats(const QString &orgId, qint64 nowMs) override;
    RentalStats rentalStats(const QString &orgId, qint64 nowMs) override;

    std::optional<Rental> rent(const QString &renterOrgId, const QString &crewId, Micros hours,
                               qint64 nowMs, StoreError *err) override;
    QList<Rental> rentals(const QString &orgId, qint64 nowMs) override;
    int settleRentals(qint64 nowMs) override;
    bool hasActiveRental(const QString &renterOrgId, const QString &crewId, qint64 nowMs) override;

    bool appendEvents(const QList<StoredEventPtr> &events) override;
    QList<StoredEventPtr> events(const StreamKey &key, qint64 since, int limit) override;
    bool appendEventsAllocating(QList<StoredEventPtr> &events) override;
    QList<StoredEventPtr> eventsAfter(qint64 since, int limit) override;
    qint64 latestSeq(const StreamKey &key) override;
    qint64 maxEventSeq() override;
    std::unique_ptr<EventPruneJob> startPrune(qint64 cutoffMs, int keepPerStream) override;
    qint64 prunedHorizon() override;

    // The statements behind events() (binds: the stream's, then since and limit) and
    // latestSeq() (the stream's), the seq allocation of appendEventsAllocating(), and a
    // prune's: the probe of its search for the cutoff (binds: a seq), the rows of a step
    // (binds: from seq, below seq, limit) and its walks to a stream's threshold (below; a graph
    // key without a crew id stands for the tool events that have no crew). Tests check that
    // each reads through an index (tst_eventindexes).
    static QString streamEventsSql(const StreamKey &key, QVariantList *binds);
    static QString streamLatestSql(const StreamKey &key, QVariantList *binds);
    static const QString &allocateSeqSql();
    static const QString &pruneProbeSql();
    static const QString &pruneRowsSql();
    // A prune step's delete of `ranges` seq ranges (binds: each range's first and last seq).
    static QString pruneDeleteSql(int ranges);
    // A prune's walk down a stream's index towards its threshold: the piece of `n` index
    // entries below `below` (newest first) as (entries, lowest seq, the stream's events among
    // them), and the seq of the (offset+1)-th newest stream event in that piece. Both read the
    // index alone for the piece and look up the rows it found by primary key.
    static QString pruneWalkSql(const StreamKey &key, qint64 below, qint64 n, QVariantList *binds);
    static QString pruneLocateSql(const StreamKey &key, qint64 below, qint64 n, qint64 offset,
                                  QVariantList *binds);

    // Reads a numeric column robustly: qint64/int, double (rounded) or a decimal string
    // (PostgreSQL NUMERIC under HighPrecision). Null and garbage read as `fallback`.
    static qint64 int64Of(const QVariant &v, qint64 fallback = 0);
    static double doubleOf(const QVariant &v, double fallback = 0.0);

    // Recomputes the maintained run aggregates (run_stats, run_durations,
    // run_duration_buckets) from the runs table in one transaction. For tools that write runs
    // rows directly (the bench seeder) and for tests that check the incremental upkeep.
    bool rebuildRunStats();
    // How many prepared statements the connection keeps (for tests of the cache).
    qsizetype cachedStatementCount() const { return m_stmts.size(); }
    quint64 dataVersion() const override { return m_dataVersion; }
    // INSERT/UPDATE/DELETE outside the event log's own tables (events, its horizon).
    static bool isDataWrite(const QString &sql);

    // A query handed out by exec(). When it came from the statement cache, destroying it
    // (or reset() on the optional) finishes the statement, which releases SQLite's read
    // snapshot / PostgreSQL's result while keeping the prepared statement for the next call.
    class Stmt : public QSqlQuery
    {
    public:
        struct Slot
        {
            QSqlQuery query;
            bool busy = false;
            bool dataWrite = false; // see isDataWrite()
        };
        explicit Stmt(QSqlQuery &&q) : QSqlQuery(std::move(q)) {}
        // Checks the cached query out of its slot; the destructor puts it back.
        explicit Stmt(const std::shared_ptr<Slot> &slot)
            : QSqlQuery(std::move(slot->query)), m_slot(slot)
        {
            slot->busy = true;
        }
        Stmt(Stmt &&other) noexcept = default;
        Stmt &operator=(Stmt &&other) noexcept
        {
            release();
            QSqlQuery::operator=(std::move(other));
            m_slot = std::move(other.m_slot);
            return *this;
        }
        Stmt(const Stmt &) = delete;
        Stmt &operator=(const Stmt &) = delete;
        ~Stmt() { release(); }

    private:
        void release()
        {
            if (m_slot) {
                finish();
                m_slot->query = std::move(static_cast<QSqlQuery &>(*this));
                m_slot->busy = false;
                m_slot.reset();
            }
        }
        std::shared_ptr<Slot> m_slot;
    };

protected:
    // `driver` is the QtSql driver name; `connectionPrefix` names the connection in logs.
    SqlStore(const Dialect &dialect, const QString &driver, QStringView connectionPrefix);

    // Which serialisation a write transaction needs beyond the dialect's BEGIN.
    enum class WriteLock {
        Data,   // read-then-write transactions (balances, uniqueness checks, settling)
        Events, // the event log: seq allocation and appends
    };

    // The connection: subclasses configure it in their constructor (database name, host...).
    QSqlDatabase &db() { return m_db; }
    // Where the store points, for log lines; never contains a password.
    virtual QString describe() const = 0;
    // Applies the migrations on a fresh connection. Default: migrate() with the dialect.
    virtual bool migrateSchema(QString *error);
    // Called right after the dialect's BEGIN of a write transaction; false aborts it.
    // Default: nothing to do (SQLite's BEGIN IMMEDIATE already serialises writers).
    virtual bool lockForWrite(WriteLock lock);
    // Runs one statement on the connection (for subclasses' hooks); logs failures.
    // Statements with bound values (and plain SELECTs) are prepared once per connection and
    // kept in a cache keyed by their SQL text; the cache is dropped when the connection is
    // reopened. Positional '?' placeholders only.
    std::optional<Stmt> exec(const char *what, const QString &sql, const QVariantList &binds = {});
    std::optional<Stmt> execStatement(const char *what, const QString &sql,
                                      const QVariantList &binds);

    // Opens the connection and runs the dialect's session setup; does not migrate.
    bool connectDb(QString *error);

private:
    class Transaction;
    class PruneJob; // sqlprune.cpp

    // Single-value convenience: the first column of the first row, or `fallback`.
    qint64 scalar(const char *what, const QString &sql, const QVariantList &binds,
                  qint64 fallback = 0);
    bool beginWrite(WriteLock lock);
    bool commit();
    void rollback();
    // Keeps a failed statement of a transaction alive until its ROLLBACK.
    void parkFailed(QSqlQuery &&q);
    // After a failed statement outside a transaction: is the connection still usable? If not,
    // marks it broken (ensureConnected() reconnects) and returns false.
    bool probeConnection();
    // Statements that are safe to repeat after a reconnect: reads and BEGIN.
    bool retryable(const QString &sql) const;
    // Re-opens a connection marked broken; true when the store is usable.
    bool ensureConnected();

protected:
    // Drops every cached prepared statement (before the connection is closed or reopened).
    // Overrides release their own and call this one.
    virtual void clearStatementCache();
    // Inside the caller's transaction; SQLite overrides it with the C API (the hot path).
    virtual bool insertEvents(const QList<StoredEventPtr> &events);
    static const QString &eventColumns();

private:
    // Applies one finished run to the maintained aggregates (inside the caller's transaction).
    bool addFinishedToStats(const QString &orgId, const QString &status,
                            const QVariant &durationMs);
    bool fillPercentiles(const QString &orgId, qint64 n, DashboardStats &s);
    // The first seq at which the event log is stamped cutoffMs or later (MAX(seq) + 1 when
    // every event is older, 0 when there are none); nullopt on a failure (sqlprune.cpp).
    std::optional<qint64> seqReachingTime(qint64 cutoffMs);

    // One timeseries request's bucket grid (sqlanalytics.cpp): bucket i covers
    // [first + i * width, first + (i + 1) * width), clipped to [fromTs, toTs).
    struct SeriesGrid
    {
        QString orgId;
        qint64 fromTs = 0;
        qint64 toTs = 0;
        qint64 first = 0;
        qint64 width = 0;
        qint64 count = 0;
        // The bucket index in a query's bucket column, or -1 when outside the grid.
        qint64 indexOf(const QVariant &v) const;
    };
    // Per-bucket run counts by created_at, the source of the runs, success_rate and tokens
    // metrics (hourly rollups for whole hours, the runs for the partial ones).
    struct RunTotals
    {
        qint64 total = 0;
        qint64 succeeded = 0;
        qint64 failed = 0;
        qint64 finished = 0;
        qint64 tokens = 0;
    };
    // Calls `perBucket` for every bucket of the grid, empty ones too; false when the query
    // failed (then it is not called at all).
    bool runTotals(const SeriesGrid &g,
                   const std::function<void(qint64, const RunTotals &)> &perBucket);
    // One function per metric; each fills the grid's points and returns false when a
    // statement failed.
    bool runsSeries(const SeriesGrid &g, QList<TimeseriesPoint> &points);
    bool successRateSeries(const SeriesGrid &g, QList<TimeseriesPoint> &points);
    bool tokensSeries(const SeriesGrid &g, QList<TimeseriesPoint> &points);
    bool latencySeries(const SeriesGrid &g, QList<TimeseriesPoint> &points);
    bool c7tSeries(const SeriesGrid &g, QList<TimeseriesPoint> &points);
    QList<StoredEventPtr> loadEvents(const char *what, const QString &sql,
                                     const QVariantList &binds);

    QList<Crew> loadCrews(const char *what, const QString &whereSql, const QVariantList &binds);
    QList<CrewStatusRow> loadCrewStatusRows(const char *what, const QString &where,
                                            const QVariantList &binds);
    QList<Run> loadRuns(const char *what, const QString &sqlTail, const QVariantList &binds,
                        bool *ok = nullptr);
    QList<RunJob> loadRunJobs(const char *what, const QString &sqlTail, const QVariantList &binds);
    QList<ToolCall> loadToolCalls(const char *what, const QString &sqlTail,
                                  const QVariantList &binds);
    QList<UserRecord> loadUsers(const char *what, const QString &sqlTail,
                                const QVariantList &binds);
    QList<Rental> loadRentals(const char *what, const QString &sqlTail, const QVariantList &binds,
                              qint64 nowMs);

    const Dialect &m_dialect;
    QString m_connectionName;
    QSqlDatabase m_db;
    bool m_open = false;       // open() succeeded at least once: reconnecting is allowed
    bool m_broken = false;     // the connection was lost; reconnect before the next statement
    quint64 m_dataVersion = 0; // see Store::dataVersion()
    bool m_inTransaction = false;
    QList<QSqlQuery> m_parked; // failed statements of the current transaction
    QHash<QString, std::shared_ptr<Stmt::Slot>> m_stmts; // prepared statements by SQL text
};

} // namespace crewdeck::server
