#include "server/runs/tools.h"

#include <QDir>
#include <QFileInfo>
#include <QUrl>

#include <atomic>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {

std::atomic<quint64> g_refused{0};

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

// A parameter that may be left out and goes on a command line: absent or null gives no
// value; otherwise it must be a string that does not start with '-' (the tool would parse it
// as an option). An explicit empty string is a value.
bool optionalArgument(const QJsonObject &params, const QString &name, std::optional<QString> *value,
                      QString *error)
{
    const QJsonValue v = params.value(name);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isString())
        return fail(error, name + u" must be a string"_s);
    if (v.toString().startsWith(u'-'))
        return fail(error, name + u" must not start with '-'"_s);
    *value = v.toString();
    return true;
}

bool isInside(const QString &root, const QString &path)
{
    return path == root || path.startsWith(root.endsWith(u'/') ? root : root + u'/');
}

} // namespace

std::optional<QString> resolveInsideWorkspace(const QString &workspace, const QString &relative,
                                              QString *error)
{
    const QString root = QDir::cleanPath(workspace);
    if (relative.isEmpty())
        return root;
    if (QDir::isAbsolutePath(relative) || relative.startsWith(u'\\')) {
        fail(error, u"path must be relative to the workspace"_s);
        return std::nullopt;
    }
    const QString joined = QDir::cleanPath(root + u'/' + relative);
    if (!isInside(root, joined)) {
        fail(error, u"path leaves the workspace"_s);
        return std::nullopt;
    }
    // A symlink inside the workspace (e.g. committed to the cloned repository) must not lead
    // the tool out of it either.
    const QFileInfo fi(joined);
    if (fi.exists()) {
        const QString canonicalRoot = QFileInfo(root).canonicalFilePath();
        const QString canonical = fi.canonicalFilePath();
        if (canonicalRoot.isEmpty() || !isInside(canonicalRoot, canonical)) {
            fail(error, u"path leaves the workspace"_s);
            return std::nullopt;
        }
    }
    return joined;
}

quint64 refusedToolCalls()
{
    return g_refused.load();
}

GitSource classifyGitUrl(const QString &urlIn)
{
    const QString url = urlIn.trimmed();
    GitSource src;
    if (url.startsWith(u"file:"_s, Qt::CaseInsensitive)) {
        src.local = true;
        const QUrl u(url);
        src.path = u.isLocalFile() ? u.toLocalFile() : url.mid(5);
        src.path = QDir::cleanPath(src.path);
        return src;
    }
    if (url.contains(u"://"_s) || url.contains(u"::"_s))
        return src; // a network URL, or a remote helper (refused by protocol.allow)
    // git's own rule: "host:path" is ssh unless a '/' comes before the first ':'.
    const qsizetype colon = url.indexOf(u':');
    const qsizetype slash = url.indexOf(u'/');
    if (colon < 0 || (slash >= 0 && slash < colon)) {
        src.local = true;
        src.path = QDir::cleanPath(url);
    }
    return src;
}

namespace {
std::optional<ToolCommand> buildCommand(const Step &step, const ToolContext &context,
                                        QString *error);
}

std::optional<ToolCommand> buildToolCommand(const Step &step, const ToolContext &context,
                                            QString *error)
{
    auto cmd = buildCommand(step, context, error);
    if (!cmd)
        ++g_refused;
    return cmd;
}

namespace {
std::optional<ToolCommand> buildCommand(const Step &step, const ToolContext &context,
                                        QString *error)
{
    ToolCommand cmd;
    const QString workspace = QDir::cleanPath(context.workspace);
    cmd.workingDirectory = workspace;
    const QJsonObject &p = step.params;

    if (step.tool == Tools::GitClone) {
        QString url = p.value(u"url"_s).toString();
        if (url.isEmpty()) {
            fail(error, u"git_clone needs a url"_s);
            return std::nullopt;
        }
        // Anything option-like would be parsed by git as an option (--upload-pack=...).
        if (url.startsWith(u'-')) {
            fail(error, u"url must not start with '-'"_s);
            return std::nullopt;
        }
        std::optional<QString> refArgument;
        if (!optionalArgument(p, u"ref"_s, &refArgument, error))
            return std::nullopt;
        const QString ref = refArgument.value_or(QString());
        // Hooks from the cloned repository (or a template) never run; only the network
        // transports are allowed, and "file" (local paths, file://) only for a source under
        // an allowed local root.
        cmd.arguments = {
            u"-c"_s, u"core.hooksPath=/dev/null"_s,    u"-c"_s, u"protocol.allow=never"_s,
            u"-c"_s, u"protocol.https.allow=always"_s, u"-c"_s, u"protocol.http.allow=always"_s,
            u"-c"_s, u"protocol.git.allow=always"_s,   u"-c"_s, u"protocol.ssh.allow=always"_s};
        const GitSource src = classifyGitUrl(url);
        if (src.local) {
            // One message whether the path exists or not: a member learns nothing about the
            // server's disk from it.
            const QString refused =
                u"git_clone: local source '%1' is not under a directory this server allows "
                "(serve --git-local-root)"_s.arg(src.path);
            const QString canonical = QDir::isAbsolutePath(src.path)
                                          ? QFileInfo(src.path).canonicalFilePath()
                                          : QString();
            QString root;
            for (const QString &r : context.gitLocalRoots) {
                if (!canonical.isEmpty() && isInside(r, canonical)) {
                    root = r;
                    break;
                }
            }
            if (root.isEmpty()) {
                fail(error, refused);
                return std::nullopt;
            }
            cmd.readOnlyMounts << root;
            // The canonical path: a symlinked spelling would not exist inside the sandbox. The
            // operator trusts the roots, so their repositories may be owned by another user.
            url = url.startsWith(u"file:"_s, Qt::CaseInsensitive) ? u"file://"_s + canonical
                                                                  : canonical;
            cmd.arguments << u"-c"_s << u"protocol.file.allow=always"_s << u"-c"_s
                          << u"safe.directory=*"_s
                          << u"clone"_s
                          // A file:// clone runs upload-pack with a cleaned environment: it
                          // needs the exception on its own command line.
                          << u"--upload-pack=git -c 'safe.directory=*' upload-pack"_s;
        } else {
            cmd.arguments << u"-c"_s << u"protocol.file.allow=never"_s << u"clone"_s;
        }
        cmd.program = u"git"_s;
        cmd.arguments << u"--depth"_s << u"1"_s;
        if (!ref.isEmpty())
            cmd.arguments << u"--branch"_s << ref;
        cmd.arguments << u"--"_s << url << u"."_s;
        cmd.createTmpDir = false;
        return cmd;
    }

    if (step.tool == Tools::Pytest) {
        QStringList args;
        const QJsonValue argsValue = p.value(u"args"_s);
        if (!argsValue.isUndefined() && !argsValue.isNull()) {
            if (!argsValue.isArray()) {
                fail(error, u"args must be an array of strings"_s);
                return std::nullopt;
            }
            for (const QJsonValue &a : argsValue.toArray()) {
                if (!a.isString()) {
                    fail(error, u"args must be an array of strings"_s);
                    return std::nullopt;
                }
                args << a.toString();
            }
        }
        std::optional<QString> pathArgument;
        if (!optionalArgument(p, u"path"_s, &pathArgument, error))
            return std::nullopt;
        if (pathArgument) {
            // What pytest itself takes: a directory, a file, or a node id (file::test), relative
            // to the workspace, given to pytest as is after checking where it leads.
            const QString &path = *pathArgument;
            QString pathError;
            if (!resolveInsideWorkspace(workspace, path.section(u"::"_s, 0, 0), &pathError)) {
                fail(error, u"path '%1': %2"_s.arg(path, pathError));
                return std::nullopt;
            }
            args << path;
        }
        cmd.program = context.python.isEmpty() ? u"python3"_s : context.python;
        cmd.arguments = QStringList{u"-m"_s, u"pytest"_s} + args;
        return cmd;
    }

    if (step.tool == Tools::Script) {
        const QJsonValue command = p.value(u"command"_s);
        if (!command.isString()) {
            fail(error, u"script needs a command"_s);
            return std::nullopt;
        }
        cmd.program = u"/bin/sh"_s;
        cmd.arguments = {u"-c"_s, command.toString()};
        return cmd;
    }

    fail(error, u"unknown tool '%1'"_s.arg(step.tool));
    return std::nullopt;
}
} // namespace

} // namespace crewdeck::server
