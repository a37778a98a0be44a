#include "app/ui/graph/graphsetup.h"
#include "app/models/dashboardcontroller.h"
#include "app/net/livesocket.h"
#include "app/ui/graph/graphpage.h"
#include "app/ui/graph/graphscene.h"
#include "app/ui/mainwindow.h"
#include "app/ui/toasts/toastmanager.h"
#include "app/ui/toasts/traynotifier.h"

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

LiveExtras installLiveExtras(MainWindow *window, client::Session *session,
                             client::DashboardController *dashboard, client::LiveSocket *mission,
                             const LiveExtrasOptions &options)
{
    LiveExtras x;
    x.graph = new GraphPage(session, dashboard->crewsModel(), dashboard->recentRunsModel(), window);
    x.graph->socket()->setHeartbeatInterval(options.heartbeatMs);
    x.graph->socket()->setBackoff(options.backoffBaseMs, options.backoffCapMs);
    window->addPage(u"graph"_s, GraphPage::tr("Graph"), u"graph"_s, x.graph);
    QObject::connect(x.graph, &GraphPage::eventReceived, dashboard,
                     &client::DashboardController::handleEvent);

    x.toasts = new ToastManager(window);
    GraphScene *scene = x.graph->scene();
    x.toasts->setAgentNameResolver(
        [scene](const QString &agentId) { return scene->agentName(agentId); });
    QObject::connect(x.graph, &GraphPage::eventReceived, x.toasts, &ToastManager::handleEvent);
    QObject::connect(x.toasts, &ToastManager::runActivated, window, &MainWindow::runActivated);

    x.tray = new TrayNotifier(window, window);
    x.tray->setEnabled(options.trayEnabled);
    client::CrewsModel *crews = dashboard->crewsModel();
    x.tray->setCrewNameResolver([crews](const QString &crewId) { return crews->nameOf(crewId); });
    QObject::connect(x.graph, &GraphPage::eventReceived, x.tray, &TrayNotifier::handleEvent);
    if (mission)
        QObject::connect(mission, &client::LiveSocket::eventReceived, x.tray,
                         &TrayNotifier::handleEvent);
    return x;
}

} // namespace crewdeck::ui
