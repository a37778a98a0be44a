#pragma once
#include "app/net/apiclient.h"
#include "shared/events.h"
#include "shared/types.h"

#include <QAbstractTableModel>
#include <QHash>

namespace crewdeck::client {

// All runs of the org that match a filter (crew, status, created_at range), newest first,
// loaded page by page from GET /runs: the first page on setFilter()/reload(), the next one
// whenever a view asks (canFetchMore/fetchMore over next_cursor). run_status events keep the
// listed rows current and add new runs at the top. GUI thread.
class RunsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        CreatedColumn,
        CrewColumn,
        StatusColumn,
        DurationColumn,
        TokensColumn,
        IdColumn,
        ColumnCount
    };
    Q_ENUM(Column)
    enum Role {
        RunIdRole = Qt::UserRole + 1,
        CrewIdRole,
        StatusRole,     // run state string
        DurationMsRole, // qint64, invalid while unfinished
        TokensRole,     // qint64
        CreatedAtRole,  // QDateTime (UTC)
        StartedAtRole,  // QDateTime (UTC), invalid while queued
    };
    Q_ENUM(Role)

    explicit RunsModel(ApiClient *api, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    // Replaces the filter (cursor and limit are ignored) and loads its first page.
    void setFilter(const RunQuery &filter);
    RunQuery filter() const { return m_filter; }
    // Rows per page (1..200; 0: the server's default).
    void setPageSize(int size) { m_pageSize = size; }
    int pageSize() const { return m_pageSize; }
    // Drops the rows and loads the first page again.
    void reload();

    void setCrewNames(const QHash<QString, QString> &names);
    QString crewName(const QString &crewId) const { return m_crewNames.value(crewId); }

    bool isLoading() const { return m_loading; }
    // The first page of the current filter has been answered (successfully or not).
    bool hasLoaded() const { return m_loaded; }
    bool hasMore() const { return m_nextCursor.has_value(); }
    ApiFailure lastFailure() const { return m_failure; }

    // A run's text in `column` and a column's title: the runs table's, and the dashboard's
    // recent runs show a subset of the same columns (RecentRunsModel). `crewName` empty: the
    // crew id.
    static QString displayText(const Run &run, Column column, const QString &crewName);
    static QString columnTitle(Column column);
    // A run's value for one of our roles or Qt::ToolTipRole; invalid for any other role.
    static QVariant runData(const Run &run, int role);

    const Run *runAt(int row) const;
    int rowOf(const QString &runId) const;
    bool hasRunningRows() const;

    // A run changed state on a socket: updates the row (and fetches its final duration and
    // tokens when it ended), or fetches and inserts a new run that matches the filter.
    void applyRunStatus(const RunStatusEvent &event);
    // Fetches one run again and updates its row.
    void refreshRun(const QString &runId);

Q_SIGNALS:
    void loadingChanged(bool loading);
    void pageLoaded();
    void loadFailed(const crewdeck::client::ApiFailure &failure);

private:
    void requestPage(const QString &cursor);
    void setLoading(bool loading);
    bool matchesFilter(const Run &run) const;
    void upsert(const Run &run, bool insertIfMissing);

    ApiClient *m_api;
    RunQuery m_filter;
    int m_pageSize = 50;
    QList<Run> m_runs;
    QHash<QString, QString> m_crewNames;
    std::optional<QString> m_nextCursor;
    bool m_loading = false;
    bool m_loaded = false;
    quint64 m_generation = 0; // answers for an older filter are dropped
    ApiFailure m_failure;
};

} // namespace crewdeck::client
