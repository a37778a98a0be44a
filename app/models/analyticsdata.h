#pragma once
#include "app/net/apiclient.h"
#include "shared/types.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QStringList>

namespace crewdeck::client {

// A date range for the analytics page: a preset ("24h", "7d", "30d", "90d") that follows
// the clock, or "custom" with fixed bounds. `from` inclusive, `to` exclusive (UTC).
struct DateRange
{
    QString preset = QStringLiteral("7d");
    QDateTime from;
    QDateTime to;
    QString bucket = QStringLiteral("hour");

    static QStringList presets(); // 24h 7d 30d 90d custom
    // The buckets that make sense for a preset (first = default): 24h hour; 7d hour, day;
    // 30d day; 90d day, week; custom: every bucket that gives at most 1,000 points.
    static QStringList bucketsFor(const QString &preset, const QDateTime &from = {},
                                  const QDateTime &to = {});
    // The range of `preset` ending at `now`; `bucket` empty or not allowed: the default.
    static DateRange forPreset(const QString &preset, const QDateTime &now,
                               const QString &bucket = {});
    static DateRange custom(const QDateTime &from, const QDateTime &to, const QString &bucket = {});
    bool isValid() const
    {
        return from.isValid() && to.isValid() && from < to && !bucket.isEmpty();
    }
    bool operator==(const DateRange &o) const
    {
        return preset == o.preset && from == o.from && to == o.to && bucket == o.bucket;
    }
};

// Collects every run created in [from, to) by paging GET /runs through next_cursor
// (200 a page). GUI thread; answers arrive asynchronously.
class RunsCollector : public QObject
{
    Q_OBJECT
public:
    RunsCollector(ApiClient *api, const QDateTime &from, const QDateTime &to,
                  QObject *parent = nullptr);
    void start();
    void cancel();
    const QList<Run> &runs() const { return m_runs; }

Q_SIGNALS:
    void progress(int fetched);
    void finished(const QList<crewdeck::Run> &runs);
    void failed(const crewdeck::client::ApiFailure &failure);

private:
    void fetch(const QString &cursor);
    ApiClient *m_api;
    QDateTime m_from;
    QDateTime m_to;
    QList<Run> m_runs;
    bool m_cancelled = false;
};

// The five analytics timeseries (runs, success_rate, latency, tokens, c7t) for one date
// range. setRange() loads all five; refresh() reloads them (a preset's range is moved to
// end now first). Answers for an older range are dropped. GUI thread.
class AnalyticsData : public QObject
{
    Q_OBJECT
public:
    static QStringList metrics();

    explicit AnalyticsData(ApiClient *api, QObject *parent = nullptr);

    const DateRange &range() const { return m_range; }
    // Empty Timeseries until loaded.
    Timeseries series(const QString &metric) const { return m_series.value(metric); }
    // Every metric has answered for the current range (with data or an error).
    bool isLoaded() const { return m_pending == 0 && m_generation > 0; }
    QString error() const { return m_error; }
    int loadCount() const { return m_loadCount; }
    // Shows series cached by an earlier session (offline start) without calling the server:
    // the range and every series given, then loaded(). Answers still in flight are dropped.
    void restore(const DateRange &range, const QHash<QString, Timeseries> &series);
    // Every series of the current range (what an offline start can show again).
    QHash<QString, Timeseries> allSeries() const { return m_series; }

public Q_SLOTS:
    void setRange(const crewdeck::client::DateRange &range);
    void refresh();

Q_SIGNALS:
    void rangeChanged(const crewdeck::client::DateRange &range);
    void seriesChanged(const QString &metric);
    void loadStarted();
    void loaded();
    void failed(const QString &message);

private:
    void load();
    ApiClient *m_api;
    DateRange m_range;
    QHash<QString, Timeseries> m_series;
    int m_generation = 0;
    int m_pending = 0;
    int m_loadCount = 0;
    QString m_error;
};

} // namespace crewdeck::client

Q_DECLARE_METATYPE(crewdeck::client::DateRange)
