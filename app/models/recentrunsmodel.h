#pragma once
#include "app/models/runsmodel.h"
#include "shared/events.h"
#include "shared/types.h"

#include <QAbstractTableModel>
#include <QHash>

namespace crewdeck::client {

// The newest runs (newest first), as GET /dashboard/stats returns them, limited to `limit`
// rows; run_status events update a listed run's status in place. Its cells, titles and roles
// are the runs table's (RunsModel's static helpers). GUI thread.
class RecentRunsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        CrewColumn,
        StatusColumn,
        DurationColumn,
        TokensColumn,
        CreatedColumn,
        ColumnCount
    };
    Q_ENUM(Column)
    // The runs table's roles (RunsModel::runData() answers them) plus the crew's name.
    enum Role {
        RunIdRole = RunsModel::RunIdRole,
        CrewIdRole = RunsModel::CrewIdRole,
        StatusRole = RunsModel::StatusRole,         // run state string
        DurationMsRole = RunsModel::DurationMsRole, // qint64, or invalid while unfinished
        TokensRole = RunsModel::TokensRole,
        CreatedAtRole = RunsModel::CreatedAtRole, // QDateTime (UTC)
        CrewNameRole = RunsModel::StartedAtRole + 1,
    };
    Q_ENUM(Role)

    explicit RecentRunsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setLimit(int limit);
    int limit() const { return m_limit; }
    void setRuns(const QList<Run> &runs);
    const QList<Run> &runs() const { return m_runs; }
    void setCrewNames(const QHash<QString, QString> &names);
    // Returns false when the run is not listed (a new run: the caller refetches).
    bool applyRunStatus(const RunStatusEvent &event);

    static QString formatDuration(qint64 ms);

private:
    QList<Run> m_all;
    QList<Run> m_runs; // the first m_limit of m_all
    QHash<QString, QString> m_crewNames;
    int m_limit = 3;
};

} // namespace crewdeck::client
