#include "app/ui/analytics/analyticspage.h"
#include "app/models/exporter.h"
#include "app/net/livesocket.h"
#include "app/ui/analytics/analyticscharts.h"
#include "app/ui/analytics/analyticstext.h"
#include "app/ui/analytics/exportui.h"
#include "app/ui/analytics/pdfexporter.h"
#include "app/ui/format.h"
#include "shared/events.h"
#include "shared/logging.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFile>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

using analyticstext::bucketLabel;
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
    m_charts = new AnalyticsCharts(m_data, scroll);
    scroll->setWidget(m_charts);
    outer->addWidget(scroll, 1);

    connect(m_preset, &QComboBox::currentIndexChanged, this, [this] { onPresetChosen(); });
    connect(m_bucket, &QComboBox::currentIndexChanged, this, [this] { onBucketChosen(); });
    connect(m_apply, &QPushButton::clicked, this, [this] { onCustomApplied(); });
    connect(m_data, &client::AnalyticsData::seriesChanged, m_charts, &AnalyticsCharts::apply);
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
    connect(&m_resample, &QTimer::timeout, m_charts, &AnalyticsCharts::applyAll);

    m_data->setRange(client::DateRange::forPreset(u"7d"_s, QDateTime::currentDateTimeUtc()));
    m_refreshTimer.start();
}

AnalyticsPage::~AnalyticsPage() = default;

QChartView *AnalyticsPage::chartView(const QString &metric) const
{
    return m_charts->chartView(metric);
}

QXYSeries *AnalyticsPage::series(const QString &name) const
{
    return m_charts->series(name);
}

QString AnalyticsPage::tooltipText(const QString &metric, qint64 x) const
{
    return m_charts->tooltipText(metric, x);
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
        charts.append({chartView(m)->chart()->title(), QPointer<QWidget>(chartView(m))});
    m_pdf =
        new PdfExporter(m_api, tr("CrewDeck analytics"), m_data->range(), charts, fileName, this);
    ExportUi::run(this, m_pdf, tr("Writing the report\u2026"), std::move(done));
}

} // namespace crewdeck::ui
