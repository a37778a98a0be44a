// AppController's pages: which pages the live window has, how each is built (lazily, the
// first time it is shown or asked for: cold start and memory, issue 17 item 6) and how one is
// shown once it has data (showPageWhenReady, for --screenshot). GUI thread.
#include "app/models/dashboarddata.h"
#include "app/net/apiclient.h"
#include "app/net/livestreams.h"
#include "app/ui/analytics/analyticssetup.h"
#include "app/ui/appcontroller.h"
#include "app/ui/crews/crewspage.h"
#include "app/ui/graph/graphpage.h"
#include "app/ui/mainwindow.h"
#include "app/ui/runs/rundetailpage.h"
#include "app/ui/runs/runspage.h"

using namespace Qt::StringLiterals;
using namespace crewdeck::client;

namespace crewdeck::ui {

void AppController::addLivePages()
{
    // Nothing is built here: each factory runs when the page is first shown or asked for,
    // with what it needs then (the window, the streams and the dashboard outlive the pages).
    m_window->addLazyPage(u"runs"_s, tr("Runs"), u"run"_s, [this]() -> QWidget * {
        m_runsPage = new RunsPage(m_api, m_session, m_window);
        m_streams->setRunsModel(m_runsPage->model());
        connect(m_runsPage, &RunsPage::runActivated, this, &AppController::openRun);
        return m_runsPage;
    });
    m_window->addLazyHiddenPage(
        u"run"_s, tr("Run"),
        [this]() -> QWidget * {
            m_runDetail = new RunDetailPage(m_api, m_session, m_streams, m_window);
            connect(m_runDetail, &RunDetailPage::backRequested, m_window,
                    [this] { m_window->showPage(u"runs"_s); });
            return m_runDetail;
        },
        u"runs"_s);
    m_window->addLazyPage(u"crews"_s, tr("Crews"), u"crew"_s, [this]() -> QWidget * {
        m_crewsPage = new CrewsPage(m_api, m_session, m_streams->mission(), m_window);
        return m_crewsPage;
    });
    m_window->addLazyPage(u"graph"_s, GraphPage::tr("Graph"), u"graph"_s, [this]() -> QWidget * {
        m_graphPage = new GraphPage(m_streams, m_dashboard->crewsModel(),
                                    m_dashboard->recentRunsModel(), m_window);
        return m_graphPage;
    });
    m_window->addLazyPage(
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
