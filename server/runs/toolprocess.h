#pragma once
#include "server/runs/sandbox.h"
#include "server/runs/tools.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSet>
#include <QString>
#include <QTimer>
#include <optional>

// One tool call as a real child process, with everything it spawns (process control only;
// OutputFramer turns its output into events).
//
// Sandboxed (the default, see sandbox.h): the child is bubblewrap; the tool runs in its own
// pid namespace. Stop (cancel/timeout) sends SIGTERM to every process of that namespace but
// its init, and after the grace period SIGKILLs the init and bwrap, which ends everything
// inside whatever it did with sessions, groups or its environment. A tool that exits leaves
// nothing behind: its init exits with it, and the kernel kills the rest of the namespace.
//
// Unsandboxed (--unsafe-tools only): the child runs in its own session/process group with a
// random per-call marker in its environment; stop signals the group and the marked processes
// found in /proc, which a tool can evade (setsid + env -i): best effort, and said so.
//
// Both: a scrubbed environment (allow-list), the tool limits as rlimits, no server
// descriptor, PR_SET_PDEATHSIG so that a crashed server takes its tools with it. finished()
// is emitted only once every process of the call is dead.
//
// Thread: the thread that created the object (the main thread in the server); all
// ToolProcess objects of a process must live on the same thread.
namespace crewdeck::server {

class OutputFramer;

struct ToolOutcome
{
    QString status;              // CallState: success | failed | cancelled | timeout
    std::optional<int> exitCode; // null for cancelled/timeout and for a tool that never ran
    qint64 durationMs = 0;
    QByteArray outputTail; // last outputCapBytes of the raw output, "…[truncated]\n" first when cut
    QString message;       // why it failed when there is no exit code ("failed to start: ...")
};

struct ToolProcessOptions
{
    int graceMs = 5000;                  // SIGTERM -> SIGKILL
    qint64 outputCapBytes = 1024 * 1024; // stored output tail
    int coalesceMs = 50;                 // output() window (<= ~20 events/s)
    // The sandbox to run in; null runs the tool unsandboxed (--unsafe-tools).
    const Sandbox *sandbox = nullptr;
    std::optional<uint> uid; // sandboxed under a root server: the run's uid
    ToolLimits limits;       // applied in both modes (unsandboxed: all but the process count)
    // Unsandboxed only: prefix of the per-call marker, identifying the server instance so that
    // a restarted server can kill tools its crashed predecessor left behind.
    QString ownerTag;
};

class ToolProcess : public QObject
{
    Q_OBJECT
public:
    ToolProcess(const ToolCommand &command, const QString &workspace,
                const ToolProcessOptions &options = {}, QObject *parent = nullptr);
    // Kills the whole tree synchronously (best effort) when still running; emits nothing.
    ~ToolProcess() override;

    // Starts the process. Every path ends in exactly one finished(), emitted asynchronously
    // (never from inside start()).
    void start();
    // Stop requests; idempotent, and ignored once the process has exited on its own.
    void cancel();
    void timeout();

    bool isFinished() const { return m_state == State::Finished; }
    bool isSandboxed() const { return m_options.sandbox && m_options.sandbox->isolates(); }
    qint64 processId() const { return m_pid; }

    // The environment every tool gets (allow-list only). `home` is the workspace as the tool
    // sees it; `tmp` its TMPDIR; `marker` (unsandboxed only) the cleanup marker. Public for tests.
    static QProcessEnvironment scrubbedEnvironment(const QString &home, const QString &tmp,
                                                   const QString &marker = {});
    static QString markerVariable(); // "CD_TOOL_CALL_MARK"
    // A stable tag for a workspace root (for ToolProcessOptions::ownerTag).
    static QString ownerTagFor(const QString &workspaceRoot);
    // Unsandboxed tools left by a server that died without killing them: SIGKILLs every
    // process whose marker carries `ownerTag`. Returns how many; 0 elsewhere than Linux.
    static int killLeftovers(const QString &ownerTag);

Q_SIGNALS:
    void started();
    void output(const QString &text);                   // coalesced plain lines, joined with \n
    void progress(int percent, const QString &message); // one per `::progress` line
    void tokens(qint64 n);                              // one per `::tokens` line
    void finished(const crewdeck::server::ToolOutcome &outcome);

private:
    enum class State { Idle, Running, Stopping, Cleaning, Finished };

    void onReadyRead();
    void onProcessFinished(int exitCode, QProcess::ExitStatus status);
    void onErrorOccurred(QProcess::ProcessError error);
    void requestStop(const QString &status);
    void failBeforeStart(const QString &message);
    void beginCleanup();
    bool cleanupTick();
    void signalTree(int sig);
    void findSandboxInit();
    void watchForSandboxInit(int attempt);
    void signalSandbox(int sig);
    bool sandboxGone();
    void signalGroupAndMarked(int sig);
    bool groupAndMarkedGone();
    void finish();

    ToolCommand m_command;
    QString m_workspace;
    ToolProcessOptions m_options;
    QString m_marker;
    QProcess *m_process = nullptr;
    OutputFramer *m_framer = nullptr;
    QTimer m_graceTimer;
    QTimer m_cleanupTimer;
    QElapsedTimer m_clock;
    QElapsedTimer m_cleanupClock;
    State m_state = State::Idle;
    qint64 m_pid = 0;      // bwrap (sandboxed) or the tool (also its process group id)
    qint64 m_initPid = 0;  // sandboxed: the pid namespace's init, once seen
    QByteArray m_pidNs;    // sandboxed: that namespace, once seen
    QString m_stopStatus;  // cancelled | timeout once a stop was requested
    ToolOutcome m_outcome; // filled when the main process is gone
    bool m_outcomeKnown = false;
    QSet<qint64> m_tracked; // pids killed by us that were not yet seen dead
};

} // namespace crewdeck::server

Q_DECLARE_METATYPE(crewdeck::server::ToolOutcome)
