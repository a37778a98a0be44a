#include "shared/jwt.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <cmath>

namespace crewdeck::jwt {

using namespace Qt::StringLiterals;

QByteArray hmacSha256(const QByteArray &key, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256);
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    volatile unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff = diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]));
    return diff == 0;
}

QByteArray base64UrlEncode(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

std::optional<QByteArray> base64UrlDecode(const QByteArray &text)
{
    auto r = QByteArray::fromBase64Encoding(text, QByteArray::Base64UrlEncoding |
                                                      QByteArray::AbortOnBase64DecodingErrors);
    if (!r)
        return std::nullopt;
    return *r;
}

QByteArray sign(const Claims &c, const QByteArray &key)
{
    static const QByteArray header = base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})");
    const QJsonObject payload{{u"sub"_s, c.sub},
                              {u"org"_s, c.org},
                              {u"role"_s, c.role},
                              {u"iat"_s, c.iat},
                              {u"exp"_s, c.exp}};
    const QByteArray signingInput =
        header + '.' + base64UrlEncode(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    return signingInput + '.' + base64UrlEncode(hmacSha256(key, signingInput));
}

namespace {
VerifyResult failure(Error e, const QString &message)
{
    VerifyResult r;
    r.error = e;
    r.message = message;
    return r;
}

std::optional<qint64> numericDate(const QJsonValue &v)
{
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (!std::isfinite(d) || d < 0 || d > 1e13)
        return std::nullopt;
    return static_cast<qint64>(d);
}
} // namespace

VerifyResult verify(const QByteArray &token, const QByteArray &key, qint64 now, qint64 leeway)
{
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3 || parts[0].isEmpty() || parts[1].isEmpty())
        return failure(Error::Malformed, u"token is not a JWT"_s);
    const auto headerJson = base64UrlDecode(parts[0]);
    const auto payloadJson = base64UrlDecode(parts[1]);
    const auto signature = base64UrlDecode(parts[2]);
    if (!headerJson || !payloadJson || !signature)
        return failure(Error::Malformed, u"token is not valid base64url"_s);
    const QJsonDocument header = QJsonDocument::fromJson(*headerJson);
    if (!header.isObject())
        return failure(Error::Malformed, u"token header is not a JSON object"_s);
    // Pinned algorithm: the header never chooses how we verify.
    if (header.object().value(u"alg"_s).toString() != u"HS256"_s)
        return failure(Error::BadAlgorithm, u"token algorithm is not HS256"_s);
    const QByteArray expected = hmacSha256(key, parts[0] + '.' + parts[1]);
    if (!constantTimeEquals(expected, *signature))
        return failure(Error::BadSignature, u"token signature is invalid"_s);

    const QJsonDocument payload = QJsonDocument::fromJson(*payloadJson);
    if (!payload.isObject())
        return failure(Error::Malformed, u"token payload is not a JSON object"_s);
    const QJsonObject o = payload.object();
    Claims c;
    for (const auto &name : {u"sub"_s, u"org"_s, u"role"_s}) {
        if (!o.value(name).isString() || o.value(name).toString().isEmpty())
            return failure(Error::MissingClaim, u"token lacks the claim "_s + name);
    }
    c.sub = o.value(u"sub"_s).toString();
    c.org = o.value(u"org"_s).toString();
    c.role = o.value(u"role"_s).toString();
    if (c.role != u"admin"_s && c.role != u"member"_s && c.role != u"viewer"_s)
        return failure(Error::MissingClaim, u"token role is unknown"_s);
    const auto iat = numericDate(o.value(u"iat"_s));
    const auto exp = numericDate(o.value(u"exp"_s));
    if (!iat)
        return failure(Error::MissingClaim, u"token lacks the claim iat"_s);
    if (!exp)
        return failure(Error::MissingClaim, u"token lacks the claim exp"_s);
    c.iat = *iat;
    c.exp = *exp;
    if (now >= c.exp + leeway)
        return failure(Error::Expired, u"token has expired"_s);
    if (c.iat > now + leeway)
        return failure(Error::NotYetValid, u"token is issued in the future"_s);
    VerifyResult ok;
    ok.claims = c;
    return ok;
}

} // namespace crewdeck::jwt
