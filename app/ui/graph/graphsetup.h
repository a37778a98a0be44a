#pragma once

namespace crewdeck::client {
class DashboardData;
class LiveStreams;
} // namespace crewdeck::client

namespace crewdeck::ui {

class MainWindow;
class ToastManager;
class TrayNotifier;

// What installLiveExtras() adds to a main window; all owned by the window.
struct LiveExtras
{
    ToastManager *toasts = nullptr;
    TrayNotifier *tray = nullptr;
};

struct LiveExtrasOptions
{
    bool trayEnabled = true;
};

// Adds the tool-call toasts (reading LiveStreams' tool-activity model, which covers every crew
// it follows; a click emits MainWindow::runActivated) and the tray notifier (failed tool calls
// from the graph streams, crews going offline from the mission stream). The graph page is one
// of AppController's lazy pages. Nothing here opens a socket. GUI thread.
LiveExtras installLiveExtras(MainWindow *window, client::LiveStreams *streams,
                             client::DashboardData *dashboard, const LiveExtrasOptions &options);

} // namespace crewdeck::ui
