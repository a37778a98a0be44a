#pragma once
#include "server/store/sqlstore.h"

#include <QString>
#include <optional>

namespace crewdeck::server {

// The scale-out Store: PostgreSQL through QtSql's QPSQL driver, with the same schema,
// migrations and queries as SQLite (SqlStore). Several server nodes may share one database:
//  - open() serialises concurrent migrators with a session advisory lock;
//  - read-then-write transactions (balances, uniqueness checks, settling) take a
//    transaction-scoped advisory lock, which gives them the same one-writer-at-a-time
//    semantics SQLite's BEGIN IMMEDIATE gives;
//  - event appends take their own transaction-scoped advisory lock, so
//    appendEventsAllocating() allocates max(seq)+1.. and commits in seq order across nodes.
// A lost connection (server restart, network) makes calls fail and log; the next call or
// ping() reconnects once the server is back.
//
// Thread: one instance is used only on the thread that called open() (the main thread).
class PostgresStore : public SqlStore
{
public:
    // The parts of postgres://user:pass@host:port/dbname (also postgresql://), decoded.
    struct Params
    {
        QString user;
        QString password;
        QString host;
        int port = 5432;
        QString dbName;
        QString sslMode; // from ?sslmode=..., empty: libpq's default
    };
    // nullopt with a message naming the problem (never the password) for a malformed URL.
    static std::optional<Params> parseUrl(const QString &url, QString *error);

    // The URL is parsed here; open() reports a malformed one.
    explicit PostgresStore(const QString &url);
    ~PostgresStore() override;

    // Advisory lock keys (arbitrary constants, "CDmg", "CDwr", "CDev" in ASCII).
    static constexpr qint64 MigrationLockKey = 0x43446d67;
    static constexpr qint64 WriteLockKey = 0x43447772;
    static constexpr qint64 EventLockKey = 0x43446576;

    bool open(QString *error) override;

protected:
    QString describe() const override;
    bool migrateSchema(QString *error) override;
    bool lockForWrite(WriteLock lock) override;

private:
    std::optional<Params> m_params;
    QString m_urlError;
};

} // namespace crewdeck::server
