#include "app/models/toolcallsmodel.h"
#include "app/models/recentrunsmodel.h"

using namespace Qt::StringLiterals;

namespace crewdeck::client {

ToolCallsModel::ToolCallsModel(QObject *parent) : QAbstractTableModel(parent) {}

int ToolCallsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_run.toolCalls.size());
}

int ToolCallsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ToolCallsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ToolCall &c = m_run.toolCalls.at(index.row());
    switch (role) {
    case ToolCallIdRole:
        return c.id;
    case ToolRole:
        return c.tool;
    case StatusRole:
        return c.status;
    case StartedAtRole:
        return c.startedAt;
    case DurationMsRole:
        return c.durationMs ? QVariant(*c.durationMs) : QVariant();
    case ProgressRole:
        return m_progress.contains(c.id) ? QVariant(m_progress.value(c.id)) : QVariant();
    case Qt::DisplayRole:
        switch (index.column()) {
        case ToolColumn:
            return c.tool;
        case AgentColumn:
            return c.agentId;
        case StatusColumn:
            return c.status;
        case DurationColumn:
            return c.durationMs ? RecentRunsModel::formatDuration(*c.durationMs) : QString();
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant ToolCallsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ToolColumn:
        return tr("Tool");
    case AgentColumn:
        return tr("Agent");
    case StatusColumn:
        return tr("Status");
    case DurationColumn:
        return tr("Duration");
    default:
        return {};
    }
}

void ToolCallsModel::clear()
{
    beginResetModel();
    m_run = Run{};
    m_hasDetails = false;
    m_logs.clear();
    m_progress.clear();
    endResetModel();
    Q_EMIT runChanged();
}

void ToolCallsModel::setRun(const Run &run)
{
    if (!m_run.id.isEmpty() && m_run.id != run.id)
        clear();
    // Header fields from REST; a final status seen on the socket is not taken back by an
    // older REST answer.
    const bool keepStatus =
        RunState::isFinal(m_run.status) && !RunState::isFinal(run.status) && m_run.id == run.id;
    const QString status = m_run.status;
    const QList<ToolCall> calls = run.toolCalls;
    Run header = run;
    header.toolCalls = m_run.toolCalls;
    m_run = header;
    m_hasDetails = true;
    if (keepStatus)
        m_run.status = status;
    for (const ToolCall &c : calls) {
        // A call that ended on the socket stays ended.
        const int row = rowOf(c.id);
        if (row >= 0 && m_run.toolCalls.at(row).status != CallState::Running &&
            c.status == CallState::Running)
            continue;
        upsertCall(c);
    }
    Q_EMIT runChanged();
}

int ToolCallsModel::rowOf(const QString &toolCallId) const
{
    for (int i = 0; i < m_run.toolCalls.size(); ++i) {
        if (m_run.toolCalls.at(i).id == toolCallId)
            return i;
    }
    return -1;
}

std::optional<int> ToolCallsModel::progressOf(const QString &toolCallId) const
{
    if (!m_progress.contains(toolCallId))
        return std::nullopt;
    return m_progress.value(toolCallId);
}

int ToolCallsModel::upsertCall(const ToolCall &call)
{
    const int row = rowOf(call.id);
    if (row >= 0) {
        m_run.toolCalls[row] = call;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return row;
    }
    // Keep start order.
    int at = int(m_run.toolCalls.size());
    while (at > 0 && call.startedAt.isValid() &&
           m_run.toolCalls.at(at - 1).startedAt > call.startedAt)
        --at;
    beginInsertRows({}, at, at);
    m_run.toolCalls.insert(at, call);
    endInsertRows();
    return at;
}

void ToolCallsModel::applyEvent(const Event &event)
{
    if (!m_run.id.isEmpty() && !event.runId().isEmpty() && event.runId() != m_run.id)
        return;
    if (const auto *s = std::get_if<ToolStartEvent>(&event.body)) {
        const int row = rowOf(s->toolCallId);
        if (row >= 0 && m_run.toolCalls.at(row).status != CallState::Running)
            return; // already ended (REST was newer)
        ToolCall c = row >= 0 ? m_run.toolCalls.at(row) : ToolCall{};
        c.id = s->toolCallId;
        c.agentId = s->agentId;
        c.tool = s->tool;
        c.params = s->params;
        c.status = CallState::Running;
        if (!c.startedAt.isValid())
            c.startedAt = event.ts;
        upsertCall(c);
        if (!m_run.startedAt.isValid()) {
            m_run.startedAt = event.ts;
            Q_EMIT runChanged();
        }
    } else if (const auto *p = std::get_if<ToolProgressEvent>(&event.body)) {
        if (p->progress) {
            m_progress.insert(p->toolCallId, *p->progress);
            const int row = rowOf(p->toolCallId);
            if (row >= 0)
                Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1), {ProgressRole});
        }
        QString &log = m_logs[p->toolCallId];
        if (!log.isEmpty())
            log += u'\n';
        log += p->message;
        if (log.size() > MaxLogChars) {
            // Cut at a line start so the first kept line is whole.
            qsizetype cut = log.size() - MaxLogChars;
            const qsizetype nl = log.indexOf(u'\n', cut);
            cut = nl >= 0 ? nl + 1 : cut;
            log.remove(0, cut);
        }
        Q_EMIT logAppended(p->toolCallId, p->message);
    } else if (const auto *e = std::get_if<ToolEndEvent>(&event.body)) {
        const int row = rowOf(e->toolCallId);
        ToolCall c = row >= 0 ? m_run.toolCalls.at(row) : ToolCall{};
        c.id = e->toolCallId;
        c.agentId = e->agentId;
        c.tool = e->tool;
        c.status = e->status;
        c.exitCode = e->exitCode;
        c.durationMs = e->durationMs;
        if (!c.startedAt.isValid())
            c.startedAt = event.ts.addMSecs(-e->durationMs);
        upsertCall(c);
    } else if (const auto *r = std::get_if<RunStatusEvent>(&event.body)) {
        if (m_run.id.isEmpty())
            m_run.id = r->runId;
        if (m_run.crewId.isEmpty())
            m_run.crewId = r->crewId;
        if (RunState::isFinal(m_run.status) && !RunState::isFinal(r->status))
            return;
        m_run.status = r->status;
        if (r->status == RunState::Running && !m_run.startedAt.isValid())
            m_run.startedAt = event.ts;
        if (RunState::isFinal(r->status) && !m_run.finishedAt.isValid())
            m_run.finishedAt = event.ts;
        Q_EMIT runChanged();
    }
}

QList<Step> ToolCallsModel::steps() const
{
    QList<Step> out;
    for (const ToolCall &c : m_run.toolCalls) {
        Step s;
        if (!c.agentId.isEmpty())
            s.agentId = c.agentId;
        s.tool = c.tool;
        s.params = c.params;
        out.append(s);
    }
    return out;
}

} // namespace crewdeck::client
