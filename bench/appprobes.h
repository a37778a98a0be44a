#pragma once
#include <QObject>
#include <QRegion>
#include <QString>
#include <QTimer>
#include <functional>

class QWidget;

// The instruments of `crewdeck-bench app` (appbench.cpp): how a paint, the event loop and the
// printed lines are timed. They change when what is measured changes; the orchestration and
// the report live elsewhere. Thread: main (GUI) thread only.
namespace crewdeck::bench {

// Runs the paint of one widget inside the filter (like PaintProbe in tests/gui/tst_latency),
// so the moment right after the paint is known. The nested sendEvent happens inside the
// repaint the backing store started, so it paints exactly what the real paint would.
// Installed on the application (qApp->installEventFilter).
class PaintTimer : public QObject
{
public:
    QWidget *target = nullptr;
    // (paint region, start mono ns, end mono ns, end wall ns)
    std::function<void(const QRegion &, qint64, qint64, qint64)> painted;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    bool m_inside = false;
};

// The event-loop probe: a 1 ms precise timer; a stall is the gap beyond the interval. The
// GUI thread's CPU time over each gap tells app work (on CPU) from a thread that was not
// running (other processes on a shared 2-core machine).
class StallProbe
{
public:
    // `events`: how many events the app applied so far (for "events applied in the stall").
    explicit StallProbe(std::function<qint64()> events);
    void start() { m_timer.start(); }
    void stop() { m_timer.stop(); }

    qint64 maxStallNs = 0, maxStallCpuNs = 0, maxStallEvents = 0;
    qint64 maxStallAt = 0, maxStallAfter = 0; // when (mono ns) and after how many events
    qint64 stallsOver16 = 0, busyStallsOver16 = 0;

private:
    void tick();

    QTimer m_timer;
    std::function<qint64()> m_events;
    qint64 m_lastTick = 0, m_lastThreadCpu = 0, m_lastEvents = 0;
};

// The printer: `rate` lines/s for `seconds`, written in 10 ms batches paced on the wall
// clock, every line stamped with time.time_ns() as it is formatted.
QString printerCommand(const QString &python, int rate, int seconds);
// "t=<ns>" at the start of a progress message; 0 if absent.
qint64 stampOf(const QString &message);

} // namespace crewdeck::bench
