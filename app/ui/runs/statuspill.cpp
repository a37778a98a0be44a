#include "app/ui/runs/statuspill.h"
#include "app/ui/strings.h"
#include "app/ui/theme.h"
#include "shared/types.h"

#include <QPainter>
#include <QPainterPath>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

QColor statusColor(const QString &status)
{
    if (status == CallState::Success || status == RunState::Succeeded)
        return StatusColors::available();
    if (status == CallState::Running || status == RunState::Queued)
        return StatusColors::busy();
    return StatusColors::offline();
}

QString statusText(const QString &status)
{
    if (status == CallState::Success)
        return Strings::tr("Success");
    if (status == CallState::Timeout)
        return Strings::tr("Timeout");
    return runStatusText(status);
}

void paintStatusPill(QPainter *p, const QRect &rect, const QString &status, const QFont &font)
{
    const QString text = statusText(status);
    const QFontMetrics fm(font);
    const int h = qMin(rect.height() - 4, fm.height() + 4);
    const int w = fm.horizontalAdvance(text) + fm.height();
    const QRectF pill(rect.left() + 2, rect.center().y() - h / 2.0, w, h);
    const QColor c = statusColor(status);
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    QColor fill = c;
    fill.setAlpha(40);
    p->setPen(QPen(c, 1));
    p->setBrush(fill);
    p->drawRoundedRect(pill, h / 2.0, h / 2.0);
    p->setFont(font);
    p->setPen(c.darker(115));
    p->drawText(pill, Qt::AlignCenter, text);
    p->restore();
}

StatusPill::StatusPill(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

void StatusPill::setStatus(const QString &status)
{
    if (m_status == status)
        return;
    m_status = status;
    setAccessibleName(statusText(status));
    updateGeometry();
    update();
}

QSize StatusPill::sizeHint() const
{
    const QFontMetrics fm(font());
    return {fm.horizontalAdvance(statusText(m_status)) + fm.height() + 6, fm.height() + 8};
}

void StatusPill::paintEvent(QPaintEvent *)
{
    if (m_status.isEmpty())
        return;
    QPainter p(this);
    paintStatusPill(&p, rect(), m_status, font());
}

} // namespace crewdeck::ui
