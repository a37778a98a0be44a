// Real child processes: git clone of a local bare repository, pytest, sh scripts, process
// trees that try to escape. No timing assertions: everything waits with QTRY_* / spies.
#include "server/runs/outputframer.h"
#include "server/runs/runexecutor.h"
#include "server/runs/sandbox.h"
#include "server/runs/toolprocess.h"
#include "server/runs/tools.h"
#include "tests/support/processutil.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::server;

namespace {

constexpr int kWaitMs = 120000;
const QString kPython = u"/usr/bin/python3"_s;

struct Ev
{
    enum Kind { Started, Output, Tokens, Finished, RunFinished } kind;
    QString callId;
    QString tool;
    QJsonObject params;
    QString text;
    std::optional<int> progress;
    qint64 n = 0;
    ToolOutcome outcome;
};

// Records every callback and checks the contract's ordering rules as they happen.
class RecordingSink : public RunSink
{
public:
    QList<Ev> events;
    QStringList violations;
    QString runStatus;
    int runFinishedCount = 0;
    QSet<QString> finishedCalls;
    std::function<void(const QString &callId)> onStarted;

    QString toolStarted(const QString &agentId, const QString &tool,
                        const QJsonObject &params) override
    {
        if (runFinishedCount)
            violations << u"toolStarted after runFinished"_s;
        const QString id = u"tc-%1-%2"_s.arg(events.size()).arg(agentId);
        events.append({Ev::Started, id, tool, params, {}, {}, 0, {}});
        if (onStarted)
            onStarted(id);
        return id;
    }
    void toolOutput(const QString &callId, const QString &text,
                    std::optional<int> progress) override
    {
        check(callId, u"toolOutput"_s);
        events.append({Ev::Output, callId, {}, {}, text, progress, 0, {}});
    }
    void toolTokens(const QString &callId, qint64 n) override
    {
        check(callId, u"toolTokens"_s);
        events.append({Ev::Tokens, callId, {}, {}, {}, {}, n, {}});
    }
    void toolFinished(const QString &callId, const ToolOutcome &outcome) override
    {
        check(callId, u"toolFinished"_s);
        finishedCalls.insert(callId);
        events.append({Ev::Finished, callId, {}, {}, {}, {}, 0, outcome});
    }
    void runFinished(const QString &status) override
    {
        ++runFinishedCount;
        runStatus = status;
        events.append({Ev::RunFinished, {}, {}, {}, status, {}, 0, {}});
    }

    void check(const QString &callId, const QString &what)
    {
        if (finishedCalls.contains(callId))
            violations << what + u" after toolFinished of "_s + callId;
        if (runFinishedCount)
            violations << what + u" after runFinished"_s;
    }
    QList<Ev> of(Ev::Kind kind) const
    {
        QList<Ev> out;
        for (const Ev &e : events)
            if (e.kind == kind)
                out << e;
        return out;
    }
    QList<Ev> outputs(const QString &callId = {}) const
    {
        QList<Ev> out;
        for (const Ev &e : events)
            if (e.kind == Ev::Output && (callId.isEmpty() || e.callId == callId))
                out << e;
        return out;
    }
    QString plainText() const
    {
        QStringList parts;
        for (const Ev &e : events)
            if (e.kind == Ev::Output && !e.progress)
                parts << e.text;
        return parts.join(u'\n');
    }
    int progressCount() const
    {
        int n = 0;
        for (const Ev &e : events)
            if (e.kind == Ev::Output && e.progress)
                ++n;
        return n;
    }
};

QJsonObject step(const QString &tool, const QJsonObject &params)
{
    return QJsonObject{{u"agent_id"_s, u"agent-1"_s}, {u"tool"_s, tool}, {u"params"_s, params}};
}
QJsonObject script(const QString &command)
{
    return step(u"script"_s, {{u"command"_s, command}});
}

RunJob job(const QString &runId, const QJsonArray &steps, int timeoutS = 600)
{
    RunJob j;
    j.runId = runId;
    j.orgId = u"org-1"_s;
    j.crewId = u"crew-1"_s;
    j.steps = steps;
    j.timeoutS = timeoutS;
    return j;
}

bool runCommand(const QString &program, const QStringList &args, const QString &dir,
                QByteArray *out = nullptr)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(60000))
        return false;
    const QByteArray o = p.readAll();
    if (out)
        *out = o;
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning() << program << args << "failed:" << o;
        return false;
    }
    return true;
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

} // namespace

class TestRunner : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_bareUrl;
    QString m_repoRoot; // the one --git-local-root of these tests
    int m_runSeq = 0;
    std::shared_ptr<const Sandbox> m_sandbox;

    RunnerConfig config(bool keep = false) const
    {
        RunnerConfig c;
        c.workspaceRoot = m_tmp.filePath(u"ws"_s);
        c.python = kPython;
        c.graceMs = 1000;
        c.keepWorkspaces = keep;
        c.sandbox = m_sandbox;
        c.gitLocalRoots = {m_repoRoot};
        return c;
    }
    // --unsafe-tools: no sandbox, the process-group and marker cleanup.
    RunnerConfig unsafeConfig(bool keep = false) const
    {
        RunnerConfig c = config(keep);
        c.sandbox.reset();
        return c;
    }
    // A ToolProcess of its own (no RunExecutor): sandboxed in `ws`, which it owns.
    ToolProcessOptions toolOptions(const QString &ws, std::optional<uint> *uid) const
    {
        ToolProcessOptions o;
        o.sandbox = m_sandbox.get();
        o.limits = m_sandbox->config().limits;
        if (Sandbox::serverIsRoot()) {
            *uid =
                SandboxUidPool::acquire(m_sandbox->config().uidBase, m_sandbox->config().uidSlots);
            o.uid = *uid;
            if (::chown(QFile::encodeName(ws).constData(), **uid, **uid) != 0)
                qWarning() << "chown failed";
            ::chmod(QFile::encodeName(ws).constData(), 0711);
        }
        return o;
    }
    QString nextRunId() { return u"run-%1"_s.arg(++m_runSeq); }

    // Runs to the end and checks the invariants every run must hold.
    void runToEnd(RunExecutor &ex, RecordingSink &sink)
    {
        QSignalSpy done(&ex, &RunExecutor::done);
        ex.start();
        QTRY_VERIFY_WITH_TIMEOUT(sink.runFinishedCount == 1, kWaitMs);
        QCOMPARE(done.count(), 1);
        QVERIFY2(sink.violations.isEmpty(), qPrintable(sink.violations.join(u"; "_s)));
        QCOMPARE(sink.events.last().kind, Ev::RunFinished);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(QFileInfo(kPython).isExecutable(), "needs /usr/bin/python3 with pytest");
        // No sandbox is a failure here, never a skip: the product refuses to run tools then.
        const SandboxConfig sc;
        const SandboxProbe probe = Sandbox::probe(sc);
        QVERIFY2(probe.ok, qPrintable(u"no tool sandbox on this machine: "_s + probe.reason));
        m_sandbox = std::make_shared<const Sandbox>(sc, probe);
        // Fixture repositories live under their own root, readable by the tools' uids.
        m_repoRoot = QFileInfo(m_tmp.path()).canonicalFilePath() + u"/repos"_s;
        QVERIFY(QDir().mkpath(m_repoRoot));
        QVERIFY(QFile::setPermissions(
            m_repoRoot, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                            QFileDevice::ReadOther | QFileDevice::ExeOther |
                            QFileDevice::ReadGroup | QFileDevice::ExeGroup));
        // A small Python project: main has a passing test, branch "broken" adds a failing one.
        const QString src = m_tmp.filePath(u"src"_s);
        QVERIFY(QDir().mkpath(src));
        const QStringList id{u"-c"_s, u"user.name=Test"_s, u"-c"_s,
                             u"user.email=test@example.com"_s};
        QVERIFY(runCommand(u"git"_s, {u"init"_s, u"-q"_s, u"-b"_s, u"main"_s}, src));
        QVERIFY(writeFile(src + u"/calc.py"_s, "def add(a, b):\n    return a + b\n"));
        QVERIFY(writeFile(src + u"/test_calc.py"_s,
                          "from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n"));
        QVERIFY(runCommand(u"git"_s, {u"add"_s, u"."_s}, src));
        QVERIFY(runCommand(u"git"_s, id + QStringList{u"commit"_s, u"-q"_s, u"-m"_s, u"passing"_s},
                           src));
        QVERIFY(runCommand(u"git"_s, {u"checkout"_s, u"-q"_s, u"-b"_s, u"broken"_s}, src));
        QVERIFY(
            writeFile(src + u"/test_broken.py"_s,
                      "from calc import add\n\ndef test_broken():\n    assert add(2, 2) == 5\n"));
        QVERIFY(runCommand(u"git"_s, {u"add"_s, u"."_s}, src));
        QVERIFY(runCommand(u"git"_s, id + QStringList{u"commit"_s, u"-q"_s, u"-m"_s, u"failing"_s},
                           src));
        QVERIFY(runCommand(u"git"_s, {u"checkout"_s, u"-q"_s, u"main"_s}, src));
        QVERIFY(runCommand(u"git"_s,
                           {u"clone"_s, u"-q"_s, u"--bare"_s, src, m_repoRoot + u"/repo.git"_s},
                           m_tmp.path()));
        m_bareUrl = u"file://"_s + m_repoRoot + u"/repo.git"_s;
    }

    // ---- tools.h: command lines
    static ToolContext ctx(const QString &ws, const QString &python = u"python3"_s,
                           const QStringList &roots = {})
    {
        ToolContext c;
        c.workspace = ws;
        c.python = python;
        c.gitLocalRoots = roots;
        return c;
    }

    void gitCloneCommandLine()
    {
        const QStringList network{
            u"-c"_s, u"core.hooksPath=/dev/null"_s,    u"-c"_s, u"protocol.allow=never"_s,
            u"-c"_s, u"protocol.https.allow=always"_s, u"-c"_s, u"protocol.http.allow=always"_s,
            u"-c"_s, u"protocol.git.allow=always"_s,   u"-c"_s, u"protocol.ssh.allow=always"_s,
            u"-c"_s, u"protocol.file.allow=never"_s};
        Step s;
        s.tool = Tools::GitClone;
        s.params = {{u"url"_s, u"https://example.com/r.git"_s}};
        auto cmd = buildToolCommand(s, ctx(u"/ws/run-1"_s));
        QVERIFY(cmd);
        QCOMPARE(cmd->program, u"git"_s);
        const QStringList expected =
            network +
            QStringList{u"clone"_s, u"--depth"_s, u"1"_s, u"--"_s, u"https://example.com/r.git"_s,
                        u"."_s};
        QCOMPARE(cmd->arguments, expected);
        QCOMPARE(cmd->workingDirectory, u"/ws/run-1"_s);
        QVERIFY(!cmd->createTmpDir);
        QVERIFY(cmd->readOnlyMounts.isEmpty());

        s.params.insert(u"ref"_s, u"v1.2"_s);
        cmd = buildToolCommand(s, ctx(u"/ws/run-1"_s));
        QVERIFY(cmd);
        const int dd = int(cmd->arguments.indexOf(u"--"_s));
        QVERIFY(dd > 0);
        QCOMPARE(cmd->arguments.mid(dd - 2, 2), (QStringList{u"--branch"_s, u"v1.2"_s}));
        QVERIFY(cmd->arguments.contains(u"core.hooksPath=/dev/null"_s));

        QString error;
        s.params = {{u"url"_s, u"--upload-pack=touch /tmp/x"_s}};
        QVERIFY(!buildToolCommand(s, ctx(u"/ws/run-1"_s), &error));
        QVERIFY(error.contains(u"url"_s));
        s.params = {{u"url"_s, u"https://example.com/r.git"_s}, {u"ref"_s, u"-oops"_s}};
        QVERIFY(!buildToolCommand(s, ctx(u"/ws/run-1"_s), &error));
        QCOMPARE(error, u"ref must not start with '-'"_s);
        s.params = {{u"url"_s, u"https://example.com/r.git"_s}, {u"ref"_s, 5}};
        QVERIFY(!buildToolCommand(s, ctx(u"/ws/run-1"_s), &error));
        QCOMPARE(error, u"ref must be a string"_s);
        s.params = {{u"url"_s, u"https://example.com/r.git"_s}, {u"ref"_s, QJsonValue()}};
        QVERIFY(buildToolCommand(s, ctx(u"/ws/run-1"_s)));
        s.params = {};
        QVERIFY(!buildToolCommand(s, ctx(u"/ws/run-1"_s), &error));
    }

    void gitLocalSourcesOnlyUnderAllowedRoots()
    {
        QCOMPARE(classifyGitUrl(u"https://h/r.git"_s).local, false);
        QCOMPARE(classifyGitUrl(u"git@github.com:o/r.git"_s).local, false);
        QCOMPARE(classifyGitUrl(u"ssh://h/r"_s).local, false);
        QCOMPARE(classifyGitUrl(u"/srv/r.git"_s).local, true);
        QCOMPARE(classifyGitUrl(u"./r.git"_s).local, true);
        QCOMPARE(classifyGitUrl(u"r.git"_s).local, true);
        QCOMPARE(classifyGitUrl(u"a/b:c"_s).local, true); // a '/' before the ':' is a path
        QCOMPARE(classifyGitUrl(u"FILE:///srv/r.git"_s).local, true);
        QCOMPARE(classifyGitUrl(u"file:///srv/r.git"_s).path, u"/srv/r.git"_s);

        const QString bare = m_repoRoot + u"/repo.git"_s;
        Step s;
        s.tool = Tools::GitClone;
        // Allowed: plain path and file:// under the root; the root is mounted, nothing else.
        for (const QString &url : QStringList{bare, u"file://"_s + bare}) {
            s.params = {{u"url"_s, url}};
            const auto cmd = buildToolCommand(s, ctx(u"/ws/r"_s, u"python3"_s, {m_repoRoot}));
            QVERIFY2(cmd, qPrintable(url));
            QCOMPARE(cmd->readOnlyMounts, QStringList{m_repoRoot});
            QVERIFY(cmd->arguments.contains(u"protocol.file.allow=always"_s));
            QCOMPARE(cmd->arguments.last(2).first(), url);
        }
        // A symlink into the root is cloned by its real path (the link is not in the sandbox).
        const QString link = m_tmp.filePath(u"link-to-repo"_s);
        QVERIFY(QFile::link(bare, link));
        s.params = {{u"url"_s, link}};
        auto cmd = buildToolCommand(s, ctx(u"/ws/r"_s, u"python3"_s, {m_repoRoot}));
        QVERIFY(cmd);
        QCOMPARE(cmd->arguments.last(2).first(), bare);

        // Refused: outside the roots (the data dir, another run's workspace), a relative path,
        // ".." out of the root, a symlink inside the root that leads out, and no roots at all;
        // one message whether the path exists or not.
        QVERIFY(QFile::link(m_tmp.path(), m_repoRoot + u"/escape"_s));
        const QStringList refused{
            m_tmp.filePath(u"src"_s),  u"file://"_s + m_tmp.filePath(u"src"_s),
            m_tmp.filePath(u"ws"_s),   u"repo.git"_s,
            m_repoRoot + u"/../src"_s, m_repoRoot + u"/escape/src"_s,
            u"/no/such/repo"_s};
        for (const QString &url : refused) {
            QString error;
            s.params = {{u"url"_s, url}};
            QVERIFY2(!buildToolCommand(s, ctx(u"/ws/r"_s, u"python3"_s, {m_repoRoot}), &error),
                     qPrintable(url));
            QVERIFY2(error.contains(u"--git-local-root"_s), qPrintable(error));
        }
        QString error;
        s.params = {{u"url"_s, bare}};
        QVERIFY(!buildToolCommand(s, ctx(u"/ws/r"_s), &error));
        QFile::remove(m_repoRoot + u"/escape"_s);
    }

    void pytestAndScriptCommandLines()
    {
        QTemporaryDir ws;
        QVERIFY(QDir(ws.path()).mkpath(u"pkg/tests"_s));
        Step s;
        s.tool = Tools::Pytest;
        auto cmd = buildToolCommand(s, ctx(ws.path(), u"/opt/py/bin/python"_s));
        QVERIFY(cmd);
        QCOMPARE(cmd->program, u"/opt/py/bin/python"_s);
        QCOMPARE(cmd->arguments, (QStringList{u"-m"_s, u"pytest"_s}));
        QCOMPARE(cmd->workingDirectory, QDir::cleanPath(ws.path()));
        QVERIFY(cmd->createTmpDir);

        // What pytest takes: a directory, a file, a node id; given to it as is, from the
        // workspace root.
        for (const QString &path :
             {u"pkg/tests"_s, u"pkg/tests/test_x.py"_s, u"pkg/tests/test_x.py::test_add"_s,
              u"pkg/tests/test_x.py::TestA::test_b[1-2]"_s, u"pkg/tests/.."_s}) {
            s.params = {{u"args"_s, QJsonArray{u"-q"_s, u"-k"_s, u"add"_s}}, {u"path"_s, path}};
            cmd = buildToolCommand(s, ctx(ws.path()));
            QVERIFY2(cmd, qPrintable(path));
            QCOMPARE(cmd->arguments,
                     (QStringList{u"-m"_s, u"pytest"_s, u"-q"_s, u"-k"_s, u"add"_s, path}));
            QCOMPARE(cmd->workingDirectory, QDir::cleanPath(ws.path()));
        }

        // Escapes are refused: "..", absolute paths, symlinks leading out, option-like paths,
        // a node id whose file part leaves.
        QVERIFY(QFile::link(u"/etc"_s, ws.filePath(u"pkg/out"_s)));
        for (const QString &bad :
             {u".."_s, u"../x"_s, u"pkg/../../x"_s, u"/etc"_s, u"pkg/out"_s, u"pkg/out/passwd"_s,
              u"-p"_s, u"--rootdir=/"_s, u"../t.py::test_a"_s, u"/etc/x.py::t"_s}) {
            QString error;
            s.params = {{u"path"_s, bad}};
            QVERIFY2(!buildToolCommand(s, ctx(ws.path()), &error), qPrintable(bad));
            QVERIFY(!error.isEmpty());
        }
        {
            QString error;
            s.params = {{u"path"_s, u"-p"_s}};
            QVERIFY(!buildToolCommand(s, ctx(ws.path()), &error));
            QCOMPARE(error, u"path must not start with '-'"_s);
            s.params = {{u"path"_s, 3}};
            QVERIFY(!buildToolCommand(s, ctx(ws.path()), &error));
            QCOMPARE(error, u"path must be a string"_s);
            s.params = {{u"path"_s, QJsonValue()}}; // null: no path, as if left out
            QVERIFY(buildToolCommand(s, ctx(ws.path())));
        }

        Step sc;
        sc.tool = Tools::Script;
        sc.params = {{u"command"_s, u"echo hi; exit 3"_s}};
        cmd = buildToolCommand(sc, ctx(ws.path()));
        QVERIFY(cmd);
        QCOMPARE(cmd->program, u"/bin/sh"_s);
        QCOMPARE(cmd->arguments, (QStringList{u"-c"_s, u"echo hi; exit 3"_s}));
    }

    void scrubbedEnvironmentIsAllowListOnly()
    {
        qputenv("CREWDECK_JWT_SECRET", "env-secret-value-1");
        QProcessEnvironment env = ToolProcess::scrubbedEnvironment(u"/workspace"_s, u"/tmp"_s);
        QStringList keys = env.keys();
        keys.sort();
        QCOMPARE(keys, (QStringList{u"GIT_CONFIG_NOSYSTEM"_s, u"GIT_TERMINAL_PROMPT"_s, u"HOME"_s,
                                    u"LANG"_s, u"LC_ALL"_s, u"PATH"_s, u"PYTHONDONTWRITEBYTECODE"_s,
                                    u"PYTHONUNBUFFERED"_s, u"TERM"_s, u"TMPDIR"_s}));
        QCOMPARE(env.value(u"HOME"_s), u"/workspace"_s);
        QCOMPARE(env.value(u"TMPDIR"_s), u"/tmp"_s);
        // Unsandboxed tools also carry the cleanup marker.
        env = ToolProcess::scrubbedEnvironment(u"/ws/r"_s, u"/ws/r/.tmp"_s, u"abc"_s);
        QCOMPARE(env.value(ToolProcess::markerVariable()), u"abc"_s);
        qunsetenv("CREWDECK_JWT_SECRET");
    }

    // ---- real runs
    void gitCloneAndPytestSucceed()
    {
        RecordingSink sink;
        const QString runId = nextRunId();
        RunExecutor ex(job(runId, {step(u"git_clone"_s, {{u"url"_s, m_bareUrl}}),
                                   step(u"pytest"_s, {{u"args"_s, QJsonArray{u"-q"_s}}})}),
                       config(), &sink);
        runToEnd(ex, sink);
        QVERIFY2(sink.runStatus == u"succeeded"_s,
                 sink.of(Ev::Finished).first().outcome.outputTail.constData());
        const auto starts = sink.of(Ev::Started);
        QCOMPARE(starts.size(), 2);
        QCOMPARE(starts.at(0).tool, u"git_clone"_s);
        QCOMPARE(starts.at(1).tool, u"pytest"_s);
        QCOMPARE(starts.at(0).params.value(u"url"_s).toString(), m_bareUrl);
        const auto ends = sink.of(Ev::Finished);
        QCOMPARE(ends.size(), 2);
        for (const Ev &e : ends) {
            QVERIFY2(e.outcome.status == u"success"_s, e.outcome.outputTail.constData());
            QCOMPARE(e.outcome.exitCode, std::optional<int>(0));
            QVERIFY(e.outcome.durationMs >= 0);
        }
        QVERIFY2(ends.at(1).outcome.outputTail.contains("1 passed"),
                 ends.at(1).outcome.outputTail.constData());
        QVERIFY(sink.plainText().contains(u"1 passed"_s));
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(u"ws/"_s + runId)));
    }

    void failingPytestFailsRunAndStops()
    {
        RecordingSink sink;
        const QString runId = nextRunId();
        RunExecutor ex(
            job(runId, {step(u"git_clone"_s, {{u"url"_s, m_bareUrl}, {u"ref"_s, u"broken"_s}}),
                        step(u"pytest"_s, {}), script(u"touch should-not-exist"_s)}),
            config(), &sink);
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"failed"_s);
        QCOMPARE(sink.of(Ev::Started).size(), 2);
        const auto ends = sink.of(Ev::Finished);
        QCOMPARE(ends.size(), 2);
        QCOMPARE(ends.at(0).outcome.status, u"success"_s);
        QCOMPARE(ends.at(1).outcome.status, u"failed"_s);
        QCOMPARE(ends.at(1).outcome.exitCode, std::optional<int>(1));
        QVERIFY(ends.at(1).outcome.outputTail.contains("1 failed"));
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(u"ws/"_s + runId)));
    }

    void pytestPathInsideWorkspace()
    {
        RecordingSink sink;
        // A directory, a file, a node id (each from the workspace root), then a path that
        // leaves the workspace.
        const QJsonArray q{u"-q"_s};
        RunExecutor ex(
            job(nextRunId(),
                {step(u"git_clone"_s, {{u"url"_s, m_bareUrl}}),
                 script(u"mkdir sub && cp test_calc.py calc.py sub/ && "
                        "printf 'def test_other():\\n    assert False\\n' >> sub/test_calc.py"_s),
                 step(u"pytest"_s,
                      {{u"path"_s, u"sub"_s}, {u"args"_s, QJsonArray{u"-q"_s, u"-k"_s, u"add"_s}}}),
                 step(u"pytest"_s, {{u"path"_s, u"test_calc.py"_s}, {u"args"_s, q}}),
                 step(u"pytest"_s, {{u"path"_s, u"sub/test_calc.py::test_add"_s}, {u"args"_s, q}}),
                 step(u"pytest"_s, {{u"path"_s, u"sub/../.."_s}})}),
            config(), &sink);
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"failed"_s);
        const auto ends = sink.of(Ev::Finished);
        QCOMPARE(ends.size(), 6);
        for (int i = 2; i <= 4; ++i) {
            QVERIFY2(ends.at(i).outcome.status == u"success"_s,
                     ends.at(i).outcome.outputTail.constData());
            QVERIFY2(ends.at(i).outcome.outputTail.contains("1 passed"),
                     ends.at(i).outcome.outputTail.constData());
        }
        QCOMPARE(ends.at(5).outcome.status, u"failed"_s);
        QVERIFY(!ends.at(5).outcome.exitCode);
        QVERIFY(ends.at(5).outcome.message.contains(u"workspace"_s));
    }

    void progressTokensAndOrdering()
    {
        RecordingSink sink;
        RunExecutor ex(
            job(nextRunId(),
                {script(
                     u"echo a; echo '::progress 10 start'; echo b; echo c; echo '::tokens 5'; "
                     "echo '::progress 50 half way'; echo '::tokens 7'; echo '::progress 150 bad'; "
                     "echo '::tokens x'; printf 'crlf\\r\\n'; printf last"_s),
                 script(u"seq 1 2000; echo '::progress 100 done'; seq 2001 2500"_s)}),
            config(), &sink);
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"succeeded"_s);
        const QString call1 = sink.of(Ev::Started).at(0).callId;
        const QString call2 = sink.of(Ev::Started).at(1).callId;

        // Step 1: sequence of (plain text | progress) in order.
        QStringList seq;
        qint64 tokens = 0;
        for (const Ev &e : sink.events) {
            if (e.callId != call1)
                continue;
            // Consecutive plain events are merged: where the coalescing window cuts depends
            // on scheduling, the text and its order relative to progress lines do not.
            if (e.kind == Ev::Output && e.progress)
                seq << u"P%1:%2"_s.arg(*e.progress).arg(e.text);
            else if (e.kind == Ev::Output && !seq.isEmpty() && !seq.last().startsWith(u"P"_s))
                seq.last() += u'\n' + e.text;
            else if (e.kind == Ev::Output)
                seq << e.text;
            if (e.kind == Ev::Tokens)
                tokens += e.n;
        }
        QCOMPARE(tokens, qint64(12));
        QCOMPARE(seq, (QStringList{u"a"_s, u"P10:start"_s, u"b\nc"_s, u"P50:half way"_s,
                                   u"::progress 150 bad\n::tokens x\ncrlf\nlast"_s}));
        // The last line arrives before the tool's end, nothing of it follows.
        const qsizetype endIdx = [&] {
            for (qsizetype i = 0; i < sink.events.size(); ++i)
                if (sink.events[i].kind == Ev::Finished && sink.events[i].callId == call1)
                    return i;
            return qsizetype(-1);
        }();
        QVERIFY(endIdx > 0);
        QCOMPARE(sink.events.at(endIdx - 1).kind, Ev::Output);
        QVERIFY(sink.events.at(endIdx - 1).text.endsWith(u"last"_s));

        // Step 2: plain lines coalesced (fewer events than lines), nothing lost, in order,
        // and the progress line sits between 2000 and 2001.
        QStringList lines;
        int plainEvents = 0;
        int progressAt = -1;
        for (const Ev &e : sink.outputs(call2)) {
            if (e.progress) {
                QCOMPARE(*e.progress, 100);
                QCOMPARE(e.text, u"done"_s);
                progressAt = int(lines.size());
            } else {
                ++plainEvents;
                lines += e.text.split(u'\n');
            }
        }
        QCOMPARE(lines.size(), 2500);
        for (int i = 0; i < 2500; ++i)
            QCOMPARE(lines.at(i), QString::number(i + 1));
        QCOMPARE(progressAt, 2000);
        QVERIFY(plainEvents < 2500);
        QVERIFY(plainEvents >= 2);
        QVERIFY(sink.of(Ev::Finished).at(1).outcome.outputTail.endsWith("2500\n"));
    }

    void longLinesAndTailAreCapped()
    {
        RecordingSink sink;
        RunnerConfig c = config();
        c.outputCapBytes = 128 * 1024;
        // One 300 KB line, then ~20 MB of short lines, then a marker line.
        RunExecutor ex(
            job(nextRunId(),
                {script(
                    u"head -c 300000 /dev/zero | tr '\\0' x; echo; echo after-long; "
                    "yes 0123456789abcdef | head -n 1200000; echo '::progress 100 done'; echo final-line"_s)}),
            c, &sink);
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"succeeded"_s);
        const QByteArray marker = OutputFramer::truncatedMarker();
        bool sawCutLine = false;
        for (const Ev &e : sink.outputs()) {
            const QByteArray utf8 = e.text.toUtf8();
            QVERIFY2(utf8.size() <= 64 * 1024, QByteArray::number(utf8.size()).constData());
            if (utf8.startsWith("xxxx") && utf8.contains(marker))
                sawCutLine = true;
        }
        QVERIFY(sawCutLine);
        QVERIFY(sink.plainText().contains(u"after-long"_s));
        QCOMPARE(sink.progressCount(), 1);
        QVERIFY(sink.outputs().last().text.endsWith(u"final-line"_s));
        const ToolOutcome out = sink.of(Ev::Finished).at(0).outcome;
        QVERIFY(out.outputTail.size() <= c.outputCapBytes);
        QVERIFY(out.outputTail.startsWith(QByteArray(marker + '\n')));
        QVERIFY(out.outputTail.endsWith("::progress 100 done\nfinal-line\n"));
    }

    void endlessPrinterCancelled()
    {
        RecordingSink sink;
        RunnerConfig c = config();
        c.outputCapBytes = 256 * 1024;
        RunExecutor ex(
            job(nextRunId(),
                {script(
                    u"i=0; while true; do i=$((i+1)); echo \"line $i of a tool that never stops "
                    u"printing\"; "
                    "if [ $((i % 2000)) -eq 0 ]; then echo \"::progress $((i / 2000 % 101)) tick $i\"; fi; done"_s)}),
            c, &sink);
        QSignalSpy done(&ex, &RunExecutor::done);
        ex.start();
        QTRY_VERIFY_WITH_TIMEOUT(sink.progressCount() >= 5, kWaitMs);
        ex.cancel();
        ex.cancel(); // idempotent
        QTRY_VERIFY_WITH_TIMEOUT(sink.runFinishedCount == 1, kWaitMs);
        QVERIFY2(sink.violations.isEmpty(), qPrintable(sink.violations.join(u"; "_s)));
        QCOMPARE(done.count(), 1);
        QCOMPARE(sink.runStatus, u"cancelled"_s);
        const ToolOutcome out = sink.of(Ev::Finished).at(0).outcome;
        QCOMPARE(out.status, u"cancelled"_s);
        QVERIFY(!out.exitCode);
        QVERIFY(out.outputTail.size() <= c.outputCapBytes);
        QVERIFY(!out.outputTail.isEmpty());
        // Progress values arrive in order, none dropped: "tick N" counts up by 2000.
        qint64 lastTick = 0;
        for (const Ev &e : sink.outputs()) {
            QVERIFY(e.text.toUtf8().size() <= 64 * 1024);
            if (!e.progress)
                continue;
            const qint64 tick = e.text.section(u' ', 1, 1).toLongLong();
            QCOMPARE(tick, lastTick + 2000);
            lastTick = tick;
        }
        QTest::qWait(200);
        QCOMPARE(sink.runFinishedCount, 1);
        QVERIFY(sink.violations.isEmpty());
    }

    void endlessPrinterDoesNotStopOtherRuns()
    {
        RecordingSink noisy;
        RunExecutor loud(
            job(nextRunId(),
                {script(
                    u"i=0; while true; do i=$((i+1)); echo \"spam $i\"; "
                    "if [ $((i % 5000)) -eq 0 ]; then echo '::progress 1 still here'; fi; done"_s)}),
            config(), &noisy);
        loud.start();
        QTRY_VERIFY_WITH_TIMEOUT(noisy.progressCount() >= 2, kWaitMs);

        RecordingSink quiet;
        RunExecutor other(job(nextRunId(), {script(u"echo '::progress 100 quick'; echo ok"_s)}),
                          config(), &quiet);
        runToEnd(other, quiet);
        QCOMPARE(quiet.runStatus, u"succeeded"_s);
        QCOMPARE(quiet.progressCount(), 1);
        QVERIFY(quiet.plainText().contains(u"ok"_s));
        QCOMPARE(noisy.runFinishedCount, 0); // still printing

        loud.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(noisy.runFinishedCount == 1, kWaitMs);
        QCOMPARE(noisy.runStatus, u"cancelled"_s);
        QVERIFY(noisy.violations.isEmpty());
    }

    void stopKillsWholeTree_data()
    {
        QTest::addColumn<bool>("viaTimeout");
        QTest::addColumn<bool>("sandboxed");
        QTest::newRow("cancel") << false << true;
        QTest::newRow("timeout") << true << true;
        QTest::newRow("cancel-unsafe") << false << false;
    }

    void stopKillsWholeTree()
    {
        QFETCH(bool, viaTimeout);
        QFETCH(bool, sandboxed);
        RecordingSink sink;
        const QString runId = nextRunId();
        // Everything ignores SIGTERM, so the SIGKILL path is exercised: a background child, a
        // setsid() escapee, an orphaned grandchild of an escapee, and (sandboxed) a setsid
        // escapee that also drops its whole environment (env -i), which no marker finds.
        const QByteArray n = testsupport::uniqueNumber();
        const QString cmd =
            u"trap '' TERM; "
            "sleep %1 & "
            "setsid sh -c 'exec sleep %1' & "
            "setsid sh -c 'sleep %1 & echo' & "
            "%2"
            "echo started; wait"_s.arg(
                QString::fromLatin1(n),
                sandboxed ? u"(setsid env -i sleep %1 &) ; "_s.arg(QString::fromLatin1(n))
                          : QString());
        const int expected = sandboxed ? 4 : 3;
        RunExecutor ex(job(runId, {script(cmd), script(u"touch never"_s)}, viaTimeout ? 5 : 600),
                       sandboxed ? config(true) : unsafeConfig(true), &sink);
        QSignalSpy done(&ex, &RunExecutor::done);
        ex.start();
        QTRY_COMPARE_WITH_TIMEOUT(testsupport::liveProcessesWithArg(n), expected, kWaitMs);
        if (!viaTimeout)
            ex.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(sink.runFinishedCount == 1, kWaitMs);
        QVERIFY(sink.violations.isEmpty());
        QCOMPARE(sink.runStatus, viaTimeout ? u"failed"_s : u"cancelled"_s);
        QCOMPARE(sink.of(Ev::Started).size(), 1);
        const ToolOutcome out = sink.of(Ev::Finished).at(0).outcome;
        QCOMPARE(out.status, viaTimeout ? u"timeout"_s : u"cancelled"_s);
        QVERIFY(!out.exitCode);
        // Dead by the time finished() was reported, not just "eventually".
        QCOMPARE(testsupport::liveProcessesWithArg(n), 0);
        const QString ws = m_tmp.filePath(u"ws/"_s + runId);
        QVERIFY(!QFileInfo::exists(ws + u"/never"_s));
        QDir(ws).removeRecursively();
    }

    void normalExitLeavesNoDaemons()
    {
        RecordingSink sink;
        const QString runId = nextRunId();
        // A background child and daemons (setsid, setsid + env -i) are left running when the
        // tool's main process exits.
        const QByteArray n = testsupport::uniqueNumber();
        RunExecutor ex(job(runId, {script(u"sleep %1 & setsid sh -c 'exec sleep %1' & "
                                          "(setsid env -i sleep %1 &); sleep 0.2; echo bye"_s.arg(
                                              QString::fromLatin1(n)))}),
                       config(), &sink);
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"succeeded"_s);
        QVERIFY(sink.plainText().contains(u"bye"_s));
        QCOMPARE(testsupport::liveProcessesWithArg(n), 0);
    }

    void environmentIsScrubbed()
    {
        qputenv("CREWDECK_JWT_SECRET", "super-secret-jwt-key-42");
        qputenv("CREWDECK_DB", "postgres://admin:hunter2@db/crewdeck");
        qputenv("AWS_SECRET_ACCESS_KEY", "aws-secret-99");
        // A descriptor the server forgot to mark close-on-exec must not reach the tool.
        const QByteArray leakPath = m_tmp.filePath(u"leaky-secret-file"_s).toUtf8();
        QVERIFY(writeFile(QString::fromUtf8(leakPath), "x"));
        const int leaked = ::open(leakPath.constData(), O_RDONLY); // deliberately without O_CLOEXEC
        QVERIFY(leaked >= 0);

        RecordingSink sink;
        const QString runId = nextRunId();
        // The server's own environment is not in /proc either: the tool sees only its own pid
        // namespace.
        RunExecutor ex(
            job(runId,
                {script(u"env; echo \"nofile=$(ulimit -n) core=$(ulimit -c) pwd=$(pwd)\"; "
                        "for f in /proc/$$/fd/*; do echo \"fd=$(readlink $f)\"; done; "
                        "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | sed 's/^/penv:/'; "
                        "test -d \"$TMPDIR\" && test -w \"$TMPDIR\" && echo tmpdir-ok"_s)}),
            config(), &sink);
        runToEnd(ex, sink);
        ::close(leaked);
        qunsetenv("CREWDECK_JWT_SECRET");
        qunsetenv("CREWDECK_DB");
        qunsetenv("AWS_SECRET_ACCESS_KEY");

        QCOMPARE(sink.runStatus, u"succeeded"_s);
        const QString text = sink.plainText();
        QVERIFY(!text.contains(u"super-secret"_s));
        QVERIFY(!text.contains(u"hunter2"_s));
        QVERIFY(!text.contains(u"aws-secret"_s));
        QVERIFY(!text.contains(u"CREWDECK_"_s));
        QVERIFY(!text.contains(QString::fromUtf8(leakPath)));
        const QStringList lines = text.split(u'\n');
        QVERIFY(lines.contains(u"HOME=/workspace"_s));
        QVERIFY(lines.contains(u"TMPDIR=/tmp"_s));
        QVERIFY(lines.contains(u"TERM=dumb"_s));
        QVERIFY(lines.contains(u"PYTHONUNBUFFERED=1"_s));
        QVERIFY(lines.contains(u"GIT_TERMINAL_PROMPT=0"_s));
        QVERIFY2(lines.contains(u"nofile=1024 core=0 pwd=/workspace"_s), qPrintable(text));
        QVERIFY2(lines.contains(u"tmpdir-ok"_s), qPrintable(text));
        const QSet<QString> allowed{u"PATH"_s,
                                    u"HOME"_s,
                                    u"LANG"_s,
                                    u"LC_ALL"_s,
                                    u"TMPDIR"_s,
                                    u"TERM"_s,
                                    u"PYTHONUNBUFFERED"_s,
                                    u"PYTHONDONTWRITEBYTECODE"_s,
                                    u"GIT_TERMINAL_PROMPT"_s,
                                    u"GIT_CONFIG_NOSYSTEM"_s,
                                    u"PWD"_s,
                                    u"OLDPWD"_s,
                                    u"SHLVL"_s,
                                    u"_"_s}; // the last four: set by sh
        int envLines = 0;
        for (QString l : lines) {
            if (l.startsWith(u"fd="_s) || l.startsWith(u"nofile="_s) || l == u"tmpdir-ok"_s ||
                l.isEmpty())
                continue;
            if (l.startsWith(u"penv:"_s))
                l = l.mid(5);
            else
                ++envLines;
            const QString key = l.section(u'=', 0, 0);
            QVERIFY2(allowed.contains(key), qPrintable(l));
        }
        QVERIFY(envLines >= 10);
    }

    void killedBySignalExitCode()
    {
        RecordingSink sink;
        RunExecutor ex(job(nextRunId(), {script(u"echo before; kill -9 $$"_s)}), config(), &sink);
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"failed"_s);
        const ToolOutcome out = sink.of(Ev::Finished).at(0).outcome;
        QCOMPARE(out.status, u"failed"_s);
        QCOMPARE(out.exitCode, std::optional<int>(128 + 9));
        QVERIFY(sink.plainText().contains(u"before"_s));
    }

    void exitCodeKept()
    {
        RecordingSink sink;
        RunExecutor ex(job(nextRunId(), {script(u"exit 42"_s), script(u"echo not reached"_s)}),
                       config(), &sink);
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"failed"_s);
        QCOMPARE(sink.of(Ev::Started).size(), 1);
        QCOMPARE(sink.of(Ev::Finished).at(0).outcome.exitCode, std::optional<int>(42));
    }

    void missingProgramFails()
    {
        RecordingSink sink;
        RunnerConfig c = config();
        c.python = m_tmp.filePath(u"no/such/python3"_s);
        const QString runId = nextRunId();
        RunExecutor ex(job(runId, {step(u"pytest"_s, {}), script(u"echo not reached"_s)}), c,
                       &sink);
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"failed"_s);
        QCOMPARE(sink.of(Ev::Started).size(), 1);
        const ToolOutcome out = sink.of(Ev::Finished).at(0).outcome;
        QCOMPARE(out.status, u"failed"_s);
        QVERIFY(!out.exitCode || *out.exitCode == 127);
        QVERIFY2(out.message.startsWith(u"failed to start"_s), qPrintable(out.message));
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(u"ws/"_s + runId)));

        // A missing command inside a script is the shell's 127.
        RecordingSink sink2;
        RunExecutor ex2(job(nextRunId(), {script(u"/no/such/program-xyz"_s)}), config(), &sink2);
        runToEnd(ex2, sink2);
        QCOMPARE(sink2.runStatus, u"failed"_s);
        QCOMPARE(sink2.of(Ev::Finished).at(0).outcome.exitCode, std::optional<int>(127));
    }

    void workspaceRemovedOrKept()
    {
        RecordingSink sink;
        const QString runId = nextRunId();
        const QString ws = m_tmp.filePath(u"ws/"_s + runId);
        // Stale leftovers from an earlier attempt are discarded: the workspace starts fresh.
        QVERIFY(QDir().mkpath(ws + u"/stale"_s));
        RunExecutor ex(
            job(runId,
                {script(
                    u"test ! -e stale && mkdir -p d/e && touch d/e/f && chmod 000 d && echo $HOME"_s)}),
            config(), &sink);
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"succeeded"_s);
        QVERIFY(sink.plainText().contains(u"/workspace"_s));
        QVERIFY(!QFileInfo::exists(ws));

        RecordingSink sink2;
        const QString runId2 = nextRunId();
        RunExecutor ex2(job(runId2, {script(u"touch kept"_s)}), config(true), &sink2);
        runToEnd(ex2, sink2);
        QVERIFY(QFileInfo::exists(m_tmp.filePath(u"ws/"_s + runId2 + u"/kept"_s)));
        QDir(m_tmp.filePath(u"ws/"_s + runId2)).removeRecursively();
    }

    void ownerMayDeleteExecutorFromDone()
    {
        RecordingSink sink;
        auto *ex = new RunExecutor(job(nextRunId(), {script(u"echo hi"_s)}), config(), &sink);
        bool deleted = false;
        connect(ex, &RunExecutor::done, this, [ex, &deleted] {
            delete ex; // synchronously, from inside the tool's finished() emission
            deleted = true;
        });
        ex->start();
        QTRY_VERIFY_WITH_TIMEOUT(deleted, kWaitMs);
        QCOMPARE(sink.runStatus, u"succeeded"_s);
        QTest::qWait(50); // the detached ToolProcess is deleted later without touching anything
        QVERIFY(sink.violations.isEmpty());
    }

    void cancelBeforeStart()
    {
        RecordingSink sink;
        const QString runId = nextRunId();
        RunExecutor ex(job(runId, {script(u"touch x"_s)}), config(), &sink);
        QSignalSpy done(&ex, &RunExecutor::done);
        ex.cancel();
        QCOMPARE(sink.runFinishedCount, 1);
        QCOMPARE(sink.runStatus, u"cancelled"_s);
        QCOMPARE(done.count(), 1);
        ex.start();
        ex.cancel();
        QTest::qWait(50);
        QCOMPARE(sink.events.size(), 1);
        QCOMPARE(sink.of(Ev::Started).size(), 0);
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(u"ws/"_s + runId)));
    }

    void cancelFromToolStarted()
    {
        RecordingSink sink;
        RunExecutor ex(job(nextRunId(), {script(u"echo should not run"_s)}), config(), &sink);
        sink.onStarted = [&ex](const QString &) { ex.cancel(); };
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"cancelled"_s);
        QCOMPARE(sink.of(Ev::Finished).size(), 1);
        QCOMPARE(sink.of(Ev::Finished).at(0).outcome.status, u"cancelled"_s);
        QVERIFY(sink.outputs().isEmpty());
    }

    void destroyingARunningToolKillsItsTree()
    {
        QTemporaryDir ws;
        const QByteArray n = testsupport::uniqueNumber();
        ToolCommand cmd;
        cmd.program = u"/bin/sh"_s;
        cmd.arguments = {u"-c"_s,
                         u"trap '' TERM; sleep %1 & setsid sh -c 'exec sleep %1' & wait"_s.arg(
                             QString::fromLatin1(n))};
        cmd.workingDirectory = ws.path();
        std::optional<uint> uid;
        {
            ToolProcess tool(cmd, ws.path(), toolOptions(ws.path(), &uid));
            QSignalSpy finished(&tool, &ToolProcess::finished);
            tool.start();
            QTRY_COMPARE_WITH_TIMEOUT(testsupport::liveProcessesWithArg(n), 2, kWaitMs);
            QVERIFY(finished.isEmpty());
        }
        QCOMPARE(testsupport::liveProcessesWithArg(n), 0);
        if (uid)
            SandboxUidPool::release(*uid);
    }

    void cancelRightAfterStart()
    {
        QTemporaryDir ws;
        const QByteArray n = testsupport::uniqueNumber();
        ToolCommand cmd;
        cmd.program = u"/bin/sh"_s;
        cmd.arguments = {u"-c"_s, u"sleep "_s + QString::fromLatin1(n)};
        cmd.workingDirectory = ws.path();
        std::optional<uint> uid;
        ToolProcessOptions opts = toolOptions(ws.path(), &uid);
        opts.graceMs = 200;
        ToolProcess tool(cmd, ws.path(), opts);
        QSignalSpy finished(&tool, &ToolProcess::finished);
        tool.start();
        tool.cancel();
        tool.timeout(); // a second stop request changes nothing
        QVERIFY(finished.wait(kWaitMs));
        const auto outcome = finished.at(0).at(0).value<ToolOutcome>();
        QCOMPARE(outcome.status, u"cancelled"_s);
        QVERIFY(!outcome.exitCode);
        QCOMPARE(testsupport::liveProcessesWithArg(n), 0);
        QTest::qWait(50);
        QCOMPARE(finished.count(), 1);
        if (uid)
            SandboxUidPool::release(*uid);
    }

    void gracefulStopReachesTheTool()
    {
        // SIGTERM reaches the tool inside the sandbox (not only its init): a tool that cleans
        // up on TERM gets to do it within the grace period.
        RecordingSink sink;
        const QString runId = nextRunId();
        RunExecutor ex(job(runId, {script(u"trap 'echo got-term; exit 7' TERM; echo ready; "
                                          "while true; do sleep 0.05; done"_s)}),
                       config(), &sink);
        QSignalSpy done(&ex, &RunExecutor::done);
        ex.start();
        QTRY_VERIFY_WITH_TIMEOUT(sink.plainText().contains(u"ready"_s), kWaitMs);
        ex.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(sink.runFinishedCount == 1, kWaitMs);
        QCOMPARE(sink.runStatus, u"cancelled"_s);
        QVERIFY2(sink.plainText().contains(u"got-term"_s), qPrintable(sink.plainText()));
    }

    void forkLoopIsCapped()
    {
        // A fork loop stops at the process limit, the tool ends, and the machine (this test)
        // keeps running: more processes than the limit never exist at once.
        RecordingSink sink;
        RunnerConfig c = config();
        SandboxConfig sc = m_sandbox->config();
        sc.limits.maxProcesses = 40;
        c.sandbox = std::make_shared<const Sandbox>(sc, m_sandbox->probeResult());
        const QByteArray n = testsupport::uniqueNumber();
        RunExecutor ex(
            job(nextRunId(),
                {script(u"i=0; while [ $i -lt 400 ]; do sleep %1 & i=$((i+1)); done; echo looped"_s
                            .arg(QString::fromLatin1(n)))},
                120),
            c, &sink);
        QSignalSpy done(&ex, &RunExecutor::done);
        ex.start();
        int peak = 0;
        while (sink.runFinishedCount == 0) {
            peak = qMax(peak, testsupport::liveProcessesWithArg(n));
            QTest::qWait(20);
        }
        QVERIFY2(peak <= 40 + (Sandbox::serverIsRoot() ? 0 : 64),
                 qPrintable(QString::number(peak)));
        QCOMPARE(testsupport::liveProcessesWithArg(n), 0);
        QVERIFY2(sink.plainText().contains(u"fork"_s, Qt::CaseInsensitive) ||
                     sink.runStatus == u"failed"_s,
                 qPrintable(sink.plainText()));
    }

    void toolLimitsApply()
    {
        // File size, memory and CPU limits as the tool sees them (ulimit), and a file over the
        // size limit cannot be written.
        RecordingSink sink;
        RunnerConfig c = config();
        SandboxConfig sc = m_sandbox->config();
        sc.limits.maxFileSizeMb = 2;
        sc.limits.memoryMb = 512;
        sc.limits.cpuSeconds = 33;
        sc.limits.maxOpenFiles = 99;
        c.sandbox = std::make_shared<const Sandbox>(sc, m_sandbox->probeResult());
        RunExecutor ex(
            job(nextRunId(),
                {script(
                    u"echo \"f=$(ulimit -f) v=$(ulimit -v) t=$(ulimit -t) n=$(ulimit -n)\"; "
                    "head -c 3000000 /dev/zero > big 2>/dev/null; echo size=$(stat -c %s big)"_s)}),
            c, &sink);
        runToEnd(ex, sink);
        const QString text = sink.plainText();
        // dash counts ulimit -f in 512-byte blocks and -v in KiB.
        QVERIFY2(text.contains(u"f=4096 v=524288 t=33 n=99"_s), qPrintable(text));
        QVERIFY2(text.contains(u"size=2097152"_s), qPrintable(text));
    }

    void sandboxSeesOnlyItsWorkspace()
    {
        // The host around the runner (this test's temp dir: fixture sources, other runs'
        // workspaces, a secret) is not there; /tmp and writes outside the workspace stay
        // inside; another run's workspace cannot be reached.
        const QString secret = m_tmp.filePath(u"jwt-secret"_s);
        QVERIFY(writeFile(secret, "host-secret-bytes"));
        QFile::setPermissions(secret, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        const QString marker = u"escape-%1"_s.arg(QString::fromLatin1(testsupport::uniqueNumber()));
        RecordingSink sink;
        const QString runId = nextRunId();
        RunExecutor ex(
            job(runId,
                {script(u"cat %1 2>&1; ls %2 2>&1; ls /root 2>&1; echo x > /tmp/%3 && echo tmp-ok; "
                        "touch %2/%3 2>&1; touch /%3 2>&1; ls / ; hostname; id -u"_s.arg(
                            secret, m_tmp.path(), marker))}),
            config(), &sink);
        runToEnd(ex, sink);
        const QString text = sink.plainText();
        QVERIFY2(!text.contains(u"host-secret-bytes"_s), qPrintable(text));
        QVERIFY2(!text.contains(u"repos"_s) && !text.contains(u"leaky"_s), qPrintable(text));
        QVERIFY(text.contains(u"tmp-ok"_s));
        QVERIFY(text.contains(u"crewdeck-tool"_s));
        QVERIFY(!QFileInfo::exists(u"/tmp/"_s + marker));
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(marker)));
        QVERIFY(!QFileInfo::exists(u"/"_s + marker));
        QVERIFY(text.contains(u"workspace"_s));
        if (Sandbox::serverIsRoot())
            QVERIFY2(!text.split(u'\n').contains(u"0"_s), qPrintable(text)); // not uid 0
    }

    void networkOnOrNone()
    {
        // On by default (git clone, pip): a tool reaches a port on this machine. With
        // --tool-network none it has an empty network namespace of its own.
        QTcpServer listener;
        QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
        const QString probe =
            u"python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", %1), 2); "
            "print(\"net-connected\")' 2>/dev/null || echo net-refused"_s.arg(
                listener.serverPort());
        RecordingSink on;
        RunExecutor ex(job(nextRunId(), {script(probe)}), config(), &on);
        runToEnd(ex, on);
        QVERIFY2(on.plainText().contains(u"net-connected"_s), qPrintable(on.plainText()));

        RunnerConfig c = config();
        SandboxConfig sc = m_sandbox->config();
        sc.network = false;
        c.sandbox = std::make_shared<const Sandbox>(sc, m_sandbox->probeResult());
        RecordingSink none;
        RunExecutor ex2(job(nextRunId(), {script(probe)}), c, &none);
        runToEnd(ex2, none);
        QVERIFY2(none.plainText().contains(u"net-refused"_s), qPrintable(none.plainText()));
    }

    void localCloneOutsideRootsFails()
    {
        RecordingSink sink;
        const QString runId = nextRunId();
        // The fixture's sources lie outside the allowed root: refused before any process,
        // and nothing reaches the workspace.
        RunExecutor ex(job(runId, {step(u"git_clone"_s, {{u"url"_s, m_tmp.filePath(u"src"_s)}}),
                                   script(u"echo not reached"_s)}),
                       config(true), &sink);
        runToEnd(ex, sink);
        QCOMPARE(sink.runStatus, u"failed"_s);
        const ToolOutcome out = sink.of(Ev::Finished).at(0).outcome;
        QCOMPARE(out.status, u"failed"_s);
        QVERIFY2(out.message.contains(u"--git-local-root"_s), qPrintable(out.message));
        const QString ws = m_tmp.filePath(u"ws/"_s + runId);
        QVERIFY(
            QDir(ws).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
        QDir(ws).removeRecursively();
        // Even with the check fooled, git inside the sandbox would not find it: the sources are
        // not mounted. (A script can call git itself.)
        RecordingSink sink2;
        const QString runId2 = nextRunId();
        RunExecutor ex2(
            job(runId2,
                {script(u"git clone -q %1 x 2>&1; ls x 2>&1"_s.arg(m_tmp.filePath(u"src"_s)))}),
            config(true), &sink2);
        runToEnd(ex2, sink2);
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(u"ws/"_s + runId2 + u"/x/calc.py"_s)));
        QDir(m_tmp.filePath(u"ws/"_s + runId2)).removeRecursively();
    }

    void toolProcessSignals()
    {
        QTemporaryDir ws;
        ToolCommand cmd;
        cmd.program = u"/bin/sh"_s;
        cmd.arguments = {u"-c"_s,
                         u"echo one; echo '::tokens 3'; echo '::progress 40 p'; printf two"_s};
        cmd.workingDirectory = ws.path();
        std::optional<uint> uid;
        ToolProcess tool(cmd, ws.path(), toolOptions(ws.path(), &uid));
        QVERIFY(tool.isSandboxed());
        QSignalSpy started(&tool, &ToolProcess::started);
        QSignalSpy output(&tool, &ToolProcess::output);
        QSignalSpy progress(&tool, &ToolProcess::progress);
        QSignalSpy tokens(&tool, &ToolProcess::tokens);
        QSignalSpy finished(&tool, &ToolProcess::finished);
        tool.start();
        QVERIFY(finished.isEmpty()); // never from inside start()
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(started.count(), 1);
        QCOMPARE(tokens.count(), 1);
        QCOMPARE(tokens.at(0).at(0).toLongLong(), qint64(3));
        QCOMPARE(progress.count(), 1);
        QCOMPARE(progress.at(0).at(0).toInt(), 40);
        QCOMPARE(output.count(), 2);
        QCOMPARE(output.at(0).at(0).toString(), u"one"_s);
        QCOMPARE(output.at(1).at(0).toString(), u"two"_s);
        const auto outcome = finished.at(0).at(0).value<ToolOutcome>();
        QCOMPARE(outcome.status, u"success"_s);
        QCOMPARE(outcome.outputTail, QByteArray("one\n::tokens 3\n::progress 40 p\ntwo"));
        tool.cancel(); // after the end: ignored
        QTest::qWait(100);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(output.count(), 2);
        if (uid)
            SandboxUidPool::release(*uid);
    }
};

QTEST_GUILESS_MAIN(TestRunner)
#include "tst_runner.moc"
