#include "shared/timeutil.h"

#include <QRegularExpression>

namespace crewdeck {

QString toRfc3339(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz")) + QLatin1Char('Z');
}

namespace {

// The shape toRfc3339() writes ("2026-11-25T20:31:07.123Z"), read digit by digit: every
// event on the wire carries one, and the app decodes tens of thousands a second (issue 17).
// Anything else, or anything out of range, goes the general way below.
std::optional<QDateTime> parseCanonical(QStringView t)
{
    if (t.size() != 24 || t[4] != u'-' || t[7] != u'-' || t[10] != u'T' || t[13] != u':' ||
        t[16] != u':' || t[19] != u'.' || t[23] != u'Z')
        return std::nullopt;
    bool ok = true;
    const auto num = [&t, &ok](qsizetype pos, qsizetype len) {
        int n = 0;
        for (qsizetype i = pos; i < pos + len; ++i) {
            const char16_t c = t[i].unicode();
            ok = ok && c >= u'0' && c <= u'9';
            n = n * 10 + (c - u'0');
        }
        return n;
    };
    const QDate date(num(0, 4), num(5, 2), num(8, 2));
    const QTime time(num(11, 2), num(14, 2), num(17, 2), num(20, 3));
    if (!ok || !date.isValid() || !time.isValid())
        return std::nullopt;
    return QDateTime(date, time, Qt::UTC);
}

} // namespace

std::optional<QDateTime> parseRfc3339(const QString &text)
{
    if (auto fast = parseCanonical(text))
        return fast;
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
