#include "app/models/timeaxis.h"

#include <algorithm>

namespace crewdeck::client {
namespace {

// Steps from `lo` until `to` is covered; more than `maxIntervals` means the step is too small.
TimeTicks cover(const QDateTime &lo, const QDateTime &to, qint64 stepSecs, int maxIntervals)
{
    TimeTicks t;
    t.from = lo;
    t.to = lo.addSecs(stepSecs);
    int intervals = 1;
    while (t.to < to && intervals <= maxIntervals) {
        t.to = t.to.addSecs(stepSecs);
        ++intervals;
    }
    t.tickCount = intervals + 1;
    return t;
}

} // namespace

TimeTicks roundTimeTicks(const QDateTime &fromIn, const QDateTime &toIn, int maxIntervals)
{
    const QDateTime from = fromIn.toLocalTime();
    const QDateTime to = std::max(from, toIn.toLocalTime());
    maxIntervals = std::max(1, maxIntervals);
    for (int hours : {1, 2, 3, 4, 6, 12}) {
        const QDateTime lo(from.date(), QTime((from.time().hour() / hours) * hours, 0));
        const TimeTicks t = cover(lo, to, qint64(hours) * 3600, maxIntervals);
        if (t.tickCount - 1 <= maxIntervals)
            return t;
    }
    for (int days : {1, 2, 7, 14, 28}) {
        TimeTicks t =
            cover(QDateTime(from.date(), QTime(0, 0)), to, qint64(days) * 86400, maxIntervals);
        t.daily = true;
        if (t.tickCount - 1 <= maxIntervals)
            return t;
    }
    // Beyond 28 x maxIntervals days: the range as it is.
    return TimeTicks{from, to, maxIntervals + 1, true};
}

} // namespace crewdeck::client
