#include "server/store/sqlitestore.h"

using namespace Qt::StringLiterals;

namespace crewdeck::server {

SqliteStore::SqliteStore(const QString &path)
    : SqlStore(Dialect::sqlite(), u"QSQLITE"_s, u"crewdeck_sqlite")
    , m_path(path)
{
    db().setDatabaseName(m_path);
    db().setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
}

// Out of line: the vtable lives in this one object file.
SqliteStore::~SqliteStore() = default;

} // namespace crewdeck::server
