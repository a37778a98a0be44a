#include "server/store/sqlstore.h"

#include "server/store/migrations.h"
#include "server/store/storeutil.h"
#include "shared/logging.h"

#include <QSqlError>
#include <QSqlQuery>

// The connection and statement plumbing of SqlStore: opening and reconnecting, the prepared
// statement cache, transactions, numeric reads. The queries live in the files named in
// sqlstore_p.h.

using namespace Qt::StringLiterals;

namespace crewdeck::server {

SqlStore::SqlStore(const Dialect &dialect, const QString &driver, QStringView connectionPrefix)
    : m_dialect(dialect), m_connectionName(storeutil::newId(connectionPrefix))
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
    // Unprepared: PostgreSQL cannot PREPARE transaction control (BEGIN, COMMIT, ...). SQLite
    // can, and the event log begins and commits a transaction up to 1,000 times a second:
    // parsing both each time was ~8 % of its flush's CPU (docs/benchmarks.md, "Event store").
    const bool cacheable = !binds.isEmpty() || sql.startsWith(u"SELECT "_s) ||
                           (m_dialect.preparesTransactionControl &&
                            (sql == m_dialect.beginWrite || sql == u"COMMIT"_s));
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

} // namespace crewdeck::server
