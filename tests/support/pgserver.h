#pragma once
#include <QString>
#include <QTemporaryDir>
#include <memory>

// A throwaway PostgreSQL server for tests: initdb into a fresh temporary directory, start it
// on a free loopback port with trust authentication, create the database crewdeck_test, and
// on destruction stop it (pg_ctl stop -m fast) and remove the directory.
//
// PostgreSQL refuses to run as root: when the tests run as root the binaries run through
// `runuser -u postgres --` in a directory chowned to that user (the postgresql package
// creates it); otherwise they run as the current user.
//
// Thread: the thread that created it (the test's main thread). Blocking calls.
namespace crewdeck::test {

class PgServer
{
public:
    PgServer();
    ~PgServer();
    PgServer(const PgServer &) = delete;
    PgServer &operator=(const PgServer &) = delete;

    // The directory with initdb/pg_ctl (newest /usr/lib/postgresql/*/bin), or empty when
    // PostgreSQL is not installed. Tests QSKIP on empty.
    static QString binDir();

    // initdb + start + CREATE DATABASE crewdeck_test. False with a message on failure.
    bool start(QString *error);
    // pg_ctl stop -m fast (the data directory is kept, so restart() brings it back).
    bool stop(QString *error = nullptr);
    // Starts the stopped server again on the same port and data.
    bool restart(QString *error = nullptr);
    bool isRunning() const { return m_running; }

    int port() const { return m_port; }
    // The postmaster's pid (from postmaster.pid), or -1 when it is not running.
    qint64 postmasterPid() const;
    QString host() const;
    // postgres://postgres@127.0.0.1:PORT/crewdeck_test
    QString url() const;
    // The same server, another database name (created with createDatabase()).
    QString urlFor(const QString &dbName) const;
    bool createDatabase(const QString &name, QString *error = nullptr);
    // Runs SQL through psql as the superuser on `dbName`; the output on success.
    bool psql(const QString &dbName, const QString &sql, QString *output = nullptr,
              QString *error = nullptr);

private:
    // Runs a PostgreSQL binary (as the postgres user when we are root); waits up to timeoutMs.
    bool run(const QString &program, const QStringList &args, QString *output, QString *error,
             int timeoutMs = 60000);
    bool startServer(QString *error);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_dataDir;
    QString m_socketDir;
    QString m_runAsUser; // "postgres" when running as root, empty otherwise
    int m_port = 0;
    bool m_running = false;
};

} // namespace crewdeck::test
