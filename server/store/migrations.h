#pragma once
#include <QList>
#include <QString>
#include <QStringList>

class QSqlDatabase;

// The CrewDeck schema as an ordered list of versioned migrations, shared by the SQLite store
// and a later PostgreSQL store. The SQL is written once in the common subset of both
// dialects (TEXT, BIGINT, INTEGER, CHECK, partial and multi-column indexes,
// ON CONFLICT DO NOTHING, window functions); the few differences are the {TOKENS} that
// Dialect substitutes, and the per-connection setup, all kept in this one place.
// Thread: whichever thread owns the QSqlDatabase (the store's thread).
namespace crewdeck::server {

struct Dialect
{
    QString name;             // "sqlite" | "postgres"
    QString blobType;         // {BLOB}:   BLOB | BYTEA
    QString seqPrimaryKey;    // {SEQ_PK}: a caller-supplied 64-bit integer primary key
    QString beginWrite;       // starts a transaction that intends to write
    QStringList sessionSetup; // run once right after connecting
    // BEGIN/COMMIT can be prepared once and reused (SQLite; PostgreSQL cannot PREPARE them).
    bool preparesTransactionControl = false;

    static const Dialect &sqlite();
    static const Dialect &postgres();
};

struct Migration
{
    int version = 0; // 1, 2, 3, ... strictly increasing, never renumbered
    QString description;
    QStringList statements; // dialect-neutral SQL with {TOKENS}
};

// All migrations in order. Append new versions at the end; never edit an applied one.
const QList<Migration> &migrations();
int latestSchemaVersion();

// Recomputes run_stats, run_durations and run_duration_buckets from the runs table (inside
// the caller's transaction). Also the backfill of migration 2.
const QStringList &runStatsRebuildStatements();

// Width of one run_duration_buckets bucket in ms.
constexpr long long DurationBucketMs = 1000;

// Replaces the {TOKENS} of `sql` with the dialect's spelling.
QString applyDialect(const QString &sql, const Dialect &dialect);

// Creates schema_version if needed and applies every migration newer than the recorded
// version, each in its own transaction (re-checking the version inside it, so two processes
// opening the same database do not apply a migration twice). Idempotent. upToVersion > 0
// stops after that version (tests that upgrade a database made by an older release).
bool migrate(QSqlDatabase &db, const Dialect &dialect, QString *error, int upToVersion = 0);

} // namespace crewdeck::server
