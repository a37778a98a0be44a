#include "app/ui/graph/graphsetup.h"
#include "app/models/dashboarddata.h"
#include "app/net/livestreams.h"
#include "app/ui/mainwindow.h"
#include "app/ui/toasts/toastmanager.h"
#include "app/ui/toasts/traynotifier.h"

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

LiveExtras installLiveExtras(MainWindow *window, client::LiveStreams *streams,
                             client::DashboardData *dashboard, const LiveExtrasOptions &options)
{
    LiveExtras x;
    x.toasts = new ToastManager(window->toastArea());
    x.toasts->setCollapseHost(true);
    // The toasts follow every crew, not only the one the graph shows: names from the crews.
    client::CrewsModel *crewList = dashboard->crewsModel();
    x.toasts->setAgentNameResolver([crewList](const QString &agentId) {
        for (const Crew &c : crewList->crews()) {
            for (const Agent &a : c.agents) {
                if (a.id == agentId)
                    return a.name;
            }
        }
        return QString();
    });
    x.toasts->setSource(streams->toolActivity());
    QObject::connect(x.toasts, &ToastManager::runActivated, window, &MainWindow::runActivated);

    x.tray = new TrayNotifier(window, window);
    x.tray->setEnabled(options.trayEnabled);
    client::CrewsModel *crews = dashboard->crewsModel();
    x.tray->setCrewNameResolver([crews](const QString &crewId) { return crews->nameOf(crewId); });
    QObject::connect(streams, &client::LiveStreams::graphEvent, x.tray, &TrayNotifier::handleEvent);
    QObject::connect(streams, &client::LiveStreams::missionEvent, x.tray,
                     &TrayNotifier::handleEvent);
    QObject::connect(streams, &client::LiveStreams::runEvent, x.tray,
                     [tray = x.tray](const QString &, const Event &e) { tray->handleEvent(e); });
    return x;
}

} // namespace crewdeck::ui
