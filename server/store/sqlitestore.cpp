#include "server/store/sqlitestore.h"
#include "shared/logging.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <atomic>
#include <memory>
#include <sqlite3.h>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {
// Checkpoint pace: while the WAL grows, every 25 ms, so that each checkpoint (and its sync of
// the database file) is small: a sync of seconds' worth of pages stalled the writers behind the
// filesystem's journal (docs/benchmarks.md: p99 at 20k events/s 50 ms with 1 s, 11-12 ms with
// 100 ms, 4.3-4.5 ms with 25 ms). While nothing is written, the pause doubles up to 1 s.
constexpr int kBusyIntervalMs = 25;
constexpr int kIdleIntervalMs = 1000;
// Pages in the WAL before the committing connection checkpoints by itself (SQLite's default
// is 1000): only reached when the background checkpointer falls behind or is gone.
constexpr int kBackstopPages = 10000;

std::atomic<int> g_checkpoints{0};
std::atomic<quint64> g_nextId{0};
} // namespace

SqliteStore::SqliteStore(const QString &path)
    : SqlStore(Dialect::sqlite(), u"QSQLITE"_s, u"crewdeck_sqlite"), m_path(path)
{
    db().setDatabaseName(m_path);
    db().setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
}

SqliteStore::~SqliteStore()
{
    stopCheckpointer();
    // Before SqlStore's destructor closes the connection (it cannot call our override).
    clearStatementCache();
}

void SqliteStore::clearStatementCache()
{
    if (m_insertEvent) {
        sqlite3_finalize(m_insertEvent);
        m_insertEvent = nullptr;
    }
    SqlStore::clearStatementCache();
}

bool SqliteStore::insertEvents(const QList<StoredEventPtr> &events)
{
    sqlite3 *handle = nullptr;
    if (db().driver()) {
        const QVariant v = db().driver()->handle();
        if (v.isValid() && qstrcmp(v.typeName(), "sqlite3*") == 0)
            handle = *static_cast<sqlite3 *const *>(v.constData());
    }
    if (!handle)
        return SqlStore::insertEvents(events);
    if (!m_insertEvent) {
        const QByteArray sql =
            "INSERT INTO events (" + eventColumns().toUtf8() + ") VALUES (?, ?, ?, ?, ?, ?, ?)";
        if (sqlite3_prepare_v3(handle, sql.constData(), int(sql.size()), SQLITE_PREPARE_PERSISTENT,
                               &m_insertEvent, nullptr) != SQLITE_OK) {
            qCWarning(lcStore).noquote()
                << "append events failed to prepare:" << sqlite3_errmsg(handle);
            m_insertEvent = nullptr;
            return false;
        }
    }
    sqlite3_stmt *st = m_insertEvent;
    const auto bindText = [st](int i, const QString &value, bool nullWhenEmpty) {
        if (value.isEmpty() && nullWhenEmpty)
            return sqlite3_bind_null(st, i);
        // UTF-16 in, as QtSql binds text: SQLite converts to the database's UTF-8.
        return sqlite3_bind_text16(st, i, value.utf16(), int(value.size() * 2), SQLITE_TRANSIENT);
    };
    for (const StoredEventPtr &ev : events) {
        if (!ev)
            continue;
        static const char empty[] = "";
        int rc = sqlite3_bind_int64(st, 1, ev->seq);
        rc = rc == SQLITE_OK ? bindText(2, ev->orgId, false) : rc;
        rc = rc == SQLITE_OK ? bindText(3, ev->crewId, true) : rc;
        rc = rc == SQLITE_OK ? bindText(4, ev->runId, true) : rc;
        rc = rc == SQLITE_OK ? bindText(5, ev->type, false) : rc;
        rc = rc == SQLITE_OK ? sqlite3_bind_int64(st, 6, ev->tsMs) : rc;
        // The frame bytes outlive the step: no copy.
        rc = rc == SQLITE_OK
                 ? sqlite3_bind_blob(st, 7, ev->bytes.isNull() ? empty : ev->bytes.constData(),
                                     int(ev->bytes.size()), SQLITE_STATIC)
                 : rc;
        rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE) {
            qCWarning(lcStore).noquote()
                << "append event" << ev->seq << "failed:" << sqlite3_errmsg(handle);
            return false;
        }
    }
    return true;
}

bool SqliteStore::open(QString *error)
{
    if (!SqlStore::open(error))
        return false;
    if (m_path.isEmpty() || m_path == u":memory:"_s || m_path.startsWith(u"file::memory:"_s))
        return true; // no file, no WAL
    exec("wal backstop", u"PRAGMA wal_autocheckpoint="_s + QString::number(kBackstopPages));
    startCheckpointer();
    return true;
}

int SqliteStore::backgroundCheckpoints() const
{
    return g_checkpoints.load();
}

void SqliteStore::startCheckpointer()
{
    if (m_checkpointer)
        return;
    auto *thread = new QThread;
    thread->setObjectName(u"sqlite-checkpoint"_s);
    auto *timer = new QTimer;
    timer->setInterval(kBusyIntervalMs);
    timer->moveToThread(thread);
    const QString conn = u"crewdeck_sqlite_checkpoint_"_s + QString::number(g_nextId.fetch_add(1));
    const QString path = m_path;
    // Thread: the checkpointer's (these run in `timer`'s thread).
    QObject::connect(thread, &QThread::started, timer, [timer, conn, path] {
        QSqlDatabase cdb = QSqlDatabase::addDatabase(u"QSQLITE"_s, conn);
        cdb.setDatabaseName(path);
        cdb.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=1000"_s);
        if (!cdb.open()) {
            qCWarning(lcStore).noquote()
                << "background WAL checkpoints unavailable:" << cdb.lastError().text();
            return;
        }
        timer->start();
    });
    auto lastLog = std::make_shared<qint64>(-1);
    QObject::connect(timer, &QTimer::timeout, timer, [conn, timer, lastLog] {
        QSqlQuery q(QSqlDatabase::database(conn, false));
        if (!q.exec(u"PRAGMA wal_checkpoint(PASSIVE)"_s) || !q.next())
            return;
        g_checkpoints.fetch_add(1);
        // (busy, frames in the WAL, frames checkpointed): new frames keep the fast pace.
        const qint64 log = q.value(1).toLongLong();
        const bool grew = log != *lastLog;
        *lastLog = log;
        timer->setInterval(grew ? kBusyIntervalMs
                                : std::min(kIdleIntervalMs, timer->interval() * 2));
    });
    QObject::connect(
        thread, &QThread::finished, thread,
        [timer, conn] {
            // Emitted on the checkpointer thread just before it ends: stop its timer and close
            // its connection there (the timer object itself is deleted by stopCheckpointer()).
            timer->stop();
            {
                QSqlDatabase cdb = QSqlDatabase::database(conn, false);
                cdb.close();
            }
            QSqlDatabase::removeDatabase(conn);
        },
        Qt::DirectConnection);
    m_checkpointer = thread;
    m_checkpointTimer = timer;
    thread->start();
}

void SqliteStore::stopCheckpointer()
{
    if (!m_checkpointer)
        return;
    m_checkpointer->quit();
    m_checkpointer->wait();
    delete m_checkpointTimer; // its thread has finished: safe from here
    m_checkpointTimer = nullptr;
    delete m_checkpointer;
    m_checkpointer = nullptr;
}

} // namespace crewdeck::server
