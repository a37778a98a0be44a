#pragma once
#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <memory>

// Test support: a real redis-server child process on a free loopback port, with persistence
// off, in its own temporary directory. Lives on the test's main thread; start()/restart()
// block (spinning a local event loop) until the server answers PING.
//
//   crewdeck::testsupport::RedisServer redis;
//   if (!RedisServer::isAvailable())
//       QSKIP(qPrintable(RedisServer::unavailableReason()));
//   QVERIFY2(redis.start(), qPrintable(redis.errorString()));
//   RedisConnection conn(redis.url());
namespace crewdeck::testsupport {

class RedisServer
{
public:
    RedisServer();
    ~RedisServer(); // kills the server

    // Path of redis-server (PATH, then /usr/bin), or empty.
    static QString executable();
    static bool isAvailable() { return !executable().isEmpty(); }
    static QString unavailableReason();

    // Starts on a free port (or on port() again after a stop), waits until PING answers.
    bool start(int timeoutMs = 10000);
    void stop(); // SIGTERM, wait for exit
    void kill(); // SIGKILL, wait for exit
    bool restart(int timeoutMs = 10000)
    {
        stop();
        return start(timeoutMs);
    }
    // SIGSTOP / SIGCONT: the server keeps its sockets open but stops answering (half-open).
    void pause();
    void resume();

    bool isRunning() const;
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_process ? m_process->processId() : -1; }
    QString url(int db = 0) const;
    QString errorString() const { return m_error; }

    // One synchronous command over a fresh raw socket (inline command syntax, so no spaces
    // inside arguments); returns the raw RESP answer or empty on failure. Test helper.
    QByteArray rawCommand(const QByteArray &inlineCommand, int timeoutMs = 5000) const;

private:
    static quint16 freePort();
    void waitForExit();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QString m_error;
};

} // namespace crewdeck::testsupport
