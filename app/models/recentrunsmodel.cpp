#include "app/models/recentrunsmodel.h"

#include <QLocale>

using namespace Qt::StringLiterals;

namespace crewdeck::client {

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
    case RunIdRole:
        return r.id;
    case CrewIdRole:
        return r.crewId;
    case CrewNameRole:
        return crewName;
    case StatusRole:
        return r.status;
    case DurationMsRole:
        return r.durationMs ? QVariant(*r.durationMs) : QVariant();
    case TokensRole:
        return r.tokens;
    case CreatedAtRole:
        return r.createdAt;
    case Qt::ToolTipRole:
        return tr("Run %1").arg(r.id);
    case Qt::DisplayRole:
        switch (index.column()) {
        case CrewColumn:
            return crewName.isEmpty() ? r.crewId : crewName;
        case StatusColumn:
            return r.status;
        case DurationColumn:
            return r.durationMs ? formatDuration(*r.durationMs) : QString();
        case TokensColumn:
            return QLocale().toString(r.tokens);
        case CreatedColumn:
            return QLocale().toString(r.createdAt.toLocalTime(), QLocale::ShortFormat);
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant RecentRunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case CrewColumn:
        return tr("Crew");
    case StatusColumn:
        return tr("Status");
    case DurationColumn:
        return tr("Duration");
    case TokensColumn:
        return tr("Tokens");
    case CreatedColumn:
        return tr("Started");
    default:
        return {};
    }
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
