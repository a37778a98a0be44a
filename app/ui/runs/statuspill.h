#pragma once
#include <QStyledItemDelegate>
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

// Runs table cells: the status as a pill, the duration of a running run counting up live
// (now - started_at), the rest as usual.
class RunsDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QString displayText(const QVariant &value, const QLocale &locale) const override;
};

} // namespace crewdeck::ui
