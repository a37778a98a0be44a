#pragma once
#include "app/models/analyticsdata.h"
#include "shared/types.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <memory>

class QPainter;
class QPdfWriter;
class QWidget;

namespace crewdeck::ui {

// What goes into an analytics PDF report.
struct ReportContent
{
    QString title;
    client::DateRange range;
    DashboardStats stats;
    QList<QPair<QString, QPointer<QWidget>>> charts; // caption, chart view (rendered as vectors)
    QList<Run> runs;                                 // newest first
    QHash<QString, QString> crewNames;               // crew id -> name
};

// Writes an A4 PDF: page 1 has the title, the range, the stat figures and the charts; then
// the runs table, rowsPerPage() rows a page (one page saying "no runs" when empty). Works on
// the GUI thread (the charts are widgets) one page per event-loop turn, so the UI stays
// responsive for long tables. Emits finished() once.
class PdfReport : public QObject
{
    Q_OBJECT
public:
    PdfReport(const QString &fileName, ReportContent content, QObject *parent = nullptr);
    ~PdfReport() override;

    static int rowsPerPage();
    // Pages the report will have for `runCount` runs.
    static int pageCountFor(int runCount);
    int pageCount() const { return pageCountFor(int(m_content.runs.size())); }
    QString fileName() const { return m_fileName; }

    void start();
    void cancel();

Q_SIGNALS:
    void progress(int pagesDone, int pagesTotal);
    void finished(bool ok, const QString &error);

private:
    void step();
    void drawSummaryPage();
    void drawTablePage(int tablePage);
    void finish(bool ok, const QString &error);

    QString m_fileName;
    ReportContent m_content;
    std::unique_ptr<QPdfWriter> m_writer;
    std::unique_ptr<QPainter> m_painter;
    int m_next = 0;
    bool m_done = false;
};

} // namespace crewdeck::ui
