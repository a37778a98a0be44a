#include "server/engine/demopipelines.h"

#include "shared/logging.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QUrl>

namespace crewdeck::server {

using namespace Qt::StringLiterals;

bool runGit(const QStringList &args, const QString &dir, QString *error)
{
    QProcess git;
    git.setWorkingDirectory(dir);
    git.setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"GIT_TERMINAL_PROMPT"_s, u"0"_s);
    env.insert(u"GIT_AUTHOR_NAME"_s, u"CrewDeck Demo"_s);
    env.insert(u"GIT_AUTHOR_EMAIL"_s, u"demo@crewdeck.local"_s);
    env.insert(u"GIT_COMMITTER_NAME"_s, u"CrewDeck Demo"_s);
    env.insert(u"GIT_COMMITTER_EMAIL"_s, u"demo@crewdeck.local"_s);
    git.setProcessEnvironment(env);
    git.start(u"git"_s, args);
    if (!git.waitForFinished(60000) || git.exitStatus() != QProcess::NormalExit ||
        git.exitCode() != 0) {
        if (error)
            *error = u"git "_s + args.join(u' ') + u": "_s +
                     QString::fromUtf8(git.readAll()).trimmed() + git.errorString();
        return false;
    }
    return true;
}

namespace {
bool writeFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return f.write(content) == content.size();
}

const char *const CalcPy = "\"\"\"A tiny library the demo crews build and test.\"\"\"\n\n"
                           "def add(a, b):\n    return a + b\n\n"
                           "def mean(values):\n    values = list(values)\n"
                           "    if not values:\n        raise ValueError(\"mean of nothing\")\n"
                           "    return sum(values) / len(values)\n";

const char *const TestsPy = "import time\n\nimport calc\nimport pytest\n\n\n"
                            "def test_add():\n    assert calc.add(2, 3) == 5\n\n\n"
                            "def test_mean():\n    assert calc.mean([1, 2, 3, 4]) == 2.5\n\n\n"
                            "def test_mean_empty():\n    with pytest.raises(ValueError):\n"
                            "        calc.mean([])\n\n\n"
                            "@pytest.mark.parametrize(\"n\", range(12))\n"
                            "def test_slow_sum(n):\n    time.sleep(0.05)\n"
                            "    assert calc.add(n, n) == 2 * n\n";

const char *const FailingPy =
    "import calc\n\n\n"
    "def test_rounding_regression():\n"
    "    # The flaky branch changed mean() without updating the callers.\n"
    "    assert calc.mean([1, 2]) == 1\n";
} // namespace

DemoPipelines::DemoPipelines(Store *store, RunScheduler *scheduler, QString demoDir, QString orgId,
                             int intervalMs, QObject *parent)
    : QObject(parent), m_store(store), m_scheduler(scheduler), m_dir(std::move(demoDir)),
      m_orgId(std::move(orgId))
{
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &DemoPipelines::launchRound);
}

QString DemoPipelines::repositoryUrl() const
{
    return QUrl::fromLocalFile(QDir(m_dir).filePath(u"project.git"_s)).toString();
}

// The demo repository is public demo code: readable by every tool, whatever uid it runs as
// (a root server runs each run's tools as a uid of its own).
static void makeReadableByAll(const QString &path)
{
    const QFileInfo fi(path);
    if (fi.isSymLink())
        return;
    auto perms = QFile::permissions(path) | QFileDevice::ReadOther | QFileDevice::ReadGroup;
    if (fi.isDir())
        perms |= QFileDevice::ExeOther | QFileDevice::ExeGroup;
    QFile::setPermissions(path, perms);
    if (fi.isDir()) {
        const auto entries = QDir(path).entryList(QDir::AllEntries | QDir::NoDotAndDotDot |
                                                  QDir::Hidden | QDir::System);
        for (const QString &e : entries)
            makeReadableByAll(QDir(path).filePath(e));
    }
}

bool DemoPipelines::prepare(QString *error)
{
    QDir root(m_dir);
    const QString bare = root.filePath(u"project.git"_s);
    if (QFile::exists(bare + u"/HEAD"_s)) {
        makeReadableByAll(m_dir);
        return true;
    }
    const QString work = root.filePath(u"project-src"_s);
    QDir(work).removeRecursively();
    if (!QDir().mkpath(work + u"/tests"_s)) {
        if (error)
            *error = u"cannot create "_s + work;
        return false;
    }
    if (!writeFile(work + u"/calc.py"_s, CalcPy) ||
        !writeFile(work + u"/tests/test_calc.py"_s, TestsPy) ||
        !writeFile(work + u"/conftest.py"_s,
                   "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n")) {
        if (error)
            *error = u"cannot write the demo project"_s;
        return false;
    }
    if (!runGit({u"init"_s, u"-q"_s, u"-b"_s, u"main"_s}, work, error) ||
        !runGit({u"add"_s, u"-A"_s}, work, error) ||
        !runGit({u"commit"_s, u"-q"_s, u"-m"_s, u"calc: add and mean with tests"_s}, work, error) ||
        !runGit({u"checkout"_s, u"-q"_s, u"-b"_s, u"flaky"_s}, work, error))
        return false;
    if (!writeFile(work + u"/tests/test_regression.py"_s, FailingPy) ||
        !runGit({u"add"_s, u"-A"_s}, work, error) ||
        !runGit({u"commit"_s, u"-q"_s, u"-m"_s, u"Add a regression test that fails"_s}, work,
                error) ||
        !runGit({u"checkout"_s, u"-q"_s, u"main"_s}, work, error))
        return false;
    if (!runGit({u"clone"_s, u"-q"_s, u"--bare"_s, work, bare}, m_dir, error))
        return false;
    QDir(work).removeRecursively();
    makeReadableByAll(m_dir);
    qCInfo(lcDemo) << "demo repository ready at" << repositoryUrl();
    return true;
}

void DemoPipelines::start()
{
    launchRound();
    m_timer.start();
}

void DemoPipelines::stop()
{
    m_timer.stop();
}

QJsonArray DemoPipelines::pipelineFor(const Crew &crew, bool failing) const
{
    auto agentFor = [&crew](const QString &tool) -> QString {
        for (const Agent &a : crew.agents) {
            if (a.tools.contains(tool))
                return a.id;
        }
        return {};
    };
    QJsonArray steps;
    const QString cloneAgent = agentFor(Tools::GitClone);
    const QString testAgent = agentFor(Tools::Pytest);
    const QString scriptAgent = agentFor(Tools::Script);
    if (!cloneAgent.isEmpty()) {
        steps.append(Step{
            cloneAgent, Tools::GitClone,
            QJsonObject{{u"url"_s, repositoryUrl()}, {u"ref"_s, failing ? u"flaky"_s : u"main"_s}}}
                         .toJson());
    }
    if (!testAgent.isEmpty() && !cloneAgent.isEmpty())
        steps.append(
            Step{testAgent, Tools::Pytest, QJsonObject{{u"args"_s, QJsonArray{u"-q"_s}}}}.toJson());
    if (!scriptAgent.isEmpty()) {
        // With a checkout: a "report" step counting the lines of code it reads. Without one
        // (a maintenance crew): a health check of the machine it runs on. Both report
        // ::progress as they go and a token count derived from what they read.
        const QString command =
            cloneAgent.isEmpty()
                ? QStringLiteral(
                      "echo '::progress 10 checking disk'; df -P . | tail -1; sleep 0.3; "
                      "echo '::progress 40 checking load'; cat /proc/loadavg 2>/dev/null || "
                      "uptime; sleep 0.3; "
                      "echo '::progress 70 counting processes'; n=$(ps -e 2>/dev/null | wc -l); "
                      "echo \"$n processes running\"; sleep 0.3; "
                      "echo '::progress 100 health check done'; echo \"::tokens $((n*3+40))\"")
                : QStringLiteral(
                      "files=$(ls -1 2>/dev/null | wc -l); i=0; "
                      "for f in $(ls -1 2>/dev/null) summary; do i=$((i+1)); "
                      "echo \"::progress $((i*100/(files+1))) analysing $f\"; sleep 0.3; done; "
                      "lines=$(cat *.py tests/*.py 2>/dev/null | wc -l); "
                      "echo \"read $lines lines of code\"; echo \"::tokens $((lines*7+120))\"");
        steps.append(
            Step{scriptAgent, Tools::Script, QJsonObject{{u"command"_s, command}}}.toJson());
    }
    return steps;
}

QStringList DemoPipelines::launchRound()
{
    QStringList started;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QList<Crew> crews = m_store->crews(m_orgId);
    for (qsizetype i = 0; i < crews.size(); ++i) {
        const Crew &crew = crews.at(i);
        if (m_store->crewHasActiveRun(crew.id))
            continue;
        const bool failing = ((m_round + quint64(i)) % 5) == 4;
        const QJsonArray steps = pipelineFor(crew, failing);
        if (steps.isEmpty())
            continue;
        const Run run = m_store->createRun(m_orgId, crew.id, steps, 120, now);
        m_scheduler->enqueue(run.id);
        started.append(run.id);
    }
    ++m_round;
    return started;
}

} // namespace crewdeck::server
