#include "server/store/postgresstore.h"

#include "shared/logging.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

std::optional<PostgresStore::Params> PostgresStore::parseUrl(const QString &text, QString *error)
{
    auto fail = [error](const QString &msg) {
        if (error)
            *error = msg + u" (expected postgres://user:pass@host:port/dbname)"_s;
        return std::nullopt;
    };
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return fail(u"malformed database URL"_s);
    const QString scheme = url.scheme().toLower();
    if (scheme != u"postgres"_s && scheme != u"postgresql"_s)
        return fail(u"the database URL must start with postgres:// or postgresql://"_s);
    Params p;
    p.host = url.host(QUrl::FullyDecoded);
    if (p.host.isEmpty())
        return fail(u"the database URL has no host"_s);
    if (url.port() == 0)
        return fail(u"the database URL has an invalid port"_s);
    // QUrl accepts "host:" and "host:abc" differently: a non-numeric port makes it invalid
    // (caught above); an explicit port must be 1..65535.
    p.port = url.port(5432);
    p.user = url.userName(QUrl::FullyDecoded);
    if (p.user.isEmpty())
        return fail(u"the database URL has no user name"_s);
    p.password = url.password(QUrl::FullyDecoded);
    QString path = url.path(QUrl::FullyDecoded);
    if (path.startsWith(u'/'))
        path.remove(0, 1);
    if (path.isEmpty())
        return fail(u"the database URL has no database name"_s);
    if (path.contains(u'/'))
        return fail(u"the database name must not contain '/'"_s);
    p.dbName = path;
    if (url.hasFragment())
        return fail(u"the database URL must not have a #fragment"_s);
    const QUrlQuery query(url);
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == u"sslmode"_s) {
            static const QStringList modes{u"disable"_s, u"allow"_s,     u"prefer"_s,
                                           u"require"_s, u"verify-ca"_s, u"verify-full"_s};
            if (!modes.contains(value))
                return fail(u"unknown sslmode '%1'"_s.arg(value));
            p.sslMode = value;
        } else {
            return fail(u"unsupported database URL parameter '%1'"_s.arg(key));
        }
    }
    return p;
}

PostgresStore::PostgresStore(const QString &url)
    : SqlStore(Dialect::postgres(), u"QPSQL"_s, u"crewdeck_pg")
{
    m_params = parseUrl(url, &m_urlError);
    if (!m_params)
        return;
    db().setHostName(m_params->host);
    db().setPort(m_params->port);
    db().setUserName(m_params->user);
    db().setPassword(m_params->password);
    db().setDatabaseName(m_params->dbName);
    // A host that drops packets must not hang a node (or /readyz) for minutes.
    QString options = u"connect_timeout=5"_s;
    if (!m_params->sslMode.isEmpty())
        options += u";sslmode="_s + m_params->sslMode;
    db().setConnectOptions(options);
}

PostgresStore::~PostgresStore() = default;

QString PostgresStore::describe() const
{
    if (!m_params)
        return u"postgres (invalid URL)"_s;
    return u"postgres://%1@%2:%3/%4"_s.arg(m_params->user, m_params->host)
        .arg(m_params->port)
        .arg(m_params->dbName);
}

bool PostgresStore::open(QString *error)
{
    if (!m_params) {
        qCWarning(lcStore).noquote() << "bad PostgreSQL URL:" << m_urlError;
        if (error)
            *error = m_urlError;
        return false;
    }
    return SqlStore::open(error);
}

bool PostgresStore::migrateSchema(QString *error)
{
    // Several nodes starting together: one migrates, the others wait here and then find
    // nothing left to do. A session lock, released explicitly (and by the server if this
    // connection dies).
    {
        QSqlQuery lock(db());
        if (!lock.exec(u"SELECT pg_advisory_lock(%1)"_s.arg(MigrationLockKey))) {
            const QString msg = lock.lastError().text();
            qCWarning(lcStore).noquote() << "cannot take the migration lock:" << msg;
            if (error)
                *error = msg;
            return false;
        }
    }
    const bool ok = migrate(db(), dialect(), error);
    QSqlQuery unlock(db());
    if (!unlock.exec(u"SELECT pg_advisory_unlock(%1)"_s.arg(MigrationLockKey)))
        qCWarning(lcStore).noquote()
            << "releasing the migration lock failed:" << unlock.lastError().text();
    return ok;
}

bool PostgresStore::lockForWrite(WriteLock lock)
{
    const qint64 key = lock == WriteLock::Events ? EventLockKey : WriteLockKey;
    // Held until COMMIT/ROLLBACK.
    return exec("write lock", u"SELECT pg_advisory_xact_lock(?)"_s, {key}).has_value();
}

} // namespace crewdeck::server
