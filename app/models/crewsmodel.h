#pragma once
#include "shared/events.h"
#include "shared/types.h"

#include <QAbstractListModel>
#include <QHash>

namespace crewdeck::client {

// The org's crews with their live status: REST (GET /crews) gives the list, the mission
// socket's snapshot and signal events keep each crew's status current. GUI thread.
class CrewsModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        NameRole,
        StatusRole,     // "available" | "busy" | "offline"
        AgentNamesRole, // QStringList: agent names
        AgentRolesRole, // QStringList: agent roles, same order
        AgentCountRole,
    };
    Q_ENUM(Role)

    explicit CrewsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Replaces the list; statuses already learnt from the socket win over REST's, which may
    // be older than the last signal.
    void setCrews(const QList<Crew> &crews);
    const QList<Crew> &crews() const { return m_crews; }
    // Returns false for crews the model does not know yet (the caller refetches).
    bool applySignal(const SignalEvent &signal);
    void applySnapshot(const SnapshotEvent &snapshot);
    // Forgets live statuses, e.g. after a reset: REST is the truth again.
    void clearLiveStatus() { m_liveStatus.clear(); }

    QString statusOf(const QString &crewId) const;
    QString nameOf(const QString &crewId) const;
    int rowOf(const QString &crewId) const;
    int countWithStatus(const QString &status) const;

private:
    void setStatus(int row, const QString &status);

    QList<Crew> m_crews;
    QHash<QString, QString> m_liveStatus; // crew id -> status seen on the socket
};

} // namespace crewdeck::client
