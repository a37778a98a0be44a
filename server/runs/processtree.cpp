#include "server/runs/processtree.h"
#include "shared/logging.h"

#include <QHash>
#include <QMutex>
#include <QMutexLocker>
#include <QSet>

#include <cerrno>
#include <cstring>

#ifdef Q_OS_LINUX
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace crewdeck::server::proctree {

namespace {
QMutex g_registryMutex;
QSet<qint64> &ownedChildren()
{
    static QSet<qint64> set;
    return set;
}

#ifdef Q_OS_LINUX
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
#endif
} // namespace

void registerChild(qint64 pid)
{
    QMutexLocker lock(&g_registryMutex);
    ownedChildren().insert(pid);
}

bool isOwnedChild(qint64 pid)
{
    QMutexLocker lock(&g_registryMutex);
    return ownedChildren().contains(pid);
}

void unregisterChild(qint64 pid)
{
    QMutexLocker lock(&g_registryMutex);
    ownedChildren().remove(pid);
}

#ifdef Q_OS_LINUX
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
    const qsizetype open = text.indexOf('(');
    if (open >= 0 && open < close)
        s.comm = text.mid(open + 1, close - open - 1);
    s.state = f.at(0).at(0);
    s.ppid = f.at(1).toLongLong();
    s.pgrp = f.at(2).toLongLong();
    return s;
}

QByteArray pidNamespace(qint64 pid)
{
    char buf[64];
    const QByteArray path = "/proc/" + QByteArray::number(pid) + "/ns/pid";
    const ssize_t n = ::readlink(path.constData(), buf, sizeof buf);
    return n > 0 ? QByteArray(buf, n) : QByteArray();
}

bool environHasMarker(qint64 pid, const QByteArray &needle)
{
    const QByteArray env =
        readSmallFile("/proc/" + QByteArray::number(pid) + "/environ", 1024 * 1024);
    return !env.isEmpty() && env.contains(needle);
}

bool reapIfOurZombie(qint64 pid, const ProcStat &st)
{
    if (st.ppid != ::getpid() || isOwnedChild(pid))
        return false;
    int status = 0;
    return ::waitpid(static_cast<pid_t>(pid), &status, WNOHANG) == pid;
}

void enableChildSubreaper()
{
    static const bool enabled = [] {
        if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
            qCWarning(lcRuns) << "PR_SET_CHILD_SUBREAPER failed:" << std::strerror(errno);
            return false;
        }
        return true;
    }();
    Q_UNUSED(enabled);
}
#else
QList<qint64> allPids()
{
    return {};
}
std::optional<ProcStat> readStat(qint64)
{
    return std::nullopt;
}
QByteArray pidNamespace(qint64)
{
    return {};
}
bool environHasMarker(qint64, const QByteArray &)
{
    return false;
}
bool reapIfOurZombie(qint64, const ProcStat &)
{
    return false;
}
void enableChildSubreaper() {}
#endif

#ifdef Q_OS_LINUX
void signalGroupAndMarked(qint64 groupPid, bool mainAlive, const QByteArray &marker, int sig,
                          QSet<qint64> &tracked)
{
    if (mainAlive) {
        // While the main process is unreaped its pid (= our pgid) cannot be reused, so the
        // group signal reaches only our tree. kill() covers the moment before setsid().
        ::killpg(static_cast<pid_t>(groupPid), sig);
        ::kill(static_cast<pid_t>(groupPid), sig);
    }
    // Escapees that left the group (setsid) and group members after the main exit.
    const qint64 self = ::getpid();
    for (qint64 pid : allPids()) {
        if (pid == self || (mainAlive && pid == groupPid))
            continue;
        const auto st = readStat(pid);
        if (!st || st->isDead())
            continue;
        if ((groupPid > 0 && st->pgrp == groupPid) || environHasMarker(pid, marker)) {
            ::kill(static_cast<pid_t>(pid), sig);
            if (sig == SIGKILL)
                tracked.insert(pid);
        }
    }
}

bool reapGroupAndMarked(qint64 groupPid, const QByteArray &marker, QSet<qint64> &tracked)
{
    const qint64 self = ::getpid();
    QHash<qint64, ProcStat> stats;
    for (qint64 pid : allPids()) {
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
        bool member = (groupPid > 0 && st.pgrp == groupPid) || tracked.contains(pid);
        if (!member && !st.isDead())
            member = environHasMarker(pid, marker);
        if (!member) {
            // An orphan adopted through the subreaper that exited on its own.
            if (st.isDead())
                reapIfOurZombie(pid, st);
            continue;
        }
        members.insert(pid);
        if (!st.isDead()) {
            ::kill(static_cast<pid_t>(pid), SIGKILL);
            tracked.insert(pid);
            busy = true;
        }
    }
    // Zombies: reap ours; wait for those whose parent is still part of the dying tree (they
    // re-parent to us next); others belong to a live parent that will reap them.
    for (auto it = stats.cbegin(); it != stats.cend(); ++it) {
        const qint64 pid = it.key();
        const ProcStat &st = it.value();
        if (!members.contains(pid) || !st.isDead())
            continue;
        if (reapIfOurZombie(pid, st)) {
            tracked.remove(pid);
            continue;
        }
        if (st.ppid == self || members.contains(st.ppid)) {
            busy = true;
            tracked.insert(pid);
        } else {
            tracked.remove(pid);
        }
    }
    // Tracked pids that no longer exist are gone for good.
    for (auto it = tracked.begin(); it != tracked.end();) {
        if (!stats.contains(*it))
            it = tracked.erase(it);
        else
            ++it;
    }
    return !busy;
}

int killMarked(const QByteArray &marker)
{
    int killed = 0;
    const qint64 self = ::getpid();
    for (qint64 pid : allPids()) {
        if (pid == self)
            continue;
        const auto st = readStat(pid);
        if (!st || st->isDead())
            continue;
        if (environHasMarker(pid, marker) && ::kill(static_cast<pid_t>(pid), SIGKILL) == 0)
            ++killed;
    }
    return killed;
}
#else
void signalGroupAndMarked(qint64, bool, const QByteArray &, int, QSet<qint64> &) {}
bool reapGroupAndMarked(qint64, const QByteArray &, QSet<qint64> &)
{
    return true;
}
int killMarked(const QByteArray &)
{
    return 0;
}
#endif

} // namespace crewdeck::server::proctree
