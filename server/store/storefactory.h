#pragma once
#include "server/model/store.h"

#include <QString>
#include <memory>

namespace crewdeck::server {

// The Store for a --db value: PostgresStore for postgres:// and postgresql:// URLs,
// otherwise SqliteStore on `sqlitePath` (the caller resolves sqlite:PATH / plain paths /
// the default file). Not opened yet. Any thread; the store is then used on the thread that
// opens it.
std::unique_ptr<Store> createStore(const QString &dbUrl, const QString &sqlitePath);

// True when `dbUrl` selects PostgreSQL.
bool isPostgresUrl(const QString &dbUrl);

} // namespace crewdeck::server
