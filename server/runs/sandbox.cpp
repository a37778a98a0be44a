#include "server/runs/sandbox.h"
#include "shared/logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QMutexLocker>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {

bool isUnder(const QString &root, const QString &path)
{
    const QString r = root.endsWith(u'/') ? root : root + u'/';
    return path == root || path.startsWith(r);
}

QString resolveProgram(const QString &name)
{
    if (QDir::isAbsolutePath(name))
        return QFileInfo(name).isExecutable() ? name : QString();
    return QStandardPaths::findExecutable(name);
}

// The canonical form of a path that exists, else its cleaned absolute form.
QString canonicalOrClean(const QString &path)
{
    const QString canonical = QFileInfo(path).canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(QDir(path).absolutePath()) : canonical;
}

// System secrets that stay hidden even though /etc is visible (readable only by root on a
// normal system; hidden anyway so that a root server's sandbox never depends on that).
const QStringList &etcSecrets()
{
    static const QStringList list{
        u"/etc/shadow"_s,
        u"/etc/shadow-"_s,
        u"/etc/gshadow"_s,
        u"/etc/gshadow-"_s,
        u"/etc/ssh"_s,
        u"/etc/ssl/private"_s,
        u"/etc/sudoers"_s,
        u"/etc/sudoers.d"_s,
        u"/etc/crewdeck"_s,
        u"/etc/redis"_s,
        u"/etc/postgresql"_s,
        u"/etc/credstore"_s,
        u"/etc/credstore.encrypted"_s,
    };
    return list;
}

// Hides `path` (a file or a directory) inside the sandbox.
void mask(QStringList &args, const QString &path)
{
    const QFileInfo fi(path);
    if (fi.isDir())
        args << u"--tmpfs"_s << path;
    else if (fi.exists())
        args << u"--ro-bind"_s << u"/dev/null"_s << path;
}

} // namespace

Sandbox::Sandbox(SandboxConfig config, SandboxProbe probe)
    : m_config(std::move(config)), m_probe(std::move(probe))
{
}

bool Sandbox::serverIsRoot()
{
#ifdef Q_OS_UNIX
    return ::geteuid() == 0;
#else
    return false;
#endif
}

SandboxCommand Sandbox::wrap(const SandboxCall &call) const
{
    QStringList a;
    QStringList mounted; // host sources visible inside, for masking hidden paths
    a << u"--die-with-parent"_s << u"--new-session"_s << u"--unshare-pid"_s << u"--unshare-ipc"_s
      << u"--unshare-uts"_s << u"--unshare-cgroup-try"_s;
    if (!m_config.network)
        a << u"--unshare-net"_s;
    if (!call.uid) // unprivileged: a user namespace of our own, and no nested ones
        a << u"--unshare-user"_s << u"--disable-userns"_s;
    a << u"--hostname"_s << u"crewdeck-tool"_s;

    a << u"--ro-bind"_s << u"/usr"_s << u"/usr"_s;
    mounted << u"/usr"_s;
    for (const QString &d :
         {u"/bin"_s, u"/sbin"_s, u"/lib"_s, u"/lib32"_s, u"/lib64"_s, u"/libx32"_s}) {
        const QFileInfo fi(d);
        if (fi.isSymLink()) {
            a << u"--symlink"_s << fi.symLinkTarget() << d;
        } else if (fi.isDir()) {
            a << u"--ro-bind"_s << d << d;
            mounted << d;
        }
    }
    a << u"--ro-bind"_s << u"/etc"_s << u"/etc"_s;
    mounted << u"/etc"_s;
    for (const QString &s : etcSecrets())
        mask(a, s);
    if (m_config.network) {
        // Name resolution: resolv.conf often links into /run (systemd-resolved, NetworkManager).
        const QFileInfo resolv(u"/etc/resolv.conf"_s);
        if (resolv.isSymLink()) {
            const QString target = resolv.canonicalFilePath();
            if (!target.isEmpty() && !isUnder(u"/etc"_s, target))
                a << u"--ro-bind-try"_s << target << target;
        }
    }
    // The private mounts first: a read-only extra under /tmp (a git root) goes on top of them.
    a << u"--proc"_s << u"/proc"_s << u"--dev"_s << u"/dev"_s;
    const QString tmpBytes =
        QString::number(qMax<qint64>(1, m_config.limits.maxFileSizeMb) * 1024 * 1024);
    a << u"--perms"_s << u"1777"_s << u"--size"_s << tmpBytes << u"--tmpfs"_s << u"/tmp"_s;
    a << u"--perms"_s << u"1777"_s << u"--size"_s << tmpBytes << u"--tmpfs"_s << u"/dev/shm"_s;
    a << u"--bind"_s << call.workspace << insideWorkspace();
    for (const QString &p : m_config.readOnlyPaths + call.readOnlyMounts) {
        // Parents bwrap would create are root's 0700: make them 0755 so that a tool running
        // as another uid can walk down to the mount.
        QString parent;
        const QStringList parts = p.split(u'/', Qt::SkipEmptyParts);
        for (qsizetype i = 0; i + 1 < parts.size(); ++i) {
            parent += u'/' + parts.at(i);
            if (parent == u"/tmp"_s || parent == u"/dev"_s || parent == u"/proc"_s ||
                std::any_of(mounted.cbegin(), mounted.cend(),
                            [&](const QString &m) { return isUnder(m, parent); }))
                continue;
            a << u"--perms"_s << u"0755"_s << u"--dir"_s << parent;
        }
        a << u"--ro-bind"_s << p << p;
        mounted << p;
    }
    // Last, so that nothing mounted after them uncovers them again.
    for (const QString &hidden : m_config.hiddenPaths) {
        const QString h = canonicalOrClean(hidden);
        for (const QString &m : std::as_const(mounted)) {
            if (isUnder(m, h) && h != m) {
                mask(a, h);
                break;
            }
        }
    }
    a << u"--chdir"_s << insideWorkspace();

    if (call.uid) {
        // Privileged bwrap (the server is root): the setup runs as root, then setpriv drops to
        // the run's uid with no capabilities at all before the tool starts.
        const QString id = QString::number(*call.uid);
        a << u"--cap-drop"_s << u"ALL"_s << u"--cap-add"_s << u"CAP_SETUID"_s << u"--cap-add"_s
          << u"CAP_SETGID"_s << u"--cap-add"_s << u"CAP_SETPCAP"_s << u"--"_s;
        a << (m_probe.setprivPath.isEmpty() ? m_config.setpriv : m_probe.setprivPath)
          << u"--reuid"_s << id << u"--regid"_s << id << u"--clear-groups"_s << u"--inh-caps=-all"_s
          << u"--bounding-set=-all"_s << u"--no-new-privs"_s << u"--"_s;
    } else {
        a << u"--cap-drop"_s << u"ALL"_s << u"--"_s;
    }
    a << call.program << call.arguments;
    return {m_probe.bwrapPath.isEmpty() ? m_config.bwrap : m_probe.bwrapPath, a};
}

SandboxProbe Sandbox::probe(const SandboxConfig &config)
{
    SandboxProbe result;
#ifndef Q_OS_LINUX
    Q_UNUSED(config);
    result.reason = u"the tool sandbox (bubblewrap) exists only on Linux"_s;
    return result;
#else
    result.bwrapPath = resolveProgram(config.bwrap);
    if (result.bwrapPath.isEmpty()) {
        result.reason =
            u"bubblewrap ('%1') is not installed (Debian: apt-get install bubblewrap)"_s.arg(
                config.bwrap);
        return result;
    }
    const bool root = serverIsRoot();
    std::optional<uint> uid;
    if (root) {
        result.setprivPath = resolveProgram(config.setpriv);
        if (result.setprivPath.isEmpty()) {
            result.reason =
                u"setpriv ('%1', util-linux) is needed to run tools as another user"_s.arg(
                    config.setpriv);
            return result;
        }
        uid = config.uidBase + uint(qMax(1, config.uidSlots)) - 1; // a slot runs never get
    }
    QTemporaryDir dir;
    if (!dir.isValid()) {
        result.reason = u"cannot create a temporary folder to try the sandbox"_s;
        return result;
    }
    if (uid) {
        if (::chown(QFile::encodeName(dir.path()).constData(), *uid, *uid) != 0) {
            result.reason = u"cannot hand a folder to the tool user %1"_s.arg(*uid);
            return result;
        }
        QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                              QFileDevice::ExeOwner | QFileDevice::ExeGroup |
                                              QFileDevice::ExeOther);
    }
    const Sandbox sandbox(config, result);
    const SandboxCommand cmd = sandbox.wrap(
        {u"/bin/sh"_s, {u"-c"_s, u"touch probe && test -w /tmp"_s}, dir.path(), {}, uid});
    QProcess p;
    p.setProgram(cmd.program);
    p.setArguments(cmd.arguments);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.setStandardInputFile(QProcess::nullDevice());
    p.start();
    if (!p.waitForFinished(15000)) {
        p.kill();
        p.waitForFinished(1000);
        result.reason = u"bubblewrap did not answer within 15 s"_s;
        return result;
    }
    const QString out = QString::fromLocal8Bit(p.readAll()).trimmed().section(u'\n', 0, 0);
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0 ||
        !QFileInfo::exists(dir.filePath(u"probe"_s))) {
        result.reason = u"bubblewrap cannot create a sandbox here (%1); are unprivileged user "
                        "namespaces disabled (sysctl kernel.unprivileged_userns_clone, "
                        "user.max_user_namespaces)?"_s.arg(
                            out.isEmpty() ? u"exit %1"_s.arg(p.exitCode()) : out);
        return result;
    }
    result.ok = true;
    return result;
#endif
}

namespace {
QMutex g_uidMutex;
QSet<uint> &uidsInUse()
{
    static QSet<uint> set;
    return set;
}
} // namespace

std::optional<uint> SandboxUidPool::acquire(uint base, int slotCount)
{
    QMutexLocker lock(&g_uidMutex);
    // The last slot is the probe's.
    for (int i = 0; i < qMax(1, slotCount) - 1; ++i) {
        const uint uid = base + uint(i);
        if (!uidsInUse().contains(uid)) {
            uidsInUse().insert(uid);
            return uid;
        }
    }
    return std::nullopt;
}

void SandboxUidPool::release(uint uid)
{
    QMutexLocker lock(&g_uidMutex);
    uidsInUse().remove(uid);
}

} // namespace crewdeck::server
