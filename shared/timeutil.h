#pragma once
#include <QDateTime>
#include <QJsonValue>
#include <optional>

namespace crewdeck {

// RFC 3339 UTC with milliseconds: 2026-11-25T20:31:07.123Z
QString toRfc3339(const QDateTime &t);
// Accepts any RFC 3339 timestamp (Z or offset, with or without fraction); result is UTC.
std::optional<QDateTime> parseRfc3339(const QString &text);
// JSON null for an invalid QDateTime.
QJsonValue timeToJson(const QDateTime &t);
// Milliseconds since the epoch, UTC, as stored by the server.
inline qint64 toMs(const QDateTime &t)
{
    return t.toMSecsSinceEpoch();
}
inline QDateTime fromMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}
inline QDateTime nowUtc()
{
    return QDateTime::currentDateTimeUtc();
}

} // namespace crewdeck
