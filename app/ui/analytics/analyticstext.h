#pragma once
#include "shared/types.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

// The analytics page's words and numbers: range and bucket labels, bucket times, axis bounds
// and the chart tooltips, in the default locale. Pure functions, GUI thread (translations).
namespace crewdeck::ui::analyticstext {

QString presetLabel(const QString &preset); // "Last 7 days", ..., "Custom"
QString bucketLabel(const QString &bucket); // "Hourly", "Daily", "Weekly"
// A bucket's start as the page shows it (hour: date and time; week: "Week of ...").
QString bucketTime(const QDateTime &t, const QString &bucket);
// A value axis from 0 to `max` (rounded up) on a round step: the smallest of 1, 2, 5 x 10^n,
// at least `minStep`, that covers `max` in at most `maxIntervals` intervals. A step of at least
// 1 keeps whole-number labels distinct (a 0..1 axis of six ticks reads "0 0 0 1 1 1").
struct ValueTicks
{
    double max = 1;
    int tickCount = 2;
};
ValueTicks valueTicks(double max, int maxIntervals, double minStep = 1);
// A number field of a point's `extra` (0 when missing).
double num(const QJsonObject &o, const QString &key);
// The tooltip for the bucket of `ts` nearest to `x` (ms since the epoch); empty without points.
QString tooltip(const QString &metric, const Timeseries &ts, qint64 x);

} // namespace crewdeck::ui::analyticstext
