#include "shared/timeutil.h"

#include <QRegularExpression>

namespace crewdeck {

QString toRfc3339(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz")) + QLatin1Char('Z');
}

std::optional<QDateTime> parseRfc3339(const QString &text)
{
    // Qt::ISODateWithMs is lenient (accepts dates without time, no zone as local time);
    // RFC 3339 needs a full time and an explicit zone, so check the shape first.
    static const QRegularExpression re(QStringLiteral(
        "^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$"));
    if (!re.match(text).hasMatch())
        return std::nullopt;
    QString t = text;
    t.replace(10, 1, QLatin1Char('T'));
    if (t.endsWith(QLatin1Char('z')))
        t.chop(1), t += QLatin1Char('Z');
    // Qt parses at most millisecond precision; cut longer fractions down to 3 digits.
    static const QRegularExpression frac(QStringLiteral("\\.(\\d{3})\\d+"));
    t.replace(frac, QStringLiteral(".\\1"));
    const QDateTime dt = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (!dt.isValid())
        return std::nullopt;
    return dt.toUTC();
}

QJsonValue timeToJson(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(toRfc3339(t)) : QJsonValue(QJsonValue::Null);
}

} // namespace crewdeck
