#include "app/ui/analytics/analyticssetup.h"
#include "app/models/dashboarddata.h"
#include "app/ui/analytics/analyticspage.h"
#include "app/ui/mainwindow.h"

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

AnalyticsPage *makeAnalyticsPage(client::ApiClient *api, client::DashboardData *dashboard,
                                 client::LiveSocket *mission)
{
    auto *page = new AnalyticsPage(api);
    page->setLiveSocket(mission);
    if (dashboard) {
        QObject::connect(page, &AnalyticsPage::rangeChanged, dashboard,
                         [dashboard](const QDateTime &from, const QDateTime &to) {
                             dashboard->setStatsRange(from, to);
                         });
    }
    return page;
}

AnalyticsPage *installAnalytics(MainWindow *window, client::ApiClient *api,
                                client::DashboardData *dashboard, client::LiveSocket *mission)
{
    AnalyticsPage *page = makeAnalyticsPage(api, dashboard, mission);
    window->addPage(u"analytics"_s, AnalyticsPage::tr("Analytics"), u"analytics"_s, page);
    return page;
}

} // namespace crewdeck::ui
