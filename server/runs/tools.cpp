#include "server/runs/tools.h"

#include <QDir>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
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

std::optional<ToolCommand> buildToolCommand(const Step &step, const QString &workspace,
                                            const QString &python, QString *error)
{
    ToolCommand cmd;
    cmd.workingDirectory = QDir::cleanPath(workspace);
    const QJsonObject &p = step.params;

    if (step.tool == Tools::GitClone) {
        const QString url = p.value(u"url"_s).toString();
        const QJsonValue refValue = p.value(u"ref"_s);
        if (url.isEmpty()) {
            fail(error, u"git_clone needs a url"_s);
            return std::nullopt;
        }
        // Anything option-like would be parsed by git as an option (--upload-pack=...).
        if (url.startsWith(u'-')) {
            fail(error, u"url must not start with '-'"_s);
            return std::nullopt;
        }
        if (!refValue.isUndefined() && !refValue.isNull() && !refValue.isString()) {
            fail(error, u"ref must be a string"_s);
            return std::nullopt;
        }
        const QString ref = refValue.toString();
        if (ref.startsWith(u'-')) {
            fail(error, u"ref must not start with '-'"_s);
            return std::nullopt;
        }
        cmd.program = u"git"_s;
        // Hooks from the cloned repository (or a template) never run, and the "ext::"
        // transport (arbitrary commands) is refused.
        cmd.arguments = {u"-c"_s, u"core.hooksPath=/dev/null"_s,
                         u"-c"_s, u"protocol.ext.allow=never"_s,
                         u"clone"_s, u"--depth"_s, u"1"_s};
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
        const QJsonValue pathValue = p.value(u"path"_s);
        if (!pathValue.isUndefined() && !pathValue.isNull()) {
            if (!pathValue.isString()) {
                fail(error, u"path must be a string"_s);
                return std::nullopt;
            }
            QString pathError;
            const auto dir = resolveInsideWorkspace(workspace, pathValue.toString(), &pathError);
            if (!dir) {
                fail(error, pathError);
                return std::nullopt;
            }
            if (!QFileInfo(*dir).isDir()) {
                fail(error, u"path '%1' is not a directory in the workspace"_s.arg(pathValue.toString()));
                return std::nullopt;
            }
            cmd.workingDirectory = *dir;
        }
        cmd.program = python.isEmpty() ? u"python3"_s : python;
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

} // namespace crewdeck::server
