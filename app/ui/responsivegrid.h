#pragma once
#include <QList>
#include <QWidget>

class QGridLayout;

namespace crewdeck::ui {

// A grid that reflows its widgets into 1..maxColumns columns as its width changes (re-laid
// out from resizeEvent). Each widget may span several columns; spans shrink to fit. The
// minimum column width comes from the font, so the breakpoints follow DPI and font size.
class ResponsiveGrid : public QWidget
{
    Q_OBJECT
public:
    explicit ResponsiveGrid(QWidget *parent = nullptr);

    void addWidget(QWidget *widget, int span = 1);
    void setMaxColumns(int n);
    int columnCount() const { return m_columns; }
    // Width in pixels at which one column is still comfortable.
    int minimumColumnWidth() const;
    // How many columns a given width gets.
    int columnsForWidth(int width) const;
    // Row and column of `widget` in the current layout, or (-1, -1).
    QPair<int, int> cellOf(QWidget *widget) const;

Q_SIGNALS:
    void columnCountChanged(int columns);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void relayout(int columns);

    struct Item
    {
        QWidget *widget;
        int span;
    };
    QList<Item> m_items;
    QGridLayout *m_grid;
    int m_columns = 0;
    int m_maxColumns = 4;
};

} // namespace crewdeck::ui
