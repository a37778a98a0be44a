#pragma once
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

namespace crewdeck::server {

class Store;

// Keeps the latency memo (closed buckets' p50/p95, see Store::timeseries) filled for the ranges
// the desktop app asks for and a little more: 31 days by hour, a year by day, 13 weeks by week.
// Without it the first latency request for a range ranks every finished run of the range once (2.6
// s for a year at 1 M runs); with it, that first request finds the closed buckets already computed.
// Works on the main thread in small slices (one day or one week of runs per slice) with a
// pause of at least ten times the slice's own time after each, so live traffic keeps at least
// 90 % of the event loop; starts over every 10 minutes for the buckets that closed meanwhile.
// Thread: main (it uses the store).
class AnalyticsWarmer : public QObject
{
    Q_OBJECT
public:
    AnalyticsWarmer(Store *store, QObject *parent = nullptr);

    // First pass after `delayMs`, then every `periodMs`.
    void start(int delayMs = 5000, int periodMs = 600000);
    void stop();
    // Every slice of one pass at once (tests).
    void runPass(qint64 nowMs);
    qint64 slicesDone() const { return m_slices; }

private:
    struct Slice
    {
        QString orgId;
        QString bucket;
        qint64 fromMs = 0;
        qint64 toMs = 0;
    };
    // Plans a pass and starts stepping through it, unless one is still going.
    void beginPass();
    void plan(qint64 nowMs);
    void runSlice(const Slice &slice);
    void step();

    Store *m_store;
    QList<Slice> m_todo;
    QTimer m_stepTimer;
    QTimer m_passTimer;
    qint64 m_slices = 0;
};

} // namespace crewdeck::server
