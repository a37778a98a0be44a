#pragma once
#include "server/model/store.h"

#include <QSqlDatabase>
#include <QString>
#include <QVariantList>
#include <optional>

class QSqlQuery;

namespace crewdeck::server {

// The embedded default Store: one SQLite file (WAL, busy timeout 5 s, foreign keys on,
// synchronous=NORMAL), schema migrations applied at open(). Every statement is prepared
// with bound values. A failed statement is logged (category crewdeck.store, never with
// bound values: they may be password hashes) and surfaces as "not found"/empty/false, or as
// StoreError::Unavailable where the method reports errors.
//
// Thread: one instance is used only on the thread that called open() (the main thread).
// Several instances may coexist (each has its own connection name), also on one file.
class SqliteStore : public Store
{
public:
    explicit SqliteStore(const QString &path);
    ~SqliteStore() override;
    SqliteStore(const SqliteStore &) = delete;
    SqliteStore &operator=(const SqliteStore &) = delete;

    QString path() const { return m_path; }
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
    Crew createCrew(const QString &orgId, const CreateCrewRequest &req, qint64 nowMs) override;
    StoreError deleteCrew(const QString &orgId, const QString &crewId, qint64 nowMs) override;
    void setCrewStatus(const QString &crewId, const QString &status) override;
    QList<MarketCrew> marketCrews(const QString &orgId) override;

    Run createRun(const QString &orgId, const QString &crewId, const QJsonArray &steps,
                  int timeoutS, qint64 nowMs) override;
    std::optional<Run> run(const QString &orgId, const QString &runId) override;
    std::optional<RunJob> runJob(const QString &runId) override;
    RunPage runs(const QString &orgId, const RunFilter &filter, StoreError *err) override;
    QList<RunJob> runsInStatus(const QString &status) override;
    void markRunStarted(const QString &runId, qint64 nowMs) override;
    void markRunFinished(const QString &runId, const QString &status, qint64 nowMs) override;
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
    TokenStats tokenStats(const QString &orgId, qint64 nowMs) override;
    RentalStats rentalStats(const QString &orgId, qint64 nowMs) override;

    std::optional<Rental> rent(const QString &renterOrgId, const QString &crewId, Micros hours,
                               qint64 nowMs, StoreError *err) override;
    QList<Rental> rentals(const QString &orgId, qint64 nowMs) override;
    int settleRentals(qint64 nowMs) override;
    bool hasActiveRental(const QString &renterOrgId, const QString &crewId, qint64 nowMs) override;

    bool appendEvents(const QList<StoredEventPtr> &events) override;
    QList<StoredEventPtr> events(const StreamKey &key, qint64 since, int limit) override;
    qint64 latestSeq(const StreamKey &key) override;
    qint64 maxEventSeq() override;
    qint64 pruneEvents(qint64 cutoffMs, int keepPerStream) override;
    qint64 prunedHorizon() override;

private:
    class Transaction;

    // Prepares `sql`, binds `binds` positionally and executes it. On failure logs `what` and
    // the driver's message and returns nullopt.
    std::optional<QSqlQuery> exec(const char *what, const QString &sql,
                                  const QVariantList &binds = {});
    // Single-value convenience: the first column of the first row, or `fallback`.
    qint64 scalar(const char *what, const QString &sql, const QVariantList &binds,
                  qint64 fallback = 0);
    bool beginWrite();
    bool commit();
    void rollback();

    QList<Crew> loadCrews(const char *what, const QString &whereSql, const QVariantList &binds);
    QList<Run> loadRuns(const char *what, const QString &sqlTail, const QVariantList &binds,
                        bool *ok = nullptr);
    QList<RunJob> loadRunJobs(const char *what, const QString &sqlTail, const QVariantList &binds);
    QList<ToolCall> loadToolCalls(const char *what, const QString &sqlTail, const QVariantList &binds);
    QList<UserRecord> loadUsers(const char *what, const QString &sqlTail, const QVariantList &binds);
    QList<Rental> loadRentals(const char *what, const QString &sqlTail, const QVariantList &binds,
                              qint64 nowMs);

    QString m_path;
    QString m_connectionName;
    QSqlDatabase m_db;
    bool m_open = false;
};

} // namespace crewdeck::server
