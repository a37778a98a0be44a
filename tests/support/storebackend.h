#pragma once
// The SQL backend of a store test, chosen when the test is compiled: SQLite files in a
// temporary folder, or (CREWDECK_TEST_POSTGRES) databases on a throwaway PostgreSQL server the
// test starts. tst_store and tst_eventindexes are each built twice, once per backend, from one
// source; this is the part they share. Header-only because the choice is the including
// test's compile definition. Thread: the test's.
#include "server/store/postgresstore.h"
#include "server/store/sqlitestore.h"
#ifdef CREWDECK_TEST_POSTGRES
#include "tests/support/pgserver.h"
#endif

#include <QSqlDatabase>
#include <QTemporaryDir>
#include <memory>

namespace crewdeck::test {

class StoreBackend
{
public:
#ifdef CREWDECK_TEST_POSTGRES
    static constexpr bool Postgres = true;
#else
    static constexpr bool Postgres = false;
#endif

    // Why this backend cannot run on this machine (the test skips), or empty.
    static QString unavailable()
    {
#ifdef CREWDECK_TEST_POSTGRES
        if (PgServer::binDir().isEmpty())
            return QStringLiteral(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): install the "
                "postgresql package (scripts/deps.sh) to run the PostgreSQL store tests");
        if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
            return QStringLiteral("the QPSQL driver is not installed (libqt6sql6-psql)");
#endif
        return {};
    }

    // initTestCase: starts the PostgreSQL server (SQLite: nothing to start).
    bool start(QString *error)
    {
#ifdef CREWDECK_TEST_POSTGRES
        m_pg = std::make_unique<PgServer>();
        return m_pg->start(error);
#else
        Q_UNUSED(error);
        return true;
#endif
    }
    // cleanupTestCase.
    void stop()
    {
#ifdef CREWDECK_TEST_POSTGRES
        m_pg.reset();
#endif
    }

    // init: a new temporary folder, and the database `name` new and empty (SQLite: a file
    // that does not exist yet; PostgreSQL: dropped and created, the server restarted if a
    // test stopped it).
    bool fresh(const QString &name, QString *error)
    {
        m_dir = std::make_unique<QTemporaryDir>();
        if (!m_dir->isValid()) {
            *error = QStringLiteral("no temporary folder");
            return false;
        }
        return createDatabase(name, error);
    }
    // cleanup.
    void clear()
    {
        m_dir.reset();
    }

    // The database `name` new and empty (SQLite: nothing to do until a store opens it).
    bool createDatabase(const QString &name, QString *error)
    {
#ifdef CREWDECK_TEST_POSTGRES
        if (!m_pg->isRunning() && !m_pg->restart(error))
            return false;
        return m_pg->psql(QStringLiteral("postgres"),
                          QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(name),
                          nullptr, error) &&
               m_pg->createDatabase(name, error);
#else
        Q_UNUSED(name);
        Q_UNUSED(error);
        return true;
#endif
    }

    // A store on the database `name` (not opened).
    std::unique_ptr<server::SqlStore> store(const QString &name) const
    {
#ifdef CREWDECK_TEST_POSTGRES
        return std::make_unique<server::PostgresStore>(m_pg->urlFor(name));
#else
        return std::make_unique<server::SqliteStore>(sqliteFile(name));
#endif
    }

    // A raw connection `conn` to the database `name` (not opened), for reading what a store
    // wrote; the caller removes it with QSqlDatabase::removeDatabase(conn).
    QSqlDatabase raw(const QString &conn, const QString &name) const
    {
#ifdef CREWDECK_TEST_POSTGRES
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), conn);
        db.setHostName(m_pg->host());
        db.setPort(m_pg->port());
        db.setUserName(QStringLiteral("postgres"));
        db.setDatabaseName(name);
#else
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), conn);
        db.setDatabaseName(sqliteFile(name));
#endif
        return db;
    }

    // A path in the test's temporary folder.
    QString filePath(const QString &relative) const
    {
        return m_dir->filePath(relative);
    }

#ifdef CREWDECK_TEST_POSTGRES
    PgServer &pg()
    {
        return *m_pg;
    }
#endif

private:
    QString sqliteFile(const QString &name) const
    {
        return m_dir->filePath(name + QStringLiteral(".db"));
    }

    std::unique_ptr<QTemporaryDir> m_dir;
#ifdef CREWDECK_TEST_POSTGRES
    std::unique_ptr<PgServer> m_pg;
#endif
};

} // namespace crewdeck::test
