#include "shared/json.h"
#include "shared/timeutil.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QStringDecoder>
#include <cmath>

namespace crewdeck {

namespace {
constexpr double MaxSafeInteger = 9007199254740992.0; // 2^53
}

QString JsonReader::path(const QString &field) const
{
    return m_prefix.isEmpty() ? field : m_prefix + QLatin1Char('.') + field;
}

bool JsonReader::fail(const QString &field, const QString &what)
{
    if (m_error.isEmpty())
        m_error = path(field) + QStringLiteral(": ") + what;
    return false;
}

bool JsonReader::failNested(const QString &field, const QString &innerError)
{
    if (m_error.isEmpty())
        m_error = path(field) + QLatin1Char('.') + innerError;
    return false;
}

bool JsonReader::str(const QString &field, QString &out, bool allowEmpty)
{
    const QJsonValue v = m_obj.value(field);
    if (v.isUndefined())
        return fail(field, QStringLiteral("is required"));
    if (!v.isString())
        return fail(field, QStringLiteral("expected a string"));
    out = v.toString();
    if (!allowEmpty && out.trimmed().isEmpty())
        return fail(field, QStringLiteral("must not be empty"));
    return true;
}

bool JsonReader::optStr(const QString &field, std::optional<QString> &out)
{
    const QJsonValue v = m_obj.value(field);
    if (v.isUndefined() || v.isNull()) {
        out.reset();
        return true;
    }
    if (!v.isString())
        return fail(field, QStringLiteral("expected a string or null"));
    out = v.toString();
    return true;
}

bool JsonReader::strList(const QString &field, QStringList &out)
{
    const QJsonValue v = m_obj.value(field);
    if (v.isUndefined())
        return fail(field, QStringLiteral("is required"));
    if (!v.isArray())
        return fail(field, QStringLiteral("expected an array of strings"));
    out.clear();
    const QJsonArray arr = v.toArray();
    for (qsizetype i = 0; i < arr.size(); ++i) {
        if (!arr.at(i).isString())
            return fail(field + QLatin1Char('[') + QString::number(i) + QLatin1Char(']'),
                        QStringLiteral("expected a string"));
        out.append(arr.at(i).toString());
    }
    return true;
}

bool JsonReader::int64(const QString &field, qint64 &out)
{
    const QJsonValue v = m_obj.value(field);
    if (v.isUndefined())
        return fail(field, QStringLiteral("is required"));
    if (!v.isDouble())
        return fail(field, QStringLiteral("expected an integer"));
    const double d = v.toDouble();
    if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > MaxSafeInteger)
        return fail(field, QStringLiteral("expected an integer"));
    out = static_cast<qint64>(d);
    return true;
}

bool JsonReader::optInt64(const QString &field, std::optional<qint64> &out)
{
    if (!has(field) || isNull(field)) {
        out.reset();
        return true;
    }
    qint64 v = 0;
    if (!int64(field, v))
        return false;
    out = v;
    return true;
}

bool JsonReader::int32(const QString &field, int &out)
{
    qint64 v = 0;
    if (!int64(field, v))
        return false;
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
        return fail(field, QStringLiteral("is out of range"));
    out = int(v);
    return true;
}

bool JsonReader::optInt32(const QString &field, std::optional<int> &out)
{
    if (!has(field) || isNull(field)) {
        out.reset();
        return true;
    }
    int v = 0;
    if (!int32(field, v))
        return false;
    out = v;
    return true;
}

bool JsonReader::number(const QString &field, double &out)
{
    const QJsonValue v = m_obj.value(field);
    if (v.isUndefined())
        return fail(field, QStringLiteral("is required"));
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        return fail(field, QStringLiteral("expected a number"));
    out = v.toDouble();
    return true;
}

bool JsonReader::optNumber(const QString &field, std::optional<double> &out)
{
    if (!has(field) || isNull(field)) {
        out.reset();
        return true;
    }
    double d = 0;
    if (!number(field, d))
        return false;
    out = d;
    return true;
}

bool JsonReader::boolean(const QString &field, bool &out)
{
    const QJsonValue v = m_obj.value(field);
    if (v.isUndefined())
        return fail(field, QStringLiteral("is required"));
    if (!v.isBool())
        return fail(field, QStringLiteral("expected true or false"));
    out = v.toBool();
    return true;
}

bool JsonReader::micros(const QString &field, Micros &out)
{
    const QJsonValue v = m_obj.value(field);
    if (v.isUndefined())
        return fail(field, QStringLiteral("is required"));
    const auto m = Micros::fromJson(v);
    if (!m)
        return fail(field, QStringLiteral("expected a number with at most 6 decimals"));
    out = *m;
    return true;
}

bool JsonReader::optMicros(const QString &field, std::optional<Micros> &out)
{
    if (!has(field) || isNull(field)) {
        out.reset();
        return true;
    }
    Micros m;
    if (!micros(field, m))
        return false;
    out = m;
    return true;
}

bool JsonReader::time(const QString &field, QDateTime &out)
{
    const QJsonValue v = m_obj.value(field);
    if (v.isUndefined())
        return fail(field, QStringLiteral("is required"));
    if (!v.isString())
        return fail(field, QStringLiteral("expected an RFC 3339 timestamp"));
    const auto t = parseRfc3339(v.toString());
    if (!t)
        return fail(field, QStringLiteral("expected an RFC 3339 timestamp"));
    out = *t;
    return true;
}

bool JsonReader::optTime(const QString &field, QDateTime &out)
{
    if (!has(field) || isNull(field)) {
        out = QDateTime();
        return true;
    }
    return time(field, out);
}

bool JsonReader::object(const QString &field, QJsonObject &out)
{
    const QJsonValue v = m_obj.value(field);
    if (v.isUndefined())
        return fail(field, QStringLiteral("is required"));
    if (!v.isObject())
        return fail(field, QStringLiteral("expected an object"));
    out = v.toObject();
    return true;
}

bool JsonReader::array(const QString &field, QJsonArray &out)
{
    const QJsonValue v = m_obj.value(field);
    if (v.isUndefined())
        return fail(field, QStringLiteral("is required"));
    if (!v.isArray())
        return fail(field, QStringLiteral("expected an array"));
    out = v.toArray();
    return true;
}

bool JsonReader::oneOf(const QString &field, const QStringList &allowed, QString &out)
{
    QString v;
    if (!str(field, v))
        return false;
    if (!allowed.contains(v))
        return fail(field, QStringLiteral("must be one of ") + allowed.join(QStringLiteral(", ")));
    out = v;
    return true;
}

QJsonValue optToJson(const std::optional<QString> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}
QJsonValue optToJson(const std::optional<qint64> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}
QJsonValue optToJson(const std::optional<int> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}
QJsonValue optToJson(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}
QJsonValue optToJson(const std::optional<Micros> &v)
{
    return v ? v->toJson() : QJsonValue(QJsonValue::Null);
}

namespace {
std::optional<QJsonDocument> parseDocument(const QByteArray &body, QString *error)
{
    // QJsonDocument replaces invalid UTF-8 silently; the contract wants a 400 instead.
    // Checked in place (the same rules as QStringDecoder, without decoding into a QString:
    // the app decodes every live event through here).
    if (!QUtf8StringView(body).isValidUtf8()) {
        if (error)
            *error = QStringLiteral("body: invalid UTF-8");
        return std::nullopt;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError) {
        if (error)
            *error = QStringLiteral("body: malformed JSON at offset %1: %2")
                         .arg(pe.offset)
                         .arg(pe.errorString());
        return std::nullopt;
    }
    return doc;
}
} // namespace

std::optional<QJsonObject> parseObject(const QByteArray &body, QString *error)
{
    const auto doc = parseDocument(body, error);
    if (!doc)
        return std::nullopt;
    if (!doc->isObject()) {
        if (error)
            *error = QStringLiteral("body: expected a JSON object");
        return std::nullopt;
    }
    return doc->object();
}

std::optional<QJsonArray> parseArray(const QByteArray &body, QString *error)
{
    const auto doc = parseDocument(body, error);
    if (!doc)
        return std::nullopt;
    if (!doc->isArray()) {
        if (error)
            *error = QStringLiteral("body: expected a JSON array");
        return std::nullopt;
    }
    return doc->array();
}

} // namespace crewdeck
