#pragma once
#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <optional>

// JWT HS256 (RFC 7519/7515) as the protocol uses it: the algorithm is pinned to HS256 (a
// header naming anything else, "none" included, is rejected), the signature is compared in
// constant time, and `exp`/`iat` are checked with a small leeway.
namespace crewdeck::jwt {

struct Claims
{
    QString sub;  // user id
    QString org;  // org id
    QString role; // admin | member | viewer
    qint64 iat = 0;
    qint64 exp = 0;
};

enum class Error { Malformed, BadAlgorithm, BadSignature, Expired, NotYetValid, MissingClaim };

struct VerifyResult
{
    std::optional<Claims> claims;
    Error error = Error::Malformed;
    QString message; // safe to show: never contains the token
    explicit operator bool() const { return claims.has_value(); }
};

QByteArray sign(const Claims &claims, const QByteArray &key);
// `now` in seconds since the epoch; `leewaySeconds` tolerates clock skew on exp and iat.
VerifyResult verify(const QByteArray &token, const QByteArray &key, qint64 now,
                    qint64 leewaySeconds = 30);

// HMAC-SHA256 (RFC 2104/4231).
QByteArray hmacSha256(const QByteArray &key, const QByteArray &message);
// Compares in time that depends only on the lengths, not on where the bytes differ.
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);
QByteArray base64UrlEncode(const QByteArray &data);
std::optional<QByteArray> base64UrlDecode(const QByteArray &text);

} // namespace crewdeck::jwt
