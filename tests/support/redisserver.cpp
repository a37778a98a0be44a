#include "tests/support/redisserver.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <signal.h>

using namespace Qt::StringLiterals;

namespace crewdeck::testsupport {

RedisServer::RedisServer() = default;

RedisServer::~RedisServer()
{
    if (m_process) {
        resume();
        kill();
    }
}

QString RedisServer::executable()
{
    QString path = QStandardPaths::findExecutable(u"redis-server"_s);
    if (path.isEmpty() && QFileInfo(u"/usr/bin/redis-server"_s).isExecutable())
        path = u"/usr/bin/redis-server"_s;
    return path;
}

QString RedisServer::unavailableReason()
{
    return u"redis-server not found on PATH or in /usr/bin: install it (scripts/deps.sh installs "
           "redis-server) to run the Redis tests"_s;
}

quint16 RedisServer::freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

bool RedisServer::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

QString RedisServer::url(int db) const
{
    return u"redis://127.0.0.1:%1/%2"_s.arg(m_port).arg(db);
}

bool RedisServer::start(int timeoutMs)
{
    if (isRunning())
        return true;
    const QString exe = executable();
    if (exe.isEmpty()) {
        m_error = unavailableReason();
        return false;
    }
    if (!m_dir) {
        m_dir = std::make_unique<QTemporaryDir>();
        if (!m_dir->isValid()) {
            m_error = u"cannot create a temporary directory"_s;
            return false;
        }
    }
    const bool reusePort = m_port != 0;
    // A free port can be taken between the probe and redis' bind(): retry a few times.
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (!reusePort)
            m_port = freePort();
        if (m_port == 0) {
            m_error = u"no free loopback port"_s;
            return false;
        }
        m_process = std::make_unique<QProcess>();
        m_process->setWorkingDirectory(m_dir->path());
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->start(exe, {u"--save"_s, u""_s, u"--appendonly"_s, u"no"_s, u"--port"_s,
                               QString::number(m_port), u"--bind"_s, u"127.0.0.1"_s,
                               u"--daemonize"_s, u"no"_s, u"--dir"_s, m_dir->path()});
        if (!m_process->waitForStarted(5000)) {
            m_error = u"cannot start %1: %2"_s.arg(exe, m_process->errorString());
            return false;
        }
        const QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
            if (rawCommand("PING", 500).startsWith("+PONG"))
                return true;
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
            QThread::msleep(20);
        }
        const QByteArray out = m_process->readAll();
        m_error = u"redis-server on port %1 did not answer PING: %2"_s.arg(m_port).arg(
            QString::fromLocal8Bit(out.right(500)));
        kill();
        // Port taken: try another (or, for a restart on the same port, wait for it).
        if (reusePort)
            QThread::msleep(200);
    }
    return false;
}

void RedisServer::waitForExit()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning)
        m_process->waitForFinished(10000);
    m_process.reset();
}

void RedisServer::stop()
{
    if (!m_process)
        return;
    resume();
    m_process->terminate();
    waitForExit();
}

void RedisServer::kill()
{
    if (!m_process)
        return;
    m_process->kill();
    waitForExit();
}

void RedisServer::pause()
{
    if (isRunning())
        ::kill(pid_t(m_process->processId()), SIGSTOP);
}

void RedisServer::resume()
{
    if (isRunning())
        ::kill(pid_t(m_process->processId()), SIGCONT);
}

QByteArray RedisServer::rawCommand(const QByteArray &inlineCommand, int timeoutMs) const
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!socket.waitForConnected(timeoutMs))
        return {};
    socket.write(inlineCommand + "\r\n");
    if (!socket.waitForBytesWritten(timeoutMs))
        return {};
    QByteArray answer;
    const QDeadlineTimer deadline(timeoutMs);
    while (!answer.endsWith("\r\n") && !deadline.hasExpired()) {
        if (socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime()))))
            answer += socket.readAll();
        else if (socket.state() != QAbstractSocket::ConnectedState)
            break;
    }
    return answer;
}

} // namespace crewdeck::testsupport
