#pragma once
#include <QByteArray>
#include <QList>
#include <QString>

// A Redis reply as a plain C++ value, deep-copied out of hiredis' redisReply so that callers
// never hold pointers into hiredis memory (which is freed right after the callback returns).
namespace crewdeck::server {

struct RedisReply
{
    enum class Type { Nil, Status, Error, Integer, String, Array };

    Type type = Type::Nil;
    QByteArray str;             // Status, Error and String payload (binary-safe)
    qint64 integer = 0;         // Integer
    QList<RedisReply> elements; // Array (may nest)

    bool isNil() const { return type == Type::Nil; }
    bool isError() const { return type == Type::Error; }
    bool isString() const { return type == Type::String; }
    bool isStatus() const { return type == Type::Status; }
    bool isInteger() const { return type == Type::Integer; }
    bool isArray() const { return type == Type::Array; }

    // Status "OK" (or any given status text).
    bool isStatus(QByteArrayView text) const { return type == Type::Status && str == text; }
    // Error whose first word is the given code, e.g. isErrorCode("BUSYGROUP").
    bool isErrorCode(QByteArrayView code) const;

    // For logs and test diagnostics; never use it for values that may hold secrets.
    QString toDebugString() const;

    static RedisReply makeError(const QByteArray &message);
    static RedisReply makeStatus(const QByteArray &text);
    static RedisReply makeString(const QByteArray &value);
    static RedisReply makeInteger(qint64 value);
};

QString redisReplyTypeName(RedisReply::Type type);

} // namespace crewdeck::server
