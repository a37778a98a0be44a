#include "app/models/toolactivitymodel.h"
#include "shared/types.h"

using namespace Qt::StringLiterals;

namespace crewdeck::client {

ToolActivityModel::ToolActivityModel(QObject *parent) : QAbstractListModel(parent)
{
    // One frame at 60 Hz: views see at most one dataChanged per frame.
    m_flush.setSingleShot(true);
    m_flush.setInterval(16);
    connect(&m_flush, &QTimer::timeout, this, &ToolActivityModel::flush);
}

int ToolActivityModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_calls.size());
}

QVariant ToolActivityModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Call &c = m_calls.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case ToolRole:
        return c.tool;
    case ToolCallIdRole:
        return c.toolCallId;
    case RunIdRole:
        return c.runId;
    case CrewIdRole:
        return c.crewId;
    case AgentIdRole:
        return c.agentId;
    case PhaseRole:
        return int(c.phase);
    case ProgressRole:
        return c.progress;
    case MessageRole:
        return c.message;
    case StatusRole:
        return c.status;
    default:
        return {};
    }
}

QHash<int, QByteArray> ToolActivityModel::roleNames() const
{
    return {{ToolCallIdRole, "toolCallId"}, {RunIdRole, "runId"},     {CrewIdRole, "crewId"},
            {AgentIdRole, "agentId"},       {ToolRole, "tool"},       {PhaseRole, "phase"},
            {ProgressRole, "progress"},     {MessageRole, "message"}, {StatusRole, "status"}};
}

ToolActivityModel::Call &ToolActivityModel::entry(const QString &toolCallId, const QString &runId,
                                                  const QString &crewId, const QString &agentId)
{
    int row = m_rowOf.value(toolCallId, -1);
    if (row < 0) {
        row = int(m_calls.size());
        beginInsertRows({}, row, row);
        Call c;
        c.toolCallId = toolCallId;
        m_calls.append(c);
        m_rowOf.insert(toolCallId, row);
        endInsertRows();
    } else {
        markDirty(row);
    }
    Call &c = m_calls[row];
    if (!runId.isEmpty())
        c.runId = runId;
    if (!crewId.isEmpty())
        c.crewId = crewId;
    if (!agentId.isEmpty())
        c.agentId = agentId;
    ++c.version;
    return c;
}

void ToolActivityModel::markDirty(int row)
{
    m_dirtyFirst = m_dirtyFirst < 0 ? row : qMin(m_dirtyFirst, row);
    m_dirtyLast = qMax(m_dirtyLast, row);
    if (!m_flush.isActive())
        m_flush.start();
}

bool ToolActivityModel::applyEvent(const Event &event)
{
    Call *changed = nullptr;
    if (const auto *s = std::get_if<ToolStartEvent>(&event.body)) {
        Call &c = entry(s->toolCallId, s->runId, s->crewId, s->agentId);
        if (c.phase == Phase::End)
            --m_endedCount; // a replayed start after the end: the end still follows
        c.tool = s->tool;
        c.phase = Phase::Start;
        changed = &c;
    } else if (const auto *p = std::get_if<ToolProgressEvent>(&event.body)) {
        const int row = m_rowOf.value(p->toolCallId, -1);
        if (row >= 0 && m_calls.at(row).phase == Phase::End)
            return false; // a stray line must not reopen an ended call
        Call &c = entry(p->toolCallId, p->runId, p->crewId, p->agentId);
        c.phase = Phase::Progress;
        if (p->progress)
            c.progress = qBound(0, *p->progress, 100);
        if (!p->message.isEmpty())
            c.message = p->message;
        changed = &c;
    } else if (const auto *e = std::get_if<ToolEndEvent>(&event.body)) {
        Call &c = entry(e->toolCallId, e->runId, e->crewId, e->agentId);
        if (c.phase != Phase::End)
            ++m_endedCount;
        c.tool = e->tool;
        c.phase = Phase::End;
        c.status = e->status;
        c.durationMs = e->durationMs;
        c.exitCode = e->exitCode;
        if (e->status == CallState::Success)
            c.progress = 100;
        if (m_endedCount > m_maxEnded && !m_flush.isActive())
            m_flush.start();
        changed = &c;
    }
    if (!changed)
        return false;
    ++m_applied;
    Q_EMIT callUpdated(*changed);
    return true;
}

void ToolActivityModel::flush()
{
    m_flush.stop();
    if (m_dirtyFirst >= 0) {
        const int first = m_dirtyFirst, last = qMin(m_dirtyLast, int(m_calls.size()) - 1);
        m_dirtyFirst = m_dirtyLast = -1;
        if (first <= last)
            Q_EMIT dataChanged(index(first), index(last));
    }
    // Drop the oldest ended calls beyond the cap, one contiguous block at a time.
    bool removed = false;
    int row = 0;
    while (m_endedCount > m_maxEnded && row < m_calls.size()) {
        if (m_calls.at(row).phase != Phase::End) {
            ++row;
            continue;
        }
        int end = row;
        while (end + 1 < m_calls.size() && m_calls.at(end + 1).phase == Phase::End &&
               m_endedCount - (end + 2 - row) >= m_maxEnded)
            ++end;
        beginRemoveRows({}, row, end);
        m_calls.remove(row, end - row + 1);
        m_endedCount -= end - row + 1;
        endRemoveRows();
        removed = true;
    }
    if (removed) {
        m_rowOf.clear();
        for (int i = 0; i < m_calls.size(); ++i)
            m_rowOf.insert(m_calls.at(i).toolCallId, i);
    }
}

void ToolActivityModel::clearCrew(const QString &crewId)
{
    flush();
    for (int row = int(m_calls.size()) - 1; row >= 0; --row) {
        if (m_calls.at(row).crewId != crewId)
            continue;
        beginRemoveRows({}, row, row);
        if (m_calls.at(row).phase == Phase::End)
            --m_endedCount;
        m_calls.removeAt(row);
        endRemoveRows();
    }
    m_rowOf.clear();
    for (int i = 0; i < m_calls.size(); ++i)
        m_rowOf.insert(m_calls.at(i).toolCallId, i);
}

void ToolActivityModel::clear()
{
    m_flush.stop();
    beginResetModel();
    m_calls.clear();
    m_rowOf.clear();
    m_dirtyFirst = m_dirtyLast = -1;
    m_endedCount = 0;
    endResetModel();
}

const ToolActivityModel::Call *ToolActivityModel::call(const QString &toolCallId) const
{
    const int row = m_rowOf.value(toolCallId, -1);
    return row >= 0 ? &m_calls.at(row) : nullptr;
}

} // namespace crewdeck::client
