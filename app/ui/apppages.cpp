// AppController's live window and pages: the window built while the login request is in
// flight and finished once it is answered, which pages it has, how each is built (lazily, the
// first time it is shown or asked for: cold start and memory, issue 17 item 6) and how one is
// shown once it has data (showPageWhenReady, for --screenshot). GUI thread.
#include "app/models/dashboarddata.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/net/livestreams.h"
#include "app/ui/analytics/analyticssetup.h"
#include "app/ui/appcontroller.h"
#include "app/ui/appsettings.h"
#include "app/ui/crews/crewspage.h"
#include "app/ui/graph/graphpage.h"
#include "app/ui/graph/graphsetup.h"
#include "app/ui/liveindicator.h"
#include "app/ui/mainwindow.h"
#include "app/ui/runs/rundetailpage.h"
#include "app/ui/runs/runspage.h"

#include <QListWidget>

using namespace Qt::StringLiterals;
using namespace crewdeck::client;

namespace crewdeck::ui {

void AppController::makeSessionModels(Prepared *into)
{
    const AppSettings settings = AppSettings::load();
    into->dashboard = new DashboardData(m_api, this);
    into->dashboard->setRefreshInterval(settings.refreshSeconds * 1000);
    into->streams = new LiveStreams(m_session, this);
    into->streams->setHeartbeatInterval(m_heartbeatMs);
    into->streams->setBackoff(m_backoffBaseMs, m_backoffCapMs);
    into->streams->setDashboard(into->dashboard);
}

void AppController::connectWindow(MainWindow *window)
{
    window->setAttribute(Qt::WA_DeleteOnClose, false);
    connect(window, &MainWindow::settingsRequested, this, &AppController::showSettings);
    connect(window, &MainWindow::logoutRequested, this, &AppController::logout);
    connect(window, &MainWindow::runActivated, this, &AppController::runActivated);
    connect(window, &MainWindow::runActivated, this, &AppController::openRun);
}

MainWindow *AppController::makeLiveWindow(DashboardData *dashboard)
{
    // No mission socket yet: finishLiveWindow() hands it to the indicator.
    auto *window = new MainWindow(m_session, dashboard, nullptr);
    connectWindow(window);
    addLivePages(window);
    // Back from a hidden page (run detail) by clicking the already-selected entry.
    connect(window->sidebar(), &QListWidget::itemClicked, window, [window](QListWidgetItem *item) {
        window->showPage(item->data(Qt::UserRole).toString());
    });
    return window;
}

void AppController::finishLiveWindow()
{
    m_window->liveIndicator()->setSocket(m_streams->mission());
    m_window->setUserEmail(m_session->user().email, m_session->user().role);
    {
        // The tray icon shows when it is made: only for a session that exists.
        LiveExtrasOptions xo;
        xo.trayEnabled = AppSettings::load().trayNotifications;
        const LiveExtras x = installLiveExtras(m_window, m_streams, m_dashboard, xo);
        m_toasts = x.toasts;
        m_tray = x.tray;
    }
    // The analytics page joins the recording when it is built (addLivePages).
    m_offline->record(m_dashboard, nullptr, m_streams->mission());
    m_window->show();
    Q_EMIT mainWindowShown();
}

void AppController::prepareLiveWindow()
{
    if (m_window || m_prepared.window || m_session->isLoggedIn())
        return; // a session is on (its window is built), or this login's is
    makeSessionModels(&m_prepared);
    m_prepared.window = makeLiveWindow(m_prepared.dashboard);
}

void AppController::discardPrepared()
{
    // Nothing was started or shown: no request, no socket, no geometry to save.
    const Prepared p = std::exchange(m_prepared, {});
    delete p.window.data();
    delete p.streams.data();
    delete p.dashboard.data();
}

void AppController::addLivePages(MainWindow *window)
{
    // Nothing is built here: each factory runs when the page is first shown or asked for,
    // with what it needs then (the window, the streams and the dashboard outlive the pages;
    // a prepared window is the controller's m_window before anything can ask).
    window->addLazyPage(u"runs"_s, tr("Runs"), u"run"_s, [this]() -> QWidget * {
        m_runsPage = new RunsPage(m_api, m_session, m_window);
        m_streams->setRunsModel(m_runsPage->model());
        connect(m_runsPage, &RunsPage::runActivated, this, &AppController::openRun);
        return m_runsPage;
    });
    window->addLazyHiddenPage(
        u"run"_s, tr("Run"),
        [this]() -> QWidget * {
            m_runDetail = new RunDetailPage(m_api, m_session, m_streams, m_window);
            connect(m_runDetail, &RunDetailPage::backRequested, m_window,
                    [this] { m_window->showPage(u"runs"_s); });
            return m_runDetail;
        },
        u"runs"_s);
    window->addLazyPage(u"crews"_s, tr("Crews"), u"crew"_s, [this]() -> QWidget * {
        m_crewsPage = new CrewsPage(m_api, m_session, m_streams->mission(), m_window);
        return m_crewsPage;
    });
    window->addLazyPage(u"graph"_s, GraphPage::tr("Graph"), u"graph"_s, [this]() -> QWidget * {
        m_graphPage = new GraphPage(m_streams, m_dashboard->crewsModel(),
                                    m_dashboard->recentRunsModel(), m_window);
        return m_graphPage;
    });
    window->addLazyPage(
        u"analytics"_s, AnalyticsPage::tr("Analytics"), u"analytics"_s, [this]() -> QWidget * {
            m_analyticsPage = makeAnalyticsPage(m_api, m_dashboard, m_streams->mission());
            if (const auto r = std::exchange(m_analyticsResume, std::nullopt))
                m_analyticsPage->data()->setRange(*r);
            m_offline->recordAnalytics(m_analyticsPage);
            return m_analyticsPage;
        });
}

RunsPage *AppController::runsPage()
{
    return m_window ? qobject_cast<RunsPage *>(m_window->page(u"runs"_s)) : nullptr;
}

RunDetailPage *AppController::runDetailPage()
{
    return m_window ? qobject_cast<RunDetailPage *>(m_window->page(u"run"_s)) : nullptr;
}

CrewsPage *AppController::crewsPage()
{
    return m_window ? qobject_cast<CrewsPage *>(m_window->page(u"crews"_s)) : nullptr;
}

GraphPage *AppController::graphPage()
{
    return m_window ? qobject_cast<GraphPage *>(m_window->page(u"graph"_s)) : nullptr;
}

AnalyticsPage *AppController::analyticsPage()
{
    return m_window ? qobject_cast<AnalyticsPage *>(m_window->page(u"analytics"_s)) : nullptr;
}

void AppController::openRun(const QString &runId)
{
    RunDetailPage *detail = runId.isEmpty() ? nullptr : runDetailPage();
    if (!m_window || !detail)
        return;
    if (detail->runId() != runId)
        detail->openRun(runId);
    m_window->showPage(u"run"_s);
}

namespace {

// `finish(true)` once `page` has its first answers: now, or on its `loaded` signal (once;
// `context` ends the wait).
template <typename Page, typename Finish>
void whenLoaded(Page *page, void (Page::*loaded)(), QObject *context, const Finish &finish)
{
    if (page->isLoaded())
        finish(true);
    else
        QObject::connect(
            page, loaded, context, [finish] { finish(true); }, Qt::SingleShotConnection);
}

} // namespace

void AppController::showPageWhenReady(const QString &page, QObject *context,
                                      std::function<void(bool)> done)
{
    if (!m_window) {
        done(false);
        return;
    }
    QPointer<QObject> ctx(context);
    auto finish = [this, ctx, page, done](bool ok) {
        if (!ctx)
            return;
        if (ok && m_window)
            ok = m_window->showPage(page);
        done(ok);
    };
    if (page == u"runs"_s && runsPage())
        return whenLoaded(m_runsPage.data(), &RunsPage::loaded, context, finish);
    if (page == u"crews"_s && crewsPage())
        return whenLoaded(m_crewsPage.data(), &CrewsPage::loaded, context, finish);
    if (page == u"graph"_s && graphPage()) {
        // The busiest crew with live data: wait for the crews list, then for a tool event
        // (at most 20 s; an idle server still gets its picture).
        auto pick = [this, context, finish] {
            if (!m_graphPage)
                return finish(false);
            m_graphPage->selectCrew(m_graphPage->busiestCrewId());
            m_window->showPage(u"graph"_s);
            m_graphPage->whenToolEventApplied(20000, context, [finish](bool) { finish(true); });
        };
        if (m_dashboard && m_dashboard->crewsModel()->rowCount() > 0)
            pick();
        else if (m_dashboard)
            connect(m_dashboard->crewsModel(), &QAbstractItemModel::modelReset, context, pick,
                    Qt::SingleShotConnection);
        else
            finish(false);
        return;
    }
    if (page == u"analytics"_s && analyticsPage()) // the charts filled: every series answered
        return whenLoaded(m_analyticsPage.data(), &AnalyticsPage::loaded, context, finish);
    if (page == u"run"_s && runDetailPage()) {
        RunQuery q;
        q.limit = 1;
        m_api->runs(q, context, [this, context, finish](const ApiResult<RunPage> &r) {
            if (!r.ok() || r.value->items.isEmpty() || !m_runDetail) {
                finish(false);
                return;
            }
            connect(
                m_runDetail, &RunDetailPage::loaded, context, [finish] { finish(true); },
                Qt::SingleShotConnection);
            openRun(r.value->items.first().id);
        });
        return;
    }
    finish(m_window->showPage(page));
}

} // namespace crewdeck::ui
