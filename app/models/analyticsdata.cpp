#include "app/models/analyticsdata.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace crewdeck::client {

namespace {
constexpr qint64 HourMs = 3600LL * 1000;
constexpr qint64 DayMs = 24 * HourMs;
constexpr qint64 WeekMs = 7 * DayMs;
constexpr qint64 MaxBuckets = 1000;

qint64 presetSpanMs(const QString &preset)
{
    if (preset == u"24h"_s)
        return DayMs;
    if (preset == u"30d"_s)
        return 30 * DayMs;
    if (preset == u"90d"_s)
        return 90 * DayMs;
    return 7 * DayMs; // "7d"
}
} // namespace

QStringList DateRange::presets()
{
    return {u"24h"_s, u"7d"_s, u"30d"_s, u"90d"_s, u"custom"_s};
}

QStringList DateRange::bucketsFor(const QString &preset, const QDateTime &from, const QDateTime &to)
{
    if (preset == u"24h"_s)
        return {u"hour"_s};
    if (preset == u"7d"_s)
        return {u"hour"_s, u"day"_s};
    if (preset == u"30d"_s)
        return {u"day"_s};
    if (preset == u"90d"_s)
        return {u"day"_s, u"week"_s};
    // Custom: the finest buckets first, as long as the server accepts the count (the +1
    // covers the partial buckets at both ends).
    const qint64 span = (from.isValid() && to.isValid())
                            ? std::max<qint64>(0, to.toMSecsSinceEpoch() - from.toMSecsSinceEpoch())
                            : 0;
    QStringList out;
    if (span / HourMs + 2 <= MaxBuckets)
        out << u"hour"_s;
    if (span / DayMs + 2 <= MaxBuckets)
        out << u"day"_s;
    out << u"week"_s;
    return out;
}

DateRange DateRange::forPreset(const QString &preset, const QDateTime &now, const QString &bucket)
{
    DateRange r;
    r.preset = presets().contains(preset) && preset != u"custom"_s ? preset : u"7d"_s;
    r.to = now.toUTC();
    r.from = r.to.addMSecs(-presetSpanMs(r.preset));
    const QStringList allowed = bucketsFor(r.preset);
    r.bucket = allowed.contains(bucket) ? bucket : allowed.first();
    return r;
}

DateRange DateRange::custom(const QDateTime &from, const QDateTime &to, const QString &bucket)
{
    DateRange r;
    r.preset = u"custom"_s;
    r.from = from.toUTC();
    r.to = to.toUTC();
    const QStringList allowed = bucketsFor(r.preset, r.from, r.to);
    r.bucket = allowed.contains(bucket) ? bucket : allowed.first();
    return r;
}

// ---- RunsCollector

RunsCollector::RunsCollector(ApiClient *api, const QDateTime &from, const QDateTime &to,
                             QObject *parent)
    : QObject(parent), m_api(api), m_from(from), m_to(to)
{
}

void RunsCollector::start()
{
    m_runs.clear();
    m_cancelled = false;
    fetch({});
}

void RunsCollector::cancel()
{
    m_cancelled = true;
}

void RunsCollector::fetch(const QString &cursor)
{
    RunQuery q;
    q.limit = 200;
    q.cursor = cursor;
    q.from = m_from;
    q.to = m_to;
    m_api->runs(q, this, [this](const ApiResult<RunPage> &r) {
        if (m_cancelled)
            return;
        if (!r.ok()) {
            Q_EMIT failed(r.failure);
            return;
        }
        m_runs.append(r.value->items);
        Q_EMIT progress(int(m_runs.size()));
        if (r.value->nextCursor && !r.value->nextCursor->isEmpty())
            fetch(*r.value->nextCursor);
        else
            Q_EMIT finished(m_runs);
    });
}

// ---- AnalyticsData

QStringList AnalyticsData::metrics()
{
    return {u"runs"_s, u"success_rate"_s, u"latency"_s, u"tokens"_s, u"c7t"_s};
}

AnalyticsData::AnalyticsData(ApiClient *api, QObject *parent) : QObject(parent), m_api(api)
{
    qRegisterMetaType<DateRange>();
}

void AnalyticsData::setRange(const DateRange &range)
{
    if (!range.isValid())
        return;
    const bool changed = !(range == m_range);
    m_range = range;
    if (changed)
        Q_EMIT rangeChanged(m_range);
    load();
}

void AnalyticsData::refresh()
{
    if (m_range.preset != u"custom"_s)
        m_range =
            DateRange::forPreset(m_range.preset, QDateTime::currentDateTimeUtc(), m_range.bucket);
    if (m_range.isValid())
        load();
}

void AnalyticsData::restore(const DateRange &range, const QHash<QString, Timeseries> &series)
{
    ++m_generation; // drops the answers of a load still in flight
    m_pending = 0;
    m_error.clear();
    const bool changed = !(range == m_range);
    m_range = range;
    m_series = series;
    if (changed)
        Q_EMIT rangeChanged(m_range);
    for (const QString &metric : metrics())
        Q_EMIT seriesChanged(metric);
    ++m_loadCount;
    Q_EMIT loaded();
}

void AnalyticsData::load()
{
    const int generation = ++m_generation;
    const QStringList all = metrics();
    m_pending = int(all.size());
    m_error.clear();
    Q_EMIT loadStarted();
    for (const QString &metric : all) {
        m_api->timeseries(metric, m_range.bucket, m_range.from, m_range.to, this,
                          [this, generation, metric](const ApiResult<Timeseries> &r) {
                              if (generation != m_generation)
                                  return; // an answer for a range we no longer show
                              if (r.ok()) {
                                  m_series.insert(metric, *r.value);
                                  Q_EMIT seriesChanged(metric);
                              } else if (m_error.isEmpty()) {
                                  m_error = r.failure.message;
                                  Q_EMIT failed(m_error);
                              }
                              if (--m_pending == 0) {
                                  ++m_loadCount;
                                  Q_EMIT loaded();
                              }
                          });
    }
}

} // namespace crewdeck::client
