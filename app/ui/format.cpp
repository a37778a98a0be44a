#include "app/ui/format.h"
#include "app/models/recentrunsmodel.h"

#include <QLocale>
#include <cmath>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

QString formatCount(qint64 n)
{
    return QLocale().toString(n);
}

QString formatPercent(double fraction)
{
    const QLocale loc;
    return loc.toString(fraction * 100.0, 'f', 1) + u"\u202f%"_s;
}

QString formatMs(double ms)
{
    return client::RecentRunsModel::formatDuration(qint64(std::llround(ms)));
}

QString formatC7T(Micros amount, const QString &symbol)
{
    // Exact: the integer part through the locale (grouping), the fraction as is.
    const QLocale loc;
    const qint64 whole = amount.value / Micros::PerUnit;
    qint64 frac = std::abs(amount.value % Micros::PerUnit);
    QString text = (amount.value < 0 && whole == 0 ? u"-"_s : QString()) + loc.toString(whole);
    if (frac != 0) {
        QString digits = QString::number(frac).rightJustified(6, u'0');
        while (digits.endsWith(u'0'))
            digits.chop(1);
        text += loc.decimalPoint() + digits;
    }
    return text + u' ' + symbol;
}

} // namespace crewdeck::ui
