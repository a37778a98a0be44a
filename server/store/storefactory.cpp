#include "server/store/storefactory.h"

#include "server/store/postgresstore.h"
#include "server/store/sqlitestore.h"

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

} // namespace crewdeck::server
