#include "app/models/marketmodel.h"

using namespace Qt::StringLiterals;

namespace crewdeck::client {

MarketModel::MarketModel(QObject *parent) : QAbstractTableModel(parent) {}

int MarketModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_crews.size());
}

int MarketModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MarketModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const MarketCrew &c = m_crews.at(index.row());
    switch (role) {
    case CrewIdRole:
        return c.id;
    case StatusRole:
        return c.status;
    case PriceMicrosRole:
        return c.rentalPricePerHour.value;
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return c.name;
        case OwnerColumn:
            return c.ownerOrgId;
        case PriceColumn:
            return tr("%1 C7T/h").arg(c.rentalPricePerHour.toString());
        case StatusColumn:
            return c.status;
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant MarketModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Crew");
    case OwnerColumn:
        return tr("Owner");
    case PriceColumn:
        return tr("Price");
    case StatusColumn:
        return tr("Status");
    default:
        return {};
    }
}

void MarketModel::setCrews(const QList<MarketCrew> &crews)
{
    beginResetModel();
    m_crews = crews;
    endResetModel();
}

const MarketCrew *MarketModel::crewAt(int row) const
{
    return row >= 0 && row < m_crews.size() ? &m_crews.at(row) : nullptr;
}

void MarketModel::setStatus(const QString &crewId, const QString &status)
{
    for (int i = 0; i < m_crews.size(); ++i) {
        if (m_crews.at(i).id == crewId && m_crews.at(i).status != status) {
            m_crews[i].status = status;
            Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1));
        }
    }
}

} // namespace crewdeck::client
