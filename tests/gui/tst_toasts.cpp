// Tool-call toasts and tray notifications, driven with synthetic protocol events: one toast
// per call updated in place, lifetimes (errors stay longer), hover pause, click -> run, the
// flood (2,000 events/s for 3 s into the toasts and the graph, with an event-loop stall probe
// whose figure is reported, not asserted) and the tray's coalescing and setting.
#include "app/ui/appsettings.h"
#include "app/ui/graph/graphitems.h"
#include "app/ui/graph/graphscene.h"
#include "app/ui/graph/graphview.h"
#include "app/ui/settingsdialog.h"
#include "app/ui/theme.h"
#include "app/ui/toasts/toastmanager.h"
#include "app/ui/toasts/toastwidget.h"
#include "app/ui/toasts/traynotifier.h"

#include <QApplication>
#include <QCheckBox>
#include <QElapsedTimer>
#include <QEnterEvent>
#include <QFile>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::ui;

namespace {
qint64 g_seq = 0;
const QString CrewId = u"crew-1"_s;

Event start(const QString &call, const QString &agent = u"agent-0"_s,
            const QString &tool = u"script"_s)
{
    return Event{++g_seq, QDateTime::currentDateTimeUtc(),
                 ToolStartEvent{CrewId, u"run-"_s + call, agent, call, tool, {}}};
}
Event progress(const QString &call, int pct, const QString &agent = u"agent-0"_s)
{
    ToolProgressEvent p{CrewId, u"run-"_s + call, agent, call, u"working %1"_s.arg(pct), pct};
    return Event{++g_seq, QDateTime::currentDateTimeUtc(), p};
}
Event end(const QString &call, const QString &status, std::optional<int> exit,
          const QString &agent = u"agent-0"_s, const QString &tool = u"script"_s)
{
    ToolEndEvent e;
    e.crewId = CrewId;
    e.runId = u"run-"_s + call;
    e.agentId = agent;
    e.toolCallId = call;
    e.tool = tool;
    e.durationMs = 1500;
    e.status = status;
    e.exitCode = exit;
    return Event{++g_seq, QDateTime::currentDateTimeUtc(), e};
}
Event runStatus(const QString &run, const QString &status, const QString &crew = CrewId)
{
    return Event{++g_seq, QDateTime::currentDateTimeUtc(), RunStatusEvent{crew, run, status}};
}
Event signal(const QString &crew, const QString &status)
{
    return Event{++g_seq, QDateTime::currentDateTimeUtc(), SignalEvent{crew, status}};
}
} // namespace

class TestToasts : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void oneToastPerCallUpdatedInPlace();
    void errorsStayLongerThanSuccesses();
    void hoverPausesDismissal();
    void clickOpensRunAndCloseDismisses();
    void floodCoalescesAndStaysResponsive();
    void trayCoalescesAndHonoursSetting();
    void settingsDialogStoresTraySetting();
    void selectedIconsStayVisible();

private:
    QWidget *m_host = nullptr;
    ToastManager *m_toasts = nullptr;
    // What LiveStreams feeds in the app; the toasts read it.
    client::ToolActivityModel *m_activity = nullptr;
    QTemporaryDir m_settingsDir;
};

void TestToasts::initTestCase()
{
    QCoreApplication::setOrganizationName(u"CrewDeckTest"_s);
    QCoreApplication::setApplicationName(u"tst_toasts"_s);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
}

void TestToasts::init()
{
    m_host = new QWidget;
    m_host->resize(1000, 700);
    m_host->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_host));
    // Keep the pointer away from the corner: hovering a toast pauses its dismissal.
    QTest::mouseMove(m_host, QPoint(5, 5));
    m_toasts = new ToastManager(m_host);
    m_activity = new client::ToolActivityModel(m_host);
    m_toasts->setSource(m_activity);
}

void TestToasts::cleanup()
{
    delete m_host; // owns the manager and its widgets
    m_host = nullptr;
    m_toasts = nullptr;
    m_activity = nullptr;
}

void TestToasts::oneToastPerCallUpdatedInPlace()
{
    m_toasts->setAgentNameResolver(
        [](const QString &id) { return id == u"agent-0"_s ? u"Ada"_s : QString(); });
    m_activity->applyEvent(start(u"c1"_s));
    m_toasts->flush();
    QCOMPARE(m_toasts->visibleWidgets().size(), 1);
    ToastWidget *w = m_toasts->widgetFor(u"c1"_s);
    QVERIFY(w && w->isVisible());
    QCOMPARE(w->title(), u"script started"_s);
    QCOMPARE(w->iconName(), u"toast-start"_s);
    QVERIFY(!m_toasts->clearAllVisible()); // one toast: its own close button is enough
    QVERIFY(w->detail().startsWith(u"Ada \u00b7 run run-c1"_s));
    QVERIFY(!w->progressShown());
    // Bottom-right corner of the host.
    QVERIFY(w->geometry().right() > m_host->width() - 40);
    QVERIFY(w->geometry().bottom() > m_host->height() - 40);

    m_activity->applyEvent(progress(u"c1"_s, 42));
    m_toasts->flush();
    QCOMPARE(m_toasts->visibleWidgets().size(), 1);
    QCOMPARE(m_toasts->widgetFor(u"c1"_s), w); // same toast, updated in place
    QCOMPARE(w->title(), u"script \u2014 42 %"_s);
    QCOMPARE(w->iconName(), u"toast-running"_s);
    QVERIFY(w->progressShown());
    QCOMPARE(w->progressValue(), 42);
    QVERIFY(w->detail().endsWith(u"working 42"_s));

    m_activity->applyEvent(end(u"c1"_s, CallState::Success, 0));
    m_toasts->flush();
    QCOMPARE(m_toasts->visibleWidgets().size(), 1);
    QCOMPARE(w->title(), u"script finished in 1.5 s"_s);
    QCOMPARE(w->iconName(), u"toast-success"_s);
    QCOMPARE(w->progressValue(), 100);

    // A line arriving after the end does not reopen the call.
    m_activity->applyEvent(progress(u"c1"_s, 50));
    m_toasts->flush();
    QCOMPARE(m_toasts->toast(u"c1"_s)->phase, ToastManager::Phase::End);

    m_activity->applyEvent(end(u"c2"_s, CallState::Failed, 2));
    m_activity->applyEvent(end(u"c3"_s, CallState::Timeout, std::nullopt));
    m_activity->applyEvent(end(u"c4"_s, CallState::Cancelled, std::nullopt));
    m_toasts->flush();
    QCOMPARE(m_toasts->visibleWidgets().size(), 4);
    QCOMPARE(m_toasts->widgetFor(u"c2"_s)->title(), u"script failed after 1.5 s (exit code 2)"_s);
    QCOMPARE(m_toasts->widgetFor(u"c3"_s)->title(), u"script timed out after 1.5 s"_s);
    QCOMPARE(m_toasts->widgetFor(u"c4"_s)->title(), u"script cancelled after 1.5 s"_s);
    QCOMPARE(m_toasts->widgetFor(u"c2"_s)->iconName(), u"toast-failed"_s);
    QCOMPARE(m_toasts->widgetFor(u"c3"_s)->iconName(), u"toast-timeout"_s);
    QCOMPARE(m_toasts->widgetFor(u"c4"_s)->iconName(), u"toast-cancelled"_s);
    // Every icon is one of the app's SVGs, and no title carries an emoji (a stock Debian font
    // set draws those as empty boxes).
    for (ToastWidget *t : m_toasts->visibleWidgets()) {
        QVERIFY(QFile::exists(u":/icons/"_s + t->iconName() + u".svg"_s));
        for (const QChar c : t->title())
            QVERIFY2(!c.isSurrogate() && c.unicode() < 0x2300, qPrintable(t->title()));
    }
    // Newest closest to the corner.
    QVERIFY(m_toasts->widgetFor(u"c4"_s)->y() > m_toasts->widgetFor(u"c1"_s)->y());
    QVERIFY(!m_toasts->moreChipVisible());

    // "Clear all" sits above the stack and dismisses every toast.
    QVERIFY(m_toasts->clearAllVisible());
    auto *clear = m_host->findChild<QPushButton *>(u"toastClearAll"_s);
    QVERIFY(clear && clear->isVisible());
    QVERIFY(clear->geometry().bottom() < m_toasts->widgetFor(u"c1"_s)->geometry().top());
    QTest::mouseClick(clear, Qt::LeftButton);
    QCOMPARE(m_toasts->activeCount(), 0);
    QVERIFY(m_toasts->visibleWidgets().isEmpty());
    QVERIFY(!m_toasts->clearAllVisible());
}

void TestToasts::errorsStayLongerThanSuccesses()
{
    m_toasts->setLifetimes(300, 3000, 3000);
    m_activity->applyEvent(end(u"ok"_s, CallState::Success, 0));
    m_activity->applyEvent(end(u"bad"_s, CallState::Failed, 1));
    m_toasts->flush();
    QCOMPARE(m_toasts->activeCount(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(!m_toasts->toast(u"ok"_s), 5000);
    QVERIFY(m_toasts->toast(u"bad"_s));
    QCOMPARE(m_toasts->visibleWidgets().size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_toasts->activeCount(), 0, 10000);
    QVERIFY(m_toasts->visibleWidgets().isEmpty());
}

void TestToasts::hoverPausesDismissal()
{
    m_toasts->setLifetimes(300, 300, 300);
    m_activity->applyEvent(end(u"h"_s, CallState::Success, 0));
    m_toasts->flush();
    ToastWidget *w = m_toasts->widgetFor(u"h"_s);
    QVERIFY(w);
    QEnterEvent enter(QPointF(5, 5), QPointF(5, 5), w->mapToGlobal(QPointF(5, 5)));
    QApplication::sendEvent(w, &enter);
    QTest::qWait(900); // three lifetimes
    QVERIFY(m_toasts->toast(u"h"_s));
    QVERIFY(w->isVisible());
    QEvent leave(QEvent::Leave);
    QApplication::sendEvent(w, &leave);
    QTRY_VERIFY_WITH_TIMEOUT(!m_toasts->toast(u"h"_s), 10000);
    QVERIFY(!w->isVisible());
}

void TestToasts::clickOpensRunAndCloseDismisses()
{
    QSignalSpy activated(m_toasts, &ToastManager::runActivated);
    m_activity->applyEvent(start(u"k1"_s));
    m_activity->applyEvent(start(u"k2"_s));
    m_toasts->flush();
    QTest::mouseClick(m_toasts->widgetFor(u"k1"_s), Qt::LeftButton, {}, QPoint(20, 10));
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated.at(0).at(0).toString(), u"run-k1"_s);
    QVERIFY(!m_toasts->toast(u"k1"_s));
    QTest::mouseClick(m_toasts->widgetFor(u"k2"_s)->findChild<QWidget *>(u"toastClose"_s),
                      Qt::LeftButton);
    QVERIFY(!m_toasts->toast(u"k2"_s));
    QCOMPARE(activated.size(), 1);
    QVERIFY(m_toasts->visibleWidgets().isEmpty());
}

void TestToasts::floodCoalescesAndStaysResponsive()
{
    // Nothing expires during the flood, so the expected count is exact.
    m_toasts->setLifetimes(600000, 600000, 600000);
    // The graph gets the same stream.
    Crew crew;
    crew.id = CrewId;
    crew.name = u"Flood crew"_s;
    for (int i = 0; i < 40; ++i)
        crew.agents.append(Agent{
            u"agent-%1"_s.arg(i), u"Agent %1"_s.arg(i), u"worker"_s, {u"script"_s, u"pytest"_s}});
    GraphScene scene;
    scene.setCrew(crew);
    // As in the app: the scene and the toasts both read the tool-activity model.
    connect(m_activity, &client::ToolActivityModel::callUpdated, &scene, &GraphScene::applyCall);
    GraphView view;
    view.setScene(&scene);
    view.resize(900, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.fitToView();

    // The probe: a 1 ms timer; the longest gap between two ticks is the worst stall.
    QElapsedTimer probeClock;
    probeClock.start();
    qint64 lastTick = 0;
    qint64 maxGap = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(1);
    connect(&probe, &QTimer::timeout, this, [&] {
        const qint64 now = probeClock.elapsed();
        maxGap = qMax(maxGap, now - lastTick);
        lastTick = now;
    });

    // 2,000 events/s for 3 s: every 5 ms a batch of 10. Each call: start, 3 progress, end.
    QSet<QString> calls;
    int pushed = 0;
    int callNo = 0;
    QList<Event> pending;
    auto nextEvents = [&](int n) {
        while (pending.size() < n) {
            const QString id = u"f%1"_s.arg(++callNo);
            const QString agent = u"agent-%1"_s.arg(callNo % 40);
            const QString tool = callNo % 2 ? u"script"_s : u"pytest"_s;
            calls.insert(id);
            pending.append(start(id, agent, tool));
            for (int p : {25, 50, 75})
                pending.append(progress(id, p, agent));
            pending.append(end(id, callNo % 7 ? CallState::Success : CallState::Failed,
                               callNo % 7 ? 0 : 1, agent, tool));
        }
        QList<Event> out = pending.mid(0, n);
        pending.remove(0, n);
        return out;
    };
    QElapsedTimer floodClock;
    QTimer feeder;
    feeder.setTimerType(Qt::PreciseTimer);
    feeder.setInterval(5);
    connect(&feeder, &QTimer::timeout, this, [&] {
        // Catch up by wall clock so that the rate holds even if a tick is late.
        // (One reading of the clock per tick: the flood ends when all 6,000 are out, not when
        // a second reading after a slow batch says 3 s have passed.)
        const qint64 due = qMin<qint64>(6000, floodClock.elapsed() * 2);
        if (due > pushed) {
            for (const Event &e : nextEvents(int(due - pushed))) {
                m_activity->applyEvent(e);
            }
            pushed = int(due);
        }
        if (pushed >= 6000)
            feeder.stop();
    });
    lastTick = probeClock.elapsed();
    probe.start();
    floodClock.start();
    feeder.start();
    QTRY_VERIFY_WITH_TIMEOUT(!feeder.isActive(), 30000);
    QTest::qWait(200); // the last batch
    probe.stop();
    qInfo("flood: %d events in %.2f s into toasts + graph; max event-loop stall %lld ms; "
          "graph view %d paints, %.2f ms max per paint",
          pushed, floodClock.elapsed() / 1000.0, maxGap, view.paintStats().paints,
          view.paintStats().maxMs);

    QVERIFY(pushed >= 6000);
    QCOMPARE(m_toasts->eventsApplied(), qint64(pushed));
    QCOMPARE(m_toasts->queuedEvents(), 0);
    // Every started call is one toast; pending holds the unsent rest of the last call.
    int startedCalls = 0;
    for (const QString &id : std::as_const(calls))
        startedCalls += m_toasts->toast(id) ? 1 : 0;
    QCOMPARE(m_toasts->activeCount(), startedCalls);
    QVERIFY(startedCalls >= 1199);
    QCOMPARE(m_toasts->visibleWidgets().size(), ToastManager::MaxVisible);
    int shown = 0;
    for (QWidget *w : m_host->findChildren<ToastWidget *>())
        shown += w->isVisible() ? 1 : 0;
    QCOMPARE(shown, 5);
    QCOMPARE(m_toasts->hiddenCount(), startedCalls - 5);
    QVERIFY(m_toasts->moreChipVisible());
    auto *chip = m_host->findChild<QPushButton *>(u"toastMore"_s);
    QVERIFY(chip && chip->isVisible());
    QCOMPARE(chip->text(), u"+%1 more"_s.arg(startedCalls - 5));
    // The newest calls are the ones on screen.
    QVERIFY(m_toasts->widgetFor(u"f%1"_s.arg(callNo)) ||
            m_toasts->widgetFor(u"f%1"_s.arg(callNo - 1)));
    QCOMPARE(scene.toolEventsApplied(), qint64(pushed));

    // The chip clears the hidden ones.
    QTest::mouseClick(chip, Qt::LeftButton);
    QCOMPARE(m_toasts->activeCount(), 5);
    QVERIFY(!m_toasts->moreChipVisible());
}

void TestToasts::trayCoalescesAndHonoursSetting()
{
    bool active = false;
    TrayNotifier tray(nullptr);
    tray.setWindowActiveProbe([&active] { return active; });
    tray.setCrewNameResolver(
        [](const QString &id) { return id == CrewId ? u"Alpha"_s : QString(); });
    tray.setCoalesceMs(400);
    QSignalSpy notified(&tray, &TrayNotifier::notified);

    tray.handleEvent(runStatus(u"run-aaaaaaaa1"_s, RunState::Failed));
    tray.handleEvent(runStatus(u"run-bbbbbbbb2"_s, RunState::Succeeded)); // not news
    tray.handleEvent(signal(CrewId, CrewStatus::Offline));
    tray.handleEvent(signal(u"crew-2"_s, CrewStatus::Busy)); // not news
    tray.handleEvent(runStatus(u"run-cccccccc3"_s, RunState::Failed));
    tray.handleEvent(start(u"x"_s));                             // not news
    tray.handleEvent(end(u"aaaaaaaa1"_s, CallState::Failed, 1)); // the same run again: once
    tray.handleEvent(end(u"y"_s, CallState::Success, 0));        // not news
    QCOMPARE(tray.pendingCount(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 1, 5000);
    QCOMPARE(notified.at(0).at(0).toString(), u"2 run(s) failed, 1 crew(s) offline"_s);
    const QString body = notified.at(0).at(1).toString();
    QVERIFY2(body.contains(u"Run run-aaaa of Alpha failed"_s), qPrintable(body));
    QVERIFY(body.contains(u"Run run-cccc of Alpha failed"_s));
    QVERIFY(body.contains(u"Offline: Alpha"_s));
    QTest::qWait(600);
    QCOMPARE(notified.size(), 1); // one notification for the lot

    // Many in one window: summarised, not listed endlessly.
    for (int i = 0; i < 9; ++i)
        tray.handleEvent(runStatus(u"run-%1"_s.arg(i), RunState::Failed));
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 2, 5000);
    QCOMPARE(notified.at(1).at(0).toString(), u"9 run(s) failed"_s);
    QCOMPARE(notified.at(1).at(1).toString().count(u'\n'), 3);
    QVERIFY(notified.at(1).at(1).toString().endsWith(u"and 6 more"_s));

    // The window is active: the user sees it already.
    active = true;
    tray.handleEvent(runStatus(u"run-z"_s, RunState::Failed));
    QCOMPARE(tray.pendingCount(), 0);
    active = false;
    tray.handleEvent(
        end(u"t1"_s, CallState::Timeout, std::nullopt)); // a timed-out step fails its run
    QCOMPARE(tray.pendingCount(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 3, 5000);
    QCOMPARE(notified.at(2).at(1).toString(), u"Run run-t1 of Alpha failed"_s);
    // Turned off.
    active = false;
    tray.setEnabled(false);
    tray.handleEvent(signal(CrewId, CrewStatus::Offline));
    QCOMPARE(tray.pendingCount(), 0);
    QTest::qWait(600);
    QCOMPARE(notified.size(), 3);
    QCOMPARE(tray.notificationCount(), 3);
}

void TestToasts::settingsDialogStoresTraySetting()
{
    QSettings().clear();
    QVERIFY(AppSettings::load().trayNotifications); // on by default
    AppSettings s = AppSettings::load();
    SettingsDialog dlg(s);
    auto *check = dlg.findChild<QCheckBox *>(u"trayCheck"_s);
    QVERIFY(check && check->isChecked());
    check->setChecked(false);
    dlg.values().save();
    QVERIFY(!AppSettings::load().trayNotifications);
    SettingsDialog again(AppSettings::load());
    QVERIFY(!again.findChild<QCheckBox *>(u"trayCheck"_s)->isChecked());
}

QTEST_MAIN(TestToasts)
// The sidebar's current entry is drawn on the highlight colour: its icon (QIcon::Selected)
// is the same drawing in the palette's HighlightedText, not the grey one (nor a tinted blot).
void TestToasts::selectedIconsStayVisible()
{
    const QColor text = QApplication::palette().color(QPalette::HighlightedText);
    for (const QString &name : {u"dashboard"_s, u"run"_s, u"crew"_s, u"graph"_s, u"analytics"_s}) {
        const QIcon ic = icon(name);
        const QImage normal = ic.pixmap(QSize(24, 24), QIcon::Normal).toImage();
        const QImage selected = ic.pixmap(QSize(24, 24), QIcon::Selected).toImage();
        QVERIFY2(!normal.isNull() && !selected.isNull(), qPrintable(name));
        int textPixels = 0, greyPixels = 0;
        for (int y = 0; y < selected.height(); ++y) {
            for (int x = 0; x < selected.width(); ++x) {
                const QColor c = selected.pixelColor(x, y);
                if (c.alpha() < 200)
                    continue;
                const QColor n = normal.pixelColor(x, y);
                textPixels += qAbs(c.red() - text.red()) + qAbs(c.green() - text.green()) +
                                          qAbs(c.blue() - text.blue()) <
                                      30
                                  ? 1
                                  : 0;
                greyPixels += c == n && n.alpha() >= 200 ? 1 : 0;
            }
        }
        QVERIFY2(textPixels >= 10, qPrintable(name));
        QCOMPARE(greyPixels, 0);
    }
}

#include "tst_toasts.moc"
