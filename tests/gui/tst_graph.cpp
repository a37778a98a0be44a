// The agent graph page against a real crewdeck server in this process: a real run's
// tool_start / tool_progress / tool_end light up the right tool node in order (and the
// toasts follow), a failing step colours its node red and reaches the tray notifier, the
// layout stays free of overlaps from 1 to 50 agents, and a 1,000-node graph is panned
// programmatically while its paint time is measured and reported.
#include "app/models/dashboarddata.h"
#include "app/net/livesocket.h"
#include "app/ui/appcontroller.h"
#include "app/ui/graph/graphitems.h"
#include "app/ui/graph/graphpage.h"
#include "app/ui/graph/graphscene.h"
#include "app/ui/graph/graphview.h"
#include "app/ui/mainwindow.h"
#include "app/ui/theme.h"
#include "app/ui/toasts/toastmanager.h"
#include "app/ui/toasts/toastwidget.h"
#include "app/ui/toasts/traynotifier.h"
#include "tests/gui/guitest.h"
#include "tests/support/testserver.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::ui;
using crewdeck::client::LiveSocket;

namespace {
const QString Email = u"gina@graph.test"_s;
const QString Password = u"password123"_s;

void snap(QWidget *w, const QString &name)
{
    const QString dir = qEnvironmentVariable("CREWDECK_SCREENSHOT_DIR");
    if (!dir.isEmpty() && w)
        w->grab().save(dir + u"/crewdeck-"_s + name + u".png"_s);
}

Crew syntheticCrew(int agents, int toolsEach)
{
    Crew c;
    c.id = u"crew-big"_s;
    c.name = u"Big crew"_s;
    c.status = CrewStatus::Busy;
    const QStringList tools = Tools::all();
    for (int i = 0; i < agents; ++i) {
        Agent a;
        a.id = u"agent-%1"_s.arg(i);
        a.name = u"Agent %1"_s.arg(i);
        a.role = u"worker"_s;
        for (int k = 0; k < toolsEach; ++k)
            a.tools.append(tools.at(k % tools.size()) +
                           (k >= tools.size() ? QString::number(k) : QString()));
        c.agents.append(a);
    }
    return c;
}
} // namespace

class TestGraph : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void layoutHasNoOverlapsFrom1To50Agents();
    void zoomButtonsAndFit();
    void liveRunLightsTheRightToolInOrder();
    void failingStepIsRedAndReachesTray();
    void thousandNodeGraphPans();
    void oneSocketPerStreamAcrossPages();

private:
    bool loginApp(AppController &ctl);
    GraphPage *openGraph(AppController &ctl);
    QString startRun(const QJsonArray &steps);
    int openSocketsOnServer();

    std::unique_ptr<testsupport::TestServer> m_server;
    QTemporaryDir m_settingsDir;
    QString m_token;
    QString m_crewId;
    QString m_adaId;
    QString m_bobId;
};

void TestGraph::initTestCase()
{
    qunsetenv("CREWDECK_API_URL");
    QCoreApplication::setOrganizationName(u"CrewDeckTest"_s);
    QCoreApplication::setApplicationName(u"tst_graph"_s);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());

    testsupport::TestServer::Options o;
    o.configure = [](server::ServerConfig &c) { c.wsHeartbeatSeconds = 2; };
    m_server = std::make_unique<testsupport::TestServer>(o);
    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    QVERIFY(!m_server->createUser(u"Graphs"_s, Email, u"admin"_s, Password).id.isEmpty());
    m_token = m_server->login(Email, Password);
    QVERIFY(!m_token.isEmpty());
    const auto crew = m_server->post(
        u"/crews"_s,
        QJsonObject{{u"name"_s, u"Graph crew"_s},
                    {u"agents"_s,
                     QJsonArray{QJsonObject{{u"name"_s, u"Ada"_s},
                                            {u"role"_s, u"builder"_s},
                                            {u"tools"_s, QJsonArray{u"script"_s, u"git_clone"_s}}},
                                QJsonObject{{u"name"_s, u"Bob"_s},
                                            {u"role"_s, u"tester"_s},
                                            {u"tools"_s, QJsonArray{u"script"_s, u"pytest"_s}}}}}},
        m_token);
    QCOMPARE(crew.status, 201);
    m_crewId = crew.json().value(u"id"_s).toString();
    const QJsonArray agents = crew.json().value(u"agents"_s).toArray();
    QCOMPARE(agents.size(), 2);
    m_adaId = agents.at(0).toObject().value(u"id"_s).toString();
    m_bobId = agents.at(1).toObject().value(u"id"_s).toString();
    QVERIFY(!m_adaId.isEmpty() && !m_bobId.isEmpty());
}

void TestGraph::cleanupTestCase()
{
    if (m_server)
        m_server->stop();
}

void TestGraph::init()
{
    QSettings().clear();
    NodeItem::setHoldMs(6000);
}

bool TestGraph::loginApp(AppController &ctl)
{
    return testsupport::startApp(ctl, *m_server, Email, Password, [&] {
        return ctl.mainWindow() != nullptr && ctl.graphPage() != nullptr;
    });
}

GraphPage *TestGraph::openGraph(AppController &ctl)
{
    return testsupport::openGraph(ctl, m_crewId);
}

QString TestGraph::startRun(const QJsonArray &steps)
{
    const auto run = m_server->post(u"/crews/"_s + m_crewId + u"/runs"_s,
                                    QJsonObject{{u"steps"_s, steps}}, m_token);
    if (run.status != 202)
        return {};
    return run.json().value(u"id"_s).toString();
}

void TestGraph::layoutHasNoOverlapsFrom1To50Agents()
{
    for (int agents : {1, 2, 5, 12, 13, 30, 50}) {
        for (int tools : {1, 3}) {
            QList<int> counts(agents, tools);
            const GraphLayout l = GraphLayout::compute(counts);
            QList<QRectF> rects;
            auto add = [&rects](QPointF c, NodeItem::Kind k) {
                const QSizeF s = NodeItem::sizeFor(k);
                rects.append(
                    QRectF(c.x() - s.width() / 2, c.y() - s.height() / 2, s.width(), s.height()));
            };
            add(l.crew, NodeItem::Kind::Crew);
            QCOMPARE(l.agents.size(), agents);
            for (int i = 0; i < agents; ++i) {
                add(l.agents.at(i), NodeItem::Kind::Agent);
                QCOMPARE(l.tools.at(i).size(), tools);
                for (const QPointF &p : l.tools.at(i))
                    add(p, NodeItem::Kind::Tool);
            }
            for (int a = 0; a < rects.size(); ++a)
                for (int b = a + 1; b < rects.size(); ++b)
                    QVERIFY2(
                        !rects.at(a).intersects(rects.at(b)),
                        qPrintable(u"%1 agents x %2 tools: nodes %3 and %4 overlap"_s.arg(agents)
                                       .arg(tools)
                                       .arg(a)
                                       .arg(b)));
            // Readable: the whole graph is not absurdly elongated.
            QRectF all;
            for (const QRectF &r : rects)
                all |= r;
            QVERIFY2(
                all.width() / all.height() < 6 && all.height() / all.width() < 6,
                qPrintable(u"%1 agents: %2 x %3"_s.arg(agents).arg(all.width()).arg(all.height())));
        }
    }
}

void TestGraph::zoomButtonsAndFit()
{
    GraphScene scene;
    scene.setCrew(syntheticCrew(8, 2));
    QCOMPARE(scene.nodeCount(), 1 + 8 + 16);
    GraphView view;
    view.setScene(&scene);
    view.resize(900, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.fitToView();
    const qreal fit = view.zoomLevel();
    const QRectF visible = view.mapToScene(view.viewport()->rect()).boundingRect();
    QVERIFY(visible.contains(scene.itemsBoundingRect().adjusted(5, 5, -5, -5)));
    view.zoomIn();
    QVERIFY(view.zoomLevel() > fit * 1.2);
    view.zoomOut();
    view.zoomOut();
    QVERIFY(view.zoomLevel() < fit);
    for (int i = 0; i < 100; ++i)
        view.zoomOut();
    QCOMPARE(view.zoomLevel(), GraphView::MinScale);
    for (int i = 0; i < 100; ++i)
        view.zoomIn();
    QCOMPARE(view.zoomLevel(), GraphView::MaxScale);
    // Wheel zoom.
    view.fitToView();
    const qreal before = view.zoomLevel();
    QWheelEvent wheel(QPointF(450, 300), view.viewport()->mapToGlobal(QPointF(450, 300)), QPoint(),
                      QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view.viewport(), &wheel);
    QVERIFY(view.zoomLevel() > before);
}

void TestGraph::liveRunLightsTheRightToolInOrder()
{
    AppController ctl;
    QVERIFY(loginApp(ctl));
    GraphPage *page = openGraph(ctl);
    QVERIFY(page);
    GraphScene *scene = page->scene();
    QCOMPARE(scene->nodeCount(), 1 + 2 + 4);
    NodeItem *target = scene->toolNode(m_bobId, u"script"_s);
    NodeItem *other = scene->toolNode(m_adaId, u"script"_s);
    QVERIFY(target && other);
    QCOMPARE(target->phase(), NodeItem::Phase::Idle);

    // What the node looked like at each step, recorded as it happened.
    QStringList seen;
    QList<int> progressSeen;
    bool startLit = false;
    connect(
        scene, &GraphScene::toolActivity, this,
        [&](const QString &agentId, const QString &tool, const QString &, const QString &phase) {
            seen.append(agentId + u'/' + tool + u'/' + phase);
            if (agentId != m_bobId || tool != u"script"_s)
                return;
            if (phase == u"start"_s)
                startLit = target->phase() == NodeItem::Phase::Running &&
                           target->incomingEdge()->highlightStrength() > 0;
            if (phase == u"progress"_s && target->progress() >= 0)
                progressSeen.append(target->progress());
        });
    ToastManager *toasts = ctl.toastManager();
    QVERIFY(toasts);
    QStringList toastPhases;
    QString callId;
    connect(toasts, &ToastManager::toastChanged, this,
            [&](const QString &id, ToastManager::Phase phase) {
                callId = id;
                const char *names[] = {"start", "progress", "end"};
                const QString p = QString::fromLatin1(names[int(phase)]);
                if (toastPhases.isEmpty() || toastPhases.constLast() != p)
                    toastPhases.append(p);
            });

    // Sleeps keep the phases apart (the toasts batch what arrives within 50 ms).
    const QString runId = startRun(QJsonArray{QJsonObject{
        {u"tool"_s, u"script"_s},
        {u"agent_id"_s, m_bobId},
        {u"params"_s,
         QJsonObject{{u"command"_s, u"sleep 0.4; echo '::progress 30 compiling'; sleep 0.4; "
                                    u"echo '::progress 80 linking'; sleep 0.4"_s}}}}});
    QVERIFY(!runId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(target->phase() == NodeItem::Phase::Ended, 30000);
    snap(ctl.mainWindow(), u"graph-live"_s);

    QVERIFY(startLit);
    QCOMPARE(seen.first(), m_bobId + u"/script/start"_s);
    QCOMPARE(seen.last(), m_bobId + u"/script/end"_s);
    for (const QString &s : seen)
        QVERIFY2(s.startsWith(m_bobId + u"/script/"_s), qPrintable(s));
    QCOMPARE(progressSeen, (QList<int>{30, 80}));
    QCOMPARE(target->lastStatus(), CallState::Success);
    QCOMPARE(target->lastExitCode(), std::optional<int>(0));
    QVERIFY(target->lastDurationMs() >= 1000);
    QCOMPARE(target->stateColor(), StatusColors::available());
    QVERIFY(target->detailText().contains(u"exit 0"_s));
    QCOMPARE(other->phase(), NodeItem::Phase::Idle); // Ada's script node never lit

    // The toast of this call went start -> progress -> end and shows the result.
    QTRY_COMPARE_WITH_TIMEOUT(toastPhases, (QStringList{u"start"_s, u"progress"_s, u"end"_s}),
                              10000);
    const auto t = toasts->toast(callId);
    QVERIFY(t);
    QCOMPARE(t->runId, runId);
    ToastWidget *w = toasts->widgetFor(callId);
    QVERIFY(w && w->isVisible());
    QVERIFY2(w->title().startsWith(u"script finished in"_s), qPrintable(w->title()));
    QVERIFY2(w->detail().contains(u"Bob"_s), qPrintable(w->detail()));
    QCOMPARE(w->iconName(), u"toast-success"_s);
    // The toast sits beside the page, not over the graph (the page gives up the space).
    {
        QWidget *win = ctl.mainWindow();
        QWidget *pages = ctl.mainWindow()->pages();
        QTRY_VERIFY_WITH_TIMEOUT(ctl.mainWindow()->toastArea()->isVisible(), 5000);
        const QRect toastRect(w->mapTo(win, QPoint(0, 0)), w->size());
        const QRect pageRect(pages->mapTo(win, QPoint(0, 0)), pages->size());
        QVERIFY2(!toastRect.intersects(pageRect),
                 qPrintable(u"toast %1,%2 %3x%4 over the page %5,%6 %7x%8"_s.arg(toastRect.x())
                                .arg(toastRect.y())
                                .arg(toastRect.width())
                                .arg(toastRect.height())
                                .arg(pageRect.x())
                                .arg(pageRect.y())
                                .arg(pageRect.width())
                                .arg(pageRect.height())));
    }
    snap(ctl.mainWindow(), u"graph-toast"_s);

    // Clicking it opens the run.
    QSignalSpy activated(ctl.mainWindow(), &MainWindow::runActivated);
    QTest::mouseClick(w, Qt::LeftButton, {}, QPoint(20, 10));
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated.at(0).at(0).toString(), runId);

    // And the node fades back to neutral after the hold time.
    NodeItem::setHoldMs(200);
    const QString run2 =
        startRun(QJsonArray{QJsonObject{{u"tool"_s, u"script"_s},
                                        {u"agent_id"_s, m_adaId},
                                        {u"params"_s, QJsonObject{{u"command"_s, u"true"_s}}}}});
    QVERIFY(!run2.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(other->phase() == NodeItem::Phase::Ended, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(other->phase() == NodeItem::Phase::Idle, 10000);
    QCOMPARE(other->incomingEdge()->highlightStrength(), 0.0);
}

void TestGraph::failingStepIsRedAndReachesTray()
{
    AppController ctl;
    QVERIFY(loginApp(ctl));
    GraphPage *page = openGraph(ctl);
    QVERIFY(page);
    TrayNotifier *tray = ctl.trayNotifier();
    QVERIFY(tray);
    tray->setWindowActiveProbe([] { return false; }); // the user is elsewhere
    tray->setCoalesceMs(300);
    QSignalSpy notified(tray, &TrayNotifier::notified);
    NodeItem *target = page->scene()->toolNode(m_adaId, u"script"_s);
    QVERIFY(target);

    const QString runId = startRun(QJsonArray{
        QJsonObject{{u"tool"_s, u"script"_s},
                    {u"agent_id"_s, m_adaId},
                    {u"params"_s, QJsonObject{{u"command"_s, u"sleep 0.2; exit 3"_s}}}}});
    QVERIFY(!runId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(target->phase() == NodeItem::Phase::Ended, 30000);
    QCOMPARE(target->lastStatus(), CallState::Failed);
    QCOMPARE(target->lastExitCode(), std::optional<int>(3));
    QCOMPARE(target->stateColor(), StatusColors::error());
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 1, 20000);
    QCOMPARE(notified.at(0).at(0).toString(), u"1 run(s) failed"_s);
    QVERIFY2(notified.at(0).at(1).toString().contains(runId.left(8)),
             qPrintable(notified.at(0).at(1).toString()));
    QVERIFY(notified.at(0).at(1).toString().contains(u"Graph crew"_s));

    // The failure toast names the exit code and stays.
    ToastManager *toasts = ctl.toastManager();
    QTRY_VERIFY_WITH_TIMEOUT(
        !toasts->visibleWidgets().isEmpty() &&
            toasts->visibleWidgets().constLast()->title().startsWith(u"script failed"_s),
        10000);
    QVERIFY(toasts->visibleWidgets().constLast()->title().contains(u"exit code 3"_s));
    snap(ctl.mainWindow(), u"graph-failed"_s);

    // Switched off in the settings: nothing more.
    tray->setEnabled(false);
    QVERIFY(
        !startRun(QJsonArray{QJsonObject{{u"tool"_s, u"script"_s},
                                         {u"agent_id"_s, m_adaId},
                                         {u"params"_s, QJsonObject{{u"command"_s, u"exit 4"_s}}}}})
             .isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(target->lastExitCode() == std::optional<int>(4), 30000);
    QTest::qWait(600);
    QCOMPARE(notified.size(), 1);
}

void TestGraph::thousandNodeGraphPans()
{
    // 250 agents x 3 tools + the crew = 1,001 nodes, 1,000 edges.
    GraphScene scene;
    scene.setCrew(syntheticCrew(250, 3));
    QCOMPARE(scene.nodeCount(), 1001);
    QCOMPARE(scene.edgeCount(), 1000);
    GraphView view;
    view.setScene(&scene);
    view.resize(1280, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    // Some nodes busy while panning, as in real use.
    client::ToolActivityModel activity;
    connect(&activity, &client::ToolActivityModel::callUpdated, &scene, &GraphScene::applyCall);
    for (int i = 0; i < 250; i += 5) {
        ToolStartEvent s{u"crew-big"_s,       u"run-1"_s,  u"agent-%1"_s.arg(i),
                         u"call-%1"_s.arg(i), u"script"_s, {}};
        QVERIFY(activity.applyEvent(Event{i + 1, QDateTime::currentDateTimeUtc(), s}));
    }
    QCOMPARE(scene.toolEventsApplied(), qint64(50));

    auto pan = [&view](const char *label) {
        QScrollBar *h = view.horizontalScrollBar();
        QScrollBar *v = view.verticalScrollBar();
        view.resetPaintStats();
        QElapsedTimer wall;
        wall.start();
        constexpr int Steps = 60;
        bool moved = false;
        for (int i = 0; i < Steps; ++i) {
            const int before = h->value();
            h->setValue(h->value() + (i < Steps / 2 ? 25 : -25));
            moved = moved || h->value() != before;
            v->setValue(v->value() + (i % 2 ? 15 : -15));
            view.viewport()->repaint(); // a synchronous paint, as a drag would cause
        }
        const auto st = view.paintStats();
        qInfo("1,000-node pan at %s (zoom %.2f): %d paints, %.2f ms average, %.2f ms max per "
              "paint, %.1f ms wall for %d steps",
              label, view.zoomLevel(), st.paints, st.totalMs / qMax(1, st.paints), st.maxMs,
              wall.nsecsElapsed() / 1e6, Steps);
        return std::make_pair(st.paints, moved);
    };

    view.setZoomLevel(1.0);
    view.centerOn(scene.itemsBoundingRect().center());
    auto [paintsNear, movedNear] = pan("zoom 1.0 (full detail)");
    QVERIFY(paintsNear >= 60);
    QVERIFY(movedNear);
    view.setZoomLevel(0.35);
    auto [paintsMid, movedMid] = pan("zoom 0.35 (no text)");
    QVERIFY(paintsMid >= 60);
    QVERIFY(movedMid);
    view.fitToView();
    QVERIFY(view.zoomLevel() < 0.45);
    view.resetPaintStats();
    for (int i = 0; i < 20; ++i)
        view.viewport()->repaint();
    const auto st = view.paintStats();
    qInfo("1,000-node graph fitted (zoom %.3f): %.2f ms average, %.2f ms max per paint",
          view.zoomLevel(), st.totalMs / qMax(1, st.paints), st.maxMs);
    QCOMPARE(st.paints, 20);
    snap(&view, u"graph-1000"_s);
}

QTEST_MAIN(TestGraph)
// The server's own count of open WebSocket sessions (/metrics); -1 when unreadable.
int TestGraph::openSocketsOnServer()
{
    const auto r = m_server->get(u"/metrics"_s, m_token);
    if (r.status != 200)
        return -1;
    for (const QByteArray &line : r.body.split('\n')) {
        if (line.startsWith("crewdeck_websockets_open "))
            return line.mid(int(qstrlen("crewdeck_websockets_open "))).trimmed().toInt();
    }
    return -1;
}

// The graph page, the runs list (it follows every crew) and the notifications all show the
// one crew: LiveStreams holds two references on one /ws/graph socket, and the server sees
// exactly mission + graph (+ the opened run's socket), not one socket per page.
void TestGraph::oneSocketPerStreamAcrossPages()
{
    const QString runId =
        startRun({QJsonObject{{u"tool"_s, u"script"_s},
                              {u"agent_id"_s, m_adaId},
                              {u"params"_s, QJsonObject{{u"command"_s, u"sleep 20"_s}}}}});
    QVERIFY(!runId.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(openSocketsOnServer(), 0, 20000); // earlier tests' apps are gone
    AppController ctl;
    QVERIFY(loginApp(ctl));
    GraphPage *page = openGraph(ctl);
    QVERIFY(page);
    client::LiveStreams *streams = ctl.streams();
    QVERIFY(streams);
    QCOMPARE(streams->graphCrews(), QStringList{m_crewId});
    QCOMPARE(streams->graphHolders(m_crewId), 2); // the graph page + the runs list
    QCOMPARE(page->socket(), streams->graphSocket(m_crewId));
    QCOMPARE(streams->socketCount(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(openSocketsOnServer(), 2, 20000);

    // The runs page and the run detail page: the graph stream stays one socket, the run
    // (still running: its socket stays open) gets its own.
    QVERIFY(ctl.mainWindow()->showPage(u"runs"_s));
    ctl.openRun(runId);
    QVERIFY(streams->runSocket(runId));
    QCOMPARE(streams->socketCount(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(openSocketsOnServer(), 3, 20000);
    QCOMPARE(streams->graphHolders(m_crewId), 2);

    // Another run replaces it (its socket closes); a third holder of the crew shares the
    // socket, and letting go of it keeps the others'.
    ctl.openRun(u"run-unknown"_s);
    QVERIFY(!streams->runSocket(runId));
    client::LiveSocket *graph = streams->graphSocket(m_crewId);
    streams->acquireGraph(m_crewId);
    QCOMPARE(streams->graphSocket(m_crewId), graph);
    streams->releaseGraph(m_crewId);
    QCOMPARE(streams->graphHolders(m_crewId), 2);
    QCOMPARE(streams->graphSocket(m_crewId), graph);
    // The unknown run's socket was refused (4404) and stays closed: mission + graph.
    QTRY_COMPARE_WITH_TIMEOUT(streams->socketCount(), 2, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(openSocketsOnServer(), 2, 20000);
}

#include "tst_graph.moc"
