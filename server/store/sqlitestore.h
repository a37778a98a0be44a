#pragma once
#include "server/store/sqlstore.h"

#include <QString>

class QObject;
class QThread;
struct sqlite3_stmt;

namespace crewdeck::server {

// The embedded default Store: one SQLite file (WAL, busy timeout 5 s, foreign keys on,
// synchronous=NORMAL), schema migrations applied at open(). All queries live in SqlStore;
// this class points the QSQLITE connection at the file and checkpoints the WAL in the
// background: a checkpoint copies pages into the database file and syncs it, which took
// several milliseconds on the thread that happened to commit when the WAL passed its
// threshold (the server's main thread, between two event batches). A thread of its own runs
// PASSIVE checkpoints (they never block readers or the writer) on its own connection, every
// 25 ms while the WAL grows and backing off to 1 s when idle; the main connection's
// auto-checkpoint stays on as a backstop at a higher threshold.
//
// Thread: one instance is used only on the thread that called open() (the main thread); the
// checkpointer lives on its own thread. Several instances may coexist (each has its own
// connection names), also on one file.
class SqliteStore : public SqlStore
{
public:
    explicit SqliteStore(const QString &path);
    ~SqliteStore() override;

    bool open(QString *error) override;
    QString path() const { return m_path; }
    // PASSIVE checkpoints run by the background thread so far (tests).
    int backgroundCheckpoints() const;

protected:
    QString describe() const override { return m_path; }
    void clearStatementCache() override;
    // The event log's batches through SQLite's C API on the same connection (one statement
    // prepared per connection, values bound without QVariant): QtSql's binding was a seventh
    // of the server's time at 20k events/s.
    bool insertEvents(const QList<StoredEventPtr> &events) override;

private:
    void startCheckpointer();
    void stopCheckpointer();

    QString m_path;
    QThread *m_checkpointer = nullptr;
    QObject *m_checkpointTimer = nullptr;  // lives on m_checkpointer
    sqlite3_stmt *m_insertEvent = nullptr; // on db()'s connection
};

} // namespace crewdeck::server
