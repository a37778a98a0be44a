#pragma once
#include <QString>
#include <QStringList>
#include <optional>

// The tool sandbox: every tool call runs inside bubblewrap (Debian's `bubblewrap`, the sandbox
// Flatpak uses) with its own user (when the server is not root), mount, pid, ipc, uts and
// cgroup namespaces. Inside, the filesystem is read-only system directories (/usr, /etc minus
// secrets, the /bin and /lib links), the run's workspace read-write at /workspace, a private
// /tmp and /dev/shm, a minimal /dev and a /proc of the tool's own pid namespace. The server's
// data dir, secret, database, TLS key, other runs' workspaces and home are not mounted.
//
// Who the tool runs as:
// - server not root: bwrap creates an unprivileged user namespace; the tool keeps the
//   server's uid (no capabilities outside), and may not create nested user namespaces;
// - server root: bwrap runs privileged (no user namespace) and the tool drops to an
//   unprivileged uid of its own (one per run, from --tool-uid-base) through setpriv, with no
//   capabilities, an empty bounding set and no_new_privs. The process limit then counts only
//   that run's processes.
//
// Killing the pid namespace's init (or the outer bwrap, whose death takes the init with it
// through --die-with-parent) ends every process of the tool, whatever it did with sessions,
// process groups or its environment.
//
// Thread: plain values and pure functions, except probe() which starts a process (any thread).
namespace crewdeck::server {

// Per tool call limits (setrlimit before bwrap starts; inherited by everything inside).
struct ToolLimits
{
    int maxProcesses = 256;      // RLIMIT_NPROC
    int maxOpenFiles = 1024;     // RLIMIT_NOFILE
    qint64 maxFileSizeMb = 2048; // RLIMIT_FSIZE: the largest file a tool may write
    int cpuSeconds = 900;        // RLIMIT_CPU per process
    qint64 memoryMb = 4096;      // RLIMIT_AS per process (address space)
};

struct SandboxConfig
{
    enum class Mode {
        Bubblewrap, // every tool in a sandbox (the default)
        Unsafe,     // --unsafe-tools: tools run as the server's user with the whole filesystem
    };
    Mode mode = Mode::Bubblewrap;
    QString bwrap = QStringLiteral("bwrap");     // name on PATH or absolute path
    QString setpriv = QStringLiteral("setpriv"); // used when the server runs as root
    bool network = true;                         // false: --unshare-net
    ToolLimits limits;
    uint uidBase = 200000; // root only: run N's tools run as uidBase + slot
    int uidSlots = 4096;
    // Host paths that must never be visible inside (data dir, secret file, database, TLS key,
    // the workspace root). Only matters where one lies under a mounted system directory
    // (e.g. a secret under /etc): it is then masked.
    QStringList hiddenPaths;
    // Read-only extras visible to every tool (e.g. the prefix of a --python outside /usr).
    QStringList readOnlyPaths;
};

// What probe() found: whether a tool can run sandboxed here, and if not why (one line).
struct SandboxProbe
{
    bool ok = false;
    QString reason;
    QString bwrapPath;   // resolved
    QString setprivPath; // resolved (root only)
};

// One tool call to wrap: host paths on the way in.
struct SandboxCall
{
    QString program; // as given to the tool (name on PATH or absolute)
    QStringList arguments;
    QString workspace;          // host path of the run's workspace (mounted at /workspace)
    QStringList readOnlyMounts; // host dirs visible read-only at the same path (git roots)
    std::optional<uint> uid;    // root: the run's uid; nullopt when the server is not root
};

struct SandboxCommand
{
    QString program; // the resolved bwrap
    QStringList arguments;
};

class Sandbox
{
public:
    explicit Sandbox(SandboxConfig config, SandboxProbe probe = {});

    const SandboxConfig &config() const { return m_config; }
    const SandboxProbe &probeResult() const { return m_probe; }
    bool isolates() const { return m_config.mode == SandboxConfig::Mode::Bubblewrap && m_probe.ok; }

    // The bwrap command line for `call`. Only meaningful when isolates().
    SandboxCommand wrap(const SandboxCall &call) const;

    // Starts a trivial sandboxed command (`true`) with the same options as a tool and reports
    // whether it worked (bwrap missing, user namespaces disabled, not Linux, ...). Blocks for at
    // most a few seconds; call once at start.
    static SandboxProbe probe(const SandboxConfig &config);

    // Where the workspace appears inside the sandbox.
    static QString insideWorkspace() { return QStringLiteral("/workspace"); }
    static bool serverIsRoot();

private:
    SandboxConfig m_config;
    SandboxProbe m_probe;
};

// Root only: unprivileged uids handed to runs, one per running run, so that the process limit
// and file ownership separate concurrent runs. Thread: any (internally locked).
class SandboxUidPool
{
public:
    static std::optional<uint> acquire(uint base, int slotCount);
    static void release(uint uid);
};

} // namespace crewdeck::server
