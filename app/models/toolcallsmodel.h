#pragma once
#include "shared/events.h"
#include "shared/types.h"

#include <QAbstractTableModel>
#include <QHash>

namespace crewdeck::client {

// One run as it happens: the run's header fields, its tool calls (one row each, in start
// order) and the output log of every tool call. Filled from GET /runs/{id} (setRun) and
// from the run's events (/ws/runs/{id} or GET /runs/{id}/events, applyEvent); both may
// arrive in any order and repeat, every update is an idempotent upsert by id. GUI thread.
class ToolCallsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { ToolColumn, AgentColumn, StatusColumn, DurationColumn, ColumnCount };
    Q_ENUM(Column)
    enum Role {
        ToolCallIdRole = Qt::UserRole + 1,
        ToolRole,
        StatusRole,     // running | success | failed | cancelled | timeout
        StartedAtRole,  // QDateTime (UTC)
        DurationMsRole, // qint64, invalid while running
        ProgressRole,   // int 0..100 from the last ::progress line, invalid when none
    };
    Q_ENUM(Role)

    explicit ToolCallsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Forgets everything (a different run).
    void clear();
    // The REST view of the run (header + tool calls). Logs are kept.
    void setRun(const Run &run);
    const Run &run() const { return m_run; }
    // True once the REST detail (setRun) has arrived: fields only REST carries, such as
    // timeout_s, are known. Socket events alone fill just id, crew and status.
    bool hasDetails() const { return m_hasDetails; }
    // tool_start / tool_progress / tool_end / run_status of this run; others are ignored.
    void applyEvent(const Event &event);

    const QList<ToolCall> &toolCalls() const { return m_run.toolCalls; }
    int rowOf(const QString &toolCallId) const;
    QString logOf(const QString &toolCallId) const { return m_logs.value(toolCallId); }
    std::optional<int> progressOf(const QString &toolCallId) const;
    // Steps that repeat this run (tool + params + agent), for "Re-run".
    QList<Step> steps() const;

    // Text kept per tool call; older text is dropped from the front beyond this.
    static constexpr qsizetype MaxLogChars = 512 * 1024;

Q_SIGNALS:
    void runChanged();
    // New output of a tool call (one or more lines, without a trailing newline).
    void logAppended(const QString &toolCallId, const QString &text);

private:
    int upsertCall(const ToolCall &call);

    Run m_run;
    bool m_hasDetails = false;
    QHash<QString, QString> m_logs;
    QHash<QString, int> m_progress;
};

} // namespace crewdeck::client
