#include "app/models/runsmodel.h"
#include "app/models/recentrunsmodel.h"

#include <QLocale>

using namespace Qt::StringLiterals;

namespace crewdeck::client {

RunsModel::RunsModel(ApiClient *api, QObject *parent) : QAbstractTableModel(parent), m_api(api) {}

int RunsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Run &r = m_runs.at(index.row());
    switch (role) {
    case Qt::TextAlignmentRole:
        if (index.column() == DurationColumn || index.column() == TokensColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::DisplayRole:
        return displayText(r, Column(index.column()), m_crewNames.value(r.crewId));
    case Qt::EditRole:
        // Sort keys for a QSortFilterProxyModel.
        switch (index.column()) {
        case CreatedColumn:
            return r.createdAt;
        case CrewColumn:
            return data(index, Qt::DisplayRole);
        case StatusColumn:
            return r.status;
        case DurationColumn:
            return r.durationMs ? QVariant(*r.durationMs) : QVariant(qint64(-1));
        case TokensColumn:
            return r.tokens;
        case IdColumn:
            return r.id;
        default:
            return {};
        }
    default:
        return runData(r, role);
    }
}

QVariant RunsModel::runData(const Run &r, int role)
{
    switch (role) {
    case RunIdRole:
        return r.id;
    case CrewIdRole:
        return r.crewId;
    case StatusRole:
        return r.status;
    case DurationMsRole:
        return r.durationMs ? QVariant(*r.durationMs) : QVariant();
    case TokensRole:
        return r.tokens;
    case CreatedAtRole:
        return r.createdAt;
    case StartedAtRole:
        return r.startedAt;
    case Qt::ToolTipRole:
        return tr("Run %1").arg(r.id);
    default:
        return {};
    }
}

QString RunsModel::displayText(const Run &r, Column column, const QString &crewName)
{
    switch (column) {
    case CreatedColumn:
        return QLocale().toString(r.createdAt.toLocalTime(), QLocale::ShortFormat);
    case CrewColumn:
        return crewName.isEmpty() ? r.crewId : crewName;
    case StatusColumn:
        return r.status;
    case DurationColumn:
        return r.durationMs ? RecentRunsModel::formatDuration(*r.durationMs) : QString();
    case TokensColumn:
        return QLocale().toString(r.tokens);
    case IdColumn:
        return r.id;
    default:
        return {};
    }
}

QString RunsModel::columnTitle(Column column)
{
    switch (column) {
    case CreatedColumn:
        return tr("Created");
    case CrewColumn:
        return tr("Crew");
    case StatusColumn:
        return tr("Status");
    case DurationColumn:
        return tr("Duration");
    case TokensColumn:
        return tr("Tokens");
    case IdColumn:
        return tr("Run ID");
    default:
        return {};
    }
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return columnTitle(Column(section));
}

bool RunsModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_loaded && !m_loading && m_nextCursor.has_value();
}

void RunsModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    requestPage(*m_nextCursor);
}

void RunsModel::setFilter(const RunQuery &filter)
{
    m_filter = filter;
    m_filter.cursor.clear();
    m_filter.limit = 0;
    reload();
}

void RunsModel::reload()
{
    ++m_generation;
    m_loaded = false;
    m_nextCursor.reset();
    if (!m_runs.isEmpty()) {
        beginResetModel();
        m_runs.clear();
        endResetModel();
    }
    m_loading = false;
    requestPage({});
}

void RunsModel::setCrewNames(const QHash<QString, QString> &names)
{
    m_crewNames = names;
    if (!m_runs.isEmpty())
        Q_EMIT dataChanged(index(0, CrewColumn), index(rowCount() - 1, CrewColumn),
                           {Qt::DisplayRole, Qt::EditRole});
}

void RunsModel::setLoading(bool loading)
{
    if (m_loading == loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged(loading);
}

// GUI thread. One page at a time; the answer is appended when it still belongs to the
// current filter (the generation did not move).
void RunsModel::requestPage(const QString &cursor)
{
    RunQuery q = m_filter;
    q.cursor = cursor;
    q.limit = m_pageSize;
    setLoading(true);
    const quint64 generation = m_generation;
    m_api->runs(q, this, [this, generation](const ApiResult<RunPage> &r) {
        if (generation != m_generation)
            return;
        m_loaded = true;
        if (!r.ok()) {
            m_failure = r.failure;
            setLoading(false);
            Q_EMIT loadFailed(r.failure);
            return;
        }
        m_failure = {};
        QList<Run> fresh;
        for (const Run &run : r.value->items) {
            // A run inserted live at the top may come again in a later page.
            if (rowOf(run.id) < 0)
                fresh.append(run);
        }
        if (!fresh.isEmpty()) {
            beginInsertRows({}, int(m_runs.size()), int(m_runs.size() + fresh.size()) - 1);
            m_runs.append(fresh);
            endInsertRows();
        }
        m_nextCursor = r.value->nextCursor;
        if (m_nextCursor && m_nextCursor->isEmpty())
            m_nextCursor.reset();
        setLoading(false);
        Q_EMIT pageLoaded();
    });
}

const Run *RunsModel::runAt(int row) const
{
    return row >= 0 && row < m_runs.size() ? &m_runs.at(row) : nullptr;
}

int RunsModel::rowOf(const QString &runId) const
{
    for (int i = 0; i < m_runs.size(); ++i) {
        if (m_runs.at(i).id == runId)
            return i;
    }
    return -1;
}

bool RunsModel::hasRunningRows() const
{
    for (const Run &r : m_runs) {
        if (!RunState::isFinal(r.status))
            return true;
    }
    return false;
}

bool RunsModel::matchesFilter(const Run &run) const
{
    if (!m_filter.crewId.isEmpty() && run.crewId != m_filter.crewId)
        return false;
    if (!m_filter.status.isEmpty() && run.status != m_filter.status)
        return false;
    if (m_filter.from.isValid() && run.createdAt < m_filter.from)
        return false;
    if (m_filter.to.isValid() && run.createdAt >= m_filter.to)
        return false;
    return true;
}

void RunsModel::applyRunStatus(const RunStatusEvent &event)
{
    const int row = rowOf(event.runId);
    if (row < 0) {
        // A run this list has not seen: fetch it and insert it when it fits the filter.
        if (m_loaded && (m_filter.crewId.isEmpty() || m_filter.crewId == event.crewId))
            refreshRun(event.runId);
        return;
    }
    Run &r = m_runs[row];
    // A final state is never taken back by an older event.
    if (r.status != event.status && !RunState::isFinal(r.status)) {
        r.status = event.status;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    // Started/finished: the start time, duration and tokens come from REST.
    refreshRun(event.runId);
}

void RunsModel::refreshRun(const QString &runId)
{
    const quint64 generation = m_generation;
    m_api->run(runId, this, [this, generation](const ApiResult<Run> &r) {
        if (generation != m_generation || !r.ok())
            return;
        upsert(*r.value, true);
    });
}

void RunsModel::upsert(const Run &fetched, bool insertIfMissing)
{
    Run run = fetched;
    run.toolCalls.clear();
    run.withToolCalls = false;
    const int row = rowOf(run.id);
    if (row >= 0) {
        if (!matchesFilter(run) && !m_filter.status.isEmpty()) {
            // Left the status the list is filtered by.
            beginRemoveRows({}, row, row);
            m_runs.removeAt(row);
            endRemoveRows();
            return;
        }
        m_runs[row] = run;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    if (!insertIfMissing || !matchesFilter(run))
        return;
    // Newest first: find the place by (created_at, id) descending.
    int at = 0;
    while (at < m_runs.size() &&
           (m_runs.at(at).createdAt > run.createdAt ||
            (m_runs.at(at).createdAt == run.createdAt && m_runs.at(at).id > run.id)))
        ++at;
    if (at == m_runs.size() && m_nextCursor)
        return; // belongs to a page not loaded yet
    beginInsertRows({}, at, at);
    m_runs.insert(at, run);
    endInsertRows();
}

} // namespace crewdeck::client
