#pragma once
#include "app/models/analyticsdata.h"

#include <QHash>
#include <QPointer>
#include <QTimer>
#include <QWidget>
#include <functional>

class QAction;
class QChart;
class QChartView;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QPushButton;
class QXYSeries;
class QValueAxis;
class QDateTimeAxis;

namespace crewdeck::client {
class ApiClient;
class LiveSocket;
} // namespace crewdeck::client

namespace crewdeck {
struct Event;
}

namespace crewdeck::ui {

class PdfExporter;

// Analytics: runs per bucket (succeeded/failed stacked areas), success rate, latency p50/p95,
// tokens and the C7T ledger over a date range chosen with presets (24 h, 7 d, 30 d, 90 d) or
// two date-time edits. Refreshes every refreshInterval() and, debounced, when a crew signal
// arrives on the mission socket; series are updated in place (QXYSeries::replace) and
// downsampled to the plot width. Exports runs / ledger CSV and a PDF report. GUI thread.
class AnalyticsPage : public QWidget
{
    Q_OBJECT
public:
    explicit AnalyticsPage(client::ApiClient *api, QWidget *parent = nullptr);
    ~AnalyticsPage() override;

    client::AnalyticsData *data() const { return m_data; }
    client::DateRange range() const { return m_data->range(); }
    bool isLoaded() const { return m_data->isLoaded(); }
    // The mission socket: its `signal` events trigger a debounced refresh.
    void setLiveSocket(client::LiveSocket *mission);
    void setRefreshInterval(int ms) { m_refreshTimer.setInterval(ms); }
    void setDebounceInterval(int ms) { m_debounce.setInterval(ms); }

    // Shows series an earlier session cached (offline start) instead of loading them.
    void restoreCached(const client::DateRange &range, const QHash<QString, Timeseries> &series);
    // Offline: no refreshes, the range cannot change, and only the ledger (already here) can
    // be exported; the runs and the PDF report need the server.
    void setOffline(bool offline);
    bool isOffline() const { return m_offline; }

    // "24h" | "7d" | "30d" | "90d"; false for anything else.
    bool setPreset(const QString &preset);
    void setCustomRange(const QDateTime &from, const QDateTime &to);
    // One of DateRange::bucketsFor(current preset); false otherwise.
    bool setBucket(const QString &bucket);

    // Charts by metric (runs, success_rate, latency, tokens, c7t) and series by name:
    // runs.succeeded, runs.total (succeeded + failed: the top of the stack), success_rate
    // (percent), latency.p50, latency.p95, tokens, c7t.balance, c7t.spent, c7t.earned.
    QChartView *chartView(const QString &metric) const { return m_views.value(metric); }
    QXYSeries *series(const QString &name) const { return m_series.value(name); }
    QComboBox *presetBox() const { return m_preset; }
    QComboBox *bucketBox() const { return m_bucket; }
    // The tooltip text for the bucket nearest to `x` (ms since the epoch) of a metric.
    QString tooltipText(const QString &metric, qint64 x) const;

    // Exports (client::RunsCsvExporter, LedgerCsvExporter, PdfExporter); `done(ok, message)`
    // runs on the GUI thread with the file name or the reason. One PDF at a time.
    void exportRunsCsv(const QString &fileName, std::function<void(bool, const QString &)> done);
    bool exportLedgerCsv(const QString &fileName, QString *error = nullptr);
    void exportPdf(const QString &fileName, std::function<void(bool, const QString &)> done);

Q_SIGNALS:
    // The user chose a range (or a preset moved with the clock): scope the dashboard cards.
    void rangeChanged(const QDateTime &from, const QDateTime &to);
    void loaded();

protected:
    void showEvent(QShowEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct Plot;
    void buildCharts();
    QChartView *makeView(const QString &metric, QChart *chart);
    void applyMetric(const QString &metric);
    void applyAll();
    void updateAxes(const QString &metric, double yMax, double y2Max = -1);
    void replaceSeries(const QString &name, const QList<QPointF> &points, int columns);
    void onPresetChosen();
    void onBucketChosen();
    void onCustomApplied();
    void syncControls();
    void onEvent(const crewdeck::Event &event);
    void updateSummary();
    void showHover(const QString &metric, const QPointF &point, bool state);
    void askExport(const QString &kind);
    int plotColumns(const QString &metric) const;

    client::ApiClient *m_api;
    client::AnalyticsData *m_data;
    QPointer<client::LiveSocket> m_mission;
    QComboBox *m_preset;
    QComboBox *m_bucket;
    QDateTimeEdit *m_fromEdit;
    QDateTimeEdit *m_toEdit;
    QPushButton *m_apply;
    QLabel *m_summary;
    QLabel *m_status;
    QPushButton *m_exportButton;
    QHash<QString, QChartView *> m_views;
    QHash<QString, QXYSeries *> m_series;
    QHash<QString, QList<QPointF>> m_raw; // full-resolution points per series name
    QHash<QString, QDateTimeAxis *> m_xAxes;
    QHash<QString, QValueAxis *> m_yAxes;
    QValueAxis *m_c7tRightAxis = nullptr;
    QTimer m_refreshTimer;
    QTimer m_debounce;
    QTimer m_resample;
    bool m_userChoseRange = false;
    bool m_offline = false;
    QAction *m_exportRuns = nullptr;
    QAction *m_exportPdf = nullptr;
    bool m_syncing = false;
    QPointer<PdfExporter> m_pdf;
};

} // namespace crewdeck::ui
