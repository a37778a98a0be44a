#include "app/ui/runs/timelinewidget.h"
#include "app/models/recentrunsmodel.h"
#include "app/models/toolcallsmodel.h"
#include "app/ui/runs/statuspill.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

TimelineWidget::TimelineWidget(client::ToolCallsModel *model, QWidget *parent)
    : QWidget(parent), m_model(model)
{
    setObjectName(u"timeline"_s);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setFocusPolicy(Qt::ClickFocus);
    setAccessibleName(tr("Tool call timeline"));
    auto relayout = [this] {
        updateGeometry();
        update();
    };
    connect(m_model, &QAbstractItemModel::rowsInserted, this, relayout);
    connect(m_model, &QAbstractItemModel::modelReset, this, relayout);
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this] { update(); });
    connect(m_model, &client::ToolCallsModel::runChanged, this, [this] { update(); });
    // The running bar grows: repaint while anything runs.
    m_tick.setInterval(200);
    connect(&m_tick, &QTimer::timeout, this, [this] {
        if (!RunState::isFinal(m_model->run().status) && !m_model->run().id.isEmpty())
            update();
    });
    m_tick.start();
}

int TimelineWidget::rowCount() const
{
    return m_model->rowCount();
}

int TimelineWidget::labelWidth() const
{
    return fontMetrics().height() * 9;
}

int TimelineWidget::rowHeight() const
{
    return fontMetrics().height() * 2;
}

int TimelineWidget::topMargin() const
{
    return fontMetrics().height() * 3 / 2;
}

QSize TimelineWidget::sizeHint() const
{
    return {fontMetrics().height() * 40,
            topMargin() + rowHeight() * qMax(2, rowCount()) + fontMetrics().height() / 2};
}

QSize TimelineWidget::minimumSizeHint() const
{
    return {fontMetrics().height() * 20, topMargin() + rowHeight() * 2};
}

void TimelineWidget::setSelectedToolCall(const QString &id)
{
    if (m_selected == id)
        return;
    m_selected = id;
    update();
    Q_EMIT toolCallSelected(id);
}

TimelineWidget::Span TimelineWidget::span() const
{
    const Run &run = m_model->run();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    Span s;
    s.startMs = run.startedAt.isValid() ? run.startedAt.toMSecsSinceEpoch() : 0;
    for (const ToolCall &c : run.toolCalls) {
        if (!c.startedAt.isValid())
            continue;
        const qint64 st = c.startedAt.toMSecsSinceEpoch();
        if (s.startMs == 0 || st < s.startMs)
            s.startMs = st;
        const qint64 end = c.durationMs ? st + *c.durationMs : now;
        s.endMs = qMax(s.endMs, end);
    }
    if (run.finishedAt.isValid())
        s.endMs = qMax(s.endMs, run.finishedAt.toMSecsSinceEpoch());
    else if (!RunState::isFinal(run.status) && s.startMs != 0)
        s.endMs = qMax(s.endMs, now);
    if (s.startMs == 0)
        s.startMs = now;
    s.endMs = qMax(s.endMs, s.startMs + 1000); // at least one second of axis
    return s;
}

QRectF TimelineWidget::barRect(const QString &toolCallId) const
{
    const int row = m_model->rowOf(toolCallId);
    if (row < 0)
        return {};
    const ToolCall &c = m_model->toolCalls().at(row);
    if (!c.startedAt.isValid())
        return {};
    const Span s = span();
    const double plotLeft = labelWidth();
    const double plotWidth = qMax(10, width() - labelWidth() - fontMetrics().height());
    const double scale = plotWidth / double(s.endMs - s.startMs);
    const qint64 st = c.startedAt.toMSecsSinceEpoch();
    const qint64 dur =
        c.durationMs ? *c.durationMs : qMax<qint64>(0, QDateTime::currentMSecsSinceEpoch() - st);
    const double x = plotLeft + double(st - s.startMs) * scale;
    const double w = qMax(3.0, double(dur) * scale);
    const int rh = rowHeight();
    return QRectF(x, topMargin() + row * rh + rh * 0.2, w, rh * 0.6);
}

int TimelineWidget::rowAt(const QPoint &pos) const
{
    if (pos.y() < topMargin())
        return -1;
    const int row = (pos.y() - topMargin()) / rowHeight();
    return row < rowCount() ? row : -1;
}

void TimelineWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    const QFontMetrics fm = fontMetrics();
    const int rh = rowHeight();
    const int top = topMargin();
    const int plotLeft = labelWidth();
    const int plotWidth = qMax(10, width() - labelWidth() - fm.height());

    if (rowCount() == 0) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        const bool ended = RunState::isFinal(m_model->run().status);
        p.drawText(rect(), Qt::AlignCenter,
                   m_model->run().id.isEmpty() ? tr("Loading\u2026")
                   : ended                     ? tr("This run has no tool calls.")
                                               : tr("Waiting for the first tool call\u2026"));
        return;
    }

    // Time axis: five ticks.
    const Span s = span();
    QColor grid = pal.color(QPalette::Mid);
    grid.setAlpha(90);
    for (int i = 0; i <= 4; ++i) {
        const int x = plotLeft + plotWidth * i / 4;
        p.setPen(grid);
        p.drawLine(x, top - 2, x, top + rh * rowCount());
        p.setPen(pal.color(QPalette::PlaceholderText));
        const QString label =
            client::RecentRunsModel::formatDuration((s.endMs - s.startMs) * i / 4);
        const int tw = fm.horizontalAdvance(label);
        p.drawText(QPoint(qBound(plotLeft, x - tw / 2, width() - tw - 2), fm.ascent() + 1), label);
    }

    for (int row = 0; row < rowCount(); ++row) {
        const ToolCall &c = m_model->toolCalls().at(row);
        const QRect rowRect(0, top + row * rh, width(), rh);
        if (c.id == m_selected) {
            QColor hl = pal.color(QPalette::Highlight);
            hl.setAlpha(45);
            p.fillRect(rowRect, hl);
        }
        p.setPen(pal.color(QPalette::Text));
        const QString label = QString::number(row + 1) + u". "_s + c.tool;
        p.drawText(QRect(fm.height() / 2, rowRect.top(), plotLeft - fm.height(), rh),
                   Qt::AlignVCenter | Qt::AlignLeft,
                   fm.elidedText(label, Qt::ElideRight, plotLeft - fm.height()));
        const QRectF bar = barRect(c.id);
        if (bar.isEmpty())
            continue;
        const QColor col = statusColor(c.status);
        QColor fill = col;
        fill.setAlpha(c.status == CallState::Running ? 140 : 200);
        p.setPen(QPen(col.darker(120), 1));
        p.setBrush(fill);
        p.drawRoundedRect(bar, 3, 3);
        if (const auto prog = m_model->progressOf(c.id); prog && c.status == CallState::Running) {
            QRectF done = bar;
            done.setWidth(bar.width() * qBound(0, *prog, 100) / 100.0);
            p.setBrush(col);
            p.setPen(Qt::NoPen);
            p.drawRoundedRect(done, 3, 3);
        }
        // Duration right of the bar when there is room, else inside it.
        const qint64 dur = c.durationMs ? *c.durationMs
                                        : qMax<qint64>(0, QDateTime::currentMSecsSinceEpoch() -
                                                              c.startedAt.toMSecsSinceEpoch());
        const QString text =
            client::RecentRunsModel::formatDuration(dur) + u"  "_s + statusText(c.status);
        const int tw = fm.horizontalAdvance(text);
        p.setPen(pal.color(QPalette::Text));
        if (bar.right() + 6 + tw < width())
            p.drawText(QPointF(bar.right() + 6, bar.center().y() + fm.ascent() / 2.0 - 1), text);
        else
            p.drawText(QPointF(qMax(double(plotLeft), bar.right() - tw - 6),
                               bar.center().y() + fm.ascent() / 2.0 - 1),
                       text);
    }
}

void TimelineWidget::mousePressEvent(QMouseEvent *event)
{
    const int row = rowAt(event->position().toPoint());
    if (row >= 0)
        setSelectedToolCall(m_model->toolCalls().at(row).id);
    QWidget::mousePressEvent(event);
}

bool TimelineWidget::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *he = static_cast<QHelpEvent *>(event);
        const int row = rowAt(he->pos());
        if (row >= 0) {
            const ToolCall &c = m_model->toolCalls().at(row);
            QString tip = tr("%1 \u2013 %2").arg(c.tool, statusText(c.status));
            if (c.exitCode)
                tip += u'\n' + tr("Exit code %1").arg(*c.exitCode);
            QToolTip::showText(he->globalPos(), tip, this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

} // namespace crewdeck::ui
