#pragma once

namespace crewdeck::client {
class ApiClient;
class DashboardData;
class LiveSocket;
} // namespace crewdeck::client

namespace crewdeck::ui {

class AnalyticsPage;
class MainWindow;

// Adds the "Analytics" page to the window's sidebar (owned by the window): it refreshes on
// the mission socket's signals and a range the user picks also scopes the dashboard's stats
// card. GUI thread.
AnalyticsPage *installAnalytics(MainWindow *window, client::ApiClient *api,
                                client::DashboardData *dashboard, client::LiveSocket *mission);
// The same page, wired the same way, for the caller to add (MainWindow::addLazyPage).
AnalyticsPage *makeAnalyticsPage(client::ApiClient *api, client::DashboardData *dashboard,
                                 client::LiveSocket *mission);

} // namespace crewdeck::ui
