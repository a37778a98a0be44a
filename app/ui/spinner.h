#pragma once
#include <QTimer>
#include <QWidget>

namespace crewdeck::ui {

// An indeterminate progress spinner painted with QPainter: a rotating arc sized from the
// font, so it scales with DPI and font settings. Animates only while visible. GUI thread.
class Spinner : public QWidget
{
    Q_OBJECT
public:
    explicit Spinner(QWidget *parent = nullptr);
    QSize sizeHint() const override;
    bool isSpinning() const { return m_timer.isActive(); }

protected:
    void paintEvent(QPaintEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    QTimer m_timer;
    int m_angle = 0;
};

} // namespace crewdeck::ui
