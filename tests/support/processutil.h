#pragma once
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QTcpServer>

// Small helpers shared by the tests that drive the built executables (tests/e2e,
// tests/cluster). Header-only; main thread.
namespace crewdeck::testsupport {

// A loopback port that was free a moment ago (bind to 0, read it, close).
inline quint16 freePort()
{
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0))
        return 0;
    return s.serverPort();
}

// The test's environment without any CREWDECK_* setting, so that a developer's own settings
// never leak into a server the test starts.
inline QProcessEnvironment cleanEnv()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QStringList keys = env.keys();
    for (const QString &k : keys) {
        if (k.startsWith(QLatin1String("CREWDECK_")))
            env.remove(k);
    }
    return env;
}

// What one run of a program said. exitCode -1: it did not start, crashed, or was killed
// after `timeoutMs`.
struct ProcessResult
{
    int exitCode = -1;
    QByteArray out, err;
};

// Runs `program` with `args` to its end, `stdinData` on its standard input (then closed).
inline ProcessResult runProgram(const QString &program, const QStringList &args,
                                const QByteArray &stdinData = {},
                                const QProcessEnvironment &env = cleanEnv(), int timeoutMs = 60000)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    ProcessResult r;
    if (!p.waitForStarted(10000))
        return r;
    if (!stdinData.isEmpty())
        p.write(stdinData);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// The `seq` of each frame, in order.
inline QList<qint64> seqsOf(const QList<QJsonObject> &events)
{
    QList<qint64> out;
    out.reserve(events.size());
    for (const auto &e : events)
        out.append(e.value(QLatin1String("seq")).toInteger());
    return out;
}

// Live (not zombie) processes on this machine with `arg` as one of their arguments. Processes
// inside a tool sandbox have pids of their own namespace, so tests find them by a unique
// argument instead (e.g. sleep's duration, see uniqueNumber()).
inline int liveProcessesWithArg(const QByteArray &arg)
{
    auto read = [](const QString &path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    int n = 0;
    QDirIterator it(QStringLiteral("/proc"), QDir::Dirs | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        const QString dir = it.next();
        bool ok = false;
        it.fileName().toLongLong(&ok);
        if (!ok)
            continue;
        const QByteArray stat = read(dir + QStringLiteral("/stat"));
        const qsizetype close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.size() || stat.at(close + 2) == 'Z')
            continue;
        if (read(dir + QStringLiteral("/cmdline")).split('\0').contains(arg))
            ++n;
    }
    return n;
}

// A number no other process on the machine is likely to have as an argument.
inline QByteArray uniqueNumber()
{
    return QByteArray::number(800000 + QRandomGenerator::global()->bounded(199999));
}

} // namespace crewdeck::testsupport
