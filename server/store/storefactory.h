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

// True when `dbUrl` selects PostgreSQL (scheme postgres:// or postgresql://, any case). The
// one place that decides the backend: ServerConfig::dbKind() asks it too.
bool isPostgresUrl(const QString &dbUrl);

// createStore() and open() (which migrates), for `serve` and `useradd` alike. For SQLite
// first creates the folder that holds `sqlitePath`. On failure nullptr and a message in
// *error that names the SQLite file or "the PostgreSQL database" (never the URL: it may
// carry a password). Runs on the thread that will use the store.
std::unique_ptr<Store> openStore(const QString &dbUrl, const QString &sqlitePath, QString *error);

} // namespace crewdeck::server
