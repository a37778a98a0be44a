#pragma once
#include "server/core/cli/options.h"
#include "server/runs/sandbox.h"

#include <QString>
#include <QStringList>
#include <memory>

// Decides, once at start, how this node runs tools: probes bubblewrap with the configured
// options, collects what must stay hidden (data dir, secret, database, workspaces) and the
// local git roots (canonical; --demo adds its own repository). Thread: main thread.
namespace crewdeck::server {

class Metrics;

struct ToolSandboxSetup
{
    std::shared_ptr<const Sandbox> sandbox; // set when this node runs tools (sandboxed or not)
    QStringList gitLocalRoots;              // canonical
    QString refusal; // why this node runs no tools (no sandbox, no --unsafe-tools)
    bool runsTools() const { return sandbox != nullptr; }
};

// Returns nullopt with *error set for a configuration that cannot start (a --git-local-root
// that is not a directory). A missing sandbox is not an error: see ToolSandboxSetup::refusal.
std::optional<ToolSandboxSetup> setUpToolSandbox(const ServerConfig &config,
                                                 const QString &workspaceRoot,
                                                 const QString &demoDir, QString *error);

// crewdeck_tool_* gauges: the sandbox mode, every tool limit, refused tool calls.
void registerToolMetrics(Metrics &metrics, const ToolSandboxSetup &setup,
                         const ServerConfig &config);

} // namespace crewdeck::server
