#pragma once
#include "shared/money.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <optional>

namespace crewdeck {

// Reads fields from a JSON object and remembers the first problem, naming the field
// ("agents[2].tools: expected an array of strings"). Every fromJson() is written with it so
// that all decoders reject the same things the same way.
class JsonReader
{
public:
    explicit JsonReader(const QJsonObject &obj, QString prefix = {})
        : m_obj(obj), m_prefix(std::move(prefix))
    {
    }

    bool ok() const { return m_error.isEmpty(); }
    const QString &error() const { return m_error; }
    // Records an error (only the first one is kept) and returns false.
    bool fail(const QString &field, const QString &what);
    QString path(const QString &field) const;

    bool has(const QString &field) const { return m_obj.contains(field); }
    bool isNull(const QString &field) const { return m_obj.value(field).isNull(); }

    bool str(const QString &field, QString &out, bool allowEmpty = false);
    bool optStr(const QString &field, std::optional<QString> &out); // missing or null -> nullopt
    bool strList(const QString &field, QStringList &out);
    bool int64(const QString &field, qint64 &out);
    bool optInt64(const QString &field, std::optional<qint64> &out);
    bool int32(const QString &field, int &out);
    bool optInt32(const QString &field, std::optional<int> &out);
    bool number(const QString &field, double &out);
    bool optNumber(const QString &field, std::optional<double> &out);
    bool boolean(const QString &field, bool &out);
    bool micros(const QString &field, Micros &out);
    bool optMicros(const QString &field, std::optional<Micros> &out);
    bool time(const QString &field, QDateTime &out);
    bool optTime(const QString &field, QDateTime &out); // missing or null -> invalid QDateTime
    bool object(const QString &field, QJsonObject &out);
    bool array(const QString &field, QJsonArray &out);
    // One of `allowed`.
    bool oneOf(const QString &field, const QStringList &allowed, QString &out);

    // Decodes an array of objects with T::fromJson(obj, &err), naming the index on error.
    template <typename T> bool list(const QString &field, QList<T> &out)
    {
        QJsonArray arr;
        if (!array(field, arr))
            return false;
        out.clear();
        out.reserve(arr.size());
        for (qsizetype i = 0; i < arr.size(); ++i) {
            const QString name = field + QLatin1Char('[') + QString::number(i) + QLatin1Char(']');
            if (!arr.at(i).isObject())
                return fail(name, QStringLiteral("expected an object"));
            QString err;
            auto item = T::fromJson(arr.at(i).toObject(), &err);
            if (!item)
                return failNested(name, err);
            out.append(std::move(*item));
        }
        return true;
    }

    template <typename T> bool nested(const QString &field, T &out)
    {
        QJsonObject o;
        if (!object(field, o))
            return false;
        QString err;
        auto item = T::fromJson(o, &err);
        if (!item)
            return failNested(field, err);
        out = std::move(*item);
        return true;
    }

private:
    bool failNested(const QString &field, const QString &innerError);

    QJsonObject m_obj;
    QString m_prefix;
    QString m_error;
};

// Sets *error (when given) and returns an empty optional: the tail of every fromJson().
template <typename T> std::optional<T> finish(const JsonReader &r, T &&value, QString *error)
{
    if (!r.ok()) {
        if (error)
            *error = r.error();
        return std::nullopt;
    }
    return std::optional<T>(std::forward<T>(value));
}

QJsonValue optToJson(const std::optional<QString> &v);
QJsonValue optToJson(const std::optional<qint64> &v);
QJsonValue optToJson(const std::optional<int> &v);
QJsonValue optToJson(const std::optional<double> &v);
QJsonValue optToJson(const std::optional<Micros> &v);

// Parses a request body: an object, valid UTF-8, or an error message for a 400.
std::optional<QJsonObject> parseObject(const QByteArray &body, QString *error);
std::optional<QJsonArray> parseArray(const QByteArray &body, QString *error);

} // namespace crewdeck
