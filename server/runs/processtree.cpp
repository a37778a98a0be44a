#include "server/runs/processtree.h"
#include "shared/logging.h"

#include <QMutex>
#include <QMutexLocker>
#include <QSet>

#include <cerrno>
#include <cstring>

#ifdef Q_OS_LINUX
#include <dirent.h>
#include <fcntl.h>
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
bool isOwnedChild(qint64 pid)
{
    QMutexLocker lock(&g_registryMutex);
    return ownedChildren().contains(pid);
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
    s.state = f.at(0).at(0);
    s.ppid = f.at(1).toLongLong();
    s.pgrp = f.at(2).toLongLong();
    s.startTime = f.at(19).toULongLong();
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

} // namespace crewdeck::server::proctree
