#include "app/ui/iconview.h"

#include <QPainter>

namespace crewdeck::ui {

IconView::IconView(const QIcon &icon, qreal ems, QWidget *parent)
    : QWidget(parent), m_icon(icon), m_ems(ems)
{
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

void IconView::setIcon(const QIcon &icon)
{
    m_icon = icon;
    update();
}

QSize IconView::sizeHint() const
{
    const int s = qRound(fontMetrics().height() * m_ems);
    return {s, s};
}

void IconView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    m_icon.paint(&p, rect(), Qt::AlignCenter, isEnabled() ? QIcon::Normal : QIcon::Disabled);
}

} // namespace crewdeck::ui
