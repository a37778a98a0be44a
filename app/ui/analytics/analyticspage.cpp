#include "app/ui/analytics/analyticspage.h"
#include "app/models/downsample.h"
#include "app/models/exporter.h"
#include "app/net/livesocket.h"
#include "app/ui/analytics/analyticstext.h"
#include "app/ui/analytics/exportui.h"
#include "app/ui/analytics/pdfexporter.h"
#include "app/ui/format.h"
#include "app/ui/theme.h"
#include "shared/events.h"
#include "shared/logging.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QDateTimeAxis>
#include <QDateTimeEdit>
#include <QFile>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

using analyticstext::bucketLabel;
using analyticstext::niceMax;
using analyticstext::num;
using analyticstext::presetLabel;

AnalyticsPage::AnalyticsPage(client::ApiClient *api, QWidget *parent)
    : QWidget(parent), m_api(api), m_data(new client::AnalyticsData(api, this))
{
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);

    // The range bar.
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(16, 12, 16, 4);
    m_preset = new QComboBox(this);
    m_preset->setObjectName(u"analyticsPreset"_s);
    for (const QString &p : client::DateRange::presets())
        m_preset->addItem(presetLabel(p), p);
    m_bucket = new QComboBox(this);
    m_bucket->setObjectName(u"analyticsBucket"_s);
    m_fromEdit = new QDateTimeEdit(this);
    m_toEdit = new QDateTimeEdit(this);
    for (QDateTimeEdit *e : {m_fromEdit, m_toEdit}) {
        e->setCalendarPopup(true);
        e->setDisplayFormat(QLocale().dateTimeFormat(QLocale::ShortFormat));
        e->setTimeSpec(Qt::LocalTime);
    }
    m_apply = new QPushButton(tr("Apply"), this);
    m_exportButton = new QPushButton(tr("Export"), this);
    auto *menu = new QMenu(m_exportButton);
    m_exportRuns = menu->addAction(tr("Runs as CSV\u2026"), this, [this] { askExport(u"runs"_s); });
    menu->addAction(tr("C7T ledger as CSV\u2026"), this, [this] { askExport(u"ledger"_s); });
    m_exportPdf = menu->addAction(tr("PDF report\u2026"), this, [this] { askExport(u"pdf"_s); });
    m_exportButton->setMenu(menu);
    bar->addWidget(new QLabel(tr("Range:"), this));
    bar->addWidget(m_preset);
    bar->addWidget(m_bucket);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("From"), this));
    bar->addWidget(m_fromEdit);
    bar->addWidget(new QLabel(tr("to"), this));
    bar->addWidget(m_toEdit);
    bar->addWidget(m_apply);
    bar->addStretch(1);
    bar->addWidget(m_exportButton);
    outer->addLayout(bar);

    auto *info = new QHBoxLayout;
    info->setContentsMargins(16, 0, 16, 0);
    m_summary = new QLabel(this);
    m_summary->setObjectName(u"analyticsSummary"_s);
    m_status = new QLabel(this);
    m_status->setObjectName(u"analyticsStatus"_s);
    info->addWidget(m_summary, 1);
    info->addWidget(m_status);
    outer->addLayout(info);

    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *holder = new QWidget(scroll);
    auto *grid = new QGridLayout(holder);
    grid->setContentsMargins(12, 4, 12, 12);
    grid->setSpacing(10);
    scroll->setWidget(holder);
    outer->addWidget(scroll, 1);

    buildCharts();
    const QStringList order = {u"runs"_s, u"success_rate"_s, u"latency"_s, u"tokens"_s, u"c7t"_s};
    for (int i = 0; i < order.size(); ++i) {
        QChartView *v = m_views.value(order.at(i));
        if (i == order.size() - 1 && order.size() % 2 == 1)
            grid->addWidget(v, i / 2, 0, 1, 2);
        else
            grid->addWidget(v, i / 2, i % 2);
    }

    connect(m_preset, &QComboBox::currentIndexChanged, this, [this] { onPresetChosen(); });
    connect(m_bucket, &QComboBox::currentIndexChanged, this, [this] { onBucketChosen(); });
    connect(m_apply, &QPushButton::clicked, this, [this] { onCustomApplied(); });
    connect(m_data, &client::AnalyticsData::seriesChanged, this, &AnalyticsPage::applyMetric);
    connect(m_data, &client::AnalyticsData::loadStarted, this,
            [this] { m_status->setText(tr("Loading\u2026")); });
    connect(m_data, &client::AnalyticsData::failed, this,
            [this](const QString &msg) { m_status->setText(tr("Could not load: %1").arg(msg)); });
    connect(m_data, &client::AnalyticsData::loaded, this, [this] {
        if (m_data->error().isEmpty())
            m_status->setText(
                tr("Updated %1")
                    .arg(QLocale().toString(QTime::currentTime(), QLocale::ShortFormat)));
        updateSummary();
        if (m_userChoseRange)
            Q_EMIT rangeChanged(m_data->range().from, m_data->range().to);
        Q_EMIT loaded();
    });
    connect(m_data, &client::AnalyticsData::rangeChanged, this, [this] { syncControls(); });

    m_refreshTimer.setInterval(30000);
    connect(&m_refreshTimer, &QTimer::timeout, m_data, &client::AnalyticsData::refresh);
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(2000);
    connect(&m_debounce, &QTimer::timeout, m_data, &client::AnalyticsData::refresh);
    m_resample.setSingleShot(true);
    m_resample.setInterval(150);
    connect(&m_resample, &QTimer::timeout, this, &AnalyticsPage::applyAll);

    m_data->setRange(client::DateRange::forPreset(u"7d"_s, QDateTime::currentDateTimeUtc()));
    m_refreshTimer.start();
}

AnalyticsPage::~AnalyticsPage() = default;

QChartView *AnalyticsPage::makeView(const QString &metric, QChart *chart)
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

void AnalyticsPage::buildCharts()
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
        m_yAxes.value(u"success_rate"_s)->setRange(0, 100);
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

void AnalyticsPage::setLiveSocket(client::LiveSocket *mission)
{
    if (m_mission)
        disconnect(m_mission, nullptr, this, nullptr);
    m_mission = mission;
    if (mission)
        connect(mission, &client::LiveSocket::eventReceived, this, &AnalyticsPage::onEvent);
}

// A crew signal (the mission socket carries snapshot and signals) means runs moved:
// refresh, debounced so that a burst of events costs one reload.
void AnalyticsPage::onEvent(const Event &event)
{
    if (event.type() == EventType::Signal) {
        if (!m_debounce.isActive())
            m_debounce.start();
    }
}

void AnalyticsPage::restoreCached(const client::DateRange &range,
                                  const QHash<QString, Timeseries> &series)
{
    m_debounce.stop();
    m_data->restore(range, series);
}

void AnalyticsPage::setOffline(bool offline)
{
    m_offline = offline;
    if (offline) {
        m_refreshTimer.stop();
        m_debounce.stop();
        m_status->setText(tr("Offline"));
    } else {
        m_refreshTimer.start();
    }
    m_preset->setEnabled(!offline);
    m_bucket->setEnabled(!offline && m_bucket->count() > 1);
    const bool custom = m_data->range().preset == u"custom"_s;
    m_fromEdit->setEnabled(!offline && custom);
    m_toEdit->setEnabled(!offline && custom);
    m_apply->setEnabled(!offline && custom);
    const QString why = offline ? tr("Needs a connection to the server.") : QString();
    for (QAction *a : {m_exportRuns, m_exportPdf}) {
        a->setEnabled(!offline);
        a->setToolTip(why);
    }
}

bool AnalyticsPage::setPreset(const QString &preset)
{
    if (preset == u"custom"_s || !client::DateRange::presets().contains(preset))
        return false;
    m_userChoseRange = true;
    m_data->setRange(client::DateRange::forPreset(preset, QDateTime::currentDateTimeUtc()));
    return true;
}

void AnalyticsPage::setCustomRange(const QDateTime &from, const QDateTime &to)
{
    const client::DateRange r = client::DateRange::custom(from, to);
    if (!r.isValid())
        return;
    m_userChoseRange = true;
    m_data->setRange(r);
}

bool AnalyticsPage::setBucket(const QString &bucket)
{
    const client::DateRange cur = m_data->range();
    if (!client::DateRange::bucketsFor(cur.preset, cur.from, cur.to).contains(bucket))
        return false;
    client::DateRange r = cur;
    r.bucket = bucket;
    m_userChoseRange = true;
    m_data->setRange(r);
    return true;
}

void AnalyticsPage::onPresetChosen()
{
    if (m_syncing)
        return;
    const QString p = m_preset->currentData().toString();
    if (p == u"custom"_s) {
        // Custom starts from the range shown; the user edits and applies it.
        m_fromEdit->setEnabled(true);
        m_toEdit->setEnabled(true);
        m_apply->setEnabled(true);
        return;
    }
    setPreset(p);
}

void AnalyticsPage::onBucketChosen()
{
    if (m_syncing)
        return;
    if (m_preset->currentData().toString() == u"custom"_s && m_data->range().preset != u"custom"_s)
        return; // picked before applying the custom range: Apply uses it
    setBucket(m_bucket->currentData().toString());
}

void AnalyticsPage::onCustomApplied()
{
    const QDateTime from = m_fromEdit->dateTime();
    const QDateTime to = m_toEdit->dateTime();
    if (!(from < to)) {
        m_status->setText(tr("The start must be before the end."));
        return;
    }
    client::DateRange r = client::DateRange::custom(from, to, m_bucket->currentData().toString());
    m_userChoseRange = true;
    m_data->setRange(r);
}

// Puts the range bar in line with the data's range without re-triggering loads.
void AnalyticsPage::syncControls()
{
    const client::DateRange r = m_data->range();
    m_syncing = true;
    m_preset->setCurrentIndex(std::max(0, m_preset->findData(r.preset)));
    m_bucket->clear();
    for (const QString &b : client::DateRange::bucketsFor(r.preset, r.from, r.to))
        m_bucket->addItem(bucketLabel(b), b);
    m_bucket->setCurrentIndex(std::max(0, m_bucket->findData(r.bucket)));
    m_bucket->setEnabled(m_bucket->count() > 1);
    m_fromEdit->setDateTime(r.from.toLocalTime());
    m_toEdit->setDateTime(r.to.toLocalTime());
    const bool custom = r.preset == u"custom"_s;
    m_fromEdit->setEnabled(custom);
    m_toEdit->setEnabled(custom);
    m_apply->setEnabled(custom);
    m_syncing = false;
}

int AnalyticsPage::plotColumns(const QString &metric) const
{
    const QChartView *v = m_views.value(metric);
    if (!v)
        return 1000;
    const int w = int(v->chart()->plotArea().width());
    return w > 10 ? w : std::max(200, v->width() - 80);
}

void AnalyticsPage::replaceSeries(const QString &name, const QList<QPointF> &points, int columns)
{
    m_raw.insert(name, points);
    if (QXYSeries *s = m_series.value(name))
        s->replace(client::downsampleMinMax(points, columns));
}

void AnalyticsPage::updateAxes(const QString &metric, double yMax, double y2Max)
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
    x->setRange(lo, hi);
    const qint64 span = lo.msecsTo(hi);
    x->setFormat(span <= 2LL * 86400 * 1000 ? u"HH:mm"_s : u"dd MMM"_s);
    x->setTickCount(span <= 2LL * 86400 * 1000 ? 7 : 6);
    if (metric != u"success_rate"_s) {
        QValueAxis *y = m_yAxes.value(metric);
        y->setRange(0, niceMax(yMax * 1.05));
        y->applyNiceNumbers();
    }
    if (y2Max >= 0 && m_c7tRightAxis) {
        m_c7tRightAxis->setRange(0, niceMax(y2Max * 1.05));
        m_c7tRightAxis->applyNiceNumbers();
    }
}

// Turns the metric's REST points into series points (x = bucket start in ms) and swaps them
// in with replace(); null values leave gaps out of the line.
void AnalyticsPage::applyMetric(const QString &metric)
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

void AnalyticsPage::applyAll()
{
    for (const QString &m : client::AnalyticsData::metrics())
        applyMetric(m);
}

void AnalyticsPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_resample.start(); // the plot width is known now
}

void AnalyticsPage::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    m_resample.start();
}

void AnalyticsPage::updateSummary()
{
    // Totals over the range, from the same points the charts show.
    double runs = 0, ok = 0, failed = 0, tokens = 0;
    for (const TimeseriesPoint &p : m_data->series(u"runs"_s).points) {
        runs += p.value.value_or(0);
        ok += num(p.extra, u"succeeded"_s);
        failed += num(p.extra, u"failed"_s);
    }
    for (const TimeseriesPoint &p : m_data->series(u"tokens"_s).points)
        tokens += p.value.value_or(0);
    m_summary->setText(tr("%1 runs, %2 succeeded, %3 failed, %4 tokens")
                           .arg(formatCount(qint64(runs)), formatCount(qint64(ok)),
                                formatCount(qint64(failed)), formatCount(qint64(tokens))));
}

QString AnalyticsPage::tooltipText(const QString &metric, qint64 x) const
{
    return analyticstext::tooltip(metric, m_data->series(metric), x);
}

void AnalyticsPage::showHover(const QString &metric, const QPointF &point, bool state)
{
    if (!state) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(QCursor::pos(), tooltipText(metric, qint64(point.x())),
                       m_views.value(metric));
}

void AnalyticsPage::askExport(const QString &kind)
{
    QString filter;
    QString suggested;
    const QString stamp = QDate::currentDate().toString(Qt::ISODate);
    if (kind == u"pdf"_s) {
        filter = tr("PDF files (*.pdf)");
        suggested = u"crewdeck-report-"_s + stamp + u".pdf"_s;
    } else {
        filter = tr("CSV files (*.csv)");
        suggested =
            (kind == u"runs"_s ? u"crewdeck-runs-"_s : u"crewdeck-c7t-"_s) + stamp + u".csv"_s;
    }
    // Starts where the last export went, else in Documents (never the working directory).
    const QString file = ExportUi::askFileName(this, suggested, filter);
    if (file.isEmpty())
        return;
    auto report = [this](bool ok, const QString &message) {
        if (ok)
            m_status->setText(tr("Exported to %1").arg(message));
        else
            QMessageBox::warning(this, tr("Export failed"), message);
    };
    if (kind == u"runs"_s) {
        exportRunsCsv(file, report);
    } else if (kind == u"ledger"_s) {
        QString err;
        report(exportLedgerCsv(file, &err), err.isEmpty() ? file : err);
    } else {
        exportPdf(file, report);
    }
}

bool AnalyticsPage::exportLedgerCsv(const QString &fileName, QString *error)
{
    if (!m_data->isLoaded()) {
        if (error)
            *error = tr("The data is still loading.");
        return false;
    }
    return client::LedgerCsvExporter::write(m_data->series(u"c7t"_s), fileName, error);
}

void AnalyticsPage::exportRunsCsv(const QString &fileName,
                                  std::function<void(bool, const QString &)> done)
{
    ExportUi::run(this, new client::RunsCsvExporter(m_api, m_data->range(), fileName, this),
                  tr("Collecting runs\u2026"), std::move(done));
}

void AnalyticsPage::exportPdf(const QString &fileName,
                              std::function<void(bool, const QString &)> done)
{
    if (m_pdf) {
        done(false, tr("A report is being written already."));
        return;
    }
    QList<QPair<QString, QPointer<QWidget>>> charts;
    for (const QString &m : client::AnalyticsData::metrics())
        charts.append({m_views.value(m)->chart()->title(), QPointer<QWidget>(m_views.value(m))});
    m_pdf =
        new PdfExporter(m_api, tr("CrewDeck analytics"), m_data->range(), charts, fileName, this);
    ExportUi::run(this, m_pdf, tr("Writing the report\u2026"), std::move(done));
}

} // namespace crewdeck::ui
