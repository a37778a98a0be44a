#pragma once
#include "app/models/exporter.h"
#include "app/ui/analytics/pdfreport.h"

#include <QPointer>
#include <memory>

namespace crewdeck::ui {

// The analytics PDF report: the stats of the range, then the crew names, then every run of the
// range (RunsCollector), then PdfReport writes the pages. pageCount() is known once the runs
// are in (pagesPlanned() fires then). GUI thread: the charts are widgets, rendered as vectors.
class PdfExporter : public client::Exporter
{
    Q_OBJECT
public:
    // `charts`: caption and chart view per chart, in page order.
    PdfExporter(client::ApiClient *api, const QString &title, const client::DateRange &range,
                QList<QPair<QString, QPointer<QWidget>>> charts, const QString &fileName,
                QObject *parent = nullptr);
    void start() override;
    void cancel() override;
    // The report while its pages are written (null before and after).
    PdfReport *report() const { return m_report; }

Q_SIGNALS:
    // The runs are in; the report will have `pages` pages.
    void pagesPlanned(int pages);
    void pageWritten(int pagesDone);

private:
    client::ApiClient *m_api;
    std::shared_ptr<ReportContent> m_content;
    QPointer<client::RunsCollector> m_collector;
    QPointer<PdfReport> m_report;
};

} // namespace crewdeck::ui
