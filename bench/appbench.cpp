#include "bench/appprobes.h"
#include "bench/appreport.h"
#include "bench/benchutil.h"

#include "app/models/dashboarddata.h"
#include "app/net/livesocket.h"
#include "app/ui/appcontroller.h"
#include "app/ui/graph/graphitems.h"
#include "app/ui/graph/graphpage.h"
#include "app/ui/graph/graphscene.h"
#include "app/ui/graph/graphview.h"
#include "app/ui/mainwindow.h"
#include "app/ui/toasts/toastmanager.h"
#include "shared/events.h"
#include "shared/types.h"

#include <QApplication>
#include <QComboBox>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSettings>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>
#include <QWindow>
#include <functional>
#include <unistd.h>

using namespace Qt::StringLiterals;

// `app`: the real desktop app's widgets (AppController: login, dashboard, graph page, toasts)
// in this process on the offscreen platform, against crewdeck-server in its own process, so
// every figure is the app's alone. A real run floods the graph socket with `::progress` lines
// stamped with the wall clock; the bench counts what the graph scene and the toasts applied,
// probes the event loop every 1 ms, times every paint of the graph view's viewport and the
// delay from a line's print to the end of the first paint of the node showing it.
// The instruments (paint timer, event-loop probe, the printer) are in appprobes.*, the table
// and the verdict in appreport.*. No Q_OBJECT here: lambdas and a plain event filter.
// Thread: main (GUI) thread only.
namespace crewdeck::bench {
namespace {

using client::LiveSocket;
using ui::AppController;
using ui::GraphPage;
using ui::NodeItem;

bool positiveInt(const QStringList &args, const QString &name, int fallback, int *out)
{
    if (!args.contains(name)) {
        *out = fallback;
        return true;
    }
    bool ok = false;
    *out = argValue(args, name).toInt(&ok);
    return ok && *out > 0;
}

class AppBench
{
public:
    explicit AppBench(const QStringList &args) : m_args(args) {}

    int run()
    {
        QTextStream err(stderr);
        QString error;
        if (!parseArgs(&error)) {
            err << "app: " << error << "\n";
            return 2;
        }
        // Settings in a temporary dir: the user's real settings are never read or written.
        if (!m_settingsDir.isValid()) {
            err << "app: cannot create a temporary settings dir\n";
            return 1;
        }
        QCoreApplication::setOrganizationName(u"CrewDeckBench"_s);
        QCoreApplication::setApplicationName(u"crewdeck-bench-app"_s);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());

        if (!m_server.prepare(BenchServer::findServerBinary(m_args), &error) ||
            !m_server.launch(2, hasFlag(m_args, u"--server-no-glib"_s), &error)) {
            err << "app: " << error << "\n";
            return 1;
        }
        m_crewId = createCrew(m_server.baseUrl(), m_server.token(), u"bench-app"_s, &error);
        if (m_crewId.isEmpty()) {
            err << "app: " << error << "\n";
            return 1;
        }
        const HttpResult crewJson =
            httpCall("GET", m_server.baseUrl() + u"/crews/"_s + m_crewId, m_server.token());
        const auto crew = Crew::fromJson(crewJson.json().object());
        if (crewJson.status != 200 || !crew || crew->agents.isEmpty()) {
            err << "app: GET /crews/" << m_crewId << " failed (HTTP " << crewJson.status << ")\n";
            return 1;
        }
        m_agentId = crew->agents.constFirst().id;

        int rc = 1;
        {
            AppController ctl;
            rc = measure(ctl, &error);
            if (rc != 0)
                err << "app: " << error << "\n";
            if (ctl.mainWindow())
                ctl.mainWindow()->close();
        } // the app is gone before the server
        m_server.stop();
        return rc;
    }

private:
    bool parseArgs(QString *error)
    {
        static const QStringList withValue{u"--rate"_s, u"--seconds"_s, u"--server-bin"_s,
                                           u"--python"_s};
        static const QStringList flags{u"--visible"_s, u"--server-no-glib"_s};
        for (qsizetype i = 0; i < m_args.size(); ++i) {
            const QString &a = m_args.at(i);
            if (withValue.contains(a)) {
                if (i + 1 >= m_args.size()) {
                    *error = a + u" needs a value"_s;
                    return false;
                }
                ++i;
            } else if (!flags.contains(a)) {
                *error = u"unknown argument \"%1\" (see crewdeck-bench --help)"_s.arg(a);
                return false;
            }
        }
        if (!positiveInt(m_args, u"--rate"_s, 20000, &m_rate) ||
            !positiveInt(m_args, u"--seconds"_s, 5, &m_seconds)) {
            *error = u"--rate and --seconds must be positive integers"_s;
            return false;
        }
        m_python = argValue(m_args, u"--python"_s, u"/usr/bin/python3"_s);
        return true;
    }

    // Cold start: AppController::start() -> dashboard cards answered and mission socket Live.
    bool coldStart(AppController &ctl, QString *error)
    {
        // One bare login round trip (argon2id on the server) for cold_start_no_login_ms.
        LoginRequest lr;
        lr.email = benchEmail();
        lr.password = benchPassword();
        const qint64 l0 = monoNs();
        const HttpResult login =
            httpCall("POST", m_server.baseUrl() + u"/auth/login"_s, {},
                     QJsonDocument(lr.toJson()).toJson(QJsonDocument::Compact));
        m_loginMs = (monoNs() - l0) / 1e6;
        if (login.status != 200) {
            *error = u"POST /auth/login failed (HTTP %1)"_s.arg(login.status);
            return false;
        }

        bool live = false;
        qint64 liveAt = 0;
        QString loginError;
        const auto check = [&] {
            if (!live && ctl.isDashboardLive() && ctl.dashboard() && ctl.dashboard()->isSettled()) {
                live = true;
                liveAt = monoNs();
            }
        };
        // The exact moment: checked on every change that can complete the condition. The
        // connections live as long as `scope` (they capture this function's locals).
        QObject scope;
        QObject::connect(&ctl, &AppController::dashboardLive, &scope, check);
        QObject::connect(&ctl, &AppController::loggedIn, &scope, [&] {
            if (ctl.dashboard())
                QObject::connect(ctl.dashboard(), &client::DashboardData::cardChanged, &scope,
                                 check);
            if (ctl.missionSocket())
                QObject::connect(ctl.missionSocket(), &LiveSocket::stateChanged, &scope, check);
        });
        QObject::connect(&ctl, &AppController::loginFailed, &scope, [&](const QString &m) {
            loginError = m.isEmpty() ? u"login failed"_s : m;
        });

        ui::LaunchOptions o;
        o.serverUrl = m_server.baseUrl();
        o.email = benchEmail();
        o.password = benchPassword();
        ctl.setBackoff(100, 800);
        const qint64 t0 = monoNs();
        ctl.start(o);
        waitUntil(
            [&] {
                check();
                return live || !loginError.isEmpty();
            },
            60000, 1);
        if (!loginError.isEmpty()) {
            *error = u"the app's login failed: "_s + loginError;
            return false;
        }
        if (!live) {
            *error = u"the dashboard did not show live data within 60 s"_s;
            return false;
        }
        m_coldMs = (liveAt - t0) / 1e6;
        m_rssAfterStartKb = statusKb(QCoreApplication::applicationPid(), "VmRSS");
        return true;
    }

    GraphPage *openGraph(AppController &ctl, QString *error)
    {
        GraphPage *page = ctl.graphPage();
        if (!page || !ctl.mainWindow() || !ctl.mainWindow()->showPage(u"graph"_s)) {
            *error = u"the app has no graph page"_s;
            return nullptr;
        }
        if (!waitUntil([&] { return page->crewCombo()->findData(m_crewId) >= 0; }, 20000) ||
            !page->selectCrew(m_crewId)) {
            *error = u"the graph page does not list the bench crew"_s;
            return nullptr;
        }
        if (!waitUntil([&] { return page->socket()->state() == LiveSocket::State::Live; }, 20000)) {
            *error = u"the graph socket did not go Live"_s;
            return nullptr;
        }
        QWidget *w = ctl.mainWindow();
        if (!waitUntil([w] { return w->windowHandle() && w->windowHandle()->isExposed(); },
                       10000)) {
            *error = u"the main window was not exposed"_s;
            return nullptr;
        }
        return page;
    }

    // tool_* events the server stored for the run (GET /runs/{id}/events, paged); -1 on error.
    qint64 storedToolEvents(const QString &runId, qint64 *progress)
    {
        qint64 since = 0, tool = 0;
        *progress = 0;
        for (;;) {
            const HttpResult r =
                httpCall("GET",
                         m_server.baseUrl() +
                             u"/runs/%1/events?since=%2&limit=10000"_s.arg(runId).arg(since),
                         m_server.token());
            if (r.status != 200)
                return -1;
            const QJsonArray arr = r.json().object().value(u"events"_s).toArray();
            if (arr.isEmpty())
                return tool;
            for (const QJsonValue &v : arr) {
                const QJsonObject o = v.toObject();
                const QString type = o.value(u"type"_s).toString();
                if (type.startsWith(u"tool_"_s))
                    ++tool;
                if (type == EventType::ToolProgress)
                    ++*progress;
                since = std::max(since, o.value(u"seq"_s).toInteger());
            }
        }
    }

    int measure(AppController &ctl, QString *error)
    {
        QTextStream out(stdout);
        if (!coldStart(ctl, error))
            return 1;
        GraphPage *page = openGraph(ctl, error);
        if (!page)
            return 1;
        NodeItem *node = page->scene()->toolNode(m_agentId, u"script"_s);
        ui::ToastManager *toasts = ctl.toastManager();
        if (!node || !toasts) {
            *error = u"the graph has no script node for the bench agent, or the app no toasts"_s;
            return 1;
        }
        AppFigures f;
        f.rate = m_rate;
        f.seconds = m_seconds;
        f.platform = QGuiApplication::platformName();
        f.coldMs = m_coldMs;
        f.loginMs = m_loginMs;
        f.rssAfterStartKb = m_rssAfterStartKb;

        // Ingestion: the crew has this one run, so every tool_* event after here is the flood's.
        qint64 firstRecv = 0, lastRecv = 0;
        qint64 newestStamp = 0;     // print time of the newest progress event the graph applied
        qint64 newestServerNs = 0;  // its server stamp (wall, ms resolution)
        qint64 newestAppliedNs = 0; // when the graph applied it (wall)
        bool stampPending = false;  // applied but not painted yet
        // The connections below capture this function's locals: they end with `scope`.
        QObject scope;
        QObject::connect(ctl.streams(), &client::LiveStreams::graphEvent, &scope,
                         [&](const Event &e) {
                             // Emitted after the tool-activity model applied `e` and told the scene
                             // (applied) and the toasts (noted for their next batch).
                             if (const auto *p = std::get_if<ToolProgressEvent>(&e.body)) {
                                 if (const qint64 s = stampOf(p->message)) {
                                     newestStamp = s;
                                     newestServerNs = e.ts.toMSecsSinceEpoch() * 1000000;
                                     newestAppliedNs = nowNs();
                                     stampPending = true;
                                 }
                             } else if (std::holds_alternative<ToolEndEvent>(e.body)) {
                                 f.ended = true;
                             } else if (!std::holds_alternative<ToolStartEvent>(e.body)) {
                                 return; // run_status, signal
                             }
                             const qint64 now = monoNs();
                             if (!firstRecv)
                                 firstRecv = now;
                             lastRecv = now;
                             ++f.received;
                         });
        QObject::connect(page->socket(), &LiveSocket::resetRequired, &scope,
                         [&] { f.resetSeen = true; });
        QObject::connect(page->socket(), &LiveSocket::stateChanged, &scope,
                         [&](LiveSocket::State s) {
                             if (s != LiveSocket::State::Live)
                                 ++f.reconnects;
                         });
        const qint64 sceneBefore = page->scene()->toolEventsApplied();
        const qint64 toastsBefore = toasts->eventsApplied();
        StallProbe probe([&f] { return f.received; });

        // Frames of the graph viewport and event-to-pixel: the first paint covering the node
        // after a new progress value was applied.
        std::vector<quint32> frameUs, e2pUs, serverUs, deliverUs, paintUs;
        const auto us = [](qint64 ns) {
            return quint32(std::clamp<qint64>(ns / 1000, 0, 0xffffffffLL));
        };
        qint64 worstE2p = -1;
        qint64 flood0 = 0;
        QWidget *viewport = page->view()->viewport();
        PaintTimer paints;
        paints.target = viewport;
        paints.painted = [&](const QRegion &region, qint64 start, qint64 end, qint64 wallEnd) {
            frameUs.push_back(quint32(std::min<qint64>((end - start) / 1000, 0xffffffffLL)));
            if (!stampPending)
                return;
            const QRect r = page->view()->mapFromScene(node->sceneBoundingRect()).boundingRect();
            if (!region.intersects(r))
                return;
            stampPending = false;
            e2pUs.push_back(us(wallEnd - newestStamp));
            serverUs.push_back(us(newestServerNs - newestStamp));
            deliverUs.push_back(us(newestAppliedNs - newestServerNs));
            paintUs.push_back(us(wallEnd - newestAppliedNs));
            if (wallEnd - newestStamp > worstE2p) {
                worstE2p = wallEnd - newestStamp;
                f.worstAtS = (end - flood0) / 1e9;
                f.worstServerMs = (newestServerNs - newestStamp) / 1e6;
                f.worstDeliverMs = (newestAppliedNs - newestServerNs) / 1e6;
                f.worstPaintMs = (wallEnd - newestAppliedNs) / 1e6;
            }
            if (wallEnd < newestStamp)
                ++f.negativeE2p;
        };
        frameUs.reserve(4096);
        e2pUs.reserve(4096);
        qApp->installEventFilter(&paints);

        // The flood.
        StartRunRequest req;
        Step step;
        step.tool = u"script"_s;
        step.agentId = m_agentId;
        step.params = QJsonObject{{u"command"_s, printerCommand(m_python, m_rate, m_seconds)}};
        req.steps = {step};
        req.timeoutS = m_seconds + 120;
        const double cpu0 = cpuSeconds(getpid()), serverCpu0 = cpuSeconds(m_server.pid());
        flood0 = monoNs();
        probe.start();
        const HttpResult started =
            httpCall("POST", m_server.baseUrl() + u"/crews/%1/runs"_s.arg(m_crewId),
                     m_server.token(), QJsonDocument(req.toJson()).toJson(QJsonDocument::Compact));
        const auto run = Run::fromJson(started.json().object());
        if (started.status != 202 || !run) {
            qApp->removeEventFilter(&paints);
            *error = u"POST /crews/{id}/runs failed (HTTP %1): %2"_s.arg(started.status)
                         .arg(QString::fromUtf8(started.body));
            return 1;
        }
        // The stream is ordered: with tool_end in, the graph page has received and applied
        // every event of the call. The measurement stops there (after 100 ms for the last
        // paints), before the bench's own REST calls, whose JSON parsing runs on this thread.
        waitUntil([&] { return f.ended; }, (m_seconds + 120) * 1000, 1);
        probe.stop();
        const double floodWall = (monoNs() - flood0) / 1e9;
        const double cpu1 = cpuSeconds(getpid()), serverCpu1 = cpuSeconds(m_server.pid());
        waitUntil([] { return false; }, 100);
        qApp->removeEventFilter(&paints);
        f.rssKb = statusKb(QCoreApplication::applicationPid(), "VmRSS");
        f.rssPeakKb = statusKb(QCoreApplication::applicationPid(), "VmHWM");

        const HttpResult runJson =
            httpCall("GET", m_server.baseUrl() + u"/runs/"_s + run->id, m_server.token());
        const auto finished = Run::fromJson(runJson.json().object());
        f.runSucceeded = finished && finished->status == RunState::Succeeded;
        f.runStatus = finished ? finished->status : u"?"_s;
        if (!f.runSucceeded)
            f.serverLogTail = m_server.logTail().right(1500);
        f.stored = storedToolEvents(run->id, &f.storedProgress);
        // Everything the server stored went through the socket into the graph and the toasts.
        f.complete = f.stored > 0 &&
                     waitUntil(
                         [&] {
                             return page->scene()->toolEventsApplied() - sceneBefore >= f.stored &&
                                    toasts->eventsApplied() - toastsBefore >= f.stored;
                         },
                         60000);
        f.graphApplied = page->scene()->toolEventsApplied() - sceneBefore;
        f.toastsApplied = toasts->eventsApplied() - toastsBefore;

        f.windowS = lastRecv > firstRecv ? (lastRecv - firstRecv) / 1e9 : 0;
        f.ingestedPerS = f.windowS > 0 ? f.received / f.windowS : 0;
        f.frames = summarize(frameUs);
        f.e2p = summarize(e2pUs);
        f.e2pServer = summarize(serverUs);
        f.e2pDeliver = summarize(deliverUs);
        f.e2pPaint = summarize(paintUs);
        f.maxStallMs = std::max<qint64>(0, probe.maxStallNs) / 1e6;
        f.maxStallCpuMs = probe.maxStallCpuNs / 1e6;
        f.maxStallEvents = probe.maxStallEvents;
        f.maxStallAtS = (probe.maxStallAt - flood0) / 1e9;
        f.maxStallAfter = probe.maxStallAfter;
        f.stallsOver16 = probe.stallsOver16;
        f.busyStallsOver16 = probe.busyStallsOver16;
        if (floodWall > 0) {
            f.appCpuPct = 100.0 * (cpu1 - cpu0) / floodWall;
            f.serverCpuPct = 100.0 * (serverCpu1 - serverCpu0) / floodWall;
        }
        printAppReport(out, f);
        *error = appVerdict(f);
        return error->isEmpty() ? 0 : 1;
    }

    QStringList m_args;
    int m_rate = 20000;
    int m_seconds = 5;
    QString m_python;
    QTemporaryDir m_settingsDir;
    BenchServer m_server;
    QString m_crewId, m_agentId;
    double m_loginMs = 0, m_coldMs = 0;
    qint64 m_rssAfterStartKb = -1;
};

} // namespace

int runAppCommand(int &argc, char **argv)
{
    // Offscreen unless the caller chose a platform or asked to see the window. Before the
    // application object, like every other app object.
    bool visible = false;
    for (int i = 2; i < argc; ++i)
        visible = visible || qstrcmp(argv[i], "--visible") == 0;
    if (!visible && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    // The client's per-connection debug lines would drown the table.
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(u"crewdeck.*.debug=false"_s);
    return AppBench(QApplication::arguments().mid(2)).run();
}

} // namespace crewdeck::bench
