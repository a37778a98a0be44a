#include "server/core/toolsandbox.h"
#include "server/core/http/metrics.h"
#include "server/runs/tools.h"
#include "shared/logging.h"

#include <QDir>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {

bool underSystemDirs(const QString &path)
{
    for (const QString &d : {u"/usr/"_s, u"/bin/"_s, u"/sbin/"_s, u"/lib"_s, u"/etc/"_s}) {
        if (path.startsWith(d))
            return true;
    }
    return false;
}

} // namespace

std::optional<ToolSandboxSetup> setUpToolSandbox(const ServerConfig &config,
                                                 const QString &workspaceRoot,
                                                 const QString &demoDir, QString *error)
{
    ToolSandboxSetup setup;
    QStringList roots = config.gitLocalRoots;
    if (!demoDir.isEmpty())
        roots << demoDir;
    for (const QString &r : std::as_const(roots)) {
        const QFileInfo fi(r);
        if (!fi.isDir()) {
            *error = u"--git-local-root %1: not a directory"_s.arg(r);
            return std::nullopt;
        }
        setup.gitLocalRoots << fi.canonicalFilePath();
    }

    SandboxConfig sc;
    sc.bwrap = config.bwrap;
    sc.network = config.toolNetwork;
    sc.limits = config.toolLimits;
    sc.uidBase = config.toolUidBase;
    sc.hiddenPaths << config.dataDir << workspaceRoot;
    if (!config.jwtSecretFile.isEmpty())
        sc.hiddenPaths << config.jwtSecretFile;
    if (config.dbKind() == ServerConfig::DbKind::Sqlite)
        sc.hiddenPaths << config.sqlitePath();
    // A --python outside the system directories (a virtualenv): its prefix is visible
    // read-only, or pytest would not start.
    if (QDir::isAbsolutePath(config.python) && !underSystemDirs(QDir::cleanPath(config.python))) {
        QDir prefix = QFileInfo(config.python).absoluteDir();
        prefix.cdUp();
        sc.readOnlyPaths << prefix.absolutePath();
    }

    const SandboxProbe probe = Sandbox::probe(sc);
    if (probe.ok) {
        setup.sandbox = std::make_shared<const Sandbox>(sc, probe);
        qCInfo(lcRuns).noquote() << u"tools run sandboxed: bubblewrap %1, %2, network %3"_s.arg(
            probe.bwrapPath,
            Sandbox::serverIsRoot() ? u"each run as its own uid from %1"_s.arg(sc.uidBase)
                                    : u"in a user namespace"_s,
            sc.network ? u"on"_s : u"none"_s);
        return setup;
    }
    if (config.unsafeTools) {
        sc.mode = SandboxConfig::Mode::Unsafe;
        setup.sandbox = std::make_shared<const Sandbox>(sc, probe);
        qCWarning(lcRuns).noquote() << "no tool sandbox:" << probe.reason
                                    << "- running tools UNSANDBOXED because of --unsafe-tools";
        return setup;
    }
    setup.refusal =
        u"this node runs no tools: no tool sandbox (%1); fix that, or pass --unsafe-tools "
        "to run tools unsandboxed"_s.arg(probe.reason);
    qCCritical(lcRuns).noquote() << setup.refusal;
    return setup;
}

void registerToolMetrics(Metrics &metrics, const ToolSandboxSetup &setup,
                         const ServerConfig &config)
{
    const double mode = !setup.sandbox ? -1.0 : setup.sandbox->isolates() ? 1.0 : 0.0;
    metrics.addGauge(
        u"crewdeck_tool_sandbox"_s,
        u"How tools run: 1 sandboxed (bubblewrap), 0 unsandboxed (--unsafe-tools), -1 refused"_s,
        [mode] { return mode; });
    const ToolLimits l = config.toolLimits;
    metrics.addGauge(u"crewdeck_tool_limit_processes"_s, u"--tool-max-processes"_s,
                     [l] { return double(l.maxProcesses); });
    metrics.addGauge(u"crewdeck_tool_limit_open_files"_s, u"--tool-max-open-files"_s,
                     [l] { return double(l.maxOpenFiles); });
    metrics.addGauge(u"crewdeck_tool_limit_file_size_bytes"_s,
                     u"--tool-max-file-size-mb, in bytes"_s,
                     [l] { return double(l.maxFileSizeMb) * 1024 * 1024; });
    metrics.addGauge(u"crewdeck_tool_limit_cpu_seconds"_s, u"--tool-cpu-seconds"_s,
                     [l] { return double(l.cpuSeconds); });
    metrics.addGauge(u"crewdeck_tool_limit_memory_bytes"_s, u"--tool-memory-mb, in bytes"_s,
                     [l] { return double(l.memoryMb) * 1024 * 1024; });
    const bool network = config.toolNetwork;
    metrics.addGauge(u"crewdeck_tool_network"_s,
                     u"1 when tools reach the network (--tool-network)"_s,
                     [network] { return network ? 1.0 : 0.0; });
    metrics.addGauge(
        u"crewdeck_tool_calls_refused_total"_s,
        u"Tool calls refused before starting (local git source not allowed, pytest path "
        "leaving the workspace, bad params)"_s,
        [] { return double(refusedToolCalls()); });
}

} // namespace crewdeck::server
