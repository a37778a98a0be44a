#include "app/ui/analytics/analyticscharts.h"
#include "app/models/analyticsdata.h"
#include "app/models/downsample.h"
#include "app/models/timeaxis.h"
#include "app/ui/analytics/analyticstext.h"
#include "app/ui/theme.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QDateTimeAxis>
#include <QFontMetrics>
#include <QGridLayout>
#include <QLineSeries>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

using analyticstext::num;

namespace {

// Sets a value axis to 0..ticks.max with ticks.tickCount ticks. Qt Charts keeps an axis's
// width (its widest label) as a cached size hint and refreshes it on a range change only while
// the axis is laid out (ChartAxisElement::handleRangeChanged skips an axis without geometry:
// a chart on a page that is not shown yet). Labels that grew wider than that width were drawn
// as "..." (the C7T ledger's 0..2000 axis kept the width of "0"). A tick count change always
// refreshes it, so the count is set twice. GUI thread.
void setValueAxis(QValueAxis *axis, const analyticstext::ValueTicks &ticks)
{
    axis->setRange(0, ticks.max);
    axis->setTickCount(ticks.tickCount + 1);
    axis->setTickCount(ticks.tickCount);
}

} // namespace

AnalyticsCharts::AnalyticsCharts(const client::AnalyticsData *data, QWidget *parent)
    : QWidget(parent), m_data(data)
{
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(12, 4, 12, 12);
    grid->setSpacing(10);
    buildCharts();
    const QStringList order = {u"runs"_s, u"success_rate"_s, u"latency"_s, u"tokens"_s, u"c7t"_s};
    for (int i = 0; i < order.size(); ++i) {
        QChartView *v = m_views.value(order.at(i));
        if (i == order.size() - 1 && order.size() % 2 == 1)
            grid->addWidget(v, i / 2, 0, 1, 2);
        else
            grid->addWidget(v, i / 2, i % 2);
    }
}

QChartView *AnalyticsCharts::makeView(const QString &metric, QChart *chart)
{
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setAnimationOptions(QChart::NoAnimation); // replace() must stay cheap
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundRoundness(6);
    auto *view = new QChartView(chart, this);
    view->setObjectName(u"chart_"_s + metric);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(360, 230);
    m_views.insert(metric, view);

    auto *x = new QDateTimeAxis(chart);
    chart->addAxis(x, Qt::AlignBottom);
    m_xAxes.insert(metric, x);
    auto *y = new QValueAxis(chart);
    y->setLabelFormat(u"%.0f"_s);
    chart->addAxis(y, Qt::AlignLeft);
    m_yAxes.insert(metric, y);
    return view;
}

void AnalyticsCharts::buildCharts()
{
    auto attach = [this](QChart *chart, QAbstractSeries *s, const QString &metric,
                         QValueAxis *yAxis = nullptr) {
        chart->addSeries(s);
        s->attachAxis(m_xAxes.value(metric));
        s->attachAxis(yAxis ? yAxis : m_yAxes.value(metric));
    };
    auto line = [this](const QString &name, const QString &title, const QColor &color,
                       const QString &metric) {
        auto *s = new QLineSeries(this);
        s->setName(title);
        s->setColor(color);
        QPen pen = s->pen();
        pen.setWidthF(2);
        pen.setColor(color);
        s->setPen(pen);
        m_series.insert(name, s);
        connect(s, &QXYSeries::hovered, this,
                [this, metric](const QPointF &p, bool state) { showHover(metric, p, state); });
        return s;
    };
    const QColor green = StatusColors::available();
    const QColor red = StatusColors::error();
    const QColor blue(0x3b, 0x82, 0xf6);
    const QColor violet(0x8b, 0x5c, 0xf6);
    const QColor amber = StatusColors::warning();

    {
        // Runs: succeeded from 0, failed stacked on top (lower edge = succeeded).
        auto *chart = new QChart;
        chart->setTitle(tr("Runs"));
        makeView(u"runs"_s, chart);
        auto *zero = new QLineSeries(this);
        auto *succ = new QLineSeries(this);
        auto *succLower = new QLineSeries(this);
        auto *total = new QLineSeries(this);
        m_series.insert(u"runs.zero"_s, zero);
        m_series.insert(u"runs.succeeded"_s, succ);
        m_series.insert(u"runs.succeeded_lower"_s, succLower);
        m_series.insert(u"runs.total"_s, total);
        auto *okArea = new QAreaSeries(succ, zero);
        okArea->setParent(this);
        okArea->setName(tr("Succeeded"));
        okArea->setColor(green);
        okArea->setBorderColor(green.darker(120));
        auto *failArea = new QAreaSeries(total, succLower);
        failArea->setParent(this);
        failArea->setName(tr("Failed"));
        failArea->setColor(red);
        failArea->setBorderColor(red.darker(120));
        attach(chart, okArea, u"runs"_s);
        attach(chart, failArea, u"runs"_s);
        for (QAreaSeries *a : {okArea, failArea})
            connect(a, &QAreaSeries::hovered, this,
                    [this](const QPointF &p, bool state) { showHover(u"runs"_s, p, state); });
    }
    {
        auto *chart = new QChart;
        chart->setTitle(tr("Success rate"));
        makeView(u"success_rate"_s, chart);
        auto *s = line(u"success_rate"_s, tr("Success rate (%)"), green, u"success_rate"_s);
        s->setPointsVisible(true);
        attach(chart, s, u"success_rate"_s);
        m_yAxes.value(u"success_rate"_s)->setLabelFormat(u"%.0f %%"_s);
    }
    {
        auto *chart = new QChart;
        chart->setTitle(tr("Latency"));
        makeView(u"latency"_s, chart);
        // Points visible: buckets without finished runs leave gaps, a lone bucket is a dot.
        for (QXYSeries *s : {line(u"latency.p50"_s, tr("p50 (ms)"), blue, u"latency"_s),
                             line(u"latency.p95"_s, tr("p95 (ms)"), violet, u"latency"_s)}) {
            s->setPointsVisible(true);
            attach(chart, s, u"latency"_s);
        }
    }
    {
        auto *chart = new QChart;
        chart->setTitle(tr("Tokens"));
        makeView(u"tokens"_s, chart);
        attach(chart, line(u"tokens"_s, tr("Tokens"), amber, u"tokens"_s), u"tokens"_s);
    }
    {
        auto *chart = new QChart;
        chart->setTitle(tr("C7T ledger"));
        makeView(u"c7t"_s, chart);
        m_c7tRightAxis = new QValueAxis(chart);
        m_c7tRightAxis->setLabelFormat(u"%.0f"_s);
        chart->addAxis(m_c7tRightAxis, Qt::AlignRight);
        m_yAxes.value(u"c7t"_s)->setLabelFormat(u"%.0f"_s);
        attach(chart, line(u"c7t.balance"_s, tr("Balance"), blue, u"c7t"_s), u"c7t"_s);
        attach(chart, line(u"c7t.spent"_s, tr("Spent"), red, u"c7t"_s), u"c7t"_s, m_c7tRightAxis);
        attach(chart, line(u"c7t.earned"_s, tr("Earned"), green, u"c7t"_s), u"c7t"_s,
               m_c7tRightAxis);
    }
}

int AnalyticsCharts::plotColumns(const QString &metric) const
{
    const QChartView *v = m_views.value(metric);
    if (!v)
        return 1000;
    const int w = int(v->chart()->plotArea().width());
    return w > 10 ? w : std::max(200, v->width() - 80);
}

int AnalyticsCharts::valueIntervals(const QString &metric) const
{
    // Qt Charts elides a label taller than its share of the axis; two label heights per
    // interval leave room and keep the chart readable. Before the first layout the plot area is
    // empty: the view's height less the title, legend and time axis.
    const QChartView *v = m_views.value(metric);
    const QValueAxis *y = m_yAxes.value(metric);
    if (!v || !y)
        return 5;
    const qreal plot = v->chart()->plotArea().height();
    const qreal height = plot > 10 ? plot : std::max(60, v->height() - 110);
    const int label = QFontMetrics(y->labelsFont()).height();
    return std::clamp(int(height / (2 * label)), 1, 5);
}

void AnalyticsCharts::replaceSeries(const QString &name, const QList<QPointF> &points, int columns)
{
    m_raw.insert(name, points);
    if (QXYSeries *s = m_series.value(name))
        s->replace(client::downsampleMinMax(points, columns));
}

void AnalyticsCharts::updateAxes(const QString &metric, double yMax, double y2Max)
{
    const client::DateRange r = m_data->range();
    const Timeseries ts = m_data->series(metric);
    QDateTimeAxis *x = m_xAxes.value(metric);
    QDateTime lo = r.from.toLocalTime();
    QDateTime hi = r.to.toLocalTime();
    if (!ts.points.isEmpty()) {
        lo = std::min(lo, ts.points.first().t.toLocalTime());
        hi = std::max(hi, ts.points.last().t.toLocalTime());
    }
    // Ticks on round local times (every 4 hours for a day, every 7 days for a month, ...).
    const client::TimeTicks ticks = client::roundTimeTicks(lo, hi);
    x->setRange(ticks.from, ticks.to);
    x->setFormat(ticks.daily ? u"dd MMM"_s : u"HH:mm"_s);
    x->setTickCount(ticks.tickCount);
    // Headroom above the highest point; as many ticks as the chart's height has room for.
    const int intervals = valueIntervals(metric);
    if (metric == u"success_rate"_s)
        setValueAxis(m_yAxes.value(metric), {100, intervals >= 4 ? 5 : 3});
    else
        setValueAxis(m_yAxes.value(metric), analyticstext::valueTicks(yMax * 1.05, intervals));
    if (y2Max >= 0 && m_c7tRightAxis)
        setValueAxis(m_c7tRightAxis, analyticstext::valueTicks(y2Max * 1.05, intervals));
}

// Turns the metric's REST points into series points (x = bucket start in ms) and swaps them
// in with replace(); null values leave gaps out of the line.
void AnalyticsCharts::apply(const QString &metric)
{
    const Timeseries ts = m_data->series(metric);
    const int cols = plotColumns(metric);
    auto xOf = [](const TimeseriesPoint &p) { return double(p.t.toMSecsSinceEpoch()); };
    if (metric == u"runs"_s) {
        QList<QPointF> zero, succ, total;
        double maxY = 0;
        for (const TimeseriesPoint &p : ts.points) {
            const double s = num(p.extra, u"succeeded"_s);
            const double f = num(p.extra, u"failed"_s);
            zero.append({xOf(p), 0});
            succ.append({xOf(p), s});
            total.append({xOf(p), s + f});
            maxY = std::max(maxY, s + f);
        }
        replaceSeries(u"runs.zero"_s, zero, cols);
        replaceSeries(u"runs.succeeded"_s, succ, cols);
        replaceSeries(u"runs.succeeded_lower"_s, succ, cols);
        replaceSeries(u"runs.total"_s, total, cols);
        updateAxes(metric, maxY);
    } else if (metric == u"success_rate"_s) {
        QList<QPointF> pts;
        for (const TimeseriesPoint &p : ts.points) {
            if (p.value)
                pts.append({xOf(p), *p.value * 100.0});
        }
        replaceSeries(u"success_rate"_s, pts, cols);
        updateAxes(metric, 100);
    } else if (metric == u"latency"_s) {
        QList<QPointF> p50, p95;
        double maxY = 0;
        for (const TimeseriesPoint &p : ts.points) {
            if (p.value)
                p50.append({xOf(p), *p.value});
            const QJsonValue v95 = p.extra.value(u"p95"_s);
            if (v95.isDouble()) {
                p95.append({xOf(p), v95.toDouble()});
                maxY = std::max(maxY, v95.toDouble());
            }
            if (p.value)
                maxY = std::max(maxY, *p.value);
        }
        replaceSeries(u"latency.p50"_s, p50, cols);
        replaceSeries(u"latency.p95"_s, p95, cols);
        updateAxes(metric, maxY);
    } else if (metric == u"tokens"_s) {
        QList<QPointF> pts;
        double maxY = 0;
        for (const TimeseriesPoint &p : ts.points) {
            const double v = p.value.value_or(0);
            pts.append({xOf(p), v});
            maxY = std::max(maxY, v);
        }
        replaceSeries(u"tokens"_s, pts, cols);
        updateAxes(metric, maxY);
    } else if (metric == u"c7t"_s) {
        QList<QPointF> bal, spent, earned;
        double maxY = 0, maxY2 = 0;
        for (const TimeseriesPoint &p : ts.points) {
            if (p.value) {
                bal.append({xOf(p), *p.value});
                maxY = std::max(maxY, *p.value);
            }
            const double s = num(p.extra, u"spent"_s);
            const double e = num(p.extra, u"earned"_s);
            spent.append({xOf(p), s});
            earned.append({xOf(p), e});
            maxY2 = std::max({maxY2, s, e});
        }
        replaceSeries(u"c7t.balance"_s, bal, cols);
        replaceSeries(u"c7t.spent"_s, spent, cols);
        replaceSeries(u"c7t.earned"_s, earned, cols);
        updateAxes(metric, maxY, maxY2);
    }
}

void AnalyticsCharts::applyAll()
{
    for (const QString &m : client::AnalyticsData::metrics())
        apply(m);
}

QString AnalyticsCharts::tooltipText(const QString &metric, qint64 x) const
{
    return analyticstext::tooltip(metric, m_data->series(metric), x);
}

void AnalyticsCharts::showHover(const QString &metric, const QPointF &point, bool state)
{
    if (!state) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(QCursor::pos(), tooltipText(metric, qint64(point.x())),
                       m_views.value(metric));
}

} // namespace crewdeck::ui
