#include "server/store/sqlitestore.h"
#include "shared/logging.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QTimer>
#include <atomic>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {
constexpr int kCheckpointIntervalMs = 250;
// Pages in the WAL before the committing connection checkpoints by itself (SQLite's default
// is 1000): only reached when the background checkpointer falls behind or is gone.
constexpr int kBackstopPages = 10000;

std::atomic<int> g_checkpoints{0};
std::atomic<quint64> g_nextId{0};
} // namespace

SqliteStore::SqliteStore(const QString &path)
    : SqlStore(Dialect::sqlite(), u"QSQLITE"_s, u"crewdeck_sqlite")
    , m_path(path)
{
    db().setDatabaseName(m_path);
    db().setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
}

SqliteStore::~SqliteStore()
{
    stopCheckpointer();
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
    timer->setInterval(kCheckpointIntervalMs);
    timer->moveToThread(thread);
    const QString conn = u"crewdeck_sqlite_checkpoint_"_s + QString::number(g_nextId.fetch_add(1));
    const QString path = m_path;
    // Thread: the checkpointer's (these run in `timer`'s thread).
    QObject::connect(thread, &QThread::started, timer, [timer, conn, path] {
        QSqlDatabase cdb = QSqlDatabase::addDatabase(u"QSQLITE"_s, conn);
        cdb.setDatabaseName(path);
        cdb.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=1000"_s);
        if (!cdb.open()) {
            qCWarning(lcStore).noquote() << "background WAL checkpoints unavailable:" << cdb.lastError().text();
            return;
        }
        timer->start();
    });
    QObject::connect(timer, &QTimer::timeout, timer, [conn] {
        QSqlQuery q(QSqlDatabase::database(conn, false));
        if (q.exec(u"PRAGMA wal_checkpoint(PASSIVE)"_s))
            g_checkpoints.fetch_add(1);
    });
    QObject::connect(thread, &QThread::finished, thread, [timer, conn] {
        // Emitted on the checkpointer thread just before it ends: stop its timer and close
        // its connection there (the timer object itself is deleted by stopCheckpointer()).
        timer->stop();
        {
            QSqlDatabase cdb = QSqlDatabase::database(conn, false);
            cdb.close();
        }
        QSqlDatabase::removeDatabase(conn);
    }, Qt::DirectConnection);
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
