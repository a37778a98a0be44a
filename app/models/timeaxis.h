#pragma once
#include <QDateTime>

namespace crewdeck::client {

// A time axis on round local times, so that its labels read 12:00, 16:00, 20:00 ... or
// 1 Dec, 8 Dec ... instead of wherever the range happens to start.
struct TimeTicks
{
    QDateTime from; // the first tick: `from` of the range, rounded down to the step
    QDateTime to;   // the last tick: a whole number of steps later, at or after the range's end
    int tickCount = 2;
    bool daily = false; // steps of whole days (labels without the time of day)
};

// The smallest step of 1, 2, 3, 4, 6 or 12 hours or 1, 2, 7, 14 or 28 days that covers
// [from, to] in at most `maxIntervals` steps, hour steps counted from local midnight, day
// steps from the local midnight of `from`. Any thread.
// Six intervals: seven "HH:mm" labels fit under a chart a third of a window wide.
TimeTicks roundTimeTicks(const QDateTime &from, const QDateTime &to, int maxIntervals = 6);

} // namespace crewdeck::client
