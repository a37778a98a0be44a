#include "app/ui/analytics/pdfexporter.h"
#include "app/net/apiclient.h"

namespace crewdeck::ui {

PdfExporter::PdfExporter(client::ApiClient *api, const QString &title,
                         const client::DateRange &range,
                         QList<QPair<QString, QPointer<QWidget>>> charts, const QString &fileName,
                         QObject *parent)
    : Exporter(fileName, parent), m_api(api), m_content(std::make_shared<ReportContent>())
{
    m_content->title = title;
    m_content->range = range;
    m_content->charts = std::move(charts);
}

void PdfExporter::start()
{
    auto *collector =
        new client::RunsCollector(m_api, m_content->range.from, m_content->range.to, this);
    m_collector = collector;
    connect(collector, &client::RunsCollector::progress, this, &Exporter::progress);
    connect(collector, &client::RunsCollector::failed, this,
            [this](const client::ApiFailure &f) { finish(false, f.message); });
    // Once the runs are in: write the pages, one per event-loop turn.
    connect(collector, &client::RunsCollector::finished, this, [this](const QList<Run> &runs) {
        if (isFinished())
            return;
        m_content->runs = runs;
        auto *report = new PdfReport(fileName(), *m_content, this);
        m_report = report;
        Q_EMIT pagesPlanned(report->pageCount());
        connect(report, &PdfReport::progress, this, [this](int n, int) { Q_EMIT pageWritten(n); });
        connect(report, &PdfReport::finished, this, [this, report](bool ok, const QString &err) {
            report->deleteLater();
            finish(ok, ok ? fileName() : err);
        });
        report->start();
    });
    // Stats for the range, then crew names, then the runs.
    m_api->dashboardStats(
        m_content->range.from, m_content->range.to, collector,
        [this, collector](const client::ApiResult<DashboardStats> &r) {
            if (isFinished())
                return; // cancelled meanwhile
            if (!r.ok()) {
                finish(false, r.failure.message);
                return;
            }
            m_content->stats = *r.value;
            m_api->crews(collector, [this, collector](const client::ApiResult<QList<Crew>> &cr) {
                if (isFinished())
                    return;
                if (cr.ok()) {
                    for (const Crew &c : *cr.value)
                        m_content->crewNames.insert(c.id, c.name);
                }
                collector->start();
            });
        });
}

void PdfExporter::cancel()
{
    if (m_report) {
        m_report->cancel(); // finished(false, ...) comes from the report
        return;
    }
    if (m_collector)
        m_collector->cancel();
    Exporter::cancel();
}

} // namespace crewdeck::ui
