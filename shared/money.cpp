#include "shared/money.h"

#include <QLocale>
#include <QRegularExpression>
#include <cmath>

namespace crewdeck {

namespace {
constexpr qint64 MaxSafeMicros = (qint64(1) << 53);
}

// Shortest decimal text that reads back as `d` ("0.1", "900000000.123456"), without exponent.
static QString shortestDecimal(double d)
{
    QString s = QString::number(d, 'g', QLocale::FloatingPointShortest);
    const qsizetype e = s.indexOf(QLatin1Char('e'));
    if (e < 0)
        return s;
    const int exponent = s.mid(e + 1).toInt();
    QString mantissa = s.left(e);
    const bool negative = mantissa.startsWith(QLatin1Char('-'));
    if (negative)
        mantissa.remove(0, 1);
    qsizetype point = mantissa.indexOf(QLatin1Char('.'));
    if (point < 0)
        point = mantissa.size();
    QString digits = mantissa;
    digits.remove(QLatin1Char('.'));
    qsizetype newPoint = point + exponent;
    if (newPoint <= 0) {
        digits.prepend(QString(-newPoint, QLatin1Char('0')));
        newPoint = 0;
    }
    if (newPoint >= digits.size())
        digits.append(QString(newPoint - digits.size(), QLatin1Char('0')));
    QString out = digits.left(newPoint);
    if (out.isEmpty())
        out = QStringLiteral("0");
    if (newPoint < digits.size())
        out += QLatin1Char('.') + digits.mid(newPoint);
    return negative ? QLatin1Char('-') + out : out;
}

std::optional<Micros> Micros::fromJson(const QJsonValue &v)
{
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (!std::isfinite(d) || std::fabs(d) > 1e10)
        return std::nullopt;
    // The shortest round-trip text of the double is what the sender wrote (JSON numbers with
    // <= 15 significant digits round-trip), so 0.1 is 100000 micros and 0.0000001 is rejected
    // rather than silently rounded.
    return fromString(shortestDecimal(d));
}

std::optional<Micros> Micros::fromString(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^(-)?(\\d{1,16})(?:\\.(\\d+))?$"));
    const auto m = re.match(text.trimmed());
    if (!m.hasMatch())
        return std::nullopt;
    QString frac = m.captured(3);
    while (frac.endsWith(QLatin1Char('0')))
        frac.chop(1);
    if (frac.size() > 6)
        return std::nullopt;
    frac = frac.leftJustified(6, QLatin1Char('0'));
    bool ok1 = false, ok2 = false;
    const qint64 whole = m.captured(2).toLongLong(&ok1);
    const qint64 fraction = frac.toLongLong(&ok2);
    if (!ok1 || !ok2)
        return std::nullopt;
    if (whole > MaxSafeMicros / PerUnit)
        return std::nullopt;
    qint64 micros = whole * PerUnit + fraction;
    if (micros > MaxSafeMicros)
        return std::nullopt;
    if (!m.captured(1).isEmpty())
        micros = -micros;
    return Micros{micros};
}

QJsonValue Micros::toJson() const
{
    // Exact for |value| <= 2^53; Qt writes doubles in their shortest round-trip form, so
    // 100000 micros goes out as 0.1.
    return QJsonValue(toString().toDouble());
}

QString Micros::toString() const
{
    const bool neg = value < 0;
    const quint64 abs = neg ? quint64(-(value + 1)) + 1 : quint64(value);
    QString s = QString::number(abs / PerUnit);
    const quint64 frac = abs % PerUnit;
    if (frac) {
        QString f = QString::number(frac).rightJustified(6, QLatin1Char('0'));
        while (f.endsWith(QLatin1Char('0')))
            f.chop(1);
        s += QLatin1Char('.') + f;
    }
    return neg ? QLatin1Char('-') + s : s;
}

Micros multiplyRoundHalfUp(Micros pricePerHour, Micros hours)
{
    // Split both factors into whole units and micros so every partial product fits in 64 bits
    // (portable: no __int128); only the micros×micros term needs rounding.
    const bool negative = (pricePerHour.value < 0) != (hours.value < 0);
    const qint64 p = pricePerHour.value < 0 ? -pricePerHour.value : pricePerHour.value;
    const qint64 h = hours.value < 0 ? -hours.value : hours.value;
    const qint64 ph = p / Micros::PerUnit, pl = p % Micros::PerUnit;
    const qint64 hh = h / Micros::PerUnit, hl = h % Micros::PerUnit;
    const qint64 rounded = (pl * hl + Micros::PerUnit / 2) / Micros::PerUnit;
    const qint64 micros = ph * hh * Micros::PerUnit + ph * hl + pl * hh + rounded;
    return Micros{negative ? -micros : micros};
}

} // namespace crewdeck
