#pragma once
#include "shared/types.h"

#include <QAbstractTableModel>
#include <QHash>

namespace crewdeck::client {

// The org's rentals on both sides (GET /rentals): as renter (spent) and as owner (earned).
// GUI thread.
class RentalsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        CrewColumn,
        SideColumn,
        HoursColumn,
        PriceColumn,
        EndsColumn,
        StatusColumn,
        ColumnCount
    };
    Q_ENUM(Column)
    enum Role { RentalIdRole = Qt::UserRole + 1, IsRenterRole, StatusRole };
    Q_ENUM(Role)

    explicit RentalsModel(QObject *parent = nullptr);
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // `orgId`: the caller's org, to tell which side each rental is on.
    void setRentals(const QList<Rental> &rentals, const QString &orgId);
    const QList<Rental> &rentals() const { return m_rentals; }
    // Crew names known to the page (own crews and market crews).
    void setCrewNames(const QHash<QString, QString> &names);

private:
    QList<Rental> m_rentals;
    QString m_orgId;
    QHash<QString, QString> m_names;
};

} // namespace crewdeck::client
