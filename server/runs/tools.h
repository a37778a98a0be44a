#pragma once
#include "shared/types.h"

#include <QString>
#include <QStringList>
#include <optional>

// Turns a validated Step into the exact command line a ToolProcess runs. Pure functions: no
// process is started here, so the command lines can be unit tested (e.g. that git_clone
// always disables hooks). Any thread.
namespace crewdeck::server {

struct ToolCommand
{
    QString program;
    QStringList arguments;
    QString workingDirectory; // absolute; the workspace or a directory inside it
    // TMPDIR (<workspace>/.tmp) is created before start, except for git_clone: it clones into
    // "." and git refuses a non-empty destination.
    bool createTmpDir = true;
    // Host directories the tool sees read-only at the same path (the allowed local git root a
    // git_clone reads from). Nothing else of the host's disk beyond the system directories.
    QStringList readOnlyMounts;
};

// What a step's command line may depend on besides the step.
struct ToolContext
{
    QString workspace;                          // absolute host path of the run's workspace
    QString python = QStringLiteral("python3"); // pytest's interpreter (name on PATH or absolute)
    // Canonical absolute directories a git_clone may read a local repository from
    // (serve --git-local-root); a file:// URL or a local path anywhere else is refused.
    QStringList gitLocalRoots;
};

// Builds the command for `step`. Returns nullopt with *error set for params that must never
// reach a process (option-like url/ref/path, a pytest path leaving the workspace, a local git
// source outside the allowed roots, an unknown tool).
std::optional<ToolCommand> buildToolCommand(const Step &step, const ToolContext &context,
                                            QString *error = nullptr);

// git_clone's source: a local path or file:// URL (local) or anything git fetches over the
// network (https://, ssh://, git://, user@host:path).
struct GitSource
{
    bool local = false;
    QString path; // local: the path as given (file:// stripped), cleaned
};
GitSource classifyGitUrl(const QString &url);

// How many tool calls buildToolCommand refused since start (for /metrics). Any thread.
quint64 refusedToolCalls();

// Resolves `relative` inside `workspace`: rejects absolute paths and anything that, after
// cleaning ("..") or after resolving symlinks of the existing part, is outside the workspace.
// Returns the cleaned absolute path, or nullopt with *error set.
std::optional<QString> resolveInsideWorkspace(const QString &workspace, const QString &relative,
                                              QString *error = nullptr);

} // namespace crewdeck::server
