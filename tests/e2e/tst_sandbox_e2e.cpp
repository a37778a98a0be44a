// The tool sandbox as an attacker with a member account meets it: the built crewdeck-server
// (CREWDECK_SERVER_BIN) started as a process, users made with `useradd`, runs started over
// REST, every claim checked from outside (the host's disk, /proc, REST events). No sandbox on
// this machine is a failure, never a skip: the product refuses to run tools then.
// Everything runs on the test's main thread.
#include "tests/support/processutil.h"
#include "tests/support/testserver.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

namespace {

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool git(const QString &cwd, const QStringList &args)
{
    QProcess p;
    p.setWorkingDirectory(cwd);
    p.start(u"git"_s, QStringList{u"-c"_s, u"user.name=T"_s, u"-c"_s, u"user.email=t@t.invalid"_s,
                                  u"-c"_s, u"init.defaultBranch=main"_s} +
                          args);
    return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

// A bare repository with one passing test under `parent`.
bool makeRepo(const QString &parent, const QString &name)
{
    const QString work = parent + u"/"_s + name + u"-src"_s;
    if (!QDir().mkpath(work + u"/tests"_s))
        return false;
    QFile t(work + u"/tests/test_calc.py"_s);
    if (!t.open(QIODevice::WriteOnly))
        return false;
    t.write("def test_add():\n    assert 1 + 1 == 2\n\n\ndef test_mul():\n    assert 2 * 3 == 6\n");
    t.close();
    return git(work, {u"init"_s, u"-q"_s}) && git(work, {u"add"_s, u"-A"_s}) &&
           git(work, {u"commit"_s, u"-q"_s, u"-m"_s, u"tests"_s}) &&
           git(parent,
               {u"clone"_s, u"-q"_s, u"--bare"_s, work, parent + u"/"_s + name + u".git"_s}) &&
           QDir(work).removeRecursively();
}

} // namespace

class TestSandboxE2e : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void memberScriptSeesNothingOfTheServer();
    void localCloneOutsideTheRootsFails();
    void gitClonePytestPathsAndNodeIds();
    void cancelKillsEscapees();
    void forkLoopIsCappedAndServerStaysUp();
    void serverKillLeavesNoToolAndRestartRecovers();
    void dataDirIsPrivate();
    void withoutSandboxToolsAreRefused();

private:
    bool startServer(const QStringList &extra = {}, const QProcessEnvironment &env = cleanEnv());
    void stopServer();
    QString startRun(const QJsonArray &steps);
    // Waits for a final status; returns the run.
    QJsonObject waitFinal(const QString &runId);
    // All output text of a run's events.
    QString outputOf(const QString &runId);
    static QJsonObject script(const QString &command)
    {
        return QJsonObject{{u"tool"_s, u"script"_s},
                           {u"params"_s, QJsonObject{{u"command"_s, command}}}};
    }

    QString m_bin;
    QTemporaryDir m_dir;
    QString m_dataDir, m_secretFile, m_allowed, m_private;
    QByteArray m_canary;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_server;
    std::unique_ptr<HttpClient> m_http;
    QString m_memberToken, m_crew;
};

void TestSandboxE2e::initTestCase()
{
    m_bin = qEnvironmentVariable("CREWDECK_SERVER_BIN");
    QVERIFY2(!m_bin.isEmpty(), "CREWDECK_SERVER_BIN is not set (run through ctest)");
    QVERIFY2(QFileInfo(m_bin).isExecutable(), qPrintable(m_bin));
    QVERIFY(m_dir.isValid());
    const QString root = QFileInfo(m_dir.path()).canonicalFilePath();
    m_dataDir = root + u"/data"_s;
    // The secret lives outside the data dir, where an operator may put it.
    m_secretFile = root + u"/etc-crewdeck/jwt-secret"_s;
    QVERIFY(QDir().mkpath(root + u"/etc-crewdeck"_s));
    QFile s(m_secretFile);
    QVERIFY(s.open(QIODevice::WriteOnly));
    s.write("e2e-sandbox-secret-" + uniqueNumber() + "\n");
    s.close();
    QFile::setPermissions(m_secretFile, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    m_canary = "canary-" + uniqueNumber() + "-value";
    // Fixture repositories: one under the allowed root (readable by any uid), one outside it.
    m_allowed = root + u"/allowed"_s;
    m_private = root + u"/private"_s;
    QVERIFY(QDir().mkpath(m_allowed));
    QVERIFY(QDir().mkpath(m_private));
    QFile::setPermissions(m_allowed, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                         QFileDevice::ExeOwner | QFileDevice::ReadOther |
                                         QFileDevice::ExeOther | QFileDevice::ReadGroup |
                                         QFileDevice::ExeGroup);
    QVERIFY(makeRepo(m_allowed, u"calc"_s));
    QVERIFY(makeRepo(m_private, u"secret"_s));

    // Users first (useradd on the data dir), then the server.
    for (const auto &[email, role] :
         {std::pair{u"admin@sec.test"_s, u"admin"_s}, {u"member@sec.test"_s, u"member"_s}}) {
        QProcess p;
        p.setProcessEnvironment(cleanEnv());
        p.start(m_bin, {u"useradd"_s, u"--org"_s, u"sec"_s, u"--email"_s, email, u"--role"_s, role,
                        u"--password-stdin"_s, u"--data-dir"_s, m_dataDir});
        p.write("password-for-e2e\n");
        p.closeWriteChannel();
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    }
    QVERIFY(startServer());
    auto login = [this](const QString &email) {
        const auto r =
            m_http->post(u"/auth/login"_s,
                         QJsonObject{{u"email"_s, email}, {u"password"_s, u"password-for-e2e"_s}});
        return r.json().value(u"access_token"_s).toString();
    };
    const QString admin = login(u"admin@sec.test"_s);
    m_memberToken = login(u"member@sec.test"_s);
    QVERIFY(!admin.isEmpty() && !m_memberToken.isEmpty());
    const QJsonObject crew{
        {u"name"_s, u"Attackers"_s},
        {u"agents"_s, QJsonArray{QJsonObject{
                          {u"name"_s, u"eve"_s},
                          {u"role"_s, u"dev"_s},
                          {u"tools"_s, QJsonArray{u"script"_s, u"git_clone"_s, u"pytest"_s}}}}}};
    const auto r = m_http->post(u"/crews"_s, crew, admin);
    QCOMPARE(r.status, 201);
    m_crew = r.json().value(u"id"_s).toString();
    QCOMPARE(r.json().value(u"status"_s).toString(), u"available"_s);
}

void TestSandboxE2e::cleanupTestCase()
{
    stopServer();
}

bool TestSandboxE2e::startServer(const QStringList &extra, const QProcessEnvironment &envIn)
{
    stopServer();
    m_port = freePort();
    QProcessEnvironment env = envIn;
    env.insert(u"SERVER_ONLY_CANARY"_s, QString::fromLatin1(m_canary)); // an operator's secret
    m_server = std::make_unique<QProcess>();
    m_server->setProcessEnvironment(env);
    m_server->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_server->start(m_bin, QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(m_port),
                                       u"--data-dir"_s, m_dataDir, u"--jwt-secret-file"_s,
                                       m_secretFile, u"--python"_s, u"/usr/bin/python3"_s,
                                       u"--git-local-root"_s, m_allowed, u"--keep-workspaces"_s,
                                       u"--max-concurrent-runs"_s, u"2"_s} +
                               extra);
    if (!m_server->waitForStarted(10000))
        return false;
    m_http = std::make_unique<HttpClient>(QUrl(u"http://127.0.0.1:%1"_s.arg(m_port)));
    QDeadlineTimer deadline(60000);
    while (!deadline.hasExpired()) {
        if (m_http->get(u"/healthz"_s).status == 200)
            return true;
        if (m_server->state() != QProcess::Running)
            return false;
        QTest::qWait(100);
    }
    return false;
}

void TestSandboxE2e::stopServer()
{
    if (m_server && m_server->state() == QProcess::Running) {
        m_server->terminate();
        if (!m_server->waitForFinished(30000))
            m_server->kill();
        m_server->waitForFinished(5000);
    }
    m_server.reset();
}

QString TestSandboxE2e::startRun(const QJsonArray &steps)
{
    const auto r = m_http->post(u"/crews/%1/runs"_s.arg(m_crew), QJsonObject{{u"steps"_s, steps}},
                                m_memberToken);
    if (r.status != 202)
        qWarning() << "start run:" << r.status << r.body;
    return r.json().value(u"id"_s).toString();
}

QJsonObject TestSandboxE2e::waitFinal(const QString &runId)
{
    QDeadlineTimer deadline(120000);
    while (!deadline.hasExpired()) {
        const QJsonObject run = m_http->get(u"/runs/"_s + runId, m_memberToken).json();
        const QString st = run.value(u"status"_s).toString();
        if (st == u"succeeded"_s || st == u"failed"_s || st == u"cancelled"_s)
            return run;
        QTest::qWait(50);
    }
    return {};
}

QString TestSandboxE2e::outputOf(const QString &runId)
{
    QStringList parts;
    const QJsonArray events = m_http->get(u"/runs/%1/events"_s.arg(runId), m_memberToken)
                                  .json()
                                  .value(u"events"_s)
                                  .toArray();
    for (const QJsonValue &e : events)
        parts << e.toObject().value(u"message"_s).toString();
    return parts.join(u'\n');
}

void TestSandboxE2e::memberScriptSeesNothingOfTheServer()
{
    const QByteArray mark = uniqueNumber();
    const QString root = QFileInfo(m_dir.path()).canonicalFilePath();
    // Everything the attack in the issue tried, from an ordinary member's script.
    const QString cmd = u"echo uid=$(id -u); "
                        "cat %1 2>&1; echo; "
                        "test -e %1 && echo SECRET-VISIBLE; test -e %2 && echo DATADIR-VISIBLE; "
                        "test -e %2/crewdeck.db && echo DB-VISIBLE; ls %2 2>&1; "
                        "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c %3 | sed "
                        "'s/^/canary-count=/'; "
                        "cat /proc/$PPID/environ 2>/dev/null | tr '\\0' '\\n' | grep CANARY; "
                        "ls /proc | grep -c '^[0-9]' | sed 's/^/procs=/'; "
                        "echo x > /tmp/host-probe-%4 && echo tmp-write-ok; "
                        "echo x > %5/probe-%4 2>&1; echo x > %2/probe-%4 2>&1; "
                        "ls %6 2>&1; ls /root 2>&1; ls /home 2>&1; echo done"_s.arg(
                            m_secretFile, m_dataDir, QString::fromLatin1(m_canary),
                            QString::fromLatin1(mark), root, m_private);
    const QString runId = startRun({script(cmd)});
    QVERIFY(!runId.isEmpty());
    const QJsonObject run = waitFinal(runId);
    QCOMPARE(run.value(u"status"_s).toString(), u"succeeded"_s);
    const QString out = outputOf(runId);
    QVERIFY2(out.contains(u"done"_s), qPrintable(out));
    // The secret's bytes, the database, the data dir: not readable, not even visible.
    const QByteArray secret = readFile(m_secretFile).trimmed();
    QVERIFY(!secret.isEmpty());
    QVERIFY2(!out.contains(QString::fromLatin1(secret)), qPrintable(out));
    QVERIFY2(!out.contains(u"SECRET-VISIBLE"_s), qPrintable(out));
    QVERIFY2(!out.contains(u"DATADIR-VISIBLE"_s), qPrintable(out));
    QVERIFY2(!out.contains(u"DB-VISIBLE"_s), qPrintable(out));
    QVERIFY2(!out.contains(u"crewdeck.db"_s), qPrintable(out));
    // The operator's environment is nowhere in /proc; only the tool's own processes are there.
    QVERIFY2(out.contains(u"canary-count=0"_s), qPrintable(out));
    QVERIFY2(!out.contains(QString::fromLatin1(m_canary)), qPrintable(out));
    QVERIFY2(!out.contains(u"SERVER_ONLY_CANARY"_s), qPrintable(out));
    // Writes outside the workspace never reach the host.
    QVERIFY(out.contains(u"tmp-write-ok"_s));
    QVERIFY(!QFileInfo::exists(u"/tmp/host-probe-"_s + QString::fromLatin1(mark)));
    QVERIFY(!QFileInfo::exists(root + u"/probe-"_s + QString::fromLatin1(mark)));
    QVERIFY(!QFileInfo::exists(m_dataDir + u"/probe-"_s + QString::fromLatin1(mark)));
    // Not the server's uid 0 when the server is root.
    if (::geteuid() == 0)
        QVERIFY2(!out.contains(u"uid=0\n"_s), qPrintable(out));
}

void TestSandboxE2e::localCloneOutsideTheRootsFails()
{
    const QStringList urls{m_private + u"/secret.git"_s,
                           u"file://"_s + m_private + u"/secret.git"_s, u"file://"_s + m_dataDir,
                           m_allowed + u"/../private/secret.git"_s};
    for (const QString &url : urls) {
        const QString runId = startRun(
            {QJsonObject{{u"tool"_s, u"git_clone"_s}, {u"params"_s, QJsonObject{{u"url"_s, url}}}},
             script(u"echo not reached"_s)});
        QVERIFY(!runId.isEmpty());
        const QJsonObject run = waitFinal(runId);
        QCOMPARE(run.value(u"status"_s).toString(), u"failed"_s);
        const QJsonArray calls = run.value(u"tool_calls"_s).toArray();
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls.at(0).toObject().value(u"status"_s).toString(), u"failed"_s);
        // Nothing of it reached the workspace (kept with --keep-workspaces).
        const QString ws = m_dataDir + u"/workspaces/"_s + runId;
        QVERIFY2(
            QDir(ws).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty(),
            qPrintable(url));
        QVERIFY2(outputOf(runId).contains(u"--git-local-root"_s), qPrintable(outputOf(runId)));
    }
}

void TestSandboxE2e::gitClonePytestPathsAndNodeIds()
{
    auto pytest = [](const QString &path) {
        QJsonObject params{{u"args"_s, QJsonArray{u"-q"_s}}};
        if (!path.isEmpty())
            params.insert(u"path"_s, path);
        return QJsonObject{{u"tool"_s, u"pytest"_s}, {u"params"_s, params}};
    };
    const QString url = u"file://"_s + m_allowed + u"/calc.git"_s;
    const QJsonObject clone{{u"tool"_s, u"git_clone"_s},
                            {u"params"_s, QJsonObject{{u"url"_s, url}}}};
    const QString runId =
        startRun(QJsonArray{clone, pytest({}), pytest(u"tests"_s), pytest(u"tests/test_calc.py"_s),
                            pytest(u"tests/test_calc.py::test_mul"_s)});
    QVERIFY(!runId.isEmpty());
    const QJsonObject run = waitFinal(runId);
    QVERIFY2(run.value(u"status"_s).toString() == u"succeeded"_s, qPrintable(outputOf(runId)));
    const QString out = outputOf(runId);
    QVERIFY2(out.count(u"2 passed"_s) == 3, qPrintable(out));
    QVERIFY2(out.contains(u"1 passed"_s), qPrintable(out));
    // A path out of the workspace is a failed tool with a message.
    const QString bad = startRun({pytest(u"../../etc"_s)});
    const QJsonObject badRun = waitFinal(bad);
    QCOMPARE(badRun.value(u"status"_s).toString(), u"failed"_s);
    QVERIFY2(outputOf(bad).contains(u"workspace"_s), qPrintable(outputOf(bad)));
}

void TestSandboxE2e::cancelKillsEscapees()
{
    const QByteArray n = uniqueNumber();
    const QString sleep = u"sleep "_s + QString::fromLatin1(n);
    // Processes that leave the session and drop the environment, as the attacker did.
    const QString cmd =
        u"trap '' TERM; %1 & setsid sh -c 'exec %1' & (setsid env -i %1 &); "
        "(setsid env -u HOME nohup %1 >/dev/null 2>&1 &); echo started; wait"_s.arg(sleep);
    const QString runId = startRun({script(cmd)});
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(liveProcessesWithArg(n), 4, 60000);
    const auto r = m_http->post(u"/runs/%1/cancel"_s.arg(runId), {}, m_memberToken);
    QCOMPARE(r.status, 202);
    const QJsonObject run = waitFinal(runId);
    QCOMPARE(run.value(u"status"_s).toString(), u"cancelled"_s);
    QCOMPARE(liveProcessesWithArg(n), 0);
}

void TestSandboxE2e::forkLoopIsCappedAndServerStaysUp()
{
    QVERIFY(startServer({u"--tool-max-processes"_s, u"48"_s}));
    const QByteArray n = uniqueNumber();
    // A fork loop that survives its failures: it forks until the limit says no 200 times, holds
    // what it got for 3 s (so the host can count them), and says how many it got.
    const QString loop =
        u"python3 -c 'import subprocess, time\n"
        "ps = []\nfails = 0\n"
        "while fails < 200:\n"
        "    try:\n        ps.append(subprocess.Popen([\"sleep\", \"%1\"]))\n"
        "    except OSError:\n        fails += 1\n"
        "print(\"forked\", len(ps), flush=True)\ntime.sleep(3)'"_s.arg(QString::fromLatin1(n));
    const QString runId = startRun({script(loop)});
    QVERIFY(!runId.isEmpty());
    int peak = 0;
    QDeadlineTimer deadline(60000);
    QJsonObject run;
    while (!deadline.hasExpired()) {
        peak = qMax(peak, liveProcessesWithArg(n));
        // The machine stays responsive: the server answers while the loop runs.
        QCOMPARE(m_http->get(u"/healthz"_s).status, 200);
        run = m_http->get(u"/runs/"_s + runId, m_memberToken).json();
        const QString st = run.value(u"status"_s).toString();
        if (st == u"succeeded"_s || st == u"failed"_s)
            break;
        QTest::qWait(20);
    }
    QCOMPARE(run.value(u"status"_s).toString(), u"succeeded"_s);
    const QString out = outputOf(runId);
    const qsizetype at = out.indexOf(u"forked "_s);
    QVERIFY2(at >= 0, qPrintable(out));
    const int forked = out.mid(at + 7).section(u'\n', 0, 0).toInt();
    // As root every run has a uid of its own, so the cap is exact (python itself is one of
    // the 48); otherwise the limit is counted over the server's own threads too.
    const int cap = ::geteuid() == 0 ? 48 : 48 + 64;
    QVERIFY2(forked > 0 && forked < cap, qPrintable(out));
    QVERIFY2(peak > 0 && peak <= cap, qPrintable(QString::number(peak)));
    QCOMPARE(liveProcessesWithArg(n), 0);
    QVERIFY(startServer());
}

void TestSandboxE2e::serverKillLeavesNoToolAndRestartRecovers()
{
    const QByteArray n = uniqueNumber();
    const QString sleep = u"sleep "_s + QString::fromLatin1(n);
    const QString runId = startRun({script(
        u"%1 & (setsid env -i %1 &); setsid sh -c 'exec %1' & echo started; wait"_s.arg(sleep))});
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(liveProcessesWithArg(n), 3, 60000);
    m_server->kill(); // SIGKILL: no chance to clean up
    QVERIFY(m_server->waitForFinished(10000));
    // The sandbox dies with the server (PR_SET_PDEATHSIG -> bwrap -> --die-with-parent).
    QTRY_COMPARE_WITH_TIMEOUT(liveProcessesWithArg(n), 0, 10000);
    QVERIFY(startServer());
    QCOMPARE(liveProcessesWithArg(n), 0);
    // The restarted server fails the interrupted run.
    const QJsonObject run = waitFinal(runId);
    QCOMPARE(run.value(u"status"_s).toString(), u"failed"_s);
}

void TestSandboxE2e::dataDirIsPrivate()
{
    const auto noGroupOther = [](const QString &path) {
        const auto p = QFile::permissions(path);
        return !(p & (QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup |
                      QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther));
    };
    QVERIFY(noGroupOther(m_dataDir));
    int checked = 0;
    for (const QString &f : {u"crewdeck.db"_s, u"crewdeck.db-wal"_s, u"crewdeck.db-shm"_s}) {
        const QString path = m_dataDir + u'/' + f;
        if (!QFileInfo::exists(path))
            continue;
        QVERIFY2(noGroupOther(path), qPrintable(path));
        ++checked;
    }
    QVERIFY(checked >= 1);
    // The metrics say how tools run.
    const QString admin =
        m_http
            ->post(u"/auth/login"_s, QJsonObject{{u"email"_s, u"admin@sec.test"_s},
                                                 {u"password"_s, u"password-for-e2e"_s}})
            .json()
            .value(u"access_token"_s)
            .toString();
    const QByteArray metrics = m_http->get(u"/metrics"_s, admin).body;
    QVERIFY2(metrics.contains("crewdeck_tool_sandbox 1"), metrics.constData());
    QVERIFY(metrics.contains("crewdeck_tool_limit_processes 256"));
    QVERIFY(metrics.contains("crewdeck_tool_calls_refused_total"));
}

void TestSandboxE2e::withoutSandboxToolsAreRefused()
{
    // bubblewrap "missing": the node says why in one line at start, its crews are offline
    // and a run is refused (503) rather than failed.
    stopServer();
    m_port = freePort();
    QProcess p;
    p.setProcessEnvironment(cleanEnv());
    p.start(m_bin,
            {u"serve"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(m_port), u"--data-dir"_s, m_dataDir,
             u"--jwt-secret-file"_s, m_secretFile, u"--bwrap"_s, u"/nonexistent/bwrap"_s});
    QVERIFY(p.waitForStarted());
    HttpClient http(QUrl(u"http://127.0.0.1:%1"_s.arg(m_port)));
    QTRY_COMPARE_WITH_TIMEOUT(http.get(u"/healthz"_s).status, 200, 60000);
    const auto crews = http.get(u"/crews/"_s + m_crew, m_memberToken);
    QCOMPARE(crews.json().value(u"status"_s).toString(), u"offline"_s);
    const auto r =
        http.post(u"/crews/%1/runs"_s.arg(m_crew),
                  QJsonObject{{u"steps"_s, QJsonArray{script(u"true"_s)}}}, m_memberToken);
    QCOMPARE(r.status, 503);
    p.terminate();
    QVERIFY(p.waitForFinished(30000));
    const QByteArray log = p.readAllStandardError();
    QVERIFY2(log.contains("runs no tools") && log.contains("--unsafe-tools") &&
                 log.contains("bubblewrap"),
             log.constData());

    // With --unsafe-tools it runs them, and says so on every run.
    QVERIFY(startServer({u"--bwrap"_s, u"/nonexistent/bwrap"_s, u"--unsafe-tools"_s}));
    const QString runId = startRun({script(u"echo unsafe-ran"_s)});
    QCOMPARE(waitFinal(runId).value(u"status"_s).toString(), u"succeeded"_s);
    QVERIFY(outputOf(runId).contains(u"unsafe-ran"_s));
    QVERIFY(startServer());
}

QTEST_GUILESS_MAIN(TestSandboxE2e)
#include "tst_sandbox_e2e.moc"
