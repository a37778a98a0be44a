#include "app/ui/runs/statuspill.h"
#include "app/models/recentrunsmodel.h"
#include "app/models/runsmodel.h"
#include "app/ui/strings.h"
#include "app/ui/theme.h"
#include "shared/types.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

QColor statusColor(const QString &status)
{
    if (status == CallState::Success || status == RunState::Succeeded)
        return StatusColors::available();
    if (status == CallState::Running || status == RunState::Queued)
        return StatusColors::busy();
    return StatusColors::offline();
}

QString statusText(const QString &status)
{
    if (status == CallState::Success)
        return Strings::tr("Success");
    if (status == CallState::Timeout)
        return Strings::tr("Timeout");
    return runStatusText(status);
}

void paintStatusPill(QPainter *p, const QRect &rect, const QString &status, const QFont &font)
{
    const QString text = statusText(status);
    const QFontMetrics fm(font);
    const int h = qMin(rect.height() - 4, fm.height() + 4);
    const int w = fm.horizontalAdvance(text) + fm.height();
    const QRectF pill(rect.left() + 2, rect.center().y() - h / 2.0, w, h);
    const QColor c = statusColor(status);
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    QColor fill = c;
    fill.setAlpha(40);
    p->setPen(QPen(c, 1));
    p->setBrush(fill);
    p->drawRoundedRect(pill, h / 2.0, h / 2.0);
    p->setFont(font);
    p->setPen(c.darker(115));
    p->drawText(pill, Qt::AlignCenter, text);
    p->restore();
}

StatusPill::StatusPill(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

void StatusPill::setStatus(const QString &status)
{
    if (m_status == status)
        return;
    m_status = status;
    setAccessibleName(statusText(status));
    updateGeometry();
    update();
}

QSize StatusPill::sizeHint() const
{
    const QFontMetrics fm(font());
    return {fm.horizontalAdvance(statusText(m_status)) + fm.height() + 6, fm.height() + 8};
}

void StatusPill::paintEvent(QPaintEvent *)
{
    if (m_status.isEmpty())
        return;
    QPainter p(this);
    paintStatusPill(&p, rect(), m_status, font());
}

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
