#pragma once

namespace crewdeck::client {
class DashboardController;
class LiveSocket;
class Session;
} // namespace crewdeck::client

namespace crewdeck::ui {

class GraphPage;
class MainWindow;
class ToastManager;
class TrayNotifier;

// What installLiveExtras() adds to a main window; all owned by the window.
struct LiveExtras
{
    GraphPage *graph = nullptr;
    ToastManager *toasts = nullptr;
    TrayNotifier *tray = nullptr;
};

struct LiveExtrasOptions
{
    int heartbeatMs = 45000;
    int backoffBaseMs = 500;
    int backoffCapMs = 20000;
    bool trayEnabled = true;
};

// Adds the "Graph" page to the window's sidebar, the tool-call toasts (fed by the graph
// socket, a click emits MainWindow::runActivated) and the tray notifier (fed by the graph
// socket's run_status and the mission socket's signals). The graph socket's run_status
// events also reach the dashboard (debounced refresh). GUI thread.
LiveExtras installLiveExtras(MainWindow *window, client::Session *session,
                             client::DashboardController *dashboard, client::LiveSocket *mission,
                             const LiveExtrasOptions &options);

} // namespace crewdeck::ui
