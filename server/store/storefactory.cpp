#include "server/store/storefactory.h"

#include "server/store/postgresstore.h"
#include "server/store/sqlitestore.h"

#include <QDir>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

bool isPostgresUrl(const QString &dbUrl)
{
    return dbUrl.startsWith(u"postgres://"_s, Qt::CaseInsensitive) ||
           dbUrl.startsWith(u"postgresql://"_s, Qt::CaseInsensitive);
}

std::unique_ptr<Store> createStore(const QString &dbUrl, const QString &sqlitePath)
{
    if (isPostgresUrl(dbUrl))
        return std::make_unique<PostgresStore>(dbUrl);
    return std::make_unique<SqliteStore>(sqlitePath);
}

std::unique_ptr<Store> openStore(const QString &dbUrl, const QString &sqlitePath, QString *error)
{
    const bool postgres = isPostgresUrl(dbUrl);
    if (!postgres) {
        const QString parent = QFileInfo(sqlitePath).absolutePath();
        if (!QDir().mkpath(parent)) {
            *error = u"cannot create the folder %1 for the database"_s.arg(parent);
            return nullptr;
        }
    }
    // PostgreSQL: shared by every node; open() migrates under an advisory lock. Its errors
    // name only user, host, port and database.
    std::unique_ptr<Store> store = createStore(dbUrl, sqlitePath);
    QString storeError;
    if (!store->open(&storeError)) {
        *error = postgres ? u"cannot open the PostgreSQL database: %1"_s.arg(storeError)
                          : u"cannot open the database %1: %2"_s.arg(sqlitePath, storeError);
        return nullptr;
    }
    return store;
}

} // namespace crewdeck::server
