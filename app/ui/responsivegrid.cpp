#include "app/ui/responsivegrid.h"

#include <QEvent>
#include <QGridLayout>
#include <QResizeEvent>

namespace crewdeck::ui {

ResponsiveGrid::ResponsiveGrid(QWidget *parent) : QWidget(parent), m_grid(new QGridLayout(this))
{
    m_grid->setContentsMargins(0, 0, 0, 0);
    relayout(1);
}

int ResponsiveGrid::minimumColumnWidth() const
{
    return fontMetrics().averageCharWidth() * 30;
}

int ResponsiveGrid::columnsForWidth(int width) const
{
    const int spacing = qMax(0, m_grid->horizontalSpacing());
    const int per = minimumColumnWidth() + spacing;
    return qBound(1, (width + spacing) / qMax(1, per), m_maxColumns);
}

void ResponsiveGrid::addWidget(QWidget *widget, int span)
{
    m_items.append({widget, qMax(1, span)});
    widget->setParent(this);
    relayout(qMax(1, m_columns));
}

void ResponsiveGrid::setMaxColumns(int n)
{
    m_maxColumns = qMax(1, n);
    relayout(columnsForWidth(width()));
}

QPair<int, int> ResponsiveGrid::cellOf(QWidget *widget) const
{
    const int i = m_grid->indexOf(widget);
    if (i < 0)
        return {-1, -1};
    int row, col, rs, cs;
    m_grid->getItemPosition(i, &row, &col, &rs, &cs);
    return {row, col};
}

void ResponsiveGrid::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    const int cols = columnsForWidth(event->size().width());
    if (cols != m_columns)
        relayout(cols);
}

void ResponsiveGrid::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        relayout(columnsForWidth(width()));
}

void ResponsiveGrid::relayout(int columns)
{
    while (m_grid->count() > 0)
        delete m_grid->takeAt(0); // the layout item only; the widget stays ours
    int row = 0, col = 0;
    for (const Item &item : std::as_const(m_items)) {
        const int span = qMin(item.span, columns);
        if (col + span > columns) {
            ++row;
            col = 0;
        }
        m_grid->addWidget(item.widget, row, col, 1, span);
        col += span;
        if (col >= columns) {
            ++row;
            col = 0;
        }
    }
    for (int c = 0; c < qMax(columns, m_columns); ++c)
        m_grid->setColumnStretch(c, c < columns ? 1 : 0);
    const bool changed = columns != m_columns;
    m_columns = columns;
    if (changed)
        Q_EMIT columnCountChanged(columns);
}

} // namespace crewdeck::ui
