#pragma once
#include "server/model/streams.h"
#include "shared/money.h"
#include "shared/types.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QString>
#include <memory>
#include <optional>

// The persistence boundary. Handlers, the event log and the run queue talk only to this
// interface, so that SQLite (embedded default) and PostgreSQL (scale-out) are interchangeable.
// Every method that takes an orgId enforces org isolation in its SQL: another org's row is
// simply not found. All methods run on the thread that opened the store (the main thread).
// Time is passed in explicitly (ms since epoch) so that tests can drive expiry.
namespace crewdeck::server {

struct OrgRecord
{
    QString id;
    QString name;
    QDateTime createdAt;
};

struct UserRecord
{
    QString id;
    QString orgId;
    QString email;
    QString role;
    QByteArray passwordHash; // libsodium crypto_pwhash_str output
    QDateTime createdAt;
};

struct RunFilter
{
    QString crewId;     // empty: any
    QString status;     // empty: any
    QDateTime from, to; // on created_at; from inclusive, to exclusive; invalid: open
    int limit = 50;     // 1..200
    QString cursor;     // opaque, from RunPage::nextCursor
};

// A queued or running run as the executor needs it.
struct RunJob
{
    QString runId;
    QString orgId; // the org the run belongs to (renter for rented crews)
    QString crewId;
    QJsonArray steps; // validated Step objects, agent_id resolved
    int timeoutS = 600;
    QDateTime createdAt;
};

// Timeseries buckets: UTC-aligned hours, days and weeks starting on Monday 00:00 UTC.
// Width in ms of a bucket name, 0 for an unknown one.
inline qint64 timeseriesBucketMs(const QString &bucket)
{
    if (bucket == QLatin1String("hour"))
        return 3600000LL;
    if (bucket == QLatin1String("day"))
        return 86400000LL;
    if (bucket == QLatin1String("week"))
        return 7LL * 86400000LL;
    return 0;
}
// The origin buckets are counted from: 1970-01-01 was a Thursday, so weeks are counted from
// Monday 1969-12-29 (epoch - 3 days); hours and days from the epoch.
inline qint64 timeseriesOriginMs(qint64 bucketMs)
{
    return bucketMs == 7LL * 86400000LL ? -3LL * 86400000LL : 0;
}
// Start of the bucket containing `ms` (floor division, also right for times before 1970).
inline qint64 timeseriesBucketStart(qint64 ms, qint64 bucketMs)
{
    const qint64 origin = timeseriesOriginMs(bucketMs);
    qint64 q = (ms - origin) / bucketMs;
    if ((ms - origin) % bucketMs < 0)
        --q;
    return origin + q * bucketMs;
}
// Number of buckets a [fromMs, toMs) range spans (0 when empty).
inline qint64 timeseriesBucketCount(qint64 fromMs, qint64 toMs, qint64 bucketMs)
{
    if (toMs <= fromMs || bucketMs <= 0)
        return 0;
    return (timeseriesBucketStart(toMs - 1, bucketMs) - timeseriesBucketStart(fromMs, bucketMs)) /
               bucketMs +
           1;
}

enum class StoreError { None, NotFound, Conflict, InsufficientBalance, BadRequest, Unavailable };

// One prune of the event log in steps (Store::startPrune()). Each step() examines the next
// few thousand events in seq order and deletes the prunable ones in one short transaction,
// recording the pruned horizon in the same transaction. A prune interrupted between steps
// (the job destroyed) leaves a consistent store: the next prune starts over and finishes it.
// Thread: the store's.
class EventPruneJob
{
public:
    virtual ~EventPruneJob() = default;
    struct Step
    {
        bool ok = true;            // false: the store failed; the job is over (done() is true)
        qint64 deleted = 0;        // events this step deleted
        qint64 highestDeleted = 0; // the highest seq it deleted (0 if none): the new horizon
    };
    virtual Step step() = 0;
    // Nothing is left to examine (or a step failed).
    virtual bool done() const = 0;
};

class Store
{
public:
    virtual ~Store() = default;

    // Connects and applies pending schema migrations. False with a message on failure.
    virtual bool open(QString *error) = 0;
    // Cheap liveness check for /readyz.
    virtual bool ping() = 0;
    // Changes (grows) whenever this store object executes a write that can change what a
    // read returns; event-log appends and pruning excepted (they change only event reads).
    // Read caches compare it to know whether a cached answer is still this store's answer.
    // Writes by other processes sharing the database are not seen (clustered nodes bound
    // their caches' age instead). Thread: the store's.
    virtual quint64 dataVersion() const = 0;

    // ---- orgs and users
    virtual std::optional<OrgRecord> orgByName(const QString &name) = 0;
    // Creates the org and its starting ledger grant in one transaction.
    virtual std::optional<OrgRecord> createOrg(const QString &name, Micros startingGrant) = 0;
    virtual std::optional<UserRecord> userByEmail(const QString &email) = 0; // case-insensitive
    virtual std::optional<UserRecord> userById(const QString &id) = 0;
    virtual QList<UserRecord> users(const QString &orgId) = 0;
    // NotFound when the org does not exist; Conflict on a duplicate e-mail (case-insensitive,
    // across orgs); Unavailable on a storage failure.
    virtual std::optional<UserRecord> createUser(const QString &orgId, const QString &email,
                                                 const QString &role, const QByteArray &hash,
                                                 StoreError *err) = 0;
    virtual qint64 userCount() = 0;

    // ---- crews
    virtual QList<Crew> crews(const QString &orgId) = 0; // owned crews
    virtual std::optional<Crew> crew(const QString &orgId, const QString &crewId) = 0; // owned
    virtual std::optional<Crew> crewById(const QString &crewId) = 0; // any org (internal use)
    virtual QList<Crew> allCrews() = 0;                              // internal use
    // New crews start "available"; agents get fresh ids (request ids are ignored).
    // Returns a Crew with an empty id on a storage failure.
    virtual Crew createCrew(const QString &orgId, const CreateCrewRequest &req, qint64 nowMs) = 0;
    // Conflict when the crew has a queued/running run or an active rental; NotFound otherwise.
    virtual StoreError deleteCrew(const QString &orgId, const QString &crewId, qint64 nowMs) = 0;
    // Sets the status (and bumps its version) unconditionally: one node, nobody to race.
    virtual void setCrewStatus(const QString &crewId, const QString &status) = 0;
    // The shared status of a crew and its version, which every change bumps by one.
    struct CrewStatusRow
    {
        QString crewId;
        QString ownerOrgId;
        QString status;
        qint64 version = 0;
    };
    virtual std::optional<CrewStatusRow> crewStatusRow(const QString &crewId) = 0;
    virtual QList<CrewStatusRow> crewStatusRows() = 0; // every crew
    // Sets the status only while the row is still at `expectedVersion` (and bumps it); true
    // when this call changed it. With several nodes one transition of the shared status is
    // made (and signalled) once, and a decision taken on a row that has moved since, even
    // back to the same status (A -> B -> A), fails instead of flapping it again.
    virtual bool compareAndSetCrewStatus(const QString &crewId, qint64 expectedVersion,
                                         const QString &status) = 0;
    // Other orgs' crews with a price.
    virtual QList<MarketCrew> marketCrews(const QString &orgId) = 0;

    // ---- runs, tool calls
    // Status "queued", empty tool_calls. Empty id on a storage failure.
    virtual Run createRun(const QString &orgId, const QString &crewId, const QJsonArray &steps,
                          int timeoutS, qint64 nowMs) = 0;
    virtual std::optional<Run> run(const QString &orgId,
                                   const QString &runId) = 0; // with tool calls
    virtual std::optional<RunJob> runJob(const QString &runId) = 0;
    // Newest first by (created_at, id), keyset-paginated; items without tool calls; limit is
    // clamped to 1..200. BadRequest (via *err) for a malformed cursor, Unavailable on failure.
    virtual RunPage runs(const QString &orgId, const RunFilter &filter, StoreError *err) = 0;
    virtual QList<RunJob> runsInStatus(const QString &status) = 0; // oldest first
    // queued -> running (no effect on a run in any other state).
    virtual void markRunStarted(const QString &runId, qint64 nowMs) = 0;
    // queued -> running as a compare-and-set: true only for the one caller that moved it, so
    // a run handed to several workers (a redelivered stream entry) never runs twice (SqlStore:
    // one conditional UPDATE).
    virtual bool claimRun(const QString &runId, qint64 nowMs) = 0;
    // queued -> cancelled as a compare-and-set: false when the run is not queued any more
    // (a worker claimed it: cancel it where it runs instead).
    virtual bool cancelQueuedRun(const QString &runId, qint64 nowMs) = 0;
    // queued/running -> `status` (no effect on a final run). duration_ms = finish - start;
    // null for a run that never started (cancelled while queued).
    // Moves a queued or running run to a final status; true when this call moved it (a second
    // caller, on this node or another, gets false and must not report the end again).
    virtual bool markRunFinished(const QString &runId, const QString &status, qint64 nowMs) = 0;
    virtual void addRunTokens(const QString &runId, qint64 tokens) = 0;
    // Status "running"; empty id on a storage failure. run() lists tool calls in start order.
    virtual ToolCall startToolCall(const QString &runId, const QString &agentId,
                                   const QString &tool, const QJsonObject &params,
                                   qint64 nowMs) = 0;
    virtual void finishToolCall(const QString &toolCallId, const QString &status,
                                std::optional<int> exitCode, qint64 durationMs,
                                const QByteArray &outputTail) = 0;
    virtual QList<ToolCall> runningToolCalls(const QString &runId) = 0;
    virtual bool crewHasActiveRun(const QString &crewId) = 0;
    // Number of runs per status over all orgs (for /metrics). The default counts through
    // runsInStatus(); a store should override it with one COUNT ... GROUP BY query.
    virtual QHash<QString, qint64> runCountsByStatus()
    {
        QHash<QString, qint64> counts;
        for (const QString &s : RunState::all())
            counts.insert(s, runsInStatus(s).size());
        return counts;
    }

    // ---- dashboard (figures computed in SQL over real rows)
    // Over the org's runs with created_at in [from, to) (invalid = open bound). success_rate =
    // succeeded / (succeeded + failed + cancelled), 0 when none. Latencies are over finished
    // runs that have a duration; p50/p95 use the nearest-rank method (the value at 1-based
    // rank ceil(p/100 * n) in ascending order), 0 when none. recent_runs: the newest 10 in the
    // range. active_crews: the org's crews that are not offline.
    virtual DashboardStats dashboardStats(const QString &orgId, const QDateTime &from,
                                          const QDateTime &to) = 0;
    // GET /dashboard/timeseries (see timeseriesBucketMs() for the buckets). Points cover every
    // bucket from the one containing fromMs to the one containing toMs - 1, ordered; only rows
    // with their timestamp in [fromMs, toMs) count. Metrics: runs, success_rate, latency,
    // tokens (on created_at; latency on finished_at) and c7t (ledger; a rental reward counts
    // when its rental ends). The caller validates metric, bucket and the bucket count.
    // nullopt on a storage failure.
    virtual std::optional<Timeseries> timeseries(const QString &orgId, const QString &metric,
                                                 const QString &bucket, qint64 fromMs,
                                                 qint64 toMs) = 0;
    // Orgs that have finished runs (the analytics warm-up's work list).
    virtual QStringList orgIdsWithFinishedRuns() = 0;
    // Closed latency buckets whose percentiles are memoised for the org (tests, metrics).
    virtual qint64 memoizedLatencyBuckets(const QString &orgId) = 0;
    // tokenStats, rentalStats and rentals settle rentals ended by nowMs first.
    virtual TokenStats tokenStats(const QString &orgId, qint64 nowMs) = 0;
    // revenue/spend: sum of prices as owner/renter; utilization: owned priced crews with an
    // active rental / owned priced crews; top_crews: owned crews by revenue, at most 5.
    virtual RentalStats rentalStats(const QString &orgId, qint64 nowMs) = 0;

    // ---- rentals and ledger
    // NotFound: no such crew or it has no price; BadRequest: own crew or hours <= 0;
    // InsufficientBalance (settled balance < price): nothing is changed.
    virtual std::optional<Rental> rent(const QString &renterOrgId, const QString &crewId,
                                       Micros hours, qint64 nowMs, StoreError *err) = 0;
    virtual QList<Rental> rentals(const QString &orgId,
                                  qint64 nowMs) = 0; // both sides, newest first
    // Moves rewards of rentals that ended by nowMs from pending to earned; returns how many.
    virtual int settleRentals(qint64 nowMs) = 0;
    virtual bool hasActiveRental(const QString &renterOrgId, const QString &crewId,
                                 qint64 nowMs) = 0;

    // ---- event log
    // Appends in one transaction; seqs are allocated by the caller and strictly increasing.
    virtual bool appendEvents(const QList<StoredEventPtr> &events) = 0;
    // Appends in one transaction and allocates the seqs itself: max(seq)+1, +2, ... taken
    // under the store's event lock, so that commit order equals seq order even when several
    // server nodes share one database (a reader that tails `seq > last` in order can never
    // miss a lower seq committed later). The incoming seqs are ignored. On success every
    // element of `events` is REPLACED by a new StoredEvent carrying the assigned seq, whose
    // `bytes` frame has its top-level "seq" rewritten to match (the originals are const and
    // may be shared); on failure the list is left unchanged and false is returned.
    // This default suits a single writer; SQL stores override it with the locked version.
    virtual bool appendEventsAllocating(QList<StoredEventPtr> &events)
    {
        QList<StoredEventPtr> out;
        out.reserve(events.size());
        qint64 next = maxEventSeq() + 1;
        for (const StoredEventPtr &e : events) {
            if (e)
                out.append(withSeq(*e, next++));
        }
        if (!appendEvents(out))
            return false;
        events = std::move(out);
        return true;
    }
    // Events of all streams with seq > since, ascending, at most `limit` (node tailers).
    virtual QList<StoredEventPtr> eventsAfter(qint64 since, int limit) = 0;
    virtual QList<StoredEventPtr> events(const StreamKey &key, qint64 since, int limit) = 0;
    virtual qint64 latestSeq(const StreamKey &key) = 0;
    virtual qint64 maxEventSeq() = 0;
    // Pruning. An event is deleted when it is older than the cutoff (stamped before it, and
    // below the seq where the log reaches it), unless it is among the newest `keepPerStream`
    // of ANY stream it belongs to (its run, its org's graph of its crew, its org's signals).
    // startPrune() begins one prune and answers a job that does it in short steps, each its
    // own transaction, so that the caller's thread is never held for long (EventLog runs one
    // step per event-loop pass); nullptr when the store failed. The job must not outlive the
    // store.
    virtual std::unique_ptr<EventPruneJob> startPrune(qint64 cutoffMs, int keepPerStream) = 0;
    // The same prune run to its end in one call (tests, tools); returns the highest seq it
    // deleted (0 if none), the new history horizon.
    qint64 pruneEvents(qint64 cutoffMs, int keepPerStream)
    {
        const std::unique_ptr<EventPruneJob> job = startPrune(cutoffMs, keepPerStream);
        qint64 highest = 0;
        while (job && !job->done()) {
            const EventPruneJob::Step step = job->step();
            if (!step.ok)
                break;
            highest = qMax(highest, step.highestDeleted);
        }
        return highest;
    }
    virtual qint64 prunedHorizon() = 0; // highest seq ever pruned

    // A copy of `e` with seq `seq`; the top-level "seq" member of its JSON frame is rewritten
    // in place (or inserted first when missing), leaving every other byte as it was, so key
    // order and nested objects (which may have their own "seq") are untouched. Any thread.
    static StoredEventPtr withSeq(const StoredEvent &e, qint64 seq)
    {
        auto copy = std::make_shared<StoredEvent>(e);
        copy->seq = seq;
        copy->bytes = rewriteFrameSeq(e.bytes, seq);
        return copy;
    }
    static QByteArray rewriteFrameSeq(const QByteArray &frame, qint64 seq)
    {
        const QByteArray number = QByteArray::number(seq);
        int depth = 0;
        bool inString = false;
        qsizetype keyStart = -1;
        for (qsizetype i = 0; i < frame.size(); ++i) {
            const char c = frame.at(i);
            if (inString) {
                if (c == '\\') {
                    ++i;
                } else if (c == '"') {
                    inString = false;
                    // A top-level key "seq": replace the value token after the colon.
                    if (depth == 1 && frame.mid(keyStart, i - keyStart + 1) == "\"seq\"") {
                        qsizetype j = i + 1;
                        while (j < frame.size() && (frame.at(j) == ' ' || frame.at(j) == '\t' ||
                                                    frame.at(j) == '\n' || frame.at(j) == '\r'))
                            ++j;
                        if (j < frame.size() && frame.at(j) == ':') {
                            ++j;
                            while (j < frame.size() && (frame.at(j) == ' ' || frame.at(j) == '\t' ||
                                                        frame.at(j) == '\n' || frame.at(j) == '\r'))
                                ++j;
                            qsizetype end = j;
                            while (end < frame.size() && frame.at(end) != ',' &&
                                   frame.at(end) != '}' && frame.at(end) != ' ' &&
                                   frame.at(end) != '\n')
                                ++end;
                            QByteArray out = frame;
                            out.replace(j, end - j, number);
                            return out;
                        }
                    }
                }
                continue;
            }
            if (c == '"') {
                inString = true;
                keyStart = i;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                --depth;
            }
        }
        // No top-level "seq": insert it as the first member of the object.
        const qsizetype brace = frame.indexOf('{');
        if (brace < 0)
            return frame;
        QByteArray out = frame;
        const bool empty = frame.mid(brace + 1).trimmed().startsWith('}');
        out.insert(brace + 1, "\"seq\":" + number + (empty ? "" : ","));
        return out;
    }
};

} // namespace crewdeck::server
