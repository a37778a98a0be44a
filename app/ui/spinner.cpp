#include "app/ui/spinner.h"

#include <QPainter>
#include <QPainterPath>

namespace crewdeck::ui {

Spinner::Spinner(QWidget *parent) : QWidget(parent)
{
    m_timer.setInterval(33);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        m_angle = (m_angle + 12) % 360;
        update();
    });
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    setAccessibleName(tr("Loading"));
}

QSize Spinner::sizeHint() const
{
    const int s = fontMetrics().height() * 2;
    return {s, s};
}

void Spinner::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const qreal side = qMin(width(), height());
    const qreal pen = qMax<qreal>(2.0, side / 9.0);
    const QRectF r((width() - side) / 2 + pen, (height() - side) / 2 + pen, side - 2 * pen,
                   side - 2 * pen);
    QColor track = palette().color(QPalette::WindowText);
    track.setAlphaF(0.15);
    p.setPen(QPen(track, pen));
    p.drawEllipse(r);
    p.setPen(QPen(palette().color(QPalette::Highlight), pen, Qt::SolidLine, Qt::RoundCap));
    // Qt angles are in 1/16 degree, counter-clockwise; spin clockwise.
    p.drawArc(r, -m_angle * 16, 100 * 16);
}

void Spinner::showEvent(QShowEvent *event)
{
    m_timer.start();
    QWidget::showEvent(event);
}

void Spinner::hideEvent(QHideEvent *event)
{
    m_timer.stop();
    QWidget::hideEvent(event);
}

} // namespace crewdeck::ui
