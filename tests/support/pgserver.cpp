#include "tests/support/pgserver.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>
#include <QVersionNumber>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace crewdeck::test {

namespace {

const QString DbName = u"crewdeck_test"_s;
const QString SuperUser = u"postgres"_s;

int freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const int port = probe.serverPort();
    probe.close();
    return port;
}

} // namespace

PgServer::PgServer() = default;

PgServer::~PgServer()
{
    // Stop before m_dir (a QTemporaryDir) removes the data directory.
    if (m_running)
        stop();
}

QString PgServer::binDir()
{
    QDir base(u"/usr/lib/postgresql"_s);
    QString best;
    QVersionNumber bestVersion;
    for (const QString &v : base.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString bin = base.filePath(v + u"/bin"_s);
        if (!QFileInfo(bin + u"/initdb"_s).isExecutable() ||
            !QFileInfo(bin + u"/pg_ctl"_s).isExecutable())
            continue;
        const QVersionNumber num = QVersionNumber::fromString(v);
        if (best.isEmpty() || num > bestVersion) {
            best = bin;
            bestVersion = num;
        }
    }
    return best;
}

QString PgServer::host() const
{
    return u"127.0.0.1"_s;
}

QString PgServer::url() const
{
    return urlFor(DbName);
}

QString PgServer::urlFor(const QString &dbName) const
{
    return u"postgres://%1@%2:%3/%4"_s.arg(SuperUser, host()).arg(m_port).arg(dbName);
}

bool PgServer::run(const QString &program, const QStringList &args, QString *output, QString *error,
                   int timeoutMs)
{
    const QString exe = binDir() + u'/' + program;
    QProcess p;
    p.setWorkingDirectory(m_dir ? m_dir->path() : QDir::tempPath());
    p.setProcessChannelMode(QProcess::MergedChannels);
    if (m_runAsUser.isEmpty())
        p.start(exe, args);
    else
        p.start(u"runuser"_s, QStringList{u"-u"_s, m_runAsUser, u"--"_s, exe} + args);
    if (!p.waitForStarted(10000)) {
        if (error)
            *error = u"cannot start %1: %2"_s.arg(program, p.errorString());
        return false;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        if (error)
            *error = u"%1 did not finish in time"_s.arg(program);
        return false;
    }
    const QString out = QString::fromLocal8Bit(p.readAll());
    if (output)
        *output = out;
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        if (error)
            *error = u"%1 failed (exit %2): %3"_s.arg(program).arg(p.exitCode()).arg(out.trimmed());
        return false;
    }
    return true;
}

bool PgServer::start(QString *error)
{
    if (binDir().isEmpty()) {
        if (error)
            *error = u"PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)"_s;
        return false;
    }
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + u"/crewdeck-pg-XXXXXX"_s);
    if (!m_dir->isValid()) {
        if (error)
            *error = u"cannot create a temporary directory"_s;
        return false;
    }
    m_dataDir = m_dir->filePath(u"data"_s);
    m_socketDir = m_dir->path();
    if (::geteuid() == 0) {
        m_runAsUser = SuperUser;
        QProcess chown;
        chown.start(u"chown"_s, {u"-R"_s, u"postgres:postgres"_s, m_dir->path()});
        if (!chown.waitForFinished(10000) || chown.exitCode() != 0) {
            if (error)
                *error =
                    u"cannot chown the temporary directory to postgres (is the postgres user missing?)"_s;
            return false;
        }
    }
    if (!run(u"initdb"_s,
             {u"-D"_s, m_dataDir, u"-U"_s, SuperUser, u"--auth=trust"_s, u"--encoding=UTF8"_s,
              u"--no-sync"_s, u"--locale=C"_s},
             nullptr, error, 120000))
        return false;
    m_port = freeLoopbackPort();
    if (m_port == 0) {
        if (error)
            *error = u"no free loopback port"_s;
        return false;
    }
    if (!startServer(error))
        return false;
    return createDatabase(DbName, error);
}

bool PgServer::startServer(QString *error)
{
    // fsync off: a throwaway cluster; durability across a crash is not what tests check.
    const QString options =
        u"-c listen_addresses=127.0.0.1 -c port=%1 -c unix_socket_directories=%2"
        u" -c fsync=off -c max_connections=50"_s.arg(m_port)
            .arg(m_socketDir);
    if (!run(u"pg_ctl"_s,
             {u"-D"_s, m_dataDir, u"-l"_s, m_dir->filePath(u"server.log"_s), u"-o"_s, options,
              u"-w"_s, u"-t"_s, u"60"_s, u"start"_s},
             nullptr, error, 90000))
        return false;
    m_running = true;
    return true;
}

bool PgServer::stop(QString *error)
{
    if (!m_running)
        return true;
    const bool ok = run(u"pg_ctl"_s, {u"-D"_s, m_dataDir, u"-m"_s, u"fast"_s, u"-w"_s, u"stop"_s},
                        nullptr, error, 60000);
    if (ok)
        m_running = false;
    return ok;
}

bool PgServer::restart(QString *error)
{
    if (m_running && !stop(error))
        return false;
    return startServer(error);
}

bool PgServer::psql(const QString &dbName, const QString &sql, QString *output, QString *error)
{
    return run(u"psql"_s,
               {u"-h"_s, m_socketDir, u"-p"_s, QString::number(m_port), u"-U"_s, SuperUser, u"-d"_s,
                dbName, u"-v"_s, u"ON_ERROR_STOP=1"_s, u"-At"_s, u"-c"_s, sql},
               output, error);
}

bool PgServer::createDatabase(const QString &name, QString *error)
{
    return run(u"createdb"_s,
               {u"-h"_s, m_socketDir, u"-p"_s, QString::number(m_port), u"-U"_s, SuperUser, name},
               nullptr, error);
}

qint64 PgServer::postmasterPid() const
{
    QFile f(m_dataDir + QStringLiteral("/postmaster.pid"));
    if (!m_running || !f.open(QIODevice::ReadOnly))
        return -1;
    bool ok = false;
    const qint64 pid = f.readLine().trimmed().toLongLong(&ok);
    return ok ? pid : -1;
}

} // namespace crewdeck::test
