#include "app/ui/runs/runsdelegate.h"
#include "app/models/recentrunsmodel.h"
#include "app/models/runsmodel.h"
#include "app/ui/runs/statuspill.h"
#include "shared/types.h"

#include <QApplication>
#include <QPainter>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

void RunsDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                         const QModelIndex &index) const
{
    using client::RunsModel;
    if (index.column() == RunsModel::StatusColumn) {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        opt.text.clear();
        QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
        paintStatusPill(painter, option.rect.adjusted(4, 0, 0, 0),
                        index.data(RunsModel::StatusRole).toString(), option.font);
        return;
    }
    if (index.column() == RunsModel::DurationColumn &&
        !index.data(RunsModel::DurationMsRole).isValid()) {
        // Running: count up from started_at.
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        const QDateTime started = index.data(RunsModel::StartedAtRole).toDateTime();
        const QString status = index.data(RunsModel::StatusRole).toString();
        if (started.isValid() && !RunState::isFinal(status))
            opt.text = client::RecentRunsModel::formatDuration(
                qMax<qint64>(0, started.msecsTo(QDateTime::currentDateTimeUtc())));
        else
            opt.text = u"\u2013"_s;
        QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
        return;
    }
    QStyledItemDelegate::paint(painter, option, index);
}

QSize RunsDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    const QFontMetrics fm(option.font);
    s.setHeight(qMax(s.height(), fm.height() + 12));
    if (index.column() == client::RunsModel::StatusColumn)
        s.setWidth(qMax(s.width(), fm.horizontalAdvance(statusText(
                                       index.data(client::RunsModel::StatusRole).toString())) +
                                       fm.height() + 12));
    return s;
}

QString RunsDelegate::displayText(const QVariant &value, const QLocale &locale) const
{
    return QStyledItemDelegate::displayText(value, locale);
}

} // namespace crewdeck::ui
