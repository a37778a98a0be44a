#pragma once
#include "shared/events.h"
#include "shared/types.h"

#include <QPointer>
#include <QWidget>
#include <functional>

class QComboBox;
class QLabel;
class QStackedWidget;
class QToolButton;

namespace crewdeck::client {
class CrewsModel;
class LiveSocket;
class LiveStreams;
class RecentRunsModel;
} // namespace crewdeck::client

namespace crewdeck::ui {

class GraphScene;
class GraphView;
class LiveIndicator;

// The agent graph page: pick one of the org's crews (combo with status colours) and watch
// its agents use their tools live. Holds a reference on the crew's /ws/graph stream in
// LiveStreams (which owns the socket) and shows the ToolActivityModel's calls of that crew
// in the scene. GUI thread.
class GraphPage : public QWidget
{
    Q_OBJECT
public:
    GraphPage(client::LiveStreams *streams, client::CrewsModel *crews,
              client::RecentRunsModel *recentRuns, QWidget *parent = nullptr);
    ~GraphPage() override;

    GraphScene *scene() const { return m_scene; }
    GraphView *view() const { return m_view; }
    // The shown crew's graph socket (owned by LiveStreams); null when none is shown.
    client::LiveSocket *socket() const;
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
    void crewChanged(const QString &crewId);

private:
    void reloadCrews();
    void onComboChanged(int index);
    void showCrew(const Crew &crew);
    void updateStatus();
    static QString signatureOf(const Crew &crew);

    QPointer<client::LiveStreams> m_streams;
    client::CrewsModel *m_crews;
    client::RecentRunsModel *m_recent;
    QString m_heldCrewId; // the crew this page holds a graph reference on
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
