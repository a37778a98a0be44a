#include "server/redis/redisreply.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

bool RedisReply::isErrorCode(QByteArrayView code) const
{
    if (type != Type::Error || !str.startsWith(code))
        return false;
    return str.size() == code.size() || str.at(code.size()) == ' ';
}

QString RedisReply::toDebugString() const
{
    switch (type) {
    case Type::Nil:
        return u"(nil)"_s;
    case Type::Status:
        return u"+"_s + QString::fromUtf8(str);
    case Type::Error:
        return u"-"_s + QString::fromUtf8(str);
    case Type::Integer:
        return u":"_s + QString::number(integer);
    case Type::String:
        return u"\""_s + QString::fromUtf8(str.left(200)) +
               (str.size() > 200 ? u"...\""_s : u"\""_s);
    case Type::Array: {
        QStringList parts;
        for (const RedisReply &e : elements)
            parts << e.toDebugString();
        return u"["_s + parts.join(u", "_s) + u"]"_s;
    }
    }
    return {};
}

RedisReply RedisReply::makeError(const QByteArray &message)
{
    RedisReply r;
    r.type = Type::Error;
    r.str = message;
    return r;
}

RedisReply RedisReply::makeStatus(const QByteArray &text)
{
    RedisReply r;
    r.type = Type::Status;
    r.str = text;
    return r;
}

RedisReply RedisReply::makeString(const QByteArray &value)
{
    RedisReply r;
    r.type = Type::String;
    r.str = value;
    return r;
}

RedisReply RedisReply::makeInteger(qint64 value)
{
    RedisReply r;
    r.type = Type::Integer;
    r.integer = value;
    return r;
}

QString redisReplyTypeName(RedisReply::Type type)
{
    switch (type) {
    case RedisReply::Type::Nil:
        return u"nil"_s;
    case RedisReply::Type::Status:
        return u"status"_s;
    case RedisReply::Type::Error:
        return u"error"_s;
    case RedisReply::Type::Integer:
        return u"integer"_s;
    case RedisReply::Type::String:
        return u"string"_s;
    case RedisReply::Type::Array:
        return u"array"_s;
    }
    return {};
}

} // namespace crewdeck::server
