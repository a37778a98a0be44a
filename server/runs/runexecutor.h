#pragma once
#include "server/model/store.h"
#include "server/runs/toolprocess.h"
#include "shared/types.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <memory>
#include <optional>

// Executes one run's steps in order, each as a ToolProcess in the run's workspace
// (<workspaceRoot>/<runId>, created fresh, removed afterwards), sandboxed unless the config
// has no sandbox (--unsafe-tools). Under a root server the run gets a uid of its own for all
// its steps and the workspace belongs to it. A failing step ends the run;
// the run-level timeout ends the running tool with "timeout" and the run "failed"; cancel()
// ends it with "cancelled". Thread: the main thread; the sink is called synchronously on it.
namespace crewdeck::server {

// Where the executor reports. The run queue implements it (store rows + events).
class RunSink
{
public:
    virtual ~RunSink() = default;
    // Returns the tool_call_id (the stored tool call's id).
    virtual QString toolStarted(const QString &agentId, const QString &tool,
                                const QJsonObject &params) = 0;
    // progress: a `::progress` line (text = its message); nullopt: coalesced plain lines.
    virtual void toolOutput(const QString &toolCallId, const QString &text,
                            std::optional<int> progress) = 0;
    virtual void toolTokens(const QString &toolCallId, qint64 n) = 0;
    virtual void toolFinished(const QString &toolCallId, const ToolOutcome &outcome) = 0;
    virtual void runFinished(const QString &runStatus) = 0; // succeeded | failed | cancelled
};

struct RunnerConfig
{
    QString workspaceRoot; // absolute; one sub-directory per run
    QString python =
        QStringLiteral("python3");       // interpreter for pytest (CREWDECK_PYTHON / --python)
    int graceMs = 5000;                  // SIGTERM -> SIGKILL on cancel/timeout
    bool keepWorkspaces = false;         // debugging: keep <workspaceRoot>/<runId> after the run
    qint64 outputCapBytes = 1024 * 1024; // stored output tail per tool call
    int coalesceMs = 50;                 // output event window per tool call
    // Null or not isolating: tools run unsandboxed (--unsafe-tools), with a warning per run.
    std::shared_ptr<const Sandbox> sandbox;
    QStringList gitLocalRoots; // canonical dirs git_clone may read local repositories from
};

class RunExecutor : public QObject
{
    Q_OBJECT
public:
    using Config = RunnerConfig;

    // `sink` must outlive the executor (or until done()).
    RunExecutor(const RunJob &job, const RunnerConfig &config, RunSink *sink,
                QObject *parent = nullptr);
    // Kills a still-running tool tree and removes the workspace; calls no sink method.
    ~RunExecutor() override;

    // Starts the first step (synchronously calls sink->toolStarted). No-op after the first call
    // or after the run finished.
    void start();
    // Idempotent. Before start(): finishes the run "cancelled" right away without running a
    // tool. Otherwise the running tool is stopped and ends "cancelled", and so does the run.
    void cancel();

    QString runId() const { return m_job.runId; }
    QString workspace() const { return m_workspace; }
    bool isFinished() const { return m_finished; }
    QString currentToolCallId() const { return m_toolCallId; }

    // Makes the process a child subreaper (Linux) so escaped tool processes can be reaped.
    // Called by start(); call it early in the server to cover everything.
    static void prepareProcess();
    // Kills unsandboxed tools a previous server on the same workspace root left running (it
    // died without killing them; sandboxed ones die with it). Call once at start, before the
    // first run. Returns the count.
    static int killLeftovers(const RunnerConfig &config)
    {
        return ToolProcess::killLeftovers(ToolProcess::ownerTagFor(config.workspaceRoot));
    }

Q_SIGNALS:
    // After sink->runFinished(): the owner may deleteLater() the executor.
    void done();

private:
    void startNextStep();
    void onToolFinished(const ToolOutcome &outcome);
    void onDeadline();
    void finishRun(const QString &status);
    bool prepareWorkspace(QString *error);
    void removeWorkspace();
    void releaseUid();
    bool sandboxed() const { return m_config.sandbox && m_config.sandbox->isolates(); }

    RunJob m_job;
    RunnerConfig m_config;
    RunSink *m_sink;
    QString m_workspace;
    QList<Step> m_steps;
    qsizetype m_next = 0;
    QPointer<ToolProcess> m_tool;
    QString m_toolCallId;
    QTimer m_deadline;
    std::optional<uint> m_uid; // root + sandbox: this run's tool uid
    bool m_started = false;
    bool m_finished = false;
    bool m_cancelRequested = false;
    bool m_timedOut = false;
};

} // namespace crewdeck::server
