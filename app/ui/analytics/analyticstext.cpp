#include "app/ui/analytics/analyticstext.h"
#include "app/ui/analytics/analyticspage.h"
#include "app/ui/format.h"

#include <QJsonValue>
#include <QLocale>
#include <algorithm>
#include <cmath>
#include <functional>

using namespace Qt::StringLiterals;

// The texts keep AnalyticsPage's translation context: they are that page's words.
namespace crewdeck::ui::analyticstext {

QString presetLabel(const QString &preset)
{
    if (preset == u"24h"_s)
        return AnalyticsPage::tr("Last 24 hours");
    if (preset == u"7d"_s)
        return AnalyticsPage::tr("Last 7 days");
    if (preset == u"30d"_s)
        return AnalyticsPage::tr("Last 30 days");
    if (preset == u"90d"_s)
        return AnalyticsPage::tr("Last 90 days");
    return AnalyticsPage::tr("Custom");
}

QString bucketLabel(const QString &bucket)
{
    if (bucket == u"hour"_s)
        return AnalyticsPage::tr("Hourly");
    if (bucket == u"day"_s)
        return AnalyticsPage::tr("Daily");
    return AnalyticsPage::tr("Weekly");
}

ValueTicks valueTicks(double max, int maxIntervals, double minStep)
{
    maxIntervals = std::max(1, maxIntervals);
    max = max > 0 ? max : 0;
    const double wanted = std::max(minStep, max / maxIntervals);
    const double mag = std::pow(10.0, std::floor(std::log10(wanted)));
    double step = 10 * mag;
    for (double m : {1.0, 2.0, 5.0}) {
        if (m * mag >= wanted * (1 - 1e-9)) {
            step = m * mag;
            break;
        }
    }
    const int intervals = std::max(1, int(std::ceil(max / step - 1e-9)));
    return {intervals * step, intervals + 1};
}

QString bucketTime(const QDateTime &t, const QString &bucket)
{
    const QDateTime local = t.toLocalTime();
    if (bucket == u"hour"_s)
        return QLocale().toString(local, QLocale::ShortFormat);
    if (bucket == u"week"_s)
        return AnalyticsPage::tr("Week of %1")
            .arg(QLocale().toString(local.date(), QLocale::ShortFormat));
    return QLocale().toString(local.date(), QLocale::ShortFormat);
}

double num(const QJsonObject &o, const QString &key)
{
    return o.value(key).toDouble();
}

QString tooltip(const QString &metric, const Timeseries &ts, qint64 x)
{
    if (ts.points.isEmpty())
        return {};
    // The nearest bucket start.
    auto it = std::lower_bound(
        ts.points.cbegin(), ts.points.cend(), x,
        [](const TimeseriesPoint &p, qint64 v) { return p.t.toMSecsSinceEpoch() < v; });
    if (it == ts.points.cend())
        --it;
    if (it != ts.points.cbegin()) {
        auto prev = it - 1;
        if (std::abs(prev->t.toMSecsSinceEpoch() - x) < std::abs(it->t.toMSecsSinceEpoch() - x))
            it = prev;
    }
    const TimeseriesPoint &p = *it;
    const QString when = bucketTime(p.t, ts.bucket);
    auto orDash = [](const std::optional<double> &v, const std::function<QString(double)> &f) {
        return v ? f(*v) : QStringLiteral("\u2013");
    };
    if (metric == u"runs"_s)
        return AnalyticsPage::tr("%1\n%2 runs: %3 succeeded, %4 failed")
            .arg(when, formatCount(qint64(p.value.value_or(0))),
                 formatCount(qint64(num(p.extra, u"succeeded"_s))),
                 formatCount(qint64(num(p.extra, u"failed"_s))));
    if (metric == u"success_rate"_s)
        return AnalyticsPage::tr("%1\nSuccess rate: %2").arg(when, orDash(p.value, [](double v) {
                                                                 return formatPercent(v);
                                                             }));
    if (metric == u"latency"_s) {
        const QJsonValue v95 = p.extra.value(u"p95"_s);
        return AnalyticsPage::tr("%1\np50: %2, p95: %3")
            .arg(when, orDash(p.value, [](double v) { return formatMs(v); }),
                 v95.isDouble() ? formatMs(v95.toDouble()) : QStringLiteral("\u2013"));
    }
    if (metric == u"tokens"_s)
        return AnalyticsPage::tr("%1\n%2 tokens")
            .arg(when, formatCount(qint64(p.value.value_or(0))));
    if (metric == u"c7t"_s)
        return AnalyticsPage::tr("%1\nBalance: %2\nSpent: %3, earned: %4")
            .arg(when,
                 orDash(p.value,
                        [](double v) { return formatC7T(Micros{qint64(std::llround(v * 1e6))}); }),
                 formatC7T(Micros{qint64(std::llround(num(p.extra, u"spent"_s) * 1e6))}),
                 formatC7T(Micros{qint64(std::llround(num(p.extra, u"earned"_s) * 1e6))}));
    return {};
}

} // namespace crewdeck::ui::analyticstext
