#pragma once
#include <QStyledItemDelegate>

namespace crewdeck::ui {

// Runs table cells: the status as a pill, the duration of a running run counting up live
// (now - started_at), the rest as usual. GUI thread.
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
