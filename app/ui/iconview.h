#pragma once
#include <QIcon>
#include <QWidget>

namespace crewdeck::ui {

// Shows an icon at a size given in multiples of the font height, rendered at paint time
// for the screen's device pixel ratio (a QLabel pixmap made up front would be blurry when
// the window moves to a high-DPI screen). GUI thread.
class IconView : public QWidget
{
public:
    IconView(const QIcon &icon, qreal ems, QWidget *parent = nullptr);
    void setIcon(const QIcon &icon);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QIcon m_icon;
    qreal m_ems;
};

} // namespace crewdeck::ui
