#pragma once
#include <QHash>
#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>

class QChart;
class QChartView;
class QDateTimeAxis;
class QValueAxis;
class QXYSeries;

namespace crewdeck::client {
class AnalyticsData;
} // namespace crewdeck::client

namespace crewdeck::ui {

// The analytics page's five charts in a grid (runs as stacked succeeded/failed areas,
// success rate, latency p50/p95, tokens, the C7T ledger on two axes), drawn from an
// AnalyticsData's series and range. Separate from the page because it changes with the look
// of the charts, the page with the range, the refresh and the exports. apply() swaps a
// metric's points in with QXYSeries::replace, downsampled to the plot width. GUI thread.
class AnalyticsCharts : public QWidget
{
    Q_OBJECT
public:
    explicit AnalyticsCharts(const client::AnalyticsData *data, QWidget *parent = nullptr);

    // Redraws one metric (runs, success_rate, latency, tokens, c7t), or all of them (after a
    // resize: the plot width decides the downsampling).
    void apply(const QString &metric);
    void applyAll();

    // Charts by metric and series by name: runs.succeeded, runs.total (succeeded + failed:
    // the top of the stack), success_rate (percent), latency.p50, latency.p95, tokens,
    // c7t.balance, c7t.spent, c7t.earned.
    QChartView *chartView(const QString &metric) const { return m_views.value(metric); }
    QXYSeries *series(const QString &name) const { return m_series.value(name); }
    // The tooltip text for the bucket nearest to `x` (ms since the epoch) of a metric.
    QString tooltipText(const QString &metric, qint64 x) const;

private:
    void buildCharts();
    QChartView *makeView(const QString &metric, QChart *chart);
    void updateAxes(const QString &metric, double yMax, double y2Max = -1);
    void replaceSeries(const QString &name, const QList<QPointF> &points, int columns);
    void showHover(const QString &metric, const QPointF &point, bool state);
    int plotColumns(const QString &metric) const;
    // How many intervals a metric's value axis has room for (1-5).
    int valueIntervals(const QString &metric) const;

    const client::AnalyticsData *m_data;
    QHash<QString, QChartView *> m_views;
    QHash<QString, QXYSeries *> m_series;
    QHash<QString, QList<QPointF>> m_raw; // full-resolution points per series name
    QHash<QString, QDateTimeAxis *> m_xAxes;
    QHash<QString, QValueAxis *> m_yAxes;
    QValueAxis *m_c7tRightAxis = nullptr;
};

} // namespace crewdeck::ui
