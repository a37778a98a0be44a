#pragma once
#include <QColor>
#include <QFrame>
#include <QIcon>

class QLabel;
class QProgressBar;
class QToolButton;

namespace crewdeck::ui {

// One toast card: a coloured stripe, a status icon (the app's SVG set, never emoji: a stock
// font set may have none), a title line, a detail line and an optional progress bar. Pooled and
// reused by ToastManager (never one widget per event). GUI thread.
class ToastWidget : public QFrame
{
    Q_OBJECT
public:
    explicit ToastWidget(QWidget *parent = nullptr);

    void setContent(const QString &iconName, const QString &title, const QString &detail,
                    const QColor &accent, int progress, bool showProgress);
    // The status icon's name (":/icons/<name>.svg").
    QString iconName() const { return m_iconName; }
    QString title() const;
    QString detail() const;
    int progressValue() const;
    bool progressShown() const;
    QString key() const { return m_key; }
    void setKey(const QString &key) { m_key = key; }

    QSize sizeHint() const override;

Q_SIGNALS:
    void clicked();
    void closeClicked();
    void hoverChanged(bool hovered);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void enterEvent(QEnterEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    QLabel *m_icon;
    QLabel *m_title;
    QLabel *m_detail;
    QProgressBar *m_bar;
    QToolButton *m_close;
    QColor m_accent;
    QString m_key;
    QString m_iconName;
    QString m_fullDetail;
};

} // namespace crewdeck::ui
