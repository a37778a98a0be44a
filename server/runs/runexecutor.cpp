#include "server/runs/runexecutor.h"
#include "server/runs/processtree.h"
#include "shared/logging.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {

// A tool may leave directories without write/exec permission (chmod 000); make them
// removable again. Symlinks are never followed.
void makeTreeRemovable(const QString &dirPath)
{
    QFile::setPermissions(dirPath, QFile::permissions(dirPath) | QFileDevice::ReadOwner |
                                       QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QDirIterator it(dirPath, QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
    while (it.hasNext()) {
        const QString sub = it.next();
        if (!it.fileInfo().isSymLink())
            makeTreeRemovable(sub);
    }
}

bool isSafeRunId(const QString &id)
{
    return !id.isEmpty() && id != u"."_s && id != u".."_s && !id.contains(u'/') &&
           !id.contains(u'\\') && !id.contains(QChar(0));
}

} // namespace

RunExecutor::RunExecutor(const RunJob &job, const RunnerConfig &config, RunSink *sink,
                         QObject *parent)
    : QObject(parent), m_job(job), m_config(config), m_sink(sink)
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &RunExecutor::onDeadline);
}

RunExecutor::~RunExecutor()
{
    if (m_tool) {
        m_tool->disconnect(this);
        delete m_tool; // kills the whole tree synchronously
    }
    if (m_started && !m_finished)
        removeWorkspace();
    releaseUid();
}

void RunExecutor::prepareProcess()
{
    proctree::enableChildSubreaper();
}

void RunExecutor::releaseUid()
{
    if (m_uid)
        SandboxUidPool::release(*m_uid);
    m_uid.reset();
}

void RunExecutor::start()
{
    if (m_started || m_finished)
        return;
    m_started = true;
    prepareProcess();

    for (const QJsonValue &v : m_job.steps) {
        QString error;
        const auto step = Step::fromJson(v.toObject(), &error);
        if (!step) {
            qCWarning(lcRuns) << "run" << m_job.runId << "has an invalid step:" << error;
            finishRun(RunState::Failed);
            return;
        }
        m_steps << *step;
    }
    if (!sandboxed())
        qCWarning(lcRuns) << "run" << m_job.runId
                          << "runs its tools UNSANDBOXED (--unsafe-tools): they can read"
                          << "and write everything the server's user can";
    QString error;
    if (!prepareWorkspace(&error)) {
        qCWarning(lcRuns) << "run" << m_job.runId << "workspace:" << error;
        finishRun(RunState::Failed);
        return;
    }
    const int timeoutS = m_job.timeoutS > 0 ? m_job.timeoutS : 600;
    m_deadline.start(std::chrono::seconds(timeoutS));
    startNextStep();
}

void RunExecutor::cancel()
{
    if (m_finished || m_cancelRequested)
        return;
    m_cancelRequested = true;
    if (!m_started) {
        m_started = true; // a later start() is a no-op
        finishRun(RunState::Cancelled);
        return;
    }
    if (m_tool)
        m_tool->cancel();
    // Between steps (no tool running) the next startNextStep() sees the flag.
}

void RunExecutor::onDeadline()
{
    if (m_finished)
        return;
    m_timedOut = true;
    if (m_tool)
        m_tool->timeout();
}

bool RunExecutor::prepareWorkspace(QString *error)
{
    if (!isSafeRunId(m_job.runId)) {
        *error = u"unsafe run id"_s;
        return false;
    }
    if (m_config.workspaceRoot.isEmpty() || !QDir::isAbsolutePath(m_config.workspaceRoot)) {
        *error = u"workspace root must be an absolute path"_s;
        return false;
    }
    m_workspace = QDir::cleanPath(QDir(m_config.workspaceRoot).filePath(m_job.runId));
    // Fresh: leftovers of an earlier attempt of this run (server crash) are discarded.
    if (QFileInfo::exists(m_workspace) || QFileInfo(m_workspace).isSymLink())
        removeWorkspace();
    if (!QDir().mkpath(m_workspace)) {
        *error = u"cannot create %1"_s.arg(m_workspace);
        return false;
    }
    QFile::setPermissions(m_workspace,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
#ifdef Q_OS_UNIX
    if (sandboxed() && Sandbox::serverIsRoot()) {
        // The run's own uid owns its workspace; 0711 lets bwrap (root without capabilities
        // after setup) enter it, and nobody list it.
        const SandboxConfig &sc = m_config.sandbox->config();
        m_uid = SandboxUidPool::acquire(sc.uidBase, sc.uidSlots);
        if (!m_uid) {
            *error = u"no free tool uid (all %1 in use)"_s.arg(sc.uidSlots);
            return false;
        }
        if (::chown(QFile::encodeName(m_workspace).constData(), *m_uid, *m_uid) != 0) {
            *error = u"cannot hand the workspace to uid %1"_s.arg(*m_uid);
            return false;
        }
        QFile::setPermissions(m_workspace, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                               QFileDevice::ExeOwner | QFileDevice::ExeGroup |
                                               QFileDevice::ExeOther);
    }
#endif
    return true;
}

void RunExecutor::removeWorkspace()
{
    if (m_workspace.isEmpty() || m_config.keepWorkspaces)
        return;
    const QFileInfo fi(m_workspace);
    if (fi.isSymLink()) {
        QFile::remove(m_workspace);
        return;
    }
    if (!fi.exists())
        return;
    QDir dir(m_workspace);
    if (!dir.removeRecursively()) {
        makeTreeRemovable(m_workspace);
        if (!dir.removeRecursively())
            qCWarning(lcRuns) << "could not remove workspace" << m_workspace;
    }
}

void RunExecutor::startNextStep()
{
    if (m_finished)
        return;
    if (m_cancelRequested) {
        finishRun(RunState::Cancelled);
        return;
    }
    if (m_timedOut) {
        finishRun(RunState::Failed);
        return;
    }
    if (m_next >= m_steps.size()) {
        finishRun(RunState::Succeeded);
        return;
    }
    const Step step = m_steps.at(m_next++);
    const QString agentId = step.agentId.value_or(QString());
    m_toolCallId = m_sink->toolStarted(agentId, step.tool, step.params);
    if (m_finished)
        return;

    // The sink may have cancelled us from inside toolStarted().
    if (m_cancelRequested) {
        ToolOutcome outcome;
        outcome.status = CallState::Cancelled;
        m_sink->toolFinished(m_toolCallId, outcome);
        finishRun(RunState::Cancelled);
        return;
    }

    QString error;
    ToolContext context;
    context.workspace = m_workspace;
    context.python = m_config.python;
    context.gitLocalRoots = m_config.gitLocalRoots;
    const auto command = buildToolCommand(step, context, &error);
    if (!command) {
        ToolOutcome outcome;
        outcome.status = CallState::Failed;
        outcome.message = error;
        m_sink->toolFinished(m_toolCallId, outcome);
        finishRun(RunState::Failed);
        return;
    }

    ToolProcessOptions options;
    options.graceMs = m_config.graceMs;
    options.outputCapBytes = m_config.outputCapBytes;
    options.coalesceMs = m_config.coalesceMs;
    options.ownerTag = ToolProcess::ownerTagFor(m_config.workspaceRoot);
    options.sandbox = m_config.sandbox.get();
    options.uid = m_uid;
    if (m_config.sandbox)
        options.limits = m_config.sandbox->config().limits;
    auto *tool = new ToolProcess(*command, m_workspace, options, this);
    m_tool = tool;
    const QString callId = m_toolCallId;
    connect(tool, &ToolProcess::output, this, [this, callId](const QString &text) {
        m_sink->toolOutput(callId, text, std::nullopt);
    });
    connect(tool, &ToolProcess::progress, this,
            [this, callId](int percent, const QString &message) {
                m_sink->toolOutput(callId, message, percent);
            });
    connect(tool, &ToolProcess::tokens, this,
            [this, callId](qint64 n) { m_sink->toolTokens(callId, n); });
    connect(tool, &ToolProcess::finished, this, &RunExecutor::onToolFinished);
    tool->start();
}

void RunExecutor::onToolFinished(const ToolOutcome &outcome)
{
    if (m_tool) {
        m_tool->disconnect(this);
        // We are inside its finished() emission: detach it so that an owner deleting us from
        // done() does not delete the emitting object under its feet.
        m_tool->setParent(nullptr);
        m_tool->deleteLater();
        m_tool = nullptr;
    }
    m_sink->toolFinished(m_toolCallId, outcome);
    if (m_finished)
        return;
    if (outcome.status == CallState::Success) {
        startNextStep();
    } else if (outcome.status == CallState::Cancelled) {
        finishRun(RunState::Cancelled);
    } else {
        // failed, or timeout (the run's deadline): the run failed.
        finishRun(m_cancelRequested ? RunState::Cancelled : RunState::Failed);
    }
}

void RunExecutor::finishRun(const QString &status)
{
    if (m_finished)
        return;
    m_finished = true;
    m_deadline.stop();
    // Every process of the run is dead by now (ToolProcess waits for that), so the workspace
    // can go.
    removeWorkspace();
    releaseUid();
    qCInfo(lcRuns) << "run" << m_job.runId << status;
    m_sink->runFinished(status);
    Q_EMIT done();
}

} // namespace crewdeck::server
