#include "app/models/recentrunsmodel.h"

#include <QLocale>

using namespace Qt::StringLiterals;

namespace crewdeck::client {

// The runs table's column behind each of ours (same text, same title but one).
static RunsModel::Column runsColumn(int column)
{
    switch (column) {
    case RecentRunsModel::CrewColumn:
        return RunsModel::CrewColumn;
    case RecentRunsModel::StatusColumn:
        return RunsModel::StatusColumn;
    case RecentRunsModel::DurationColumn:
        return RunsModel::DurationColumn;
    case RecentRunsModel::TokensColumn:
        return RunsModel::TokensColumn;
    case RecentRunsModel::CreatedColumn:
        return RunsModel::CreatedColumn;
    default:
        return RunsModel::ColumnCount;
    }
}

RecentRunsModel::RecentRunsModel(QObject *parent) : QAbstractTableModel(parent) {}

int RecentRunsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RecentRunsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RecentRunsModel::formatDuration(qint64 ms)
{
    const QLocale loc;
    if (ms < 1000)
        return tr("%1 ms").arg(loc.toString(ms));
    if (ms < 60'000)
        return tr("%1 s").arg(loc.toString(double(ms) / 1000.0, 'f', 1));
    const qint64 s = ms / 1000;
    if (s < 3600)
        return tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    return tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

QVariant RecentRunsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Run &r = m_runs.at(index.row());
    const QString crewName = m_crewNames.value(r.crewId);
    switch (role) {
    case CrewNameRole:
        return crewName;
    case Qt::DisplayRole:
        return RunsModel::displayText(r, runsColumn(index.column()), crewName);
    default:
        return RunsModel::runData(r, role);
    }
}

QVariant RecentRunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    // The dashboard calls a run's creation its start.
    return section == CreatedColumn ? tr("Started") : RunsModel::columnTitle(runsColumn(section));
}

QHash<int, QByteArray> RecentRunsModel::roleNames() const
{
    auto r = QAbstractTableModel::roleNames();
    r.insert(RunIdRole, "runId");
    r.insert(CrewIdRole, "crewId");
    r.insert(CrewNameRole, "crewName");
    r.insert(StatusRole, "status");
    r.insert(DurationMsRole, "durationMs");
    r.insert(TokensRole, "tokens");
    r.insert(CreatedAtRole, "createdAt");
    return r;
}

void RecentRunsModel::setLimit(int limit)
{
    m_limit = std::max(limit, 0);
    setRuns(m_all);
}

void RecentRunsModel::setRuns(const QList<Run> &runs)
{
    beginResetModel();
    m_all = runs;
    m_runs = runs.mid(0, m_limit);
    endResetModel();
}

void RecentRunsModel::setCrewNames(const QHash<QString, QString> &names)
{
    m_crewNames = names;
    if (!m_runs.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                           {Qt::DisplayRole, CrewNameRole});
}

bool RecentRunsModel::applyRunStatus(const RunStatusEvent &event)
{
    for (qsizetype i = 0; i < m_all.size(); ++i) {
        if (m_all.at(i).id != event.runId)
            continue;
        m_all[i].status = event.status;
        if (i < m_runs.size()) {
            m_runs[i].status = event.status;
            Q_EMIT dataChanged(index(int(i), StatusColumn), index(int(i), StatusColumn),
                               {Qt::DisplayRole, StatusRole});
        }
        return true;
    }
    return false;
}

} // namespace crewdeck::client
