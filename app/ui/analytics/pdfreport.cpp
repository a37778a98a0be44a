#include "app/ui/analytics/pdfreport.h"
#include "app/ui/format.h"
#include "app/ui/theme.h"

#include <QChart>
#include <QChartView>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QTimer>
#include <QWidget>
#include <cmath>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

namespace {
// Layout in device pixels at 96 dpi on A4 portrait (794 x 1123).
constexpr int Dpi = 96;
constexpr int Margin = 48;
constexpr int RowHeight = 18;
constexpr int TableTop = 70; // below the page heading and the column header
constexpr int PageWidth = 794;
constexpr int PageHeight = 1123;
constexpr int Footer = 30;

// The page inside its margins.
constexpr QRect pageContent()
{
    return QRect(Margin, Margin, PageWidth - 2 * Margin, PageHeight - 2 * Margin);
}

QFont sized(QFont f, qreal pointSize, bool bold)
{
    f.setPointSizeF(pointSize);
    f.setBold(bold);
    return f;
}

QString localTime(const QDateTime &t)
{
    return t.isValid() ? QLocale().toString(t.toLocalTime(), QLocale::ShortFormat) : QString();
}
} // namespace

PdfReport::PdfReport(const QString &fileName, ReportContent content, QObject *parent)
    : QObject(parent), m_fileName(fileName), m_content(std::move(content))
{
}

PdfReport::~PdfReport()
{
    if (m_painter && m_painter->isActive())
        m_painter->end();
}

int PdfReport::rowsPerPage()
{
    return (PageHeight - 2 * Margin - TableTop - Footer) / RowHeight;
}

int PdfReport::pageCountFor(int runCount)
{
    const int rows = rowsPerPage();
    return 1 + std::max(1, (runCount + rows - 1) / rows);
}

void PdfReport::start()
{
    m_writer = std::make_unique<QPdfWriter>(m_fileName);
    m_writer->setPageSize(QPageSize(QPageSize::A4));
    m_writer->setPageMargins(QMarginsF(0, 0, 0, 0));
    m_writer->setResolution(Dpi);
    m_writer->setTitle(m_content.title);
    m_writer->setCreator(u"CrewDeck"_s);
    m_painter = std::make_unique<QPainter>();
    if (!m_painter->begin(m_writer.get())) {
        // Deferred so that callers can connect after start().
        QTimer::singleShot(0, this, [this] {
            finish(false, tr("Cannot write %1.").arg(QFileInfo(m_fileName).fileName()));
        });
        return;
    }
    m_next = 0;
    QTimer::singleShot(0, this, &PdfReport::step);
}

void PdfReport::cancel()
{
    finish(false, tr("Cancelled."));
}

// GUI thread: one page per call, then back to the event loop.
void PdfReport::step()
{
    if (m_done)
        return;
    const int total = pageCount();
    if (m_next > 0 && !m_writer->newPage()) {
        finish(false, tr("Cannot add a page."));
        return;
    }
    if (m_next == 0)
        drawSummaryPage();
    else
        drawTablePage(m_next - 1);
    ++m_next;
    Q_EMIT progress(m_next, total);
    if (m_next >= total) {
        finish(true, {});
        return;
    }
    QTimer::singleShot(0, this, &PdfReport::step);
}

void PdfReport::drawSummaryPage()
{
    QPainter &p = *m_painter;
    const QRect content = pageContent();
    p.setFont(sized(p.font(), 18, true));
    p.setPen(Qt::black);
    int y = content.top();
    p.drawText(QRect(content.left(), y, content.width(), 32), Qt::AlignLeft | Qt::AlignVCenter,
               m_content.title);
    y += 36;
    const QFont body = sized(p.font(), 10, false);
    p.setFont(body);
    const QString rangeText = tr("Range: %1 to %2 (%3 buckets)")
                                  .arg(localTime(m_content.range.from),
                                       localTime(m_content.range.to), m_content.range.bucket);
    p.drawText(QRect(content.left(), y, content.width(), 20), Qt::AlignLeft | Qt::AlignVCenter,
               rangeText);
    y += 30;

    // The stat cards' figures, two rows of three.
    const DashboardStats &s = m_content.stats;
    const QList<QPair<QString, QString>> figures = {
        {tr("Total runs"), formatCount(s.totalRuns)},
        {tr("Success rate"), formatPercent(s.successRate)},
        {tr("Average latency"), formatMs(s.avgLatencyMs)},
        {tr("p50 / p95 latency"),
         formatMs(double(s.p50LatencyMs)) + u" / "_s + formatMs(double(s.p95LatencyMs))},
        {tr("Tokens"), formatCount(s.totalTokens)},
        {tr("Active crews"), formatCount(s.activeCrews)},
    };
    const int boxW = (content.width() - 2 * 12) / 3;
    const int boxH = 52;
    const QFont small = sized(body, 8, false);
    const QFont big = sized(body, 14, true);
    for (int i = 0; i < figures.size(); ++i) {
        const QRect box(content.left() + (i % 3) * (boxW + 12), y + (i / 3) * (boxH + 10), boxW,
                        boxH);
        p.setPen(QColor(0xc8, 0xc8, 0xc8));
        p.setBrush(QColor(0xf6, 0xf7, 0xf9));
        p.drawRoundedRect(box, 6, 6);
        p.setPen(QColor(0x55, 0x55, 0x55));
        p.setFont(small);
        p.drawText(box.adjusted(10, 6, -10, 0), Qt::AlignLeft | Qt::AlignTop, figures.at(i).first);
        p.setPen(Qt::black);
        p.setFont(big);
        p.drawText(box.adjusted(10, 0, -10, -6), Qt::AlignLeft | Qt::AlignBottom,
                   figures.at(i).second);
    }
    p.setBrush(Qt::NoBrush);
    y += 2 * (boxH + 10) + 10;

    // The charts, two a row (an odd last one spans the row), rendered from their views as
    // vectors at the views' aspect ratio; scaled down together if they do not fit.
    const int gap = 12;
    struct Slot
    {
        QWidget *view;
        QRectF rect;
    };
    QList<Slot> placed;
    double cy = 0;
    const int n = int(m_content.charts.size());
    for (int i = 0; i < n; i += 2) {
        const bool pair = i + 1 < n;
        const double w = pair ? (content.width() - gap) / 2.0 : double(content.width());
        double rowH = 0;
        for (int k = 0; k < (pair ? 2 : 1); ++k) {
            QWidget *view = m_content.charts.at(i + k).second;
            if (!view || view->width() <= 0 || view->height() <= 0)
                continue;
            auto *cv = qobject_cast<QChartView *>(view);
            const QSizeF size = cv && cv->chart() ? cv->chart()->size() : QSizeF(view->size());
            if (size.width() <= 0 || size.height() <= 0)
                continue;
            const double h = std::min(w * size.height() / size.width(), w * 0.6);
            placed.append({view, QRectF(k * (w + gap), cy, w, h)});
            rowH = std::max(rowH, h);
        }
        cy += rowH + gap;
    }
    const double avail = content.bottom() - y;
    const double fit = cy > avail ? avail / cy : 1.0;
    for (const Slot &slot : placed) {
        const QRectF target(content.left() + slot.rect.x() * fit, y + slot.rect.y() * fit,
                            slot.rect.width() * fit, slot.rect.height() * fit);
        // The chart item itself (its geometry can differ from the view's size).
        if (auto *cv = qobject_cast<QChartView *>(slot.view); cv && cv->scene() && cv->chart())
            cv->scene()->render(&p, target, cv->chart()->geometry(), Qt::KeepAspectRatio);
    }
    p.setFont(small);
    p.setPen(QColor(0x77, 0x77, 0x77));
    p.drawText(QRect(Margin, PageHeight - Margin, content.width(), 20),
               Qt::AlignRight | Qt::AlignVCenter, tr("Page %1 of %2").arg(1).arg(pageCount()));
}

void PdfReport::drawTablePage(int tablePage)
{
    QPainter &p = *m_painter;
    const QRect content = pageContent();
    p.setFont(sized(p.font(), 12, true));
    p.setPen(Qt::black);
    const int rows = rowsPerPage();
    const int first = tablePage * rows;
    const int last = std::min(int(m_content.runs.size()), first + rows);
    const QString heading =
        m_content.runs.isEmpty()
            ? tr("Runs")
            : tr("Runs %1 to %2 of %3").arg(first + 1).arg(last).arg(m_content.runs.size());
    p.drawText(QRect(content.left(), content.top(), content.width(), 30),
               Qt::AlignLeft | Qt::AlignVCenter, heading);

    // Column x offsets (fractions of the width): created, run, crew, status, duration, tokens.
    const QList<double> cols = {0.0, 0.22, 0.40, 0.64, 0.78, 0.90};
    const QStringList titles = {tr("Created"), tr("Run"),      tr("Crew"),
                                tr("Status"),  tr("Duration"), tr("Tokens")};
    auto colRect = [&](int c, int y) {
        const int x0 = content.left() + int(cols.at(c) * content.width());
        const int x1 = c + 1 < cols.size() ? content.left() + int(cols.at(c + 1) * content.width())
                                           : content.right();
        return QRect(x0 + 2, y, x1 - x0 - 6, RowHeight);
    };
    const QFont small = sized(p.font(), 8, true);
    p.setFont(small);
    int y = content.top() + TableTop - RowHeight - 4;
    for (int c = 0; c < titles.size(); ++c)
        p.drawText(colRect(c, y), Qt::AlignLeft | Qt::AlignVCenter, titles.at(c));
    p.setPen(QColor(0x99, 0x99, 0x99));
    p.drawLine(content.left(), y + RowHeight + 1, content.right(), y + RowHeight + 1);
    p.setFont(sized(small, 8, false));
    y = content.top() + TableTop;
    if (m_content.runs.isEmpty()) {
        p.setPen(Qt::black);
        p.drawText(QRect(content.left(), y, content.width(), RowHeight),
                   Qt::AlignLeft | Qt::AlignVCenter, tr("No runs in this range."));
    }
    for (int i = first; i < last; ++i, y += RowHeight) {
        const Run &r = m_content.runs.at(i);
        if ((i - first) % 2 == 1)
            p.fillRect(QRect(content.left(), y, content.width(), RowHeight),
                       QColor(0xf3, 0xf4, 0xf6));
        p.setPen(Qt::black);
        const QString crew = m_content.crewNames.value(r.crewId, r.crewId);
        const QStringList cells = {localTime(r.createdAt),
                                   r.id.left(12),
                                   crew,
                                   runStatusText(r.status),
                                   r.durationMs ? formatMs(double(*r.durationMs)) : QString(),
                                   formatCount(r.tokens)};
        for (int c = 0; c < cells.size(); ++c) {
            const QRect cell = colRect(c, y);
            if (c == 3)
                p.setPen(runStatusColor(r.status).darker(130));
            else
                p.setPen(Qt::black);
            p.drawText(cell, Qt::AlignLeft | Qt::AlignVCenter,
                       p.fontMetrics().elidedText(cells.at(c), Qt::ElideRight, cell.width()));
        }
    }
    p.setPen(QColor(0x77, 0x77, 0x77));
    p.drawText(QRect(Margin, PageHeight - Margin, content.width(), 20),
               Qt::AlignRight | Qt::AlignVCenter,
               tr("Page %1 of %2").arg(tablePage + 2).arg(pageCount()));
}

void PdfReport::finish(bool ok, const QString &error)
{
    if (m_done)
        return;
    m_done = true;
    if (m_painter && m_painter->isActive())
        m_painter->end();
    m_painter.reset();
    m_writer.reset();
    Q_EMIT finished(ok, error);
}

} // namespace crewdeck::ui
