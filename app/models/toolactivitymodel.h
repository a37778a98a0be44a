#pragma once
#include "shared/events.h"

#include <QAbstractListModel>
#include <QHash>
#include <QList>
#include <QTimer>
#include <optional>

namespace crewdeck::client {

// The latest state of every tool call seen on the /ws/graph streams LiveStreams holds: one
// row per call (running, or ended and kept for a while), newest last. The graph scene and
// the toasts both read it, so a frame is decoded once and every consumer agrees.
//
// Throughput: applyEvent() updates the row and emits callUpdated() at once (cheap: the
// consumers only note the id); the model signals (dataChanged, row removal of old ended
// calls) are coalesced into one pass per flush interval, so a view on the model costs one
// update per frame at 50,000 events/s. GUI thread.
class ToolActivityModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum class Phase { Start, Progress, End };
    Q_ENUM(Phase)

    struct Call
    {
        QString toolCallId, runId, crewId, agentId, tool;
        Phase phase = Phase::Start;
        int progress = -1; // 0..100 from ::progress lines; -1 none
        QString message;   // the last output line
        QString status;    // tool_end: success | failed | cancelled | timeout
        qint64 durationMs = 0;
        std::optional<int> exitCode;
        quint64 version = 0; // bumped by every applied event
    };

    enum Role {
        ToolCallIdRole = Qt::UserRole + 1,
        RunIdRole,
        CrewIdRole,
        AgentIdRole,
        ToolRole,
        PhaseRole,    // Phase as int
        ProgressRole, // int, -1 none
        MessageRole,
        StatusRole,
    };
    Q_ENUM(Role)

    explicit ToolActivityModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // tool_start / tool_progress / tool_end; false for other events and for a progress line
    // of a call that already ended (nothing of a call follows its end).
    bool applyEvent(const Event &event);
    // Forgets the calls of one crew (its stream was reset or released) or of all crews.
    void clearCrew(const QString &crewId);
    void clear();

    const Call *call(const QString &toolCallId) const;
    qint64 eventsApplied() const { return m_applied; }
    // Ended calls kept (older ones are dropped at the next flush).
    void setMaxEnded(int n) { m_maxEnded = n; }
    void setFlushInterval(int ms) { m_flush.setInterval(ms); }
    // Emits the pending model signals now (normally done by the flush timer).
    void flush();

Q_SIGNALS:
    // After every applied event, with the call's state after it.
    void callUpdated(const crewdeck::client::ToolActivityModel::Call &call);

private:
    Call &entry(const QString &toolCallId, const QString &runId, const QString &crewId,
                const QString &agentId);
    void markDirty(int row);

    QList<Call> m_calls;         // creation order
    QHash<QString, int> m_rowOf; // tool call id -> row
    int m_dirtyFirst = -1, m_dirtyLast = -1;
    int m_endedCount = 0;
    int m_maxEnded = 200;
    qint64 m_applied = 0;
    QTimer m_flush;
};

} // namespace crewdeck::client
