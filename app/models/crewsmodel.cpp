#include "app/models/crewsmodel.h"

using namespace Qt::StringLiterals;

namespace crewdeck::client {

CrewsModel::CrewsModel(QObject *parent) : QAbstractListModel(parent) {}

int CrewsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_crews.size());
}

QVariant CrewsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Crew &c = m_crews.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return c.name;
    case Qt::ToolTipRole: {
        QStringList names;
        for (const Agent &a : c.agents)
            names << a.name;
        return names.join(u", "_s);
    }
    case IdRole:
        return c.id;
    case StatusRole:
        return c.status;
    case AgentNamesRole: {
        QStringList names;
        for (const Agent &a : c.agents)
            names << a.name;
        return names;
    }
    case AgentRolesRole: {
        QStringList roles;
        for (const Agent &a : c.agents)
            roles << a.role;
        return roles;
    }
    case AgentCountRole:
        return int(c.agents.size());
    default:
        return {};
    }
}

QHash<int, QByteArray> CrewsModel::roleNames() const
{
    auto r = QAbstractListModel::roleNames();
    r.insert(IdRole, "crewId");
    r.insert(NameRole, "name");
    r.insert(StatusRole, "status");
    r.insert(AgentNamesRole, "agentNames");
    r.insert(AgentRolesRole, "agentRoles");
    r.insert(AgentCountRole, "agentCount");
    return r;
}

void CrewsModel::setCrews(const QList<Crew> &crews)
{
    beginResetModel();
    m_crews = crews;
    for (Crew &c : m_crews) {
        const auto it = m_liveStatus.constFind(c.id);
        if (it != m_liveStatus.constEnd())
            c.status = *it;
    }
    endResetModel();
}

void CrewsModel::setStatus(int row, const QString &status)
{
    if (m_crews[row].status == status)
        return;
    m_crews[row].status = status;
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(i, i, {StatusRole});
}

bool CrewsModel::applySignal(const SignalEvent &signal)
{
    m_liveStatus.insert(signal.crewId, signal.status);
    const int row = rowOf(signal.crewId);
    if (row < 0)
        return false;
    setStatus(row, signal.status);
    return true;
}

void CrewsModel::applySnapshot(const SnapshotEvent &snapshot)
{
    for (const CrewState &s : snapshot.crews) {
        m_liveStatus.insert(s.crewId, s.status);
        const int row = rowOf(s.crewId);
        if (row >= 0)
            setStatus(row, s.status);
    }
}

QString CrewsModel::statusOf(const QString &crewId) const
{
    const int row = rowOf(crewId);
    return row < 0 ? m_liveStatus.value(crewId) : m_crews.at(row).status;
}

QString CrewsModel::nameOf(const QString &crewId) const
{
    const int row = rowOf(crewId);
    return row < 0 ? QString() : m_crews.at(row).name;
}

int CrewsModel::rowOf(const QString &crewId) const
{
    for (qsizetype i = 0; i < m_crews.size(); ++i)
        if (m_crews.at(i).id == crewId)
            return int(i);
    return -1;
}

int CrewsModel::countWithStatus(const QString &status) const
{
    return int(std::count_if(m_crews.cbegin(), m_crews.cend(),
                             [&](const Crew &c) { return c.status == status; }));
}

} // namespace crewdeck::client
