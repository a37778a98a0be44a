#pragma once
#include "shared/events.h"
#include "shared/types.h"

#include <QWidget>
#include <functional>

class QComboBox;
class QLabel;
class QStackedWidget;
class QToolButton;

namespace crewdeck::client {
class CrewsModel;
class LiveSocket;
class RecentRunsModel;
class Session;
} // namespace crewdeck::client

namespace crewdeck::ui {

class GraphScene;
class GraphView;
class LiveIndicator;

// The agent graph page: pick one of the org's crews (combo with status colours) and watch
// its agents use their tools live. Owns the crew's /ws/graph socket (the reusable
// LiveSocket: reconnect, resume by since) and re-emits every event it receives, so that
// toasts and tray notifications can follow the same stream. GUI thread.
class GraphPage : public QWidget
{
    Q_OBJECT
public:
    GraphPage(client::Session *session, client::CrewsModel *crews,
              client::RecentRunsModel *recentRuns, QWidget *parent = nullptr);
    ~GraphPage() override;

    GraphScene *scene() const { return m_scene; }
    GraphView *view() const { return m_view; }
    client::LiveSocket *socket() const { return m_socket; }
    QComboBox *crewCombo() const { return m_combo; }

    QString currentCrewId() const;
    // Shows `crewId` (if the crews list has it) and connects its graph socket.
    bool selectCrew(const QString &crewId);
    // The crew with the most runs in the recent list, else the first busy crew, else the first.
    QString busiestCrewId() const;
    // Calls `done` once a tool event was applied to the graph, or after `timeoutMs`.
    void whenToolEventApplied(int timeoutMs, QObject *context,
                              std::function<void(bool applied)> done);

Q_SIGNALS:
    // Every stream event of the selected crew's graph socket (tool_*, run_status).
    void eventReceived(const crewdeck::Event &event);
    void crewChanged(const QString &crewId);

private:
    void reloadCrews();
    void onComboChanged(int index);
    void showCrew(const Crew &crew);
    void updateStatus();
    static QString signatureOf(const Crew &crew);

    client::Session *m_session;
    client::CrewsModel *m_crews;
    client::RecentRunsModel *m_recent;
    client::LiveSocket *m_socket;
    GraphScene *m_scene;
    GraphView *m_view;
    QComboBox *m_combo;
    QLabel *m_status;
    QLabel *m_empty;
    QStackedWidget *m_stack;
    LiveIndicator *m_indicator;
    QString m_shownCrewId;
    QString m_shownSignature;
    bool m_reloading = false;
};

} // namespace crewdeck::ui
