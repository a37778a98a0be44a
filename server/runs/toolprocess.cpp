#include "server/runs/toolprocess.h"
#include "server/runs/outputframer.h"
#include "server/runs/processtree.h"
#include "shared/logging.h"
#include "shared/types.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QThread>

#include <cerrno>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#endif
#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {

constexpr int kCleanupTickMs = 20;
constexpr int kCleanupLimitMs = 5000; // give up waiting for unkillable processes (D state)
constexpr qsizetype kReadChunk = 64 * 1024;

#ifdef Q_OS_UNIX
constexpr int kTerm = SIGTERM;
constexpr int kKill = SIGKILL;
#else
constexpr int kTerm = 15;
constexpr int kKill = 9;
#endif

// What the child applies between fork and exec; plain values only.
struct ChildSetup
{
    qint64 parent = 0;
    rlim_t nproc = 0; // 0: leave as is
    rlim_t nofile = 1024;
    rlim_t fsize = RLIM_INFINITY;
    rlim_t cpu = RLIM_INFINITY;
    rlim_t as = RLIM_INFINITY;
};

#ifdef Q_OS_UNIX
void lowerLimit(int resource, rlim_t value)
{
    struct rlimit lim;
    if (::getrlimit(resource, &lim) != 0)
        return;
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < value)
        value = lim.rlim_max;
    lim.rlim_cur = value;
    lim.rlim_max = value;
    ::setrlimit(resource, &lim);
}

// Runs in the child between fork and exec: async-signal-safe calls only.
void setupChild(const ChildSetup &s)
{
    ::setsid(); // own session and process group: the whole tree can be signalled at once
#ifdef Q_OS_LINUX
    ::prctl(PR_SET_PDEATHSIG, SIGKILL); // a crashed server takes its tools with it
    if (::getppid() != static_cast<pid_t>(s.parent))
        ::_exit(127); // the server died before prctl took effect
#endif
    // Files a sandboxed tool creates are its own business; the server's umask (077) would
    // make them unreadable to a later step running under another tool.
    ::umask(022);
    lowerLimit(RLIMIT_CORE, 0);
    lowerLimit(RLIMIT_NOFILE, s.nofile);
    lowerLimit(RLIMIT_FSIZE, s.fsize);
    lowerLimit(RLIMIT_CPU, s.cpu);
    lowerLimit(RLIMIT_AS, s.as);
    if (s.nproc > 0)
        lowerLimit(RLIMIT_NPROC, s.nproc);
    // No server descriptor (database, sockets, secret files) may survive exec.
    bool done = false;
#if defined(Q_OS_LINUX) && defined(SYS_close_range)
    constexpr unsigned int closeRangeCloexec = 1U << 2; // CLOSE_RANGE_CLOEXEC
    done = ::syscall(SYS_close_range, 3U, ~0U, closeRangeCloexec) == 0;
#endif
    if (!done) {
        for (int fd = 3; fd < 65536; ++fd) {
            const int flags = ::fcntl(fd, F_GETFD);
            if (flags >= 0 && !(flags & FD_CLOEXEC))
                ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
        }
    }
}

// Threads of this process: without a user namespace of root's, the process limit counts the
// server's own threads too (same uid), so the tool's allowance comes on top of them.
rlim_t ownThreads()
{
    QFile f(u"/proc/self/status"_s);
    if (!f.open(QIODevice::ReadOnly))
        return 64;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("Threads:"))
            return line.mid(8).trimmed().toULongLong();
    }
    return 64;
}
#endif

// Where a host path inside the workspace appears to a sandboxed tool.
QString insidePath(const QString &workspace, const QString &hostPath)
{
    const QString rel = QDir(workspace).relativeFilePath(hostPath);
    return rel.isEmpty() || rel == u"."_s ? Sandbox::insideWorkspace()
                                          : Sandbox::insideWorkspace() + u'/' + rel;
}

} // namespace

QString ToolProcess::ownerTagFor(const QString &workspaceRoot)
{
    const QByteArray path = QDir::cleanPath(QDir(workspaceRoot).absolutePath()).toUtf8();
    return QString::fromLatin1(
        QCryptographicHash::hash(path, QCryptographicHash::Sha256).toHex().left(16));
}

int ToolProcess::killLeftovers(const QString &ownerTag)
{
    if (ownerTag.isEmpty())
        return 0;
    return proctree::killMarked((markerVariable() + u'=' + ownerTag + u'-').toUtf8());
}

QString ToolProcess::markerVariable()
{
    return u"CD_TOOL_CALL_MARK"_s;
}

QProcessEnvironment ToolProcess::scrubbedEnvironment(const QString &home, const QString &tmp,
                                                     const QString &marker)
{
    // Allow-list only: nothing else of the server's environment (CREWDECK_*, secrets, tokens)
    // reaches a tool.
    const QProcessEnvironment server = QProcessEnvironment::systemEnvironment();
    QProcessEnvironment env;
    const QString path = server.value(u"PATH"_s);
    env.insert(u"PATH"_s, path.isEmpty() ? u"/usr/local/bin:/usr/bin:/bin"_s : path);
    env.insert(u"HOME"_s, home);
    const QString lang = server.value(u"LANG"_s);
    env.insert(u"LANG"_s, lang.isEmpty() ? u"C.UTF-8"_s : lang);
    const QString lcAll = server.value(u"LC_ALL"_s);
    env.insert(u"LC_ALL"_s, lcAll.isEmpty() ? u"C.UTF-8"_s : lcAll);
    env.insert(u"TMPDIR"_s, tmp);
    env.insert(u"TERM"_s, u"dumb"_s);
    env.insert(u"PYTHONUNBUFFERED"_s, u"1"_s);
    env.insert(u"PYTHONDONTWRITEBYTECODE"_s, u"1"_s);
    env.insert(u"GIT_TERMINAL_PROMPT"_s, u"0"_s);
    env.insert(u"GIT_CONFIG_NOSYSTEM"_s, u"1"_s);
    if (!marker.isEmpty())
        env.insert(markerVariable(), marker);
    return env;
}

ToolProcess::ToolProcess(const ToolCommand &command, const QString &workspace,
                         const ToolProcessOptions &options, QObject *parent)
    : QObject(parent), m_command(command), m_workspace(QDir::cleanPath(workspace)),
      m_options(options)
{
    if (!isSandboxed()) {
        const quint64 a = QRandomGenerator::system()->generate64();
        const quint64 b = QRandomGenerator::system()->generate64();
        m_marker = QString::number(a, 16).rightJustified(16, u'0') +
                   QString::number(b, 16).rightJustified(16, u'0');
        if (!m_options.ownerTag.isEmpty())
            m_marker = m_options.ownerTag + u'-' + m_marker;
    }
    m_framer = new OutputFramer(m_options.outputCapBytes, m_options.coalesceMs, this);
    connect(m_framer, &OutputFramer::output, this, &ToolProcess::output);
    connect(m_framer, &OutputFramer::progress, this, &ToolProcess::progress);
    connect(m_framer, &OutputFramer::tokens, this, &ToolProcess::tokens);

    m_graceTimer.setSingleShot(true);
    connect(&m_graceTimer, &QTimer::timeout, this, [this] {
        if (m_state == State::Stopping)
            signalTree(kKill);
    });
    m_cleanupTimer.setInterval(kCleanupTickMs);
    connect(&m_cleanupTimer, &QTimer::timeout, this, [this] {
        if (cleanupTick() || m_cleanupClock.elapsed() > kCleanupLimitMs) {
            if (!m_tracked.isEmpty())
                qCWarning(lcRuns) << "tool processes still alive after SIGKILL:"
                                  << m_tracked.values();
            finish();
        }
    });
}

ToolProcess::~ToolProcess()
{
    if (m_process) {
        m_process->disconnect(this);
        const bool live = m_state != State::Finished && m_state != State::Idle;
        if (live) {
            signalTree(kKill);
            cleanupTick();
        }
        // ~QProcess kills and waits for the main process if it is still there.
        delete m_process;
        m_process = nullptr;
        if (live) {
            // No event loop from here on: wait (bounded) until the tree is dead and our
            // zombies are reaped. Happens only when an owner tears down a running tool.
            QElapsedTimer waited;
            waited.start();
            while (!cleanupTick() && waited.elapsed() < 2000)
                QThread::msleep(5);
        }
    }
    if (m_pid > 0)
        proctree::unregisterChild(m_pid);
}

void ToolProcess::failBeforeStart(const QString &message)
{
    m_outcome.status = CallState::Failed;
    m_outcome.message = message;
    m_outcomeKnown = true;
    m_state = State::Cleaning;
    QMetaObject::invokeMethod(this, &ToolProcess::finish, Qt::QueuedConnection);
}

void ToolProcess::start()
{
    if (m_state != State::Idle)
        return;
    proctree::enableChildSubreaper();
    m_clock.start();
    m_state = State::Running;
    const bool sandboxed = isSandboxed();

    // A program that does not exist fails here, with the same words in both modes (inside a
    // sandbox bwrap would only say "execvp" with exit 1).
    const QString found =
        QDir::isAbsolutePath(m_command.program)
            ? (QFileInfo(m_command.program).isExecutable() ? m_command.program : QString())
            : QStandardPaths::findExecutable(m_command.program);
    if (found.isEmpty()) {
        failBeforeStart(u"failed to start: %1: no such program"_s.arg(m_command.program));
        return;
    }

    if (m_command.createTmpDir && !sandboxed) {
        const QString tmp = QDir(m_workspace).filePath(u".tmp"_s);
        QDir().mkpath(tmp);
        // Keep the scratch directory out of `git status` of a cloned repository.
        const QString exclude = QDir(m_workspace).filePath(u".git/info/exclude"_s);
        if (QFileInfo(exclude).dir().exists()) {
            QFile f(exclude);
            if (f.open(QIODevice::ReadWrite)) {
                const QByteArray current = f.readAll();
                if (!current.contains("/.tmp/")) {
                    f.seek(f.size());
                    f.write(current.isEmpty() || current.endsWith('\n') ? "/.tmp/\n"
                                                                        : "\n/.tmp/\n");
                }
            }
        }
    }

    const QString workDir =
        m_command.workingDirectory.isEmpty() ? m_workspace : m_command.workingDirectory;
    m_process = new QProcess(this);
    if (sandboxed) {
        SandboxCall call;
        call.program = m_command.program;
        call.arguments = m_command.arguments;
        call.workspace = m_workspace;
        call.readOnlyMounts = m_command.readOnlyMounts;
        call.uid = m_options.uid;
        SandboxCommand wrapped = m_options.sandbox->wrap(call);
        if (workDir != m_workspace) {
            // --chdir /workspace -> the step's directory inside it.
            const qsizetype at = wrapped.arguments.indexOf(u"--chdir"_s);
            if (at >= 0 && at + 1 < wrapped.arguments.size())
                wrapped.arguments[at + 1] = insidePath(m_workspace, workDir);
        }
        m_process->setProgram(wrapped.program);
        m_process->setArguments(wrapped.arguments);
        m_process->setWorkingDirectory(QDir::rootPath());
        m_process->setProcessEnvironment(
            scrubbedEnvironment(Sandbox::insideWorkspace(), u"/tmp"_s));
    } else {
        m_process->setProgram(m_command.program);
        m_process->setArguments(m_command.arguments);
        m_process->setWorkingDirectory(workDir);
        m_process->setProcessEnvironment(
            scrubbedEnvironment(m_workspace, QDir(m_workspace).filePath(u".tmp"_s), m_marker));
    }
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardInputFile(QProcess::nullDevice());
#ifdef Q_OS_UNIX
    ChildSetup setup;
    setup.parent = QCoreApplication::applicationPid();
    const ToolLimits &l = m_options.limits;
    setup.nofile = rlim_t(qMax(16, l.maxOpenFiles));
    setup.fsize = rlim_t(qMax<qint64>(1, l.maxFileSizeMb)) * 1024 * 1024;
    setup.cpu = rlim_t(qMax(1, l.cpuSeconds));
    setup.as = rlim_t(qMax<qint64>(64, l.memoryMb)) * 1024 * 1024;
    // The process count only means something when the tool has a uid of its own (root) or
    // shares ours inside a sandbox; unsandboxed it would count the server's threads.
    if (sandboxed)
        setup.nproc = rlim_t(qMax(8, l.maxProcesses)) + (m_options.uid ? 0 : ownThreads());
    m_process->setChildProcessModifier([setup] { setupChild(setup); });
#endif
    connect(m_process, &QProcess::readyReadStandardOutput, this, &ToolProcess::onReadyRead);
    connect(m_process, &QProcess::finished, this, &ToolProcess::onProcessFinished);
    connect(m_process, &QProcess::errorOccurred, this, &ToolProcess::onErrorOccurred);
    connect(m_process, &QProcess::started, this, [this] {
        if (m_state == State::Running || m_state == State::Stopping)
            Q_EMIT started();
        if (isSandboxed())
            watchForSandboxInit(0);
    });
    m_process->start();
    m_pid = m_process->processId();
    if (m_pid > 0)
        proctree::registerChild(m_pid);
    qCDebug(lcRuns) << "tool started" << m_command.program << "pid" << m_pid
                    << (sandboxed ? "sandboxed" : "UNSANDBOXED");
}

void ToolProcess::cancel()
{
    requestStop(CallState::Cancelled);
}

void ToolProcess::timeout()
{
    requestStop(CallState::Timeout);
}

void ToolProcess::requestStop(const QString &status)
{
    if (m_state == State::Idle) {
        // Never started: finish right away (asynchronously, like every other path).
        m_state = State::Cleaning;
        m_clock.start();
        m_stopStatus = status;
        m_outcome.status = status;
        m_outcomeKnown = true;
        QMetaObject::invokeMethod(this, &ToolProcess::finish, Qt::QueuedConnection);
        return;
    }
    if (m_state != State::Running)
        return;
    m_state = State::Stopping;
    m_stopStatus = status;
    signalTree(kTerm);
#ifndef Q_OS_UNIX
    if (m_process)
        m_process->kill();
#endif
    m_graceTimer.start(qMax(0, m_options.graceMs));
}

void ToolProcess::signalTree(int sig)
{
    if (isSandboxed())
        signalSandbox(sig);
    else
        signalGroupAndMarked(sig);
}

// The sandbox's init is bwrap's child; its pid namespace holds every process of the tool.
void ToolProcess::findSandboxInit()
{
    if (m_initPid > 0 || m_pid <= 0)
        return;
    // bwrap has one child: the init of the new pid namespace.
    const QByteArray pid = QByteArray::number(m_pid);
    QFile children(QString::fromLatin1("/proc/" + pid + "/task/" + pid + "/children"));
    if (!children.open(QIODevice::ReadOnly))
        return;
    const QByteArray first = children.readAll().trimmed().split(' ').value(0);
    const qint64 init = first.toLongLong();
    if (init <= 0)
        return;
    const QByteArray ns = proctree::pidNamespace(init);
    if (!ns.isEmpty() && ns != proctree::pidNamespace(m_pid)) {
        m_initPid = init;
        m_pidNs = ns;
    }
}

// The namespace appears a few milliseconds after bwrap starts: look again a few times.
void ToolProcess::watchForSandboxInit(int attempt)
{
    if (m_state != State::Running && m_state != State::Stopping)
        return;
    findSandboxInit();
    if (m_initPid == 0 && attempt < 50)
        QTimer::singleShot(2, this, [this, attempt] { watchForSandboxInit(attempt + 1); });
}

void ToolProcess::signalSandbox(int sig)
{
#ifdef Q_OS_UNIX
    const bool outerAlive = m_process && m_process->state() != QProcess::NotRunning && m_pid > 0;
    if (outerAlive)
        findSandboxInit();
    if (sig == kKill) {
        // The init's death ends the namespace; bwrap's death ends the init (--die-with-parent).
        if (m_initPid > 0 && ::kill(static_cast<pid_t>(m_initPid), SIGKILL) == 0)
            m_tracked.insert(m_initPid);
        if (outerAlive)
            ::kill(static_cast<pid_t>(m_pid), SIGKILL);
        return;
    }
    if (m_pidNs.isEmpty()) {
        // The sandbox is not up yet: nothing inside to ask nicely.
        if (outerAlive)
            ::kill(static_cast<pid_t>(m_pid), SIGKILL);
        return;
    }
    // Ask every process of the tool (not the init, which would take all down at once).
    for (qint64 pid : proctree::allPids()) {
        if (pid != m_initPid && proctree::pidNamespace(pid) == m_pidNs)
            ::kill(static_cast<pid_t>(pid), sig);
    }
#else
    Q_UNUSED(sig);
#endif
}

// bwrap's outer process exits as soon as the tool's main process has, while the namespace's
// init may still be killing the rest: the init then re-parents to us (the subreaper). The
// sandbox is gone when no process of its namespace is left and no such orphaned init is still
// alive (an init becomes a zombie only once its namespace is empty). Orphaned inits of other
// tools count too: waiting for one that is dying anyway costs nothing, and it gets reaped.
bool ToolProcess::sandboxGone()
{
    const qint64 self = QCoreApplication::applicationPid();
    bool busy = false;
    for (qint64 pid : proctree::allPids()) {
        const auto st = proctree::readStat(pid);
        if (!st || pid == self)
            continue;
        // An orphaned sandbox init (bwrap's child, still named bwrap): never a process QProcess
        // owns, so it is ours to reap.
        if (st->ppid == self && st->comm == "bwrap" && !proctree::isOwnedChild(pid)) {
            if (st->isDead() ? !proctree::reapIfOurZombie(pid, *st) : true)
                busy = true;
            continue;
        }
        if (m_pidNs.isEmpty() || st->isDead() || proctree::pidNamespace(pid) != m_pidNs)
            continue;
#ifdef Q_OS_UNIX
        ::kill(static_cast<pid_t>(pid), SIGKILL);
#endif
        busy = true;
    }
    if (!busy)
        m_tracked.clear();
    return !busy;
}

void ToolProcess::signalGroupAndMarked(int sig)
{
    const bool mainAlive = m_process && m_process->state() != QProcess::NotRunning && m_pid > 0;
    proctree::signalGroupAndMarked(m_pid, mainAlive, (markerVariable() + u'=' + m_marker).toUtf8(),
                                   sig, m_tracked);
}

bool ToolProcess::groupAndMarkedGone()
{
    return proctree::reapGroupAndMarked(m_pid, (markerVariable() + u'=' + m_marker).toUtf8(),
                                        m_tracked);
}

void ToolProcess::onErrorOccurred(QProcess::ProcessError error)
{
    if (error != QProcess::FailedToStart || m_state == State::Cleaning ||
        m_state == State::Finished)
        return;
    m_graceTimer.stop();
    m_outcome.status = m_stopStatus.isEmpty() ? CallState::Failed : m_stopStatus;
    m_outcome.exitCode = std::nullopt;
    m_outcome.message =
        u"failed to start: %1"_s.arg(m_process ? m_process->errorString() : QString());
    m_outcomeKnown = true;
    if (m_pid > 0)
        proctree::unregisterChild(m_pid);
    m_state = State::Cleaning;
    // May be emitted from inside start(): finished() must come later.
    QMetaObject::invokeMethod(this, &ToolProcess::beginCleanup, Qt::QueuedConnection);
}

void ToolProcess::onReadyRead()
{
    if (!m_process || m_state == State::Finished)
        return;
    // QProcess reads at most one pipe buffer per notification, so this loop is bounded and a
    // tool that prints without end cannot starve the event loop.
    char buf[kReadChunk];
    while (m_process->bytesAvailable() > 0) {
        const qint64 n = m_process->read(buf, sizeof buf);
        if (n <= 0)
            break;
        m_framer->consume(buf, n);
    }
}

void ToolProcess::onProcessFinished(int exitCode, QProcess::ExitStatus status)
{
    if (m_state != State::Running && m_state != State::Stopping)
        return;
    onReadyRead(); // what is left in the pipe
    m_graceTimer.stop();
    if (m_pid > 0)
        proctree::unregisterChild(m_pid);
    if (!m_stopStatus.isEmpty()) {
        m_outcome.status = m_stopStatus;
        m_outcome.exitCode = std::nullopt;
    } else if (status == QProcess::NormalExit) {
        // Sandboxed, bwrap passes the tool's status on (128 + signal for a killed tool).
        m_outcome.status = exitCode == 0 ? CallState::Success : CallState::Failed;
        m_outcome.exitCode = exitCode;
    } else {
        // Killed by a signal: QProcess reports the signal number as the exit code.
        m_outcome.status = CallState::Failed;
        m_outcome.exitCode = 128 + exitCode;
        m_outcome.message = u"killed by signal %1"_s.arg(exitCode);
    }
    m_outcomeKnown = true;
    m_state = State::Cleaning;
    beginCleanup();
}

void ToolProcess::beginCleanup()
{
    if (m_state == State::Finished)
        return;
    m_state = State::Cleaning;
    // A tool leaves nothing behind.
    signalTree(kKill);
    m_cleanupClock.start();
    if (cleanupTick()) {
        finish();
        return;
    }
    m_cleanupTimer.start();
}

bool ToolProcess::cleanupTick()
{
    return isSandboxed() ? sandboxGone() : groupAndMarkedGone();
}

void ToolProcess::finish()
{
    if (m_state == State::Finished)
        return;
    m_cleanupTimer.stop();
    m_graceTimer.stop();
    m_framer->finish(); // the last (unterminated) line is delivered before finished()
    if (!m_outcomeKnown) {
        m_outcome.status = m_stopStatus.isEmpty() ? CallState::Failed : m_stopStatus;
        m_outcome.exitCode = std::nullopt;
    }
    m_outcome.durationMs = m_clock.isValid() ? m_clock.elapsed() : 0;
    m_outcome.outputTail = m_framer->tail();
    m_state = State::Finished;
    qCDebug(lcRuns) << "tool finished" << m_command.program << m_outcome.status
                    << m_outcome.exitCode.value_or(-1);
    Q_EMIT finished(m_outcome);
}

} // namespace crewdeck::server
