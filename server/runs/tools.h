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
};

// Builds the command for `step` in `workspace` (absolute path). `python` is the interpreter
// for pytest (a name looked up on PATH or an absolute path). Returns nullopt with *error set
// for params that must never reach a process (option-like url/ref, a path leaving the
// workspace, an unknown tool).
std::optional<ToolCommand> buildToolCommand(const Step &step, const QString &workspace,
                                            const QString &python, QString *error = nullptr);

// Resolves `relative` inside `workspace`: rejects absolute paths and anything that, after
// cleaning ("..") or after resolving symlinks of the existing part, is outside the workspace.
// Returns the cleaned absolute path, or nullopt with *error set.
std::optional<QString> resolveInsideWorkspace(const QString &workspace, const QString &relative,
                                              QString *error = nullptr);

} // namespace crewdeck::server
