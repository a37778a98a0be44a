#include "server/store/storeutil.h"

#include <QByteArray>
#include <QRandomGenerator>

using namespace Qt::StringLiterals;

namespace crewdeck::server::storeutil {

QString newId(QStringView prefix)
{
    quint32 words[3];
    QRandomGenerator::system()->fillRange(words);
    const QByteArray raw(reinterpret_cast<const char *>(words), sizeof(words));
    return prefix.toString() + u'_' + QString::fromLatin1(raw.toHex());
}

QString encodeRunCursor(const RunCursor &c)
{
    const QByteArray plain = QByteArray::number(c.createdMs) + ':' + c.id.toUtf8();
    return QString::fromLatin1(
        plain.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<RunCursor> decodeRunCursor(const QString &text)
{
    if (text.isEmpty() || text.size() > 512)
        return std::nullopt;
    for (const QChar ch : text) {
        const char16_t u = ch.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') ||
                        (u >= u'0' && u <= u'9') || u == u'-' || u == u'_';
        if (!ok)
            return std::nullopt;
    }
    const auto decoded = QByteArray::fromBase64Encoding(
        text.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QByteArray plain = *decoded;
    const qsizetype colon = plain.indexOf(':');
    if (colon <= 0 || colon == plain.size() - 1)
        return std::nullopt;
    bool ok = false;
    const qint64 ms = plain.left(colon).toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    const QByteArray id = plain.mid(colon + 1);
    for (const char ch : id) {
        const bool valid = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                           (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        if (!valid)
            return std::nullopt;
    }
    return RunCursor{ms, QString::fromLatin1(id)};
}

qint64 nearestRankOffset(qint64 n, int pct)
{
    if (n <= 0)
        return 0;
    const qint64 rank = (n * pct + 99) / 100; // ceil(pct/100 * n)
    return qBound<qint64>(0, rank - 1, n - 1);
}

qint64 hoursToMs(qint64 hoursMicros)
{
    // ms = micros-of-an-hour × 3600 s × 1000 ms / 1e6 = micros × 36 / 10.
    return (hoursMicros * 36 + 5) / 10;
}

} // namespace crewdeck::server::storeutil
