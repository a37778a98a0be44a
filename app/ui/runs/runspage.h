#pragma once
#include "shared/types.h"

#include <QHash>
#include <QPointer>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace crewdeck::client {
class ApiClient;
class RunsModel;
class AuthSession;
} // namespace crewdeck::client

namespace crewdeck::ui {

// "Runs": every run of the org in a sortable table, loaded page by page while scrolling,
// filtered by crew, status and a created-at range. The model is fed live by LiveStreams
// (tool events of every crew's /ws/graph stream bring new runs in and move listed ones on);
// the page opens no socket. Double-click opens the run; "New run" opens the start-run
// dialog. GUI thread.
class RunsPage : public QWidget
{
    Q_OBJECT
public:
    RunsPage(client::ApiClient *api, client::AuthSession *session, QWidget *parent = nullptr);
    ~RunsPage() override;

    client::RunsModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    // First page answered and the crew list known.
    bool isLoaded() const;

    // Date presets of the range filter.
    enum class Range { All, Day, Week, Month, Custom };
    void setRange(Range range);

public Q_SLOTS:
    void refresh();
    void openStartRunDialog();

Q_SIGNALS:
    void runActivated(const QString &runId);
    void loaded();

private:
    void applyFilter();
    void loadCrews();
    void updateStatusLine();

    client::ApiClient *m_api;
    client::AuthSession *m_session;
    client::RunsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QComboBox *m_crewCombo;
    QComboBox *m_statusCombo;
    QComboBox *m_rangeCombo;
    QDateTimeEdit *m_fromEdit;
    QDateTimeEdit *m_toEdit;
    QPushButton *m_newRun;
    QLabel *m_statusLine;
    QList<Crew> m_crews;
    bool m_crewsLoaded = false;
    bool m_announced = false;
    QTimer m_tick;
    int m_ticks = 0;
};

} // namespace crewdeck::ui
