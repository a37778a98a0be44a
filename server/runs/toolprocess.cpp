#include "server/runs/toolprocess.h"
#include "shared/logging.h"
#include "shared/types.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QMutexLocker>
#include <QRandomGenerator>
#include <QThread>

#include <cerrno>
#include <cstring>
#include <utility>

#ifdef Q_OS_UNIX
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
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

// Largest line: "…[truncated]\n" + line must still fit one output event.
qsizetype maxLineBytes()
{
    return ToolProcess::MaxEventBytes - (ToolProcess::truncatedMarker().size() + 1);
}

// Cuts `bytes` to at most `n` bytes without splitting a UTF-8 sequence.
void chopToUtf8Boundary(QByteArray &bytes, qsizetype n)
{
    if (bytes.size() <= n)
        return;
    while (n > 0 && (static_cast<unsigned char>(bytes.at(n)) & 0xC0) == 0x80)
        --n;
    bytes.truncate(n);
}

bool allDigits(const QByteArray &s, int maxLen)
{
    if (s.isEmpty() || s.size() > maxLen)
        return false;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

bool isBlank(char c) { return c == ' ' || c == '\t'; }

// Pids of the direct children QProcess currently owns (forkfd reaps them). Orphans adopted
// through the subreaper are reaped by us, but never one of these.
QMutex g_registryMutex;
QSet<qint64> &ownedChildren()
{
    static QSet<qint64> set;
    return set;
}
void registerChild(qint64 pid)
{
    QMutexLocker lock(&g_registryMutex);
    ownedChildren().insert(pid);
}
void unregisterChild(qint64 pid)
{
    QMutexLocker lock(&g_registryMutex);
    ownedChildren().remove(pid);
}
[[maybe_unused]] bool isOwnedChild(qint64 pid)
{
    QMutexLocker lock(&g_registryMutex);
    return ownedChildren().contains(pid);
}

#ifdef Q_OS_UNIX
// Runs in the child between fork and exec: async-signal-safe calls only.
void setupChild(pid_t parent)
{
    ::setsid(); // own session and process group: the whole tree can be signalled at once
#ifdef Q_OS_LINUX
    ::prctl(PR_SET_PDEATHSIG, SIGKILL); // a crashed server takes its tools with it
    if (::getppid() != parent)
        ::_exit(127); // the server died before prctl took effect
#else
    (void)parent;
#endif
    struct rlimit core = {0, 0};
    ::setrlimit(RLIMIT_CORE, &core);
    struct rlimit nofile;
    rlim_t oldSoft = 1024;
    if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
        oldSoft = nofile.rlim_cur;
        const rlim_t limit = 1024;
        if (nofile.rlim_max == RLIM_INFINITY || nofile.rlim_max > limit) {
            nofile.rlim_cur = limit;
            nofile.rlim_max = limit;
            ::setrlimit(RLIMIT_NOFILE, &nofile);
        }
    }
    // No server descriptor (database, sockets, secret files) may survive exec.
    bool done = false;
#if defined(Q_OS_LINUX) && defined(SYS_close_range)
    constexpr unsigned int closeRangeCloexec = 1U << 2; // CLOSE_RANGE_CLOEXEC
    done = ::syscall(SYS_close_range, 3U, ~0U, closeRangeCloexec) == 0;
#endif
    if (!done) {
        const int top = oldSoft == RLIM_INFINITY || oldSoft > 65536 ? 65536 : static_cast<int>(oldSoft);
        for (int fd = 3; fd < top; ++fd) {
            const int flags = ::fcntl(fd, F_GETFD);
            if (flags >= 0 && !(flags & FD_CLOEXEC))
                ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
        }
    }
}
#endif

#ifdef Q_OS_LINUX
struct ProcStat
{
    char state = '?';
    qint64 ppid = 0;
    qint64 pgrp = 0;
    quint64 startTime = 0;
};

QByteArray readSmallFile(const QByteArray &path, qsizetype limit)
{
    QByteArray out;
    const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return out;
    char buf[16384];
    while (out.size() < limit) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buf, n);
    }
    ::close(fd);
    return out;
}

std::optional<ProcStat> readStat(qint64 pid)
{
    const QByteArray text = readSmallFile("/proc/" + QByteArray::number(pid) + "/stat", 4096);
    const qsizetype close = text.lastIndexOf(')');
    if (close < 0)
        return std::nullopt;
    const QList<QByteArray> f = text.mid(close + 2).split(' ');
    if (f.size() < 20 || f.at(0).isEmpty())
        return std::nullopt;
    ProcStat s;
    s.state = f.at(0).at(0);
    s.ppid = f.at(1).toLongLong();
    s.pgrp = f.at(2).toLongLong();
    s.startTime = f.at(19).toULongLong();
    return s;
}

bool environHasMarker(qint64 pid, const QByteArray &needle)
{
    // Same-uid processes only; others fail to open, which is fine: ours run as our uid.
    const QByteArray env = readSmallFile("/proc/" + QByteArray::number(pid) + "/environ", 1024 * 1024);
    return !env.isEmpty() && env.contains(needle);
}

QList<qint64> allPids()
{
    QList<qint64> pids;
    DIR *dir = ::opendir("/proc");
    if (!dir)
        return pids;
    while (dirent *e = ::readdir(dir)) {
        const char *name = e->d_name;
        if (name[0] < '1' || name[0] > '9')
            continue;
        bool ok = false;
        const qint64 pid = QByteArray(name).toLongLong(&ok);
        if (ok)
            pids << pid;
    }
    ::closedir(dir);
    return pids;
}

// Reaps `pid` if it is an exited child of ours that QProcess does not own.
bool reapIfOurZombie(qint64 pid, const ProcStat &st, qint64 self)
{
    if (st.ppid != self || isOwnedChild(pid))
        return false;
    int status = 0;
    return ::waitpid(static_cast<pid_t>(pid), &status, WNOHANG) == pid;
}
#endif

} // namespace

QByteArray ToolProcess::truncatedMarker()
{
    return QByteArrayLiteral("\xE2\x80\xA6[truncated]");
}

QString ToolProcess::ownerTagFor(const QString &workspaceRoot)
{
    const QByteArray path = QDir::cleanPath(QDir(workspaceRoot).absolutePath()).toUtf8();
    return QString::fromLatin1(QCryptographicHash::hash(path, QCryptographicHash::Sha256).toHex().left(16));
}

int ToolProcess::killLeftovers(const QString &ownerTag)
{
    int killed = 0;
#ifdef Q_OS_LINUX
    if (ownerTag.isEmpty())
        return 0;
    const QByteArray needle = (markerVariable() + u'=' + ownerTag + u'-').toUtf8();
    const qint64 self = ::getpid();
    for (qint64 pid : allPids()) {
        if (pid == self)
            continue;
        const auto st = readStat(pid);
        if (!st || st->state == 'Z' || st->state == 'X')
            continue;
        if (environHasMarker(pid, needle) && ::kill(static_cast<pid_t>(pid), SIGKILL) == 0)
            ++killed;
    }
#else
    Q_UNUSED(ownerTag);
#endif
    return killed;
}

QString ToolProcess::markerVariable()
{
    return u"CD_TOOL_CALL_MARK"_s;
}

void ToolProcess::enableChildSubreaper()
{
#ifdef Q_OS_LINUX
    static const bool enabled = [] {
        if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
            qCWarning(lcRuns) << "PR_SET_CHILD_SUBREAPER failed:" << std::strerror(errno);
            return false;
        }
        return true;
    }();
    Q_UNUSED(enabled);
#endif
}

QProcessEnvironment ToolProcess::scrubbedEnvironment(const QString &workspace, const QString &marker)
{
    // Allow-list only: nothing else of the server's environment (CREWDECK_*, secrets, tokens)
    // reaches a tool.
    const QProcessEnvironment server = QProcessEnvironment::systemEnvironment();
    QProcessEnvironment env;
    const QString path = server.value(u"PATH"_s);
    env.insert(u"PATH"_s, path.isEmpty() ? u"/usr/local/bin:/usr/bin:/bin"_s : path);
    env.insert(u"HOME"_s, workspace);
    const QString lang = server.value(u"LANG"_s);
    env.insert(u"LANG"_s, lang.isEmpty() ? u"C.UTF-8"_s : lang);
    const QString lcAll = server.value(u"LC_ALL"_s);
    env.insert(u"LC_ALL"_s, lcAll.isEmpty() ? u"C.UTF-8"_s : lcAll);
    env.insert(u"TMPDIR"_s, QDir(workspace).filePath(u".tmp"_s));
    env.insert(u"TERM"_s, u"dumb"_s);
    env.insert(u"PYTHONUNBUFFERED"_s, u"1"_s);
    env.insert(u"PYTHONDONTWRITEBYTECODE"_s, u"1"_s);
    env.insert(u"GIT_TERMINAL_PROMPT"_s, u"0"_s);
    env.insert(u"GIT_CONFIG_NOSYSTEM"_s, u"1"_s);
    env.insert(markerVariable(), marker);
    return env;
}

ToolProcess::ToolProcess(const ToolCommand &command, const QString &workspace,
                         const ToolProcessOptions &options, QObject *parent)
    : QObject(parent)
    , m_command(command)
    , m_workspace(QDir::cleanPath(workspace))
    , m_options(options)
{
    const quint64 a = QRandomGenerator::system()->generate64();
    const quint64 b = QRandomGenerator::system()->generate64();
    m_marker = QString::number(a, 16).rightJustified(16, u'0') + QString::number(b, 16).rightJustified(16, u'0');
    if (!m_options.ownerTag.isEmpty())
        m_marker = m_options.ownerTag + u'-' + m_marker;

    m_coalesceTimer.setSingleShot(true);
    m_coalesceTimer.setInterval(qMax(1, m_options.coalesceMs));
    connect(&m_coalesceTimer, &QTimer::timeout, this, &ToolProcess::flushPending);
    m_graceTimer.setSingleShot(true);
    connect(&m_graceTimer, &QTimer::timeout, this, &ToolProcess::onGraceExpired);
    m_cleanupTimer.setInterval(kCleanupTickMs);
    connect(&m_cleanupTimer, &QTimer::timeout, this, [this] {
        if (cleanupTick() || m_cleanupClock.elapsed() > kCleanupLimitMs) {
            if (!m_tracked.isEmpty())
                qCWarning(lcRuns) << "tool processes still alive after SIGKILL:" << m_tracked.values();
            finish();
        }
    });
}

ToolProcess::~ToolProcess()
{
    if (m_process) {
        m_process->disconnect(this);
        if (m_state != State::Finished && m_state != State::Idle) {
            signalTree(
#ifdef Q_OS_UNIX
                SIGKILL
#else
                9
#endif
            );
            cleanupTick();
        }
        // ~QProcess kills and waits for the main process if it is still there.
        delete m_process;
        m_process = nullptr;
        if (m_state != State::Finished && m_state != State::Idle) {
            // No event loop from here on: wait (bounded) until the tree is dead and our
            // zombies are reaped. Happens only when an owner tears down a running tool.
            QElapsedTimer waited;
            waited.start();
            while (!cleanupTick() && waited.elapsed() < 2000)
                QThread::msleep(5);
        }
    }
    if (m_pid > 0)
        unregisterChild(m_pid);
}

void ToolProcess::start()
{
    if (m_state != State::Idle)
        return;
    enableChildSubreaper();
    m_clock.start();
    m_state = State::Running;

    if (m_command.createTmpDir) {
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
                    f.write(current.isEmpty() || current.endsWith('\n') ? "/.tmp/\n" : "\n/.tmp/\n");
                }
            }
        }
    }

    m_process = new QProcess(this);
    m_process->setProgram(m_command.program);
    m_process->setArguments(m_command.arguments);
    m_process->setWorkingDirectory(m_command.workingDirectory.isEmpty() ? m_workspace
                                                                          : m_command.workingDirectory);
    m_process->setProcessEnvironment(scrubbedEnvironment(m_workspace, m_marker));
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardInputFile(QProcess::nullDevice());
#ifdef Q_OS_UNIX
    const pid_t parent = ::getpid();
    m_process->setChildProcessModifier([parent] { setupChild(parent); });
#endif
    connect(m_process, &QProcess::readyReadStandardOutput, this, &ToolProcess::onReadyRead);
    connect(m_process, &QProcess::finished, this, &ToolProcess::onProcessFinished);
    connect(m_process, &QProcess::errorOccurred, this, &ToolProcess::onErrorOccurred);
    connect(m_process, &QProcess::started, this, [this] {
        if (m_state == State::Running || m_state == State::Stopping)
            Q_EMIT started();
    });
    m_process->start();
    m_pid = m_process->processId();
    if (m_pid > 0)
        registerChild(m_pid);
    qCDebug(lcRuns) << "tool started" << m_command.program << "pid" << m_pid;
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
    signalTree(
#ifdef Q_OS_UNIX
        SIGTERM
#else
        15
#endif
    );
#ifndef Q_OS_UNIX
    if (m_process)
        m_process->kill();
#endif
    m_graceTimer.start(qMax(0, m_options.graceMs));
}

void ToolProcess::onGraceExpired()
{
    if (m_state != State::Stopping)
        return;
#ifdef Q_OS_UNIX
    signalTree(SIGKILL);
#else
    if (m_process)
        m_process->kill();
#endif
}

void ToolProcess::signalTree(int sig)
{
#ifdef Q_OS_UNIX
    const bool mainAlive = m_process && m_process->state() != QProcess::NotRunning && m_pid > 0;
    if (mainAlive) {
        // While the main process is unreaped its pid (= our pgid) cannot be reused, so the
        // group signal reaches only our tree. kill() covers the moment before setsid().
        ::killpg(static_cast<pid_t>(m_pid), sig);
        ::kill(static_cast<pid_t>(m_pid), sig);
    }
#ifdef Q_OS_LINUX
    // Escapees that left the group (setsid) and group members after the main exit.
    const QByteArray needle = (markerVariable() + u'=' + m_marker).toUtf8();
    const qint64 self = ::getpid();
    for (qint64 pid : allPids()) {
        if (pid == self || (mainAlive && pid == m_pid))
            continue;
        const auto st = readStat(pid);
        if (!st || st->state == 'Z' || st->state == 'X')
            continue;
        if ((m_pid > 0 && st->pgrp == m_pid) || environHasMarker(pid, needle)) {
            ::kill(static_cast<pid_t>(pid), sig);
            if (sig == SIGKILL)
                m_tracked.insert(pid);
        }
    }
#endif
#else
    Q_UNUSED(sig);
#endif
}

void ToolProcess::onErrorOccurred(QProcess::ProcessError error)
{
    if (error != QProcess::FailedToStart || m_state == State::Cleaning || m_state == State::Finished)
        return;
    m_graceTimer.stop();
    m_outcome.status = m_stopStatus.isEmpty() ? CallState::Failed : m_stopStatus;
    m_outcome.exitCode = std::nullopt;
    m_outcome.message = u"failed to start: %1"_s.arg(m_process ? m_process->errorString() : QString());
    m_outcomeKnown = true;
    if (m_pid > 0)
        unregisterChild(m_pid);
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
        consume(buf, n);
    }
}

void ToolProcess::consume(const char *data, qsizetype size)
{
    appendTail(data, size);
    const qsizetype cap = maxLineBytes();
    const char *p = data;
    const char *end = data + size;
    while (p < end) {
        const char *nl = static_cast<const char *>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        const char *segEnd = nl ? nl : end;
        if (!m_discardingLine) {
            const qsizetype n = segEnd - p;
            const qsizetype room = cap - m_lineBuf.size();
            if (n <= room) {
                m_lineBuf.append(p, n);
            } else {
                m_lineBuf.append(p, room);
                handleLine(std::exchange(m_lineBuf, {}), true);
                m_discardingLine = true;
            }
        }
        if (!nl)
            break;
        if (!m_discardingLine)
            handleLine(std::exchange(m_lineBuf, {}), false);
        m_lineBuf.clear();
        m_discardingLine = false;
        p = nl + 1;
    }
}

void ToolProcess::handleLine(QByteArray line, bool truncated)
{
    if (truncated) {
        const QByteArray marker = truncatedMarker();
        chopToUtf8Boundary(line, maxLineBytes() - marker.size());
        line += marker;
        appendPending(line);
        return;
    }
    if (line.endsWith('\r'))
        line.chop(1);

    static const QByteArray progressTag = QByteArrayLiteral("::progress");
    static const QByteArray tokensTag = QByteArrayLiteral("::tokens");
    if (line.startsWith(progressTag) && line.size() > progressTag.size()
        && isBlank(line.at(progressTag.size()))) {
        const QByteArray rest = line.mid(progressTag.size()).trimmed();
        qsizetype sep = 0;
        while (sep < rest.size() && !isBlank(rest.at(sep)))
            ++sep;
        const QByteArray number = rest.left(sep);
        if (allDigits(number, 3)) {
            const int percent = number.toInt();
            if (percent <= 100) {
                flushPending(); // keep the order of plain lines and progress lines
                Q_EMIT progress(percent, QString::fromUtf8(rest.mid(sep).trimmed()));
                return;
            }
        }
    } else if (line.startsWith(tokensTag) && line.size() > tokensTag.size()
               && isBlank(line.at(tokensTag.size()))) {
        const QByteArray number = line.mid(tokensTag.size()).trimmed();
        if (allDigits(number, 15)) {
            Q_EMIT tokens(number.toLongLong());
            return;
        }
    }
    appendPending(line);
}

bool ToolProcess::mayEmitEarly()
{
    // At most 1000 / coalesceMs output events per second (20 with the default 50 ms).
    if (!m_rateClock.isValid() || m_rateClock.elapsed() >= 1000) {
        m_rateClock.start();
        m_eventsThisSecond = 0;
    }
    return m_eventsThisSecond < qMax(1, 1000 / qMax(1, m_options.coalesceMs));
}

void ToolProcess::appendPending(const QByteArray &line)
{
    const qsizetype budget = MaxEventBytes - (truncatedMarker().size() + 1);
    // A burst that overflows one event goes out early while the rate allows; beyond that the
    // oldest pending lines are dropped (the stored tail still has them).
    if (m_pendingHasLine && m_pending.size() + 1 + line.size() > budget && mayEmitEarly())
        flushPending();
    if (m_pendingHasLine)
        m_pending += '\n';
    m_pending += line;
    m_pendingHasLine = true;
    if (m_pending.size() > budget) {
        // Drop the oldest lines; keep the newest (always whole) and about half the budget so
        // that the cut is amortised over many lines.
        qsizetype keepFrom = m_pending.size() - line.size();
        const qsizetype want = m_pending.size() - budget / 2;
        if (want < keepFrom) {
            const qsizetype nl = m_pending.indexOf('\n', want);
            if (nl >= 0 && nl + 1 < keepFrom)
                keepFrom = nl + 1;
        }
        m_pending.remove(0, keepFrom);
        m_pendingTruncated = true;
    }
    if (!m_coalesceTimer.isActive())
        m_coalesceTimer.start();
}

void ToolProcess::flushPending()
{
    m_coalesceTimer.stop();
    if (!m_pendingHasLine || m_state == State::Finished)
        return;
    QByteArray text;
    if (m_pendingTruncated)
        text = truncatedMarker() + '\n';
    text += m_pending;
    m_pending.clear();
    m_pendingHasLine = false;
    m_pendingTruncated = false;
    if (text.isEmpty())
        return;
    if (!m_rateClock.isValid() || m_rateClock.elapsed() >= 1000) {
        m_rateClock.start();
        m_eventsThisSecond = 0;
    }
    ++m_eventsThisSecond;
    Q_EMIT output(QString::fromUtf8(text));
}

void ToolProcess::appendTail(const char *data, qsizetype size)
{
    const qint64 cap = qMax<qint64>(1, m_options.outputCapBytes);
    m_tail.append(data, size);
    // Trim with some slack so that a stream of small reads does not memmove every time.
    if (m_tail.size() > cap + kReadChunk) {
        m_tail.remove(0, m_tail.size() - cap);
        m_tailTruncated = true;
    }
}

void ToolProcess::onProcessFinished(int exitCode, QProcess::ExitStatus status)
{
    if (m_state != State::Running && m_state != State::Stopping)
        return;
    onReadyRead(); // what is left in the pipe
    m_graceTimer.stop();
    if (m_pid > 0)
        unregisterChild(m_pid);
    if (!m_stopStatus.isEmpty()) {
        m_outcome.status = m_stopStatus;
        m_outcome.exitCode = std::nullopt;
    } else if (status == QProcess::NormalExit) {
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
    // A tool leaves nothing behind: SIGKILL what is left of its group and its escapees.
    signalTree(
#ifdef Q_OS_UNIX
        SIGKILL
#else
        9
#endif
    );
    m_cleanupClock.start();
    if (cleanupTick()) {
        finish();
        return;
    }
    m_cleanupTimer.start();
}

// Kills anything of the tree that is still alive, reaps our zombies and reports whether the
// tree is gone. Linux only; elsewhere the group signal is all we can do.
bool ToolProcess::cleanupTick()
{
#ifdef Q_OS_LINUX
    const QByteArray needle = (markerVariable() + u'=' + m_marker).toUtf8();
    const qint64 self = ::getpid();
    const QList<qint64> pids = allPids();
    QHash<qint64, ProcStat> stats;
    for (qint64 pid : pids) {
        if (pid == self)
            continue;
        if (const auto st = readStat(pid))
            stats.insert(pid, *st);
    }
    bool busy = false;
    QSet<qint64> members;
    for (auto it = stats.cbegin(); it != stats.cend(); ++it) {
        const qint64 pid = it.key();
        const ProcStat &st = it.value();
        const bool dead = st.state == 'Z' || st.state == 'X';
        bool member = (m_pid > 0 && st.pgrp == m_pid) || m_tracked.contains(pid);
        if (!member && !dead)
            member = environHasMarker(pid, needle);
        if (!member) {
            // An orphan adopted through the subreaper that exited on its own.
            if (dead)
                reapIfOurZombie(pid, st, self);
            continue;
        }
        members.insert(pid);
        if (!dead) {
            ::kill(static_cast<pid_t>(pid), SIGKILL);
            m_tracked.insert(pid);
            busy = true;
        }
    }
    // Zombies: reap ours; wait for those whose parent is still part of the dying tree (they
    // re-parent to us next); others belong to a live parent that will reap them.
    for (auto it = stats.cbegin(); it != stats.cend(); ++it) {
        const qint64 pid = it.key();
        const ProcStat &st = it.value();
        if (!members.contains(pid) || (st.state != 'Z' && st.state != 'X'))
            continue;
        if (reapIfOurZombie(pid, st, self)) {
            m_tracked.remove(pid);
            continue;
        }
        if (st.ppid == self || members.contains(st.ppid)) {
            busy = true;
            m_tracked.insert(pid);
        } else {
            m_tracked.remove(pid);
        }
    }
    // Tracked pids that no longer exist are gone for good.
    for (auto it = m_tracked.begin(); it != m_tracked.end();) {
        if (!stats.contains(*it))
            it = m_tracked.erase(it);
        else
            ++it;
    }
    return !busy;
#else
    return true;
#endif
}

void ToolProcess::finish()
{
    if (m_state == State::Finished)
        return;
    m_cleanupTimer.stop();
    m_graceTimer.stop();
    // The last (unterminated) line is delivered before finished().
    if (!m_lineBuf.isEmpty() && !m_discardingLine)
        handleLine(std::exchange(m_lineBuf, {}), false);
    m_lineBuf.clear();
    flushPending();

    if (!m_outcomeKnown) {
        m_outcome.status = m_stopStatus.isEmpty() ? CallState::Failed : m_stopStatus;
        m_outcome.exitCode = std::nullopt;
    }
    m_outcome.durationMs = m_clock.isValid() ? m_clock.elapsed() : 0;

    const qint64 cap = qMax<qint64>(1, m_options.outputCapBytes);
    if (!m_tailTruncated && m_tail.size() <= cap) {
        m_outcome.outputTail = m_tail;
    } else {
        const QByteArray marker = truncatedMarker() + '\n';
        if (cap <= marker.size() * 2) {
            m_outcome.outputTail = m_tail.right(cap);
        } else {
            QByteArray body = m_tail.right(cap - marker.size());
            const qsizetype cutAt = m_tail.size() - body.size();
            // Start on a line boundary when the cut fell inside a line.
            if (cutAt > 0 && m_tail.at(cutAt - 1) != '\n') {
                const qsizetype nl = body.indexOf('\n');
                if (nl >= 0 && nl + 1 < body.size())
                    body.remove(0, nl + 1);
                else
                    while (!body.isEmpty() && (static_cast<unsigned char>(body.at(0)) & 0xC0) == 0x80)
                        body.remove(0, 1);
            }
            m_outcome.outputTail = marker + body;
        }
    }
    m_tail.clear();
    m_state = State::Finished;
    qCDebug(lcRuns) << "tool finished" << m_command.program << m_outcome.status << m_outcome.exitCode.value_or(-1);
    Q_EMIT finished(m_outcome);
}

} // namespace crewdeck::server
