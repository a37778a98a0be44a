#pragma once
#include "shared/types.h"

#include <QAbstractTableModel>

namespace crewdeck::client {

// Other orgs' crews that can be rented (GET /market/crews). GUI thread.
class MarketModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, OwnerColumn, PriceColumn, StatusColumn, ColumnCount };
    Q_ENUM(Column)
    enum Role { CrewIdRole = Qt::UserRole + 1, StatusRole, PriceMicrosRole };
    Q_ENUM(Role)

    explicit MarketModel(QObject *parent = nullptr);
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void setCrews(const QList<MarketCrew> &crews);
    const QList<MarketCrew> &crews() const { return m_crews; }
    const MarketCrew *crewAt(int row) const;
    // A signal for a listed crew (the owner's crew status is public on the market).
    void setStatus(const QString &crewId, const QString &status);

private:
    QList<MarketCrew> m_crews;
};

} // namespace crewdeck::client
