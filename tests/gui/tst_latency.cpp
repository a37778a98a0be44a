// Event-to-pixel delay and event throughput of the desktop app against a real crewdeck
// server in this process (TestServer: the server shares the GUI thread, so its work is part
// of every figure below). A real tool run prints `::progress` lines carrying the wall-clock
// time they were printed; the test hooks the paint of the graph node (the graph view's
// viewport) and of the toast's progress bar and reports, per progress value, the time from
// the print to the end of the first paint that showed it (p50/p95/max via qInfo; no timing
// assertion). A second run floods the real socket with 5,000 progress lines per second for
// 3 s; the test checks that the graph and the toasts applied every event the server stored
// and reports the rate and the longest event-loop stall seen by a timer probe.
#include "app/net/livesocket.h"
#include "app/ui/appcontroller.h"
#include "app/ui/graph/graphitems.h"
#include "app/ui/graph/graphpage.h"
#include "app/ui/graph/graphscene.h"
#include "app/ui/graph/graphview.h"
#include "app/ui/mainwindow.h"
#include "app/ui/toasts/toastmanager.h"
#include "app/ui/toasts/toastwidget.h"
#include "tests/gui/guitest.h"
#include "tests/support/testserver.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QLabel>
#include <QPaintEvent>
#include <QProgressBar>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::ui;
using crewdeck::client::LiveSocket;

namespace {
const QString Email = u"lena@latency.test"_s;
const QString Password = u"password123"_s;

// Same clock as Python's time.time_ns() (CLOCK_REALTIME).
qint64 wallNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// An application-wide filter that runs the paint of the widgets it is asked about inside the
// filter, so the moment right after the paint is known: `shown(widget, region)` says which
// value the coming paint shows (or -1 for "not ours"), `painted(value, ns)` gets the time
// after the paint. The nested sendEvent happens inside the widget repaint the backing store
// started, so it paints exactly what the real paint would. GUI thread.
class PaintProbe : public QObject
{
public:
    std::function<int(QWidget *, const QRegion &)> shown;
    std::function<void(int value, qint64 ns)> painted;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (m_inside || event->type() != QEvent::Paint || !watched->isWidgetType() || !shown)
            return false;
        auto *w = static_cast<QWidget *>(watched);
        const int value = shown(w, static_cast<QPaintEvent *>(event)->region());
        if (value < 0)
            return false;
        m_inside = true;
        QCoreApplication::sendEvent(w, event);
        m_inside = false;
        if (painted)
            painted(value, wallNs());
        return true; // already painted
    }

private:
    bool m_inside = false;
};

struct Figures
{
    int samples = 0;
    double p50 = 0, p95 = 0, max = 0;
};

Figures figuresOf(QList<double> ms)
{
    Figures f;
    f.samples = int(ms.size());
    if (ms.isEmpty())
        return f;
    std::sort(ms.begin(), ms.end());
    auto at = [&ms](double q) {
        return ms.at(qBound(0, int(q * (ms.size() - 1) + 0.5), int(ms.size()) - 1));
    };
    f.p50 = at(0.5);
    f.p95 = at(0.95);
    f.max = ms.constLast();
    return f;
}
} // namespace

class TestLatency : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void eventToPixelDelay();
    void keepsUpWithAFlood();

private:
    bool loginApp(AppController &ctl);
    GraphPage *openGraph(AppController &ctl);
    QString startRun(const QString &command);
    QList<Event> serverEvents(const QString &runId);

    std::unique_ptr<testsupport::TestServer> m_server;
    QTemporaryDir m_settingsDir;
    QString m_token;
    QString m_crewId;
    QString m_agentId;
};

void TestLatency::initTestCase()
{
    qunsetenv("CREWDECK_API_URL");
    QCoreApplication::setOrganizationName(u"CrewDeckTest"_s);
    QCoreApplication::setApplicationName(u"tst_latency"_s);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    m_server = std::make_unique<testsupport::TestServer>();
    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    QVERIFY(!m_server->createUser(u"Latency"_s, Email, u"admin"_s, Password).id.isEmpty());
    m_token = m_server->login(Email, Password);
    QVERIFY(!m_token.isEmpty());
    const auto crew = m_server->post(
        u"/crews"_s,
        QJsonObject{{u"name"_s, u"Latency crew"_s},
                    {u"agents"_s, QJsonArray{QJsonObject{{u"name"_s, u"Lia"_s},
                                                         {u"role"_s, u"runner"_s},
                                                         {u"tools"_s, QJsonArray{u"script"_s}}}}}},
        m_token);
    QCOMPARE(crew.status, 201);
    m_crewId = crew.json().value(u"id"_s).toString();
    m_agentId = crew.json().value(u"agents"_s).toArray().at(0).toObject().value(u"id"_s).toString();
    QVERIFY(!m_agentId.isEmpty());
}

void TestLatency::cleanupTestCase()
{
    if (m_server)
        m_server->stop();
}

void TestLatency::init()
{
    QSettings().clear();
    NodeItem::setHoldMs(6000);
}

bool TestLatency::loginApp(AppController &ctl)
{
    return testsupport::startApp(ctl, *m_server, Email, Password, [&] {
        return ctl.mainWindow() != nullptr && ctl.graphPage() != nullptr;
    });
}

GraphPage *TestLatency::openGraph(AppController &ctl)
{
    GraphPage *page = testsupport::openGraph(ctl, m_crewId);
    if (!page || !QTest::qWaitForWindowExposed(ctl.mainWindow()))
        return nullptr;
    return page;
}

QString TestLatency::startRun(const QString &command)
{
    const QJsonArray steps{QJsonObject{{u"tool"_s, u"script"_s},
                                       {u"agent_id"_s, m_agentId},
                                       {u"params"_s, QJsonObject{{u"command"_s, command}}}}};
    const auto run = m_server->post(u"/crews/"_s + m_crewId + u"/runs"_s,
                                    QJsonObject{{u"steps"_s, steps}}, m_token);
    return run.status == 202 ? run.json().value(u"id"_s).toString() : QString();
}

QList<Event> TestLatency::serverEvents(const QString &runId)
{
    QList<Event> out;
    qint64 since = 0;
    for (;;) {
        const auto r = m_server->get(u"/runs/%1/events?since=%2"_s.arg(runId).arg(since), m_token);
        if (r.status != 200)
            return {};
        const QJsonArray arr = r.json().value(u"events"_s).toArray();
        for (const QJsonValue &v : arr) {
            if (auto e = Event::fromJson(v.toObject()))
                out.append(*e);
        }
        if (arr.isEmpty())
            return out;
        since = out.constLast().seq;
    }
}

void TestLatency::eventToPixelDelay()
{
    AppController ctl;
    QVERIFY(loginApp(ctl));
    GraphPage *page = openGraph(ctl);
    QVERIFY(page);
    NodeItem *node = page->scene()->toolNode(m_agentId, u"script"_s);
    QVERIFY(node);
    ToastManager *toasts = ctl.toastManager();
    QVERIFY(toasts);

    // When each progress value was printed (from the line itself) and first painted. Kept
    // per run: the run's first events may arrive while startRun() still waits for its answer.
    QHash<QString, QHash<int, qint64>> printedByRun;
    QHash<QString, QString> callByRun;
    QString runId;
    connect(ctl.streams(), &client::LiveStreams::graphEvent, this, [&](const Event &e) {
        if (const auto *s = std::get_if<ToolStartEvent>(&e.body))
            callByRun.insert(e.runId(), s->toolCallId);
        if (const auto *p = std::get_if<ToolProgressEvent>(&e.body)) {
            if (p->progress && p->message.startsWith(u"t="_s))
                printedByRun[e.runId()].insert(*p->progress, p->message.mid(2).toLongLong());
        }
    });
    std::map<int, qint64> graphPaintedNs;
    std::map<int, qint64> toastPaintedNs;
    std::map<int, qint64> toastTextPaintedNs;
    PaintProbe probe;
    QWidget *viewport = page->view()->viewport();
    probe.shown = [&](QWidget *w, const QRegion &region) -> int {
        if (w == viewport) {
            if (node->progress() < 0)
                return -1;
            const QRect r = page->view()->mapFromScene(node->sceneBoundingRect()).boundingRect();
            return region.intersects(r) ? node->progress() : -1;
        }
        auto *toast = qobject_cast<ToastWidget *>(w->parentWidget());
        const QString callId = callByRun.value(runId);
        if (!toast || callId.isEmpty() || toast->key() != callId || !w->isVisible())
            return -1;
        if (auto *bar = qobject_cast<QProgressBar *>(w))
            return 1000 + bar->value(); // toast progress bars: offset by 1000
        // The toast's detail line shows the progress message ("t=<ns>"): offset by 2000.
        auto *label = qobject_cast<QLabel *>(w);
        if (!label || label->objectName() != u"toastDetail"_s)
            return -1;
        const qsizetype at = label->text().indexOf(u"t="_s);
        if (at < 0)
            return -1;
        qsizetype end = at + 2;
        while (end < label->text().size() && label->text().at(end).isDigit())
            ++end;
        const qint64 ns = label->text().mid(at + 2, end - at - 2).toLongLong();
        const QHash<int, qint64> printed = printedByRun.value(runId);
        for (auto it = printed.cbegin(); it != printed.cend(); ++it) {
            if (it.value() == ns)
                return 2000 + it.key();
        }
        return -1;
    };
    probe.painted = [&](int value, qint64 ns) {
        if (value >= 2000)
            toastTextPaintedNs.emplace(value - 2000, ns); // keeps the first paint of a value
        else if (value >= 1000)
            toastPaintedNs.emplace(value - 1000, ns);
        else
            graphPaintedNs.emplace(value, ns);
    };
    qApp->installEventFilter(&probe);

    // 40 lines, 50 ms apart, each stamped with the time it was printed.
    runId = startRun(u"/usr/bin/python3 -c \"import time\nfor i in range(1, 41):\n"
                     u"    print('::progress %d t=%d' % (i, time.time_ns()), flush=True)\n"
                     u"    time.sleep(0.05)\n\""_s);
    QVERIFY(!runId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(node->phase() == NodeItem::Phase::Ended, 30000);
    const QString callId = callByRun.value(runId);
    QVERIFY(!callId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(
        toasts->toast(callId) && toasts->toast(callId)->phase == ToastManager::Phase::End, 10000);
    QTest::qWait(200); // the last paints
    qApp->removeEventFilter(&probe);

    const QHash<int, qint64> printedNs = printedByRun.value(runId);
    QCOMPARE(printedNs.size(), 40);
    auto report = [&](const char *what, const std::map<int, qint64> &paintedNs) {
        QList<double> ms;
        for (const auto &[value, ns] : paintedNs) {
            if (printedNs.contains(value))
                ms.append((ns - printedNs.value(value)) / 1e6);
        }
        const Figures f = figuresOf(ms);
        qInfo("event-to-pixel, %s: %d of 40 progress values painted; print -> painted p50 %.2f ms, "
              "p95 %.2f ms, "
              "max %.2f ms",
              what, f.samples, f.p50, f.p95, f.max);
        return f;
    };
    const Figures graph = report("graph node", graphPaintedNs);
    // The bar repaints only when the change is at least one style chunk wide (QProgressBar),
    // so it shows fewer distinct values than the detail line, which shows every message.
    const Figures toast = report("toast progress bar", toastPaintedNs);
    const Figures toastText = report("toast detail line", toastTextPaintedNs);
    // The hooks saw paints of printed values (a broken hook would report nothing).
    QVERIFY(graph.samples > 0);
    QVERIFY(toast.samples > 0);
    QVERIFY(toastText.samples > 0);
    QVERIFY(graph.p50 >= 0); // print happens before the paint: a negative delay is a clock bug
    QVERIFY(toast.p50 >= 0);
}

void TestLatency::keepsUpWithAFlood()
{
    AppController ctl;
    QVERIFY(loginApp(ctl));
    GraphPage *page = openGraph(ctl);
    QVERIFY(page);
    NodeItem *node = page->scene()->toolNode(m_agentId, u"script"_s);
    QVERIFY(node);
    ToastManager *toasts = ctl.toastManager();
    QVERIFY(toasts);

    // Counted per run: the first events may arrive while startRun() still waits for its answer.
    QHash<QString, qint64> receivedByRun;
    QHash<QString, int> lastProgressByRun;
    bool resetSeen = false;
    connect(ctl.streams(), &client::LiveStreams::graphEvent, this, [&](const Event &e) {
        if (e.type().startsWith(u"tool_"_s))
            ++receivedByRun[e.runId()];
        if (const auto *p = std::get_if<ToolProgressEvent>(&e.body); p && p->progress)
            lastProgressByRun.insert(e.runId(), *p->progress);
    });
    connect(page->socket(), &LiveSocket::resetRequired, this, [&] { resetSeen = true; });
    const qint64 sceneBefore = page->scene()->toolEventsApplied();
    const qint64 toastsBefore = toasts->eventsApplied();

    // Event-loop probe: the longest gap between 5 ms ticks, beyond the 5 ms.
    QElapsedTimer sinceTick;
    qint64 maxGapNs = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(5);
    connect(&probe, &QTimer::timeout, this, [&] {
        if (sinceTick.isValid())
            maxGapNs = qMax(maxGapNs, sinceTick.nsecsElapsed());
        sinceTick.start();
    });

    // 5,000 lines per second for 3 s: 50 lines every 10 ms, paced on the wall clock.
    QElapsedTimer wall;
    wall.start();
    probe.start();
    const QString runId = startRun(
        u"/usr/bin/python3 -c \"import sys, time\nt0 = time.time()\nfor k in range(300):\n"
        u"    sys.stdout.write(''.join('::progress %d n=%d\\n' % ((k * 50 + j) % 101, k * 50 + j)"
        u" for j in range(50)))\n"
        u"    sys.stdout.flush()\n"
        u"    time.sleep(max(0.0, t0 + (k + 1) * 0.01 - time.time()))\n\""_s);
    QVERIFY(!runId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(node->phase() == NodeItem::Phase::Ended, 60000);
    const double runSeconds = wall.nsecsElapsed() / 1e9;
    probe.stop();
    const auto run = Run::fromJson(m_server->get(u"/runs/"_s + runId, m_token).json());
    QVERIFY(run);
    QCOMPARE(run->status, RunState::Succeeded);

    // Everything the server stored for the call went through the socket into the graph
    // and the toasts.
    const QList<Event> stored = serverEvents(runId);
    qint64 storedTool = 0;
    qint64 storedProgress = 0;
    for (const Event &e : stored) {
        if (e.type().startsWith(u"tool_"_s))
            ++storedTool;
        if (std::holds_alternative<ToolProgressEvent>(e.body))
            ++storedProgress;
    }
    QCOMPARE(storedProgress, qint64(15000));
    QTRY_COMPARE_WITH_TIMEOUT(receivedByRun.value(runId), storedTool, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(page->scene()->toolEventsApplied() - sceneBefore, storedTool, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(toasts->eventsApplied() - toastsBefore, storedTool, 20000);
    QCOMPARE(lastProgressByRun.value(runId), 14999 % 101);
    QVERIFY(!resetSeen);
    qInfo(
        "flood: %lld tool events (%lld progress) in %.2f s from run start to the node ended: %.0f "
        "events/s applied "
        "by graph and toasts; max event-loop stall %.1f ms (5 ms probe; server in the same thread)",
        storedTool, storedProgress, runSeconds, storedTool / runSeconds,
        qMax<qint64>(0, maxGapNs - 5000000) / 1e6);
}

QTEST_MAIN(TestLatency)
#include "tst_latency.moc"
