#pragma once
#include "server/runs/tools.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSet>
#include <QString>
#include <QTimer>
#include <optional>

// One tool call as a real child process, with everything it spawns.
//
// The child runs in its own session/process group with a scrubbed environment (allow-list,
// HOME = workspace) and a random per-call marker variable. Stopping (cancel/timeout) sends
// SIGTERM to the group, SIGKILL after a grace period, and then kills "escaped" descendants
// that left the group with setsid(), found through the marker in /proc/<pid>/environ (Linux).
// After a normal exit, leftovers of the group and marked escapees are killed too: a tool
// leaves no daemons behind. finished() is emitted only once all of them are dead.
//
// Output is read incrementally, split into lines (each capped at 64 KiB), `::progress` and
// `::tokens` lines are parsed, other lines are coalesced into at most one output() per
// coalescing window (at most 64 KiB each), and the stored tail is capped.
//
// Thread: the thread that created the object (the main thread in the server); all
// ToolProcess objects of a process must live on the same thread.
namespace crewdeck::server {

struct ToolOutcome
{
    QString status;                 // CallState: success | failed | cancelled | timeout
    std::optional<int> exitCode;    // null for cancelled/timeout and for a tool that never ran
    qint64 durationMs = 0;
    QByteArray outputTail;          // last outputCapBytes of the raw output, "…[truncated]\n" first when cut
    QString message;                // why it failed when there is no exit code ("failed to start: ...")
};

struct ToolProcessOptions
{
    int graceMs = 5000;                   // SIGTERM -> SIGKILL
    qint64 outputCapBytes = 1024 * 1024;  // stored output tail
    int coalesceMs = 50;                  // output() window (<= ~20 events/s)
    // Prefix of the per-call marker: identifies the server instance (its workspace root) so
    // that a restarted server can find and kill tools its crashed predecessor left behind,
    // without touching another instance's tools on the same machine.
    QString ownerTag;
};

class ToolProcess : public QObject
{
    Q_OBJECT
public:
    // Limits of one output() event and of one line, in UTF-8 bytes.
    static constexpr qsizetype MaxEventBytes = 64 * 1024;
    static QByteArray truncatedMarker(); // "…[truncated]" (UTF-8)

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
    QString marker() const { return m_marker; }
    qint64 processId() const { return m_pid; }

    // The environment every tool gets (allow-list only). Public for tests.
    static QProcessEnvironment scrubbedEnvironment(const QString &workspace, const QString &marker);
    static QString markerVariable(); // "CD_TOOL_CALL_MARK"
    // Linux: makes this process the subreaper of its descendants (PR_SET_CHILD_SUBREAPER), so
    // that processes escaping with setsid() re-parent to us and can be reaped. Idempotent;
    // called by start(). No-op elsewhere.
    static void enableChildSubreaper();
    // A stable tag for a workspace root (for ToolProcessOptions::ownerTag).
    static QString ownerTagFor(const QString &workspaceRoot);
    // Linux: SIGKILLs every process whose marker carries `ownerTag` (left over by a server
    // that died without killing its tools, e.g. grandchildren that outlived PR_SET_PDEATHSIG
    // of their parent). Call at start, before any tool of this instance runs. Returns how
    // many were killed; 0 elsewhere.
    static int killLeftovers(const QString &ownerTag);

Q_SIGNALS:
    void started();
    void output(const QString &text);                     // coalesced plain lines, joined with \n
    void progress(int percent, const QString &message);   // one per `::progress` line
    void tokens(qint64 n);                                 // one per `::tokens` line
    void finished(const crewdeck::server::ToolOutcome &outcome);

private:
    enum class State { Idle, Running, Stopping, Cleaning, Finished };

    void onReadyRead();
    void onProcessFinished(int exitCode, QProcess::ExitStatus status);
    void onErrorOccurred(QProcess::ProcessError error);
    void requestStop(const QString &status);
    void onGraceExpired();
    void consume(const char *data, qsizetype size);
    void handleLine(QByteArray line, bool truncated);
    void appendPending(const QByteArray &line);
    bool mayEmitEarly();
    void flushPending();
    void appendTail(const char *data, qsizetype size);
    void beginCleanup();
    bool cleanupTick();
    void signalTree(int sig);
    void finish();

    ToolCommand m_command;
    QString m_workspace;
    ToolProcessOptions m_options;
    QString m_marker;
    QProcess *m_process = nullptr;
    QTimer m_coalesceTimer;
    QTimer m_graceTimer;
    QTimer m_cleanupTimer;
    QElapsedTimer m_clock;
    QElapsedTimer m_cleanupClock;
    State m_state = State::Idle;
    qint64 m_pid = 0;          // also the process group id (the child calls setsid())
    QString m_stopStatus;      // cancelled | timeout once a stop was requested
    ToolOutcome m_outcome;     // filled when the main process is gone
    bool m_outcomeKnown = false;

    QByteArray m_lineBuf;      // current incomplete line
    bool m_discardingLine = false; // the current line went over the cap: skip to '\n'
    QByteArray m_pending;      // coalesced plain lines (UTF-8, joined with '\n')
    bool m_pendingHasLine = false;
    bool m_pendingTruncated = false;
    QElapsedTimer m_rateClock; // output events per second
    int m_eventsThisSecond = 0;
    QByteArray m_tail;
    bool m_tailTruncated = false;

    QSet<qint64> m_tracked;    // pids killed by us that were not yet seen dead
};

} // namespace crewdeck::server

Q_DECLARE_METATYPE(crewdeck::server::ToolOutcome)
