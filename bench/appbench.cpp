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
#include <QPaintEvent>
#include <QSettings>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>
#include <QWindow>
#include <ctime>
#include <functional>
#include <unistd.h>

using namespace Qt::StringLiterals;

// `app`: the real desktop app's widgets (AppController: login, dashboard, graph page, toasts)
// in this process on the offscreen platform, against crewdeck-server in its own process, so
// every figure is the app's alone. A real run floods the graph socket with `::progress` lines
// stamped with the wall clock; the bench counts what the graph scene and the toasts applied,
// probes the event loop every 1 ms, times every paint of the graph view's viewport and the
// delay from a line's print to the end of the first paint of the node showing it.
// No Q_OBJECT here: lambdas and a plain event filter. Thread: main (GUI) thread only.
namespace crewdeck::bench {
namespace {

using client::LiveSocket;
using ui::AppController;
using ui::GraphPage;
using ui::NodeItem;

// Runs the paint of one widget inside the filter (like PaintProbe in tests/gui/tst_latency),
// so the moment right after the paint is known. The nested sendEvent happens inside the
// repaint the backing store started, so it paints exactly what the real paint would.
class PaintTimer : public QObject
{
public:
    QWidget *target = nullptr;
    // (paint region, start mono ns, end mono ns, end wall ns)
    std::function<void(const QRegion &, qint64, qint64, qint64)> painted;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (m_inside || event->type() != QEvent::Paint || watched != target || !painted)
            return false;
        const QRegion region = static_cast<QPaintEvent *>(event)->region();
        const qint64 start = monoNs();
        m_inside = true;
        QCoreApplication::sendEvent(target, event);
        m_inside = false;
        const qint64 end = monoNs();
        painted(region, start, end, nowNs());
        return true; // already painted
    }

private:
    bool m_inside = false;
};

// The printer: `rate` lines/s for `seconds`, written in 10 ms batches paced on the wall
// clock, every line stamped with time.time_ns() as it is formatted. Built by concatenation:
// `m%101` would be a QString::arg place marker.
QString printerCommand(const QString &python, int rate, int seconds)
{
    return python + u" -c 'import sys,time\n"_s + u"r="_s + QString::number(rate) + u"\nn="_s +
           QString::number(qint64(rate) * seconds) +
           u"\nw=sys.stdout.write\nf=sys.stdout.flush\nt=time.time_ns\ns=time.time()\n"
           "i=0\nk=0\n"
           "while i<n:\n"
           " k+=1\n"
           " j=min(n,k*r//100)\n"
           " w(\"\".join([\"::progress %d t=%d\\n\"%(m%101,t()) for m in range(i,j)]))\n"
           " f()\n"
           " i=j\n"
           " d=s+k/100-time.time()\n"
           " if d>0: time.sleep(d)\n'"_s;
}

// CPU time of the calling thread in ns.
qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// "t=<ns>" at the start of a progress message; 0 if absent.
qint64 stampOf(const QString &message)
{
    if (!message.startsWith(u"t="))
        return 0;
    qint64 v = 0;
    for (qsizetype k = 2; k < message.size(); ++k) {
        const char16_t c = message.at(k).unicode();
        if (c < u'0' || c > u'9')
            break;
        v = v * 10 + (c - u'0');
    }
    return v;
}

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

        // Ingestion: the crew has this one run, so every tool_* event after here is the flood's.
        qint64 received = 0, firstRecv = 0, lastRecv = 0;
        qint64 newestStamp = 0;    // print time of the newest progress event the graph applied
        bool stampPending = false; // applied but not painted yet
        bool toolEnded = false;
        int reconnects = 0;
        bool resetSeen = false;
        // The connections below capture this function's locals: they end with `scope`.
        QObject scope;
        QObject::connect(ctl.streams(), &client::LiveStreams::graphEvent, &scope,
                         [&](const Event &e) {
                             // Emitted after the tool-activity model applied `e` and told the scene
                             // (applied) and the toasts (noted for their next batch).
                             if (const auto *p = std::get_if<ToolProgressEvent>(&e.body)) {
                                 if (const qint64 s = stampOf(p->message)) {
                                     newestStamp = s;
                                     stampPending = true;
                                 }
                             } else if (std::holds_alternative<ToolEndEvent>(e.body)) {
                                 toolEnded = true;
                             } else if (!std::holds_alternative<ToolStartEvent>(e.body)) {
                                 return; // run_status, signal
                             }
                             const qint64 now = monoNs();
                             if (!firstRecv)
                                 firstRecv = now;
                             lastRecv = now;
                             ++received;
                         });
        QObject::connect(page->socket(), &LiveSocket::resetRequired, &scope,
                         [&] { resetSeen = true; });
        QObject::connect(page->socket(), &LiveSocket::stateChanged, &scope,
                         [&](LiveSocket::State s) {
                             if (s != LiveSocket::State::Live)
                                 ++reconnects;
                         });
        const qint64 sceneBefore = page->scene()->toolEventsApplied();
        const qint64 toastsBefore = toasts->eventsApplied();

        // Event-loop probe: 1 ms precise timer; stall = gap beyond the interval. The GUI
        // thread's CPU time over each gap tells app work (on CPU) from a thread that was
        // not running (other processes on a shared 2-core machine).
        qint64 lastTick = 0, lastThreadCpu = 0, maxStallNs = 0, maxStallCpuNs = 0;
        qint64 stallsOver16 = 0, busyStallsOver16 = 0, lastReceived = 0, maxStallEvents = 0;
        qint64 maxStallAt = 0, maxStallAfter = 0; // when (mono ns) and after how many events
        QTimer probe;
        probe.setTimerType(Qt::PreciseTimer);
        probe.setInterval(1);
        QObject::connect(&probe, &QTimer::timeout, &probe, [&] {
            const qint64 now = monoNs();
            const qint64 cpu = threadCpuNs();
            if (lastTick) {
                const qint64 stall = now - lastTick - 1000000;
                if (stall > maxStallNs) {
                    maxStallNs = stall;
                    maxStallCpuNs = cpu - lastThreadCpu;
                    maxStallEvents = received - lastReceived;
                    maxStallAt = now;
                    maxStallAfter = lastReceived;
                }
                if (stall > 16000000) {
                    ++stallsOver16;
                    if ((cpu - lastThreadCpu) * 2 > now - lastTick)
                        ++busyStallsOver16;
                }
            }
            lastTick = now;
            lastThreadCpu = cpu;
            lastReceived = received;
        });

        // Frames of the graph viewport and event-to-pixel: the first paint covering the node
        // after a new progress value was applied.
        std::vector<quint32> frameUs, e2pUs;
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
            e2pUs.push_back(
                quint32(std::clamp<qint64>((wallEnd - newestStamp) / 1000, 0, 0xffffffffLL)));
            if (wallEnd < newestStamp)
                ++m_negativeE2p;
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
        const qint64 flood0 = monoNs();
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
        const bool ended = waitUntil([&] { return toolEnded; }, (m_seconds + 120) * 1000, 1);
        probe.stop();
        const double floodWall = (monoNs() - flood0) / 1e9;
        const double cpu1 = cpuSeconds(getpid()), serverCpu1 = cpuSeconds(m_server.pid());
        waitUntil([] { return false; }, 100);
        qApp->removeEventFilter(&paints);
        const qint64 rss = statusKb(QCoreApplication::applicationPid(), "VmRSS");
        const qint64 hwm = statusKb(QCoreApplication::applicationPid(), "VmHWM");

        const HttpResult runJson =
            httpCall("GET", m_server.baseUrl() + u"/runs/"_s + run->id, m_server.token());
        const auto finished = Run::fromJson(runJson.json().object());
        qint64 storedProgress = 0;
        const qint64 stored = storedToolEvents(run->id, &storedProgress);
        // Everything the server stored went through the socket into the graph and the toasts.
        const bool complete =
            stored > 0 &&
            waitUntil(
                [&] {
                    return page->scene()->toolEventsApplied() - sceneBefore >= stored &&
                           toasts->eventsApplied() - toastsBefore >= stored;
                },
                60000);
        const qint64 graphApplied = page->scene()->toolEventsApplied() - sceneBefore;
        const qint64 toastsApplied = toasts->eventsApplied() - toastsBefore;

        const double window = lastRecv > firstRecv ? (lastRecv - firstRecv) / 1e9 : 0;
        const double ingestedPerS = window > 0 ? received / window : 0;
        const Summary frames = summarize(frameUs);
        const Summary e2p = summarize(e2pUs);
        const double maxStallMs = std::max<qint64>(0, maxStallNs) / 1e6;
        const double coldNoLoginMs = m_coldMs - m_loginMs;

        out << "app: real app widgets (" << QGuiApplication::platformName() << "), printer "
            << m_rate << " lines/s for " << m_seconds << " s, server in its own process\n";
        const auto row = [&out](const char *what, const QString &value) {
            out << QString::asprintf("  %-38s ", what) << value << "\n";
        };
        row("cold start -> live dashboard", QString::asprintf("%.1f ms", m_coldMs));
        row("  one bare POST /auth/login", QString::asprintf("%.1f ms", m_loginMs));
        row("  cold start without the login", QString::asprintf("%.1f ms", coldNoLoginMs));
        row("RSS after the cold start", QString::asprintf("%lld kB", m_rssAfterStartKb));
        row("tool events stored by the server",
            QString::asprintf("%lld (%lld progress)", stored, storedProgress));
        row("received by the graph page", QString::asprintf("%lld", received));
        row("applied: graph scene / toasts",
            QString::asprintf("%lld / %lld", graphApplied, toastsApplied));
        row("ingestion window (first -> last)", QString::asprintf("%.3f s", window));
        row("ingested", QString::asprintf("%.0f events/s", ingestedPerS));
        row("event-loop stall (1 ms probe)",
            QString::asprintf(
                "max %.2f ms (%.2f ms of it on CPU, %lld events applied), %lld over 16 ms",
                maxStallMs, maxStallCpuNs / 1e6, maxStallEvents, stallsOver16));
        row("  the longest one ended",
            QString::asprintf("%.3f s into the flood, after %lld events",
                              (maxStallAt - flood0) / 1e9, maxStallAfter));
        row("  stalls over 16 ms mostly on CPU",
            QString::asprintf("%lld (the rest: GUI thread not running)", busyStallsOver16));
        row("graph viewport frames",
            QString::asprintf("%lld: p50 %.2f  p99 %.2f  max %.2f ms", frames.count, frames.p50Ms,
                              frames.p99Ms, frames.maxMs));
        row("event-to-pixel (print -> node painted)",
            QString::asprintf("%lld samples: p50 %.2f  p95 %.2f  max %.2f ms", e2p.count, e2p.p50Ms,
                              e2p.p95Ms, e2p.maxMs));
        row("app CPU over the flood (100% = 1 core)",
            QString::asprintf("%.1f %%", floodWall > 0 ? 100.0 * (cpu1 - cpu0) / floodWall : -1.0));
        row("server CPU over the flood",
            QString::asprintf(
                "%.1f %%", floodWall > 0 ? 100.0 * (serverCpu1 - serverCpu0) / floodWall : -1.0));
        row("app RSS at the end", QString::asprintf("%lld kB (peak %lld kB)", rss, hwm));
        row("graph socket left Live / reset",
            QString::asprintf("%d / %s", reconnects, resetSeen ? "yes" : "no"));
        out << QString::asprintf(
            "RESULT app rate=%d seconds=%d events=%lld ingested_per_s=%.0f graph_applied=%lld "
            "toasts_applied=%lld "
            "max_stall_ms=%.2f stalls_over_16ms=%lld frames=%lld frame_p50_ms=%.2f "
            "frame_p99_ms=%.2f "
            "frame_max_ms=%.2f e2p_p50_ms=%.2f e2p_p95_ms=%.2f e2p_max_ms=%.2f cold_start_ms=%.1f "
            "cold_start_no_login_ms=%.1f rss_kb=%lld rss_peak_kb=%lld rss_after_start_kb=%lld\n",
            m_rate, m_seconds, stored, ingestedPerS, graphApplied, toastsApplied, maxStallMs,
            stallsOver16, frames.count, frames.p50Ms, frames.p99Ms, frames.maxMs, e2p.p50Ms,
            e2p.p95Ms, e2p.maxMs, m_coldMs, coldNoLoginMs, rss, hwm, m_rssAfterStartKb);
        out.flush();

        if (!ended) {
            *error = u"the run's tool did not end within %1 s"_s.arg(m_seconds + 120);
            return 1;
        }
        if (!finished || finished->status != RunState::Succeeded) {
            *error = u"the run did not succeed (status %1): %2"_s.arg(
                finished ? finished->status : u"?"_s, m_server.logTail().right(1500));
            return 1;
        }
        if (stored < 0) {
            *error = u"GET /runs/{id}/events failed"_s;
            return 1;
        }
        if (storedProgress != qint64(m_rate) * m_seconds) {
            *error =
                u"the server stored %1 progress events, the printer wrote %2"_s.arg(storedProgress)
                    .arg(qint64(m_rate) * m_seconds);
            return 1;
        }
        if (!complete || graphApplied != stored || toastsApplied != stored || received != stored) {
            *error = u"events lost: server stored %1 tool events; graph page received %2, scene "
                     u"applied %3, "
                     "toasts applied %4"_s.arg(stored)
                         .arg(received)
                         .arg(graphApplied)
                         .arg(toastsApplied);
            return 1;
        }
        if (e2p.count == 0 || m_negativeE2p > 0) {
            *error =
                u"event-to-pixel: %1 samples, %2 painted before their print time (clock problem)"_s
                    .arg(e2p.count)
                    .arg(m_negativeE2p);
            return 1;
        }
        return 0;
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
    qint64 m_negativeE2p = 0;
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
