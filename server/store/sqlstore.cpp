#include "server/store/sqlstore.h"

#include "server/store/migrations.h"
#include "server/store/storeutil.h"
#include "shared/logging.h"
#include "shared/timeutil.h"

#include <QHash>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <limits>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

using storeutil::newId;

namespace {

// QSQLITE binds a null QString as SQL NULL: NOT NULL text columns get "" instead.
QVariant text(const QString &s)
{
    return s.isNull() ? QVariant(u""_s) : QVariant(s);
}
// Optional text columns: NULL for empty.
QVariant textOrNull(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}
QVariant intOrNull(std::optional<qint64> v)
{
    return v ? QVariant(*v) : QVariant(QMetaType::fromType<qint64>());
}
QDateTime timeOrNull(const QVariant &v)
{
    return v.isNull() ? QDateTime() : fromMs(SqlStore::int64Of(v));
}
std::optional<qint64> optInt(const QVariant &v)
{
    return v.isNull() ? std::nullopt : std::optional<qint64>(SqlStore::int64Of(v));
}
QString compactJson(const QJsonArray &a)
{
    return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact));
}
QString compactJson(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}
QJsonArray parseArray(const QString &s)
{
    return QJsonDocument::fromJson(s.toUtf8()).array();
}
QJsonObject parseObject(const QString &s)
{
    return QJsonDocument::fromJson(s.toUtf8()).object();
}
// Case-insensitive e-mail identity, computed here so every dialect agrees.
QString normalizeEmail(const QString &email)
{
    return email.toCaseFolded();
}

constexpr qint64 MinMs = std::numeric_limits<qint64>::min();
constexpr qint64 MaxMs = std::numeric_limits<qint64>::max();

const QString RunColumns =
    u"id, crew_id, status, created_at, started_at, finished_at, duration_ms, tokens, timeout_s"_s;
const QString ToolCallColumns =
    u"id, agent_id, tool, params, status, exit_code, started_at, duration_ms"_s;
const QString UserColumns = u"id, org_id, email, role, password_hash, created_at"_s;
const QString RentalColumns =
    u"id, crew_id, renter_org_id, owner_org_id, hours_micros, price_micros, starts_at, ends_at"_s;
const QString EventColumns = u"seq, org_id, crew_id, run_id, type, ts_ms, body"_s;
const QString FinishedStates = u"('succeeded', 'failed', 'cancelled')"_s;
// run_hourly rows are keyed by the start of the run's created_at hour (migration 3).
constexpr qint64 HourMs = 3600000;
// A latency bucket that ended this long ago is closed: no run can finish into it any more.
constexpr qint64 LatencyMemoMarginMs = 10 * 60 * 1000;
// Upserts a finished run into its creation hour's rollup (same rules as addFinishedToStats).
const QString HourlyFinishedSql =
    u"INSERT INTO run_hourly (org_id, hour, succeeded, failed, finished) VALUES (?, ?, ?, ?, 1)"
    " ON CONFLICT (org_id, hour) DO UPDATE SET succeeded = run_hourly.succeeded + "
    "excluded.succeeded,"
    " failed = run_hourly.failed + excluded.failed, finished = run_hourly.finished + 1"_s;

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

} // namespace

// Rolls back on scope exit unless commit() succeeded. Not nestable: public methods that
// open one never call another public method that opens one while it is active.
class SqlStore::Transaction
{
public:
    explicit Transaction(SqlStore &store, WriteLock lock = WriteLock::Data)
        : m_store(store), m_active(store.beginWrite(lock))
    {
    }
    ~Transaction()
    {
        if (m_active)
            m_store.rollback();
    }
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    bool ok() const { return m_active; }
    bool commit()
    {
        if (!m_active)
            return false;
        m_active = false;
        if (m_store.commit())
            return true;
        m_store.rollback();
        return false;
    }

private:
    SqlStore &m_store;
    bool m_active;
};

SqlStore::SqlStore(const Dialect &dialect, const QString &driver, QStringView connectionPrefix)
    : m_dialect(dialect), m_connectionName(newId(connectionPrefix))
{
    m_db = QSqlDatabase::addDatabase(driver, m_connectionName);
}

SqlStore::~SqlStore()
{
    m_parked.clear();
    clearStatementCache();
    if (m_db.isOpen())
        m_db.close();
    // removeDatabase warns (and leaks) while any QSqlDatabase copy is alive: drop ours first.
    // No QSqlQuery outlives the method that created it.
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

bool SqlStore::connectDb(QString *error)
{
    if (!m_db.isValid()) {
        const QString msg = u"the %1 driver is not available"_s.arg(m_dialect.name);
        qCWarning(lcStore).noquote() << msg;
        if (error)
            *error = msg;
        return false;
    }
    if (m_db.isOpen())
        return true;
    if (!m_db.open()) {
        // The driver's message names host/file and the server's reason, never the password.
        const QString msg = m_db.lastError().text();
        qCWarning(lcStore).noquote() << "cannot open database" << describe() << ":" << msg;
        if (error)
            *error = msg;
        return false;
    }
    for (const QString &stmt : m_dialect.sessionSetup) {
        QSqlQuery q(m_db);
        if (!q.exec(stmt)) {
            const QString msg = q.lastError().text();
            qCWarning(lcStore).noquote() << "connection setup failed:" << stmt << ":" << msg;
            if (error)
                *error = msg;
            m_db.close();
            return false;
        }
        if (stmt.contains(u"journal_mode"_s) && q.next() &&
            q.value(0).toString().compare(u"wal"_s, Qt::CaseInsensitive) != 0)
            qCWarning(lcStore).noquote()
                << "WAL not available, journal mode is" << q.value(0).toString();
    }
    return true;
}

bool SqlStore::migrateSchema(QString *error)
{
    return migrate(m_db, m_dialect, error);
}

bool SqlStore::lockForWrite(WriteLock)
{
    return true;
}

bool SqlStore::open(QString *error)
{
    clearStatementCache();
    if (!connectDb(error))
        return false;
    if (!migrateSchema(error)) {
        m_db.close();
        m_open = false;
        return false;
    }
    m_open = true;
    m_broken = false;
    m_inTransaction = false;
    return true;
}

bool SqlStore::ping()
{
    auto q = exec("ping", u"SELECT 1"_s);
    return q && q->next() && q->value(0).toInt() == 1;
}

int SqlStore::schemaVersion()
{
    return int(
        scalar("schema version", u"SELECT COALESCE(MAX(version), 0) FROM schema_version"_s, {}));
}

qint64 SqlStore::int64Of(const QVariant &v, qint64 fallback)
{
    if (v.isNull() || !v.isValid())
        return fallback;
    switch (v.metaType().id()) {
    case QMetaType::Double:
    case QMetaType::Float:
        return qRound64(v.toDouble());
    case QMetaType::QString:
    case QMetaType::QByteArray: {
        const QString s = v.toString().trimmed();
        bool ok = false;
        const qint64 i = s.toLongLong(&ok);
        if (ok)
            return i;
        // A NUMERIC with a fraction ("12.000"): the integer part is exact, round half up.
        const qsizetype dot = s.indexOf(u'.');
        if (dot > 0) {
            const qint64 whole = s.left(dot).toLongLong(&ok);
            if (ok) {
                const QString frac = s.mid(dot + 1);
                const bool up = !frac.isEmpty() && frac.at(0) >= u'5' && frac.at(0) <= u'9';
                return up ? (s.startsWith(u'-') ? whole - 1 : whole + 1) : whole;
            }
        }
        const double d = s.toDouble(&ok);
        return ok ? qRound64(d) : fallback;
    }
    default: {
        bool ok = false;
        const qint64 i = v.toLongLong(&ok);
        return ok ? i : fallback;
    }
    }
}

double SqlStore::doubleOf(const QVariant &v, double fallback)
{
    if (v.isNull() || !v.isValid())
        return fallback;
    bool ok = false;
    const double d = v.metaType().id() == QMetaType::QString ? v.toString().trimmed().toDouble(&ok)
                                                             : v.toDouble(&ok);
    return ok ? d : fallback;
}

// ---------------------------------------------------------------- plumbing

bool SqlStore::ensureConnected()
{
    if (!m_open)
        return false;
    if (!m_broken)
        return true;
    // Only between transactions: a transaction never spans a reconnect.
    m_parked.clear();
    clearStatementCache();
    m_db.close();
    QString error;
    if (!connectDb(&error))
        return false;
    m_broken = false;
    m_inTransaction = false;
    qCInfo(lcStore).noquote() << "reconnected to" << describe();
    return true;
}

bool SqlStore::probeConnection()
{
    {
        QSqlQuery probe(m_db);
        if (m_db.isOpen() && probe.exec(u"SELECT 1"_s))
            return true;
    }
    if (!m_broken)
        qCWarning(lcStore).noquote() << "lost the connection to" << describe() << "- reconnecting";
    m_broken = true;
    return false;
}

bool SqlStore::retryable(const QString &sql) const
{
    return sql.startsWith(u"SELECT "_s) || sql == m_dialect.beginWrite;
}

bool SqlStore::isDataWrite(const QString &sql)
{
    const bool write =
        sql.startsWith(u"INSERT"_s) || sql.startsWith(u"UPDATE"_s) || sql.startsWith(u"DELETE"_s);
    if (!write)
        return false;
    // latency_buckets only memoises what the runs already say (see timeseries()).
    return !sql.contains(u"INTO events "_s) && !sql.contains(u"FROM events "_s) &&
           !sql.contains(u"pruned_horizon"_s) && !sql.contains(u"latency_buckets"_s);
}

std::optional<SqlStore::Stmt> SqlStore::exec(const char *what, const QString &sql,
                                             const QVariantList &binds)
{
    auto result = execStatement(what, sql, binds);
    // A failed statement changes the version too: an answer computed from a failed read is
    // never served from a read cache (see Store::dataVersion()).
    if (!result)
        ++m_dataVersion;
    return result;
}

std::optional<SqlStore::Stmt> SqlStore::execStatement(const char *what, const QString &sql,
                                                      const QVariantList &binds)
{
    // Reads and writes run on one thread, so one bump per write is enough; a failed or
    // rolled-back write only costs the read caches a miss.
    if (!m_open) {
        qCWarning(lcStore) << what << "failed: the store is not open";
        return std::nullopt;
    }
    if (!m_inTransaction && !ensureConnected()) {
        qCWarning(lcStore) << what << "failed: the database is unavailable";
        return std::nullopt;
    }
    // Unprepared: PostgreSQL cannot PREPARE transaction control (BEGIN, COMMIT, ...).
    const bool cacheable = !binds.isEmpty() || sql.startsWith(u"SELECT "_s);
    if (!cacheable) {
        if (isDataWrite(sql))
            ++m_dataVersion;
        QSqlQuery q(m_db);
        q.setForwardOnly(true);
        q.setNumericalPrecisionPolicy(QSql::HighPrecision);
        if (!q.exec(sql)) {
            qCWarning(lcStore).noquote() << what << "failed:" << q.lastError().text();
            if (m_inTransaction || probeConnection() || !retryable(sql) || !ensureConnected())
                return std::nullopt;
            // A BEGIN that failed on a dead connection cannot have had an effect.
            QSqlQuery again(m_db);
            again.setForwardOnly(true);
            again.setNumericalPrecisionPolicy(QSql::HighPrecision);
            if (!again.exec(sql)) {
                qCWarning(lcStore).noquote() << what << "failed again:" << again.lastError().text();
                return std::nullopt;
            }
            return Stmt(std::move(again));
        }
        return Stmt(std::move(q));
    }

    // Prepared once per connection: re-preparing (SQLite's parser, Qt's placeholder
    // rewriting) dominated cheap reads. A statement still held by a caller (nested use of the
    // same SQL) gets a private, uncached query instead.
    const auto prepareNew = [&](QSqlQuery &query) {
        query = QSqlQuery(m_db);
        query.setForwardOnly(true);
        query.setNumericalPrecisionPolicy(QSql::HighPrecision);
        if (query.prepare(sql))
            return true;
        qCWarning(lcStore).noquote() << what << "failed to prepare:" << query.lastError().text();
        if (m_inTransaction || probeConnection() || !ensureConnected())
            return false;
        // The statement was never sent on the dead connection: safe to prepare it again.
        query = QSqlQuery(m_db);
        query.setForwardOnly(true);
        query.setNumericalPrecisionPolicy(QSql::HighPrecision);
        if (!query.prepare(sql))
            return false;
        qCInfo(lcStore) << what << "retried on the new connection";
        return true;
    };
    std::shared_ptr<Stmt::Slot> slot = m_stmts.value(sql);
    if (slot && slot->busy) {
        // Nested use of the same SQL while a caller still reads the cached one.
        if (slot->dataWrite)
            ++m_dataVersion;
        QSqlQuery own;
        if (!prepareNew(own))
            return std::nullopt;
        for (qsizetype i = 0; i < binds.size(); ++i)
            own.bindValue(int(i), binds.at(i));
        if (!own.exec()) {
            qCWarning(lcStore).noquote() << what << "failed:" << own.lastError().text();
            if (m_inTransaction)
                parkFailed(std::move(own));
            return std::nullopt;
        }
        return Stmt(std::move(own));
    }
    if (!slot) {
        auto made = std::make_shared<Stmt::Slot>();
        if (!prepareNew(made->query))
            return std::nullopt;
        made->dataWrite = isDataWrite(sql);
        // prepareNew() may have reconnected (which empties the cache): insert afterwards.
        m_stmts.insert(sql, made);
        slot = std::move(made);
    }
    if (slot->dataWrite)
        ++m_dataVersion;
    QSqlQuery &q = slot->query;
    for (qsizetype i = 0; i < binds.size(); ++i)
        q.bindValue(int(i), binds.at(i));
    if (!q.exec()) {
        // Bound values are deliberately not logged (password hashes, user text).
        qCWarning(lcStore).noquote() << what << "failed:" << q.lastError().text();
        // A statement that failed is not reused: it leaves the cache.
        m_stmts.remove(sql);
        if (m_inTransaction) {
            parkFailed(std::move(q));
            return std::nullopt;
        }
        if (probeConnection() || !retryable(sql) || !ensureConnected())
            return std::nullopt;
        // Reads only: a write may have been applied before the connection died, so it is not
        // repeated (the caller sees the failure; the next call runs on the new connection).
        QSqlQuery again(m_db);
        again.setForwardOnly(true);
        again.setNumericalPrecisionPolicy(QSql::HighPrecision);
        if (!again.prepare(sql)) {
            qCWarning(lcStore).noquote()
                << what << "failed again to prepare:" << again.lastError().text();
            return std::nullopt;
        }
        for (const QVariant &v : binds)
            again.addBindValue(v);
        if (!again.exec()) {
            qCWarning(lcStore).noquote() << what << "failed again:" << again.lastError().text();
            return std::nullopt;
        }
        return Stmt(std::move(again));
    }
    return Stmt(slot);
}

void SqlStore::clearStatementCache()
{
    // Queries must go before the connection closes (PostgreSQL DEALLOCATEs on destruction).
    m_stmts.clear();
}

qint64 SqlStore::scalar(const char *what, const QString &sql, const QVariantList &binds,
                        qint64 fallback)
{
    auto q = exec(what, sql, binds);
    if (!q || !q->next() || q->value(0).isNull())
        return fallback;
    return int64Of(q->value(0), fallback);
}

bool SqlStore::beginWrite(WriteLock lock)
{
    if (!exec("begin", m_dialect.beginWrite))
        return false;
    m_inTransaction = true;
    if (lockForWrite(lock))
        return true;
    rollback();
    return false;
}

bool SqlStore::commit()
{
    const bool ok = exec("commit", u"COMMIT"_s).has_value();
    if (ok)
        m_inTransaction = false;
    return ok;
}

void SqlStore::rollback()
{
    // Out of the transaction first, so that a failing ROLLBACK probes the connection.
    m_inTransaction = false;
    exec("rollback", u"ROLLBACK"_s);
    m_parked.clear();
}

void SqlStore::parkFailed(QSqlQuery &&q)
{
    // PostgreSQL rejects every statement in an aborted transaction, including the
    // DEALLOCATE a prepared QSqlQuery sends when destroyed; freed after ROLLBACK instead.
    m_parked.append(std::move(q));
}

// ---------------------------------------------------------------- orgs and users

std::optional<OrgRecord> SqlStore::orgByName(const QString &name)
{
    auto q = exec("org by name", u"SELECT id, name, created_at FROM orgs WHERE name = ?"_s,
                  {text(name)});
    if (!q || !q->next())
        return std::nullopt;
    return OrgRecord{q->value(0).toString(), q->value(1).toString(),
                     fromMs(SqlStore::int64Of(q->value(2)))};
}

std::optional<OrgRecord> SqlStore::createOrg(const QString &name, Micros startingGrant)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    OrgRecord org{newId(u"org"), name, fromMs(now)};
    Transaction tx(*this);
    if (!tx.ok())
        return std::nullopt;
    if (!exec("create org", u"INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)"_s,
              {org.id, text(name), now}))
        return std::nullopt;
    if (!exec("org grant",
              u"INSERT INTO ledger (id, org_id, kind, amount_micros, state, rental_id, created_at)"
              " VALUES (?, ?, 'grant', ?, 'settled', NULL, ?)"_s,
              {newId(u"led"), org.id, startingGrant.value, now}))
        return std::nullopt;
    if (!tx.commit())
        return std::nullopt;
    return org;
}

QList<UserRecord> SqlStore::loadUsers(const char *what, const QString &sqlTail,
                                      const QVariantList &binds)
{
    QList<UserRecord> out;
    auto q = exec(what, u"SELECT "_s + UserColumns + u" FROM users "_s + sqlTail, binds);
    if (!q)
        return out;
    while (q->next()) {
        out.append(UserRecord{q->value(0).toString(), q->value(1).toString(),
                              q->value(2).toString(), q->value(3).toString(),
                              q->value(4).toString().toUtf8(),
                              fromMs(SqlStore::int64Of(q->value(5)))});
    }
    return out;
}

std::optional<UserRecord> SqlStore::userByEmail(const QString &email)
{
    const auto list =
        loadUsers("user by email", u"WHERE email_norm = ?"_s, {text(normalizeEmail(email))});
    return list.isEmpty() ? std::nullopt : std::optional<UserRecord>(list.first());
}

std::optional<UserRecord> SqlStore::userById(const QString &id)
{
    const auto list = loadUsers("user by id", u"WHERE id = ?"_s, {text(id)});
    return list.isEmpty() ? std::nullopt : std::optional<UserRecord>(list.first());
}

QList<UserRecord> SqlStore::users(const QString &orgId)
{
    return loadUsers("users", u"WHERE org_id = ? ORDER BY created_at, id"_s, {text(orgId)});
}

std::optional<UserRecord> SqlStore::createUser(const QString &orgId, const QString &email,
                                               const QString &role, const QByteArray &hash,
                                               StoreError *err)
{
    StoreError dummy;
    StoreError &e = err ? *err : dummy;
    e = StoreError::Unavailable;
    const QString norm = normalizeEmail(email);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    UserRecord u{newId(u"usr"), orgId, email, role, hash, fromMs(now)};

    Transaction tx(*this);
    if (!tx.ok())
        return std::nullopt;
    auto org = exec("user org", u"SELECT 1 FROM orgs WHERE id = ?"_s, {text(orgId)});
    if (!org)
        return std::nullopt;
    if (!org->next()) {
        e = StoreError::NotFound;
        return std::nullopt;
    }
    auto dup = exec("user duplicate", u"SELECT 1 FROM users WHERE email_norm = ?"_s, {text(norm)});
    if (!dup)
        return std::nullopt;
    if (dup->next()) {
        e = StoreError::Conflict;
        return std::nullopt;
    }
    if (!exec("create user",
              u"INSERT INTO users (id, org_id, email, email_norm, role, password_hash, created_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?)"_s,
              {u.id, text(orgId), text(email), text(norm), text(role),
               text(QString::fromUtf8(hash)), now}))
        return std::nullopt;
    if (!tx.commit())
        return std::nullopt;
    e = StoreError::None;
    return u;
}

qint64 SqlStore::userCount()
{
    return scalar("user count", u"SELECT COUNT(*) FROM users"_s, {});
}

// ---------------------------------------------------------------- crews

QList<Crew> SqlStore::loadCrews(const char *what, const QString &whereSql,
                                const QVariantList &binds)
{
    QList<Crew> out;
    auto q = exec(
        what,
        u"SELECT c.id, c.org_id, c.name, c.status, c.price_micros, c.created_at FROM crews c "_s +
            whereSql + u" ORDER BY c.created_at, c.id"_s,
        binds);
    if (!q)
        return out;
    QHash<QString, qsizetype> index;
    while (q->next()) {
        Crew c;
        c.id = q->value(0).toString();
        c.ownerOrgId = q->value(1).toString();
        c.name = q->value(2).toString();
        c.status = q->value(3).toString();
        if (!q->value(4).isNull())
            c.rentalPricePerHour = Micros{SqlStore::int64Of(q->value(4))};
        c.createdAt = fromMs(SqlStore::int64Of(q->value(5)));
        index.insert(c.id, out.size());
        out.append(std::move(c));
    }
    if (out.isEmpty())
        return out;
    auto a = exec(what,
                  u"SELECT a.crew_id, a.id, a.name, a.role, a.tools FROM agents a"
                  " JOIN crews c ON c.id = a.crew_id "_s +
                      whereSql + u" ORDER BY a.crew_id, a.position"_s,
                  binds);
    if (!a)
        return {};
    while (a->next()) {
        const auto it = index.constFind(a->value(0).toString());
        if (it == index.constEnd())
            continue;
        Agent agent;
        agent.id = a->value(1).toString();
        agent.name = a->value(2).toString();
        agent.role = a->value(3).toString();
        for (const auto &t : parseArray(a->value(4).toString()))
            agent.tools.append(t.toString());
        out[*it].agents.append(std::move(agent));
    }
    return out;
}

QList<Crew> SqlStore::crews(const QString &orgId)
{
    return loadCrews("crews", u"WHERE c.org_id = ?"_s, {text(orgId)});
}

std::optional<Crew> SqlStore::crew(const QString &orgId, const QString &crewId)
{
    const auto list =
        loadCrews("crew", u"WHERE c.org_id = ? AND c.id = ?"_s, {text(orgId), text(crewId)});
    return list.isEmpty() ? std::nullopt : std::optional<Crew>(list.first());
}

std::optional<Crew> SqlStore::crewById(const QString &crewId)
{
    const auto list = loadCrews("crew by id", u"WHERE c.id = ?"_s, {text(crewId)});
    return list.isEmpty() ? std::nullopt : std::optional<Crew>(list.first());
}

QStringList SqlStore::orgIdsWithFinishedRuns()
{
    QStringList out;
    auto q = exec("orgs with finished runs",
                  u"SELECT org_id FROM run_stats WHERE finished > 0 ORDER BY org_id"_s);
    while (q && q->next())
        out.append(q->value(0).toString());
    return out;
}

qint64 SqlStore::memoizedLatencyBuckets(const QString &orgId)
{
    return scalar("memoised latency buckets",
                  u"SELECT COUNT(*) FROM latency_buckets WHERE org_id = ?"_s, {text(orgId)});
}

QList<Crew> SqlStore::allCrews()
{
    return loadCrews("all crews", QString(), {});
}

Crew SqlStore::createCrew(const QString &orgId, const CreateCrewRequest &req, qint64 nowMs)
{
    Crew c;
    c.id = newId(u"crw");
    c.name = req.name;
    c.status = CrewStatus::Available;
    c.rentalPricePerHour = req.rentalPricePerHour;
    c.createdAt = fromMs(nowMs);
    c.ownerOrgId = orgId;
    for (const Agent &a : req.agents) {
        Agent agent = a;
        agent.id = newId(u"agt");
        c.agents.append(std::move(agent));
    }

    Transaction tx(*this);
    if (!tx.ok())
        return Crew{};
    if (!exec(
            "create crew",
            u"INSERT INTO crews (id, org_id, name, status, price_micros, created_at) VALUES (?, ?, ?, ?, ?, ?)"_s,
            {c.id, text(orgId), text(c.name), c.status,
             intOrNull(c.rentalPricePerHour ? std::optional<qint64>(c.rentalPricePerHour->value)
                                            : std::nullopt),
             nowMs}))
        return Crew{};
    for (qsizetype i = 0; i < c.agents.size(); ++i) {
        const Agent &a = c.agents.at(i);
        if (!exec(
                "create agent",
                u"INSERT INTO agents (id, crew_id, position, name, role, tools) VALUES (?, ?, ?, ?, ?, ?)"_s,
                {a.id, c.id, qint64(i), text(a.name), text(a.role),
                 compactJson(QJsonArray::fromStringList(a.tools))}))
            return Crew{};
    }
    if (!tx.commit())
        return Crew{};
    return c;
}

StoreError SqlStore::deleteCrew(const QString &orgId, const QString &crewId, qint64 nowMs)
{
    Transaction tx(*this);
    if (!tx.ok())
        return StoreError::Unavailable;
    auto q = exec("delete crew lookup", u"SELECT 1 FROM crews WHERE id = ? AND org_id = ?"_s,
                  {text(crewId), text(orgId)});
    if (!q)
        return StoreError::Unavailable;
    if (!q->next())
        return StoreError::NotFound;
    auto busy =
        exec("delete crew runs",
             u"SELECT 1 FROM runs WHERE crew_id = ? AND status IN ('queued', 'running') LIMIT 1"_s,
             {text(crewId)});
    if (!busy)
        return StoreError::Unavailable;
    if (busy->next())
        return StoreError::Conflict;
    auto rented = exec(
        "delete crew rentals",
        u"SELECT 1 FROM rentals WHERE crew_id = ? AND starts_at <= ? AND ends_at > ? LIMIT 1"_s,
        {text(crewId), nowMs, nowMs});
    if (!rented)
        return StoreError::Unavailable;
    if (rented->next())
        return StoreError::Conflict;
    // Runs, rentals and events keep the crew id as plain text: history survives the crew.
    if (!exec("delete agents", u"DELETE FROM agents WHERE crew_id = ?"_s, {text(crewId)}) ||
        !exec("delete crew", u"DELETE FROM crews WHERE id = ? AND org_id = ?"_s,
              {text(crewId), text(orgId)}))
        return StoreError::Unavailable;
    return tx.commit() ? StoreError::None : StoreError::Unavailable;
}

void SqlStore::setCrewStatus(const QString &crewId, const QString &status)
{
    exec("set crew status", u"UPDATE crews SET status = ? WHERE id = ?"_s,
         {text(status), text(crewId)});
}

bool SqlStore::compareAndSetCrewStatus(const QString &crewId, const QString &expected,
                                       const QString &status)
{
    auto q = exec("cas crew status", u"UPDATE crews SET status = ? WHERE id = ? AND status = ?"_s,
                  {text(status), text(crewId), text(expected)});
    return q && q->numRowsAffected() == 1;
}

QList<MarketCrew> SqlStore::marketCrews(const QString &orgId)
{
    QList<MarketCrew> out;
    auto q = exec("market crews",
                  u"SELECT id, name, org_id, price_micros, status FROM crews"
                  " WHERE org_id <> ? AND price_micros IS NOT NULL ORDER BY created_at, id"_s,
                  {text(orgId)});
    if (!q)
        return out;
    while (q->next()) {
        MarketCrew m;
        m.id = q->value(0).toString();
        m.name = q->value(1).toString();
        m.ownerOrgId = q->value(2).toString();
        m.rentalPricePerHour = Micros{SqlStore::int64Of(q->value(3))};
        m.status = q->value(4).toString();
        out.append(std::move(m));
    }
    return out;
}

// ---------------------------------------------------------------- runs and tool calls

QList<Run> SqlStore::loadRuns(const char *what, const QString &sqlTail, const QVariantList &binds,
                              bool *ok)
{
    QList<Run> out;
    auto q = exec(what, u"SELECT "_s + RunColumns + u" FROM runs "_s + sqlTail, binds);
    if (ok)
        *ok = q.has_value();
    if (!q)
        return out;
    while (q->next()) {
        Run r;
        r.id = q->value(0).toString();
        r.crewId = q->value(1).toString();
        r.status = q->value(2).toString();
        r.createdAt = fromMs(SqlStore::int64Of(q->value(3)));
        r.startedAt = timeOrNull(q->value(4));
        r.finishedAt = timeOrNull(q->value(5));
        r.durationMs = optInt(q->value(6));
        r.tokens = SqlStore::int64Of(q->value(7));
        // NOT NULL in the schema; a null would come from a foreign row and stays unset.
        if (!q->value(8).isNull())
            r.timeoutS = q->value(8).toInt();
        r.withToolCalls = false;
        out.append(std::move(r));
    }
    return out;
}

QList<ToolCall> SqlStore::loadToolCalls(const char *what, const QString &sqlTail,
                                        const QVariantList &binds)
{
    QList<ToolCall> out;
    auto q = exec(what, u"SELECT "_s + ToolCallColumns + u" FROM tool_calls "_s + sqlTail, binds);
    if (!q)
        return out;
    while (q->next()) {
        ToolCall t;
        t.id = q->value(0).toString();
        t.agentId = q->value(1).toString();
        t.tool = q->value(2).toString();
        t.params = parseObject(q->value(3).toString());
        t.status = q->value(4).toString();
        if (!q->value(5).isNull())
            t.exitCode = q->value(5).toInt();
        t.startedAt = fromMs(SqlStore::int64Of(q->value(6)));
        t.durationMs = optInt(q->value(7));
        out.append(std::move(t));
    }
    return out;
}

QList<RunJob> SqlStore::loadRunJobs(const char *what, const QString &sqlTail,
                                    const QVariantList &binds)
{
    QList<RunJob> out;
    auto q = exec(
        what, u"SELECT id, org_id, crew_id, steps, timeout_s, created_at FROM runs "_s + sqlTail,
        binds);
    if (!q)
        return out;
    while (q->next()) {
        RunJob j;
        j.runId = q->value(0).toString();
        j.orgId = q->value(1).toString();
        j.crewId = q->value(2).toString();
        j.steps = parseArray(q->value(3).toString());
        j.timeoutS = q->value(4).toInt();
        j.createdAt = fromMs(SqlStore::int64Of(q->value(5)));
        out.append(std::move(j));
    }
    return out;
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
    const auto list = loadRunJobs("run job", u"WHERE id = ?"_s, {text(runId)});
    return list.isEmpty() ? std::nullopt : std::optional<RunJob>(list.first());
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
            q && q->next()) {
            s.totalRuns = int64Of(q->value(0));
            const qint64 finished = int64Of(q->value(1));
            const qint64 succeeded = int64Of(q->value(2));
            s.successRate = finished > 0 ? double(succeeded) / double(finished) : 0.0;
            s.totalTokens = int64Of(q->value(3));
            latN = int64Of(q->value(4));
            s.avgLatencyMs = latN > 0 ? double(int64Of(q->value(5))) / double(latN) : 0.0;
        }
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
                      " COALESCE(SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END), 0),"
                      " COALESCE(SUM(CASE WHEN status IN "_s +
                          FinishedStates +
                          u" THEN 1 ELSE 0 END), 0),"
                          " COALESCE(SUM(tokens), 0),"
                          " COALESCE(SUM(CASE WHEN status IN "_s +
                          FinishedStates +
                          u" AND duration_ms IS NOT NULL THEN 1 ELSE 0 END), 0),"
                          " COALESCE(SUM(CASE WHEN status IN "_s +
                          FinishedStates +
                          u" THEN duration_ms END), 0)"
                          " FROM runs WHERE org_id = ? AND created_at >= ? AND created_at < ?"_s,
                      range);
        q && q->next()) {
        s.totalRuns = int64Of(q->value(0));
        const qint64 succeeded = int64Of(q->value(1));
        const qint64 finished = int64Of(q->value(2));
        s.successRate = finished > 0 ? double(succeeded) / double(finished) : 0.0;
        s.totalTokens = int64Of(q->value(3));
        n = int64Of(q->value(4));
        s.avgLatencyMs = n > 0 ? double(int64Of(q->value(5))) / double(n) : 0.0;
    }

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
    const qint64 first = timeseriesBucketStart(fromTs, width);
    // Bucket index of a timestamp column: (ts - first) / width, exact integer division in
    // both dialects because every selected ts is >= from >= first. Bound as values, grouped
    // in an outer query so that PostgreSQL sees one expression.
    const auto bucketExpr = [](const QString &column) -> QString {
        return u"(("_s + column + u" - ?) / ?)"_s;
    };
    ts.points.resize(count);
    for (qint64 i = 0; i < count; ++i)
        ts.points[i].t = fromMs(first + i * width);
    const auto indexOf = [&](const QVariant &v) {
        const qint64 i = int64Of(v, -1);
        return (i >= 0 && i < count) ? i : -1;
    };

    if (metric == u"runs"_s || metric == u"success_rate"_s || metric == u"tokens"_s) {
        for (auto &p : ts.points) {
            if (metric == u"runs"_s) {
                p.value = 0.0;
                p.extra = QJsonObject{{u"succeeded"_s, 0}, {u"failed"_s, 0}};
            } else if (metric == u"tokens"_s) {
                p.value = 0.0;
            }
        }
        // Whole hours inside the range come from the hourly rollups (every bucket boundary is
        // an hour boundary, so an hour never straddles two buckets); the partial hours at
        // either end, if any, from the runs themselves (covering index runs_org_created_cover).
        const qint64 hourFrom = std::min(toTs, ((fromTs + HourMs - 1) / HourMs) * HourMs);
        const qint64 hourTo = std::max(hourFrom, std::min(toTs, (toTs / HourMs) * HourMs));
        const QString rawPart =
            u"SELECT "_s + bucketExpr(u"created_at"_s) +
            u" AS b, 1 AS n,"
            " CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END AS s,"
            " CASE WHEN status = 'failed' THEN 1 ELSE 0 END AS f,"
            " CASE WHEN status IN "_s +
            FinishedStates +
            u" THEN 1 ELSE 0 END AS fin,"
            " tokens AS tok FROM runs WHERE org_id = ? AND created_at >= ? AND created_at < ?"_s;
        auto q = exec(
            "timeseries runs",
            u"SELECT b, SUM(n), COALESCE(SUM(s), 0), COALESCE(SUM(f), 0), COALESCE(SUM(fin), 0),"
            " COALESCE(SUM(tok), 0) FROM ("_s +
                rawPart + u" UNION ALL SELECT "_s + bucketExpr(u"hour"_s) +
                u" AS b, total AS n, succeeded AS s, failed AS f, finished AS fin, tokens AS tok"
                " FROM run_hourly WHERE org_id = ? AND hour >= ? AND hour < ? UNION ALL "_s +
                rawPart + u") AS t GROUP BY b ORDER BY b"_s,
            {first, width, text(orgId), fromTs, hourFrom, first, width, text(orgId), hourFrom,
             hourTo, first, width, text(orgId), hourTo, toTs});
        if (!q)
            return std::nullopt;
        while (q->next()) {
            const qint64 i = indexOf(q->value(0));
            if (i < 0)
                continue;
            TimeseriesPoint &p = ts.points[i];
            const qint64 total = int64Of(q->value(1));
            const qint64 succeeded = int64Of(q->value(2));
            const qint64 failed = int64Of(q->value(3));
            const qint64 finished = int64Of(q->value(4));
            if (metric == u"runs"_s) {
                p.value = double(total);
                p.extra = QJsonObject{{u"succeeded"_s, succeeded}, {u"failed"_s, failed}};
            } else if (metric == u"tokens"_s) {
                p.value = double(int64Of(q->value(5)));
            } else if (finished > 0) {
                p.value = double(succeeded) / double(finished);
            }
        }
        return ts;
    }

    if (metric == u"latency"_s) {
        for (auto &p : ts.points)
            p.extra = QJsonObject{{u"p95"_s, QJsonValue::Null}};
        // A bucket that lies wholly inside the range and ended LatencyMemoMarginMs ago can no
        // longer change (runs finish with finished_at = now), so its percentiles are read
        // from latency_buckets once computed; only the others (the open bucket, partial
        // ones at the edges, never-asked ones) are computed from the runs.
        const qint64 closedBefore = QDateTime::currentMSecsSinceEpoch() - LatencyMemoMarginMs;
        const auto memoizable = [&](qint64 i) {
            const qint64 bucketStart = first + i * width;
            return bucketStart >= fromTs && bucketStart + width <= toTs &&
                   bucketStart + width <= closedBefore;
        };
        std::vector<char> known(size_t(count), 0);
        {
            auto q = exec("timeseries latency memo",
                          u"SELECT start_ms, n, p50, p95 FROM latency_buckets"
                          " WHERE org_id = ? AND width_ms = ? AND start_ms >= ? AND start_ms < ?"_s,
                          {text(orgId), width, first, first + count * width});
            if (!q)
                return std::nullopt;
            while (q->next()) {
                const qint64 bucketStart = int64Of(q->value(0));
                if ((bucketStart - first) % width != 0)
                    continue;
                const qint64 i = (bucketStart - first) / width;
                if (i < 0 || i >= count || !memoizable(i))
                    continue;
                known[size_t(i)] = 1;
                if (int64Of(q->value(1)) > 0) {
                    ts.points[i].value = double(int64Of(q->value(2)));
                    ts.points[i].extra = QJsonObject{{u"p95"_s, double(int64Of(q->value(3)))}};
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
            const qint64 lo = std::max(fromTs, first + i * width);
            const qint64 hi = std::min(toTs, first + j * width);
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
                {first, width, text(orgId), lo, hi});
            if (!q)
                return std::nullopt;
            while (q->next()) {
                const qint64 b = indexOf(q->value(0));
                if (b < 0)
                    continue;
                const qint64 rn = int64Of(q->value(1));
                const qint64 cnt = int64Of(q->value(2));
                const double d = double(int64Of(q->value(3)));
                TimeseriesPoint &p = ts.points[b];
                counted[size_t(b)] = cnt;
                if (rn == (cnt * 50 + 99) / 100)
                    p.value = d;
                if (rn == (cnt * 95 + 99) / 100)
                    p.extra = QJsonObject{{u"p95"_s, d}};
            }
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
                const TimeseriesPoint &p = ts.points[i];
                const bool empty = counted[size_t(i)] == 0;
                ok =
                    exec(
                        "timeseries latency remember",
                        u"INSERT INTO latency_buckets (org_id, width_ms, start_ms, n, p50, p95)"
                        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, width_ms, start_ms) DO NOTHING"_s,
                        {text(orgId), width, first + i * width, counted[size_t(i)],
                         empty ? QVariant() : QVariant(qint64(p.value.value_or(0))),
                         empty ? QVariant() : QVariant(qint64(p.extra.value(u"p95"_s).toDouble()))})
                        .has_value();
            }
            if (ok)
                tx.commit();
        }
        return ts;
    }

    if (metric == u"c7t"_s) {
        // Ledger entries take effect when created, except a rental reward, which is earned
        // when its rental ends (settlement is lazy; the ledger row is written at rent time).
        const QString effective =
            u"SELECT CASE WHEN l.kind = 'rental_reward' THEN r.ends_at ELSE l.created_at END AS at,"
            " l.kind, l.amount_micros FROM ledger l LEFT JOIN rentals r ON r.id = l.rental_id"
            " WHERE l.org_id = ?"_s;
        const qint64 opening = scalar("timeseries c7t opening",
                                      u"SELECT COALESCE(SUM(amount_micros), 0) FROM ("_s +
                                          effective + u") AS e WHERE at < ?"_s,
                                      {text(orgId), fromTs}, 0);
        QList<qint64> delta(count, 0), spent(count, 0), earned(count, 0);
        auto q = exec(
            "timeseries c7t",
            u"SELECT b, COALESCE(SUM(amount_micros), 0),"
            " COALESCE(SUM(CASE WHEN kind = 'rental_payment' THEN amount_micros ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN kind = 'rental_reward' THEN amount_micros ELSE 0 END), 0)"
            " FROM (SELECT "_s +
                bucketExpr(u"at"_s) + u" AS b, kind, amount_micros FROM ("_s + effective +
                u") AS e WHERE at >= ? AND at < ?) AS t GROUP BY b ORDER BY b"_s,
            {first, width, text(orgId), fromTs, toTs});
        if (!q)
            return std::nullopt;
        while (q->next()) {
            const qint64 i = indexOf(q->value(0));
            if (i < 0)
                continue;
            delta[i] = int64Of(q->value(1));
            spent[i] = -int64Of(q->value(2));
            earned[i] = int64Of(q->value(3));
        }
        qint64 balance = opening;
        for (qint64 i = 0; i < count; ++i) {
            balance += delta[i];
            TimeseriesPoint &p = ts.points[i];
            p.value = double(balance) / double(Micros::PerUnit);
            p.extra = QJsonObject{{u"spent"_s, Micros{spent[i]}.toJson()},
                                  {u"earned"_s, Micros{earned[i]}.toJson()}};
        }
        return ts;
    }
    return ts;
}

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
    if (auto q =
            exec("rental top crews",
                 u"SELECT c.id, c.name, COUNT(r.id) AS n, SUM(r.price_micros) AS revenue"
                 " FROM crews c JOIN rentals r ON r.crew_id = c.id AND r.owner_org_id = c.org_id"
                 " WHERE c.org_id = ? GROUP BY c.id, c.name"
                 " ORDER BY revenue DESC, n DESC, c.id LIMIT 5"_s,
                 {text(orgId)})) {
        while (q->next()) {
            TopCrew t;
            t.crewId = q->value(0).toString();
            t.name = q->value(1).toString();
            t.rentals = SqlStore::int64Of(q->value(2));
            t.revenue = Micros{SqlStore::int64Of(q->value(3))};
            s.topCrews.append(std::move(t));
        }
    }
    return s;
}

// ---------------------------------------------------------------- rentals and ledger

std::optional<Rental> SqlStore::rent(const QString &renterOrgId, const QString &crewId,
                                     Micros hours, qint64 nowMs, StoreError *err)
{
    StoreError dummy;
    StoreError &e = err ? *err : dummy;
    e = StoreError::Unavailable;
    if (hours.value <= 0) {
        e = StoreError::BadRequest;
        return std::nullopt;
    }

    // One write transaction (BEGIN IMMEDIATE): the balance read and the debit cannot be
    // interleaved with another rent of the same org, even from another process.
    Transaction tx(*this);
    if (!tx.ok())
        return std::nullopt;
    auto c =
        exec("rent crew", u"SELECT org_id, price_micros FROM crews WHERE id = ?"_s, {text(crewId)});
    if (!c)
        return std::nullopt;
    if (!c->next()) {
        e = StoreError::NotFound;
        return std::nullopt;
    }
    const QString ownerOrgId = c->value(0).toString();
    if (ownerOrgId == renterOrgId) {
        e = StoreError::BadRequest;
        return std::nullopt;
    }
    if (c->value(1).isNull()) {
        e = StoreError::NotFound;
        return std::nullopt;
    }
    const Micros pricePerHour{SqlStore::int64Of(c->value(1))};
    // Keep the exact integer product far from 64-bit overflow: a price beyond 2^53 micros is
    // not a valid amount anyway (and an overflow must never turn into a credit).
    if (pricePerHour.value < 0 ||
        double(pricePerHour.value) * double(hours.value) / double(Micros::PerUnit) >
            9007199254740992.0) {
        e = StoreError::BadRequest;
        return std::nullopt;
    }
    const Micros price = multiplyRoundHalfUp(pricePerHour, hours);

    auto b = exec(
        "rent balance",
        u"SELECT COALESCE(SUM(amount_micros), 0) FROM ledger WHERE org_id = ? AND state = 'settled'"_s,
        {text(renterOrgId)});
    if (!b || !b->next())
        return std::nullopt;
    if (SqlStore::int64Of(b->value(0)) < price.value) {
        e = StoreError::InsufficientBalance;
        return std::nullopt;
    }

    Rental r;
    r.id = newId(u"rnt");
    r.crewId = crewId;
    r.renterOrgId = renterOrgId;
    r.ownerOrgId = ownerOrgId;
    r.hours = hours;
    r.price = price;
    r.startsAt = fromMs(nowMs);
    r.endsAt = fromMs(nowMs + storeutil::hoursToMs(hours.value));
    r.status = u"active"_s;
    if (!exec("rent insert",
              u"INSERT INTO rentals (id, crew_id, renter_org_id, owner_org_id, hours_micros, "
              u"price_micros,"
              " starts_at, ends_at, settled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)"_s,
              {r.id, text(crewId), text(renterOrgId), ownerOrgId, hours.value, price.value, nowMs,
               toMs(r.endsAt)}))
        return std::nullopt;
    const QString ledgerSql =
        u"INSERT INTO ledger (id, org_id, kind, amount_micros, state, rental_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"_s;
    if (!exec("rent payment", ledgerSql,
              {newId(u"led"), text(renterOrgId), u"rental_payment"_s, -price.value, u"settled"_s,
               r.id, nowMs}))
        return std::nullopt;
    if (!exec("rent reward", ledgerSql,
              {newId(u"led"), ownerOrgId, u"rental_reward"_s, price.value, u"pending"_s, r.id,
               nowMs}))
        return std::nullopt;
    if (!tx.commit())
        return std::nullopt;
    e = StoreError::None;
    return r;
}

QList<Rental> SqlStore::loadRentals(const char *what, const QString &sqlTail,
                                    const QVariantList &binds, qint64 nowMs)
{
    QList<Rental> out;
    auto q = exec(what, u"SELECT "_s + RentalColumns + u" FROM rentals "_s + sqlTail, binds);
    if (!q)
        return out;
    while (q->next()) {
        Rental r;
        r.id = q->value(0).toString();
        r.crewId = q->value(1).toString();
        r.renterOrgId = q->value(2).toString();
        r.ownerOrgId = q->value(3).toString();
        r.hours = Micros{SqlStore::int64Of(q->value(4))};
        r.price = Micros{SqlStore::int64Of(q->value(5))};
        r.startsAt = fromMs(SqlStore::int64Of(q->value(6)));
        const qint64 ends = SqlStore::int64Of(q->value(7));
        r.endsAt = fromMs(ends);
        r.status = ends > nowMs ? u"active"_s : u"ended"_s;
        out.append(std::move(r));
    }
    return out;
}

QList<Rental> SqlStore::rentals(const QString &orgId, qint64 nowMs)
{
    settleRentals(nowMs);
    return loadRentals(
        "rentals",
        u"WHERE renter_org_id = ? OR owner_org_id = ? ORDER BY starts_at DESC, id DESC"_s,
        {text(orgId), text(orgId)}, nowMs);
}

int SqlStore::settleRentals(qint64 nowMs)
{
    // Cheap check first so that read paths do not take the write lock for nothing.
    auto due = exec("settle check",
                    u"SELECT 1 FROM rentals WHERE settled = 0 AND ends_at <= ? LIMIT 1"_s, {nowMs});
    if (!due || !due->next())
        return 0;
    due.reset();

    Transaction tx(*this);
    if (!tx.ok())
        return 0;
    if (!exec("settle rewards",
              u"UPDATE ledger SET state = 'settled' WHERE kind = 'rental_reward' AND state = "
              u"'pending'"
              " AND rental_id IN (SELECT id FROM rentals WHERE settled = 0 AND ends_at <= ?)"_s,
              {nowMs}))
        return 0;
    auto q = exec("settle rentals",
                  u"UPDATE rentals SET settled = 1 WHERE settled = 0 AND ends_at <= ?"_s, {nowMs});
    if (!q)
        return 0;
    const int n = q->numRowsAffected();
    q.reset();
    if (!tx.commit())
        return 0;
    return n;
}

bool SqlStore::hasActiveRental(const QString &renterOrgId, const QString &crewId, qint64 nowMs)
{
    auto q = exec("has active rental",
                  u"SELECT 1 FROM rentals WHERE crew_id = ? AND renter_org_id = ? AND starts_at <= "
                  u"? AND ends_at > ?"
                  " LIMIT 1"_s,
                  {text(crewId), text(renterOrgId), nowMs, nowMs});
    return q && q->next();
}

// ---------------------------------------------------------------- event log

const QString &SqlStore::eventColumns()
{
    return EventColumns;
}

bool SqlStore::insertEvents(const QList<StoredEventPtr> &events)
{
    // Inside the caller's transaction. One prepared statement, re-bound per event.
    QSqlQuery q(m_db);
    if (!q.prepare(u"INSERT INTO events ("_s + EventColumns +
                   u") VALUES (?, ?, ?, ?, ?, ?, ?)"_s)) {
        qCWarning(lcStore).noquote() << "append events failed to prepare:" << q.lastError().text();
        return false;
    }
    for (const StoredEventPtr &ev : events) {
        if (!ev)
            continue;
        q.bindValue(0, ev->seq);
        q.bindValue(1, text(ev->orgId));
        q.bindValue(2, textOrNull(ev->crewId));
        q.bindValue(3, textOrNull(ev->runId));
        q.bindValue(4, text(ev->type));
        q.bindValue(5, ev->tsMs);
        q.bindValue(6, ev->bytes.isNull() ? QByteArray("") : ev->bytes);
        if (!q.exec()) {
            qCWarning(lcStore).noquote()
                << "append event" << ev->seq << "failed:" << q.lastError().text();
            parkFailed(std::move(q));
            return false;
        }
    }
    return true;
}

bool SqlStore::appendEvents(const QList<StoredEventPtr> &events)
{
    if (events.isEmpty())
        return true;
    if (!m_open) {
        qCWarning(lcStore) << "append events failed: the store is not open";
        return false;
    }
    Transaction tx(*this, WriteLock::Events);
    if (!tx.ok() || !insertEvents(events))
        return false;
    return tx.commit();
}

bool SqlStore::appendEventsAllocating(QList<StoredEventPtr> &events)
{
    if (events.isEmpty())
        return true;
    if (!m_open) {
        qCWarning(lcStore) << "append events failed: the store is not open";
        return false;
    }
    // The event lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: pg_advisory_xact_lock) is held
    // from before reading MAX(seq) until COMMIT, so allocations of concurrent writers (other
    // connections, other nodes) are serialised and commit in seq order.
    Transaction tx(*this, WriteLock::Events);
    if (!tx.ok())
        return false;
    auto top = exec("allocate event seq", u"SELECT MAX(seq) FROM events"_s);
    if (!top)
        return false;
    qint64 next = (top->next() ? int64Of(top->value(0), 0) : 0) + 1;
    top.reset();
    // Never hand out a seq at or below the pruned horizon: a reader that was told history up
    // to there may be gone must not later find new events below it.
    const qint64 horizon = prunedHorizon();
    next = qMax(next, horizon + 1);
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
    QList<StoredEventPtr> out;
    auto q = exec(what, sql, binds);
    if (!q)
        return out;
    while (q->next()) {
        auto e = std::make_shared<StoredEvent>();
        e->seq = int64Of(q->value(0));
        e->orgId = q->value(1).toString();
        e->crewId = q->value(2).toString();
        e->runId = q->value(3).toString();
        e->type = q->value(4).toString();
        e->tsMs = int64Of(q->value(5));
        e->bytes = q->value(6).toByteArray();
        out.append(std::move(e));
    }
    return out;
}

QList<StoredEventPtr> SqlStore::events(const StreamKey &key, qint64 since, int limit)
{
    if (limit <= 0)
        return {};
    QVariantList binds;
    const QString where = streamWhere(key, &binds);
    binds << since << qint64(limit);
    return loadEvents("events",
                      u"SELECT "_s + EventColumns + u" FROM events WHERE "_s + where +
                          u" AND seq > ? ORDER BY seq LIMIT ?"_s,
                      binds);
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
    const QString where = streamWhere(key, &binds);
    return scalar("latest seq", u"SELECT MAX(seq) FROM events WHERE "_s + where, binds);
}

qint64 SqlStore::maxEventSeq()
{
    return scalar("max event seq", u"SELECT MAX(seq) FROM events"_s, {});
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
    const QString victims = u" FROM events WHERE ts_ms < ? AND seq NOT IN ("_s + keepSet + u")"_s;
    const QVariantList binds{cutoffMs, keep, keep, keep};

    Transaction tx(*this);
    if (!tx.ok())
        return 0;
    const qint64 highest = scalar("prune horizon", u"SELECT MAX(seq)"_s + victims, binds, 0);
    if (highest <= 0)
        return 0; // nothing to delete; the transaction rolls back harmlessly
    auto del = exec("prune events", u"DELETE"_s + victims, binds);
    if (!del)
        return 0;
    const int deleted = del->numRowsAffected();
    del.reset();
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
