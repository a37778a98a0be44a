#pragma once
#include "app/models/analyticsdata.h"

#include <QHash>
#include <QPointer>
#include <QTimer>
#include <QWidget>
#include <functional>

class QAction;
class QChartView;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QPushButton;
class QXYSeries;

namespace crewdeck::client {
class ApiClient;
class LiveSocket;
} // namespace crewdeck::client

namespace crewdeck {
struct Event;
}

namespace crewdeck::ui {

class AnalyticsCharts;
class PdfExporter;

// Analytics: the charts (AnalyticsCharts: runs, success rate, latency, tokens, the C7T ledger)
// over a date range chosen with presets (24 h, 7 d, 30 d, 90 d) or two date-time edits, a
// summary line, and the exports (runs / ledger CSV, a PDF report). Refreshes every
// refreshInterval() and, debounced, when a crew signal arrives on the mission socket; redraws
// the charts at the new width after a resize. GUI thread.
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

    // The charts (AnalyticsCharts): by metric (runs, success_rate, latency, tokens, c7t), series
    // by name (see AnalyticsCharts::series), and the tooltip for the bucket nearest to `x`.
    QChartView *chartView(const QString &metric) const;
    QXYSeries *series(const QString &name) const;
    QString tooltipText(const QString &metric, qint64 x) const;
    QComboBox *presetBox() const { return m_preset; }
    QComboBox *bucketBox() const { return m_bucket; }

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
    void onPresetChosen();
    void onBucketChosen();
    void onCustomApplied();
    void syncControls();
    void onEvent(const crewdeck::Event &event);
    void updateSummary();
    void askExport(const QString &kind);

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
    AnalyticsCharts *m_charts;
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
