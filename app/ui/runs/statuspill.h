#pragma once
#include <QWidget>

class QPainter;

namespace crewdeck::ui {

// Paints a rounded "pill" with a run or tool-call status in its colour (green succeeded,
// amber running/queued, red failed/cancelled/timeout). Shared by the runs table and the
// run detail header. GUI thread.
void paintStatusPill(QPainter *p, const QRect &rect, const QString &status, const QFont &font);
QColor statusColor(const QString &status); // run states and tool-call states
QString statusText(const QString &status); // translated

class StatusPill : public QWidget
{
    Q_OBJECT
public:
    explicit StatusPill(QWidget *parent = nullptr);
    void setStatus(const QString &status);
    QString status() const { return m_status; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_status;
};

} // namespace crewdeck::ui
