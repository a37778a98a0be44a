#include "app/models/rentalsmodel.h"

#include <QLocale>

using namespace Qt::StringLiterals;

namespace crewdeck::client {

RentalsModel::RentalsModel(QObject *parent) : QAbstractTableModel(parent) {}

int RentalsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rentals.size());
}

int RentalsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RentalsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Rental &r = m_rentals.at(index.row());
    const bool renter = r.renterOrgId == m_orgId;
    switch (role) {
    case RentalIdRole:
        return r.id;
    case IsRenterRole:
        return renter;
    case StatusRole:
        return r.status;
    case Qt::DisplayRole:
        switch (index.column()) {
        case CrewColumn: {
            const QString name = m_names.value(r.crewId);
            return name.isEmpty() ? r.crewId : name;
        }
        case SideColumn:
            return renter ? tr("Rented by us") : tr("Rented out");
        case HoursColumn:
            return r.hours.toString();
        case PriceColumn:
            return QString((renter ? u"-"_s : u"+"_s) + r.price.toString() + u" C7T"_s);
        case EndsColumn:
            return QLocale().toString(r.endsAt.toLocalTime(), QLocale::ShortFormat);
        case StatusColumn:
            return r.status == u"active"_s ? tr("Active") : tr("Ended");
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant RentalsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case CrewColumn:
        return tr("Crew");
    case SideColumn:
        return tr("Side");
    case HoursColumn:
        return tr("Hours");
    case PriceColumn:
        return tr("Price");
    case EndsColumn:
        return tr("Ends");
    case StatusColumn:
        return tr("Status");
    default:
        return {};
    }
}

void RentalsModel::setRentals(const QList<Rental> &rentals, const QString &orgId)
{
    beginResetModel();
    m_rentals = rentals;
    m_orgId = orgId;
    endResetModel();
}

void RentalsModel::setCrewNames(const QHash<QString, QString> &names)
{
    m_names = names;
    if (!m_rentals.isEmpty())
        Q_EMIT dataChanged(index(0, CrewColumn), index(rowCount() - 1, CrewColumn),
                           {Qt::DisplayRole});
}

} // namespace crewdeck::client
