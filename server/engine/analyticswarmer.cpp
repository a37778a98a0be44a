#include "server/engine/analyticswarmer.h"
#include "server/model/store.h"
#include "shared/logging.h"

#include <QDateTime>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {
constexpr qint64 HourMs = 3600000;
constexpr qint64 DayMs = 24 * HourMs;
constexpr qint64 WeekMs = 7 * DayMs;
// The app's presets (24 h and 7 d by hour, 30 d and 90 d by day, 90 d by week), and a year by
// day / a month by hour for custom ranges and scripts.
constexpr int HourDays = 31; // one day of hours per slice
constexpr int DayDays = 366;
constexpr int Weeks = 14;
constexpr int MinPauseMs = 100;
} // namespace

AnalyticsWarmer::AnalyticsWarmer(Store *store, QObject *parent) : QObject(parent), m_store(store)
{
    m_stepTimer.setSingleShot(true);
    connect(&m_stepTimer, &QTimer::timeout, this, &AnalyticsWarmer::step);
    connect(&m_passTimer, &QTimer::timeout, this, &AnalyticsWarmer::beginPass);
}

void AnalyticsWarmer::start(int delayMs, int periodMs)
{
    m_passTimer.start(qMax(1000, periodMs));
    QTimer::singleShot(qMax(0, delayMs), this, [this] {
        if (m_passTimer.isActive()) // not stopped meanwhile
            beginPass();
    });
}

void AnalyticsWarmer::beginPass()
{
    if (!m_todo.isEmpty())
        return; // the previous pass is still going
    plan(QDateTime::currentMSecsSinceEpoch());
    m_stepTimer.start(0);
}

void AnalyticsWarmer::stop()
{
    m_passTimer.stop();
    m_stepTimer.stop();
    m_todo.clear();
}

void AnalyticsWarmer::runPass(qint64 nowMs)
{
    plan(nowMs);
    while (!m_todo.isEmpty())
        runSlice(m_todo.takeFirst());
}

void AnalyticsWarmer::plan(qint64 nowMs)
{
    m_todo.clear();
    const qint64 today = timeseriesBucketStart(nowMs, DayMs);
    const qint64 thisWeek = timeseriesBucketStart(nowMs, WeekMs);
    for (const QString &org : m_store->orgIdsWithFinishedRuns()) {
        // Newest first: the ranges people look at most end now.
        for (int d = 0; d < HourDays; ++d)
            m_todo.append({org, u"hour"_s, today - d * DayMs, today - d * DayMs + DayMs});
        for (int d = 0; d < DayDays; ++d)
            m_todo.append({org, u"day"_s, today - d * DayMs, today - d * DayMs + DayMs});
        for (int w = 0; w < Weeks; ++w)
            m_todo.append({org, u"week"_s, thisWeek - w * WeekMs, thisWeek - w * WeekMs + WeekMs});
    }
}

void AnalyticsWarmer::runSlice(const Slice &slice)
{
    // Computes (and memoises) the closed buckets of the slice; already memoised ones are read.
    if (!m_store->timeseries(slice.orgId, u"latency"_s, slice.bucket, slice.fromMs, slice.toMs))
        qCDebug(lcStore) << "analytics warm-up: a slice failed; retried on the next pass";
    ++m_slices;
}

void AnalyticsWarmer::step()
{
    if (m_todo.isEmpty())
        return;
    QElapsedTimer t;
    t.start();
    runSlice(m_todo.takeFirst());
    if (!m_todo.isEmpty())
        m_stepTimer.start(int(std::max<qint64>(MinPauseMs, 10 * t.elapsed())));
}

} // namespace crewdeck::server
