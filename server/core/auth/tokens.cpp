#include "server/core/auth/tokens.h"
#include "shared/logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <sodium.h>

namespace crewdeck::server {

using namespace Qt::StringLiterals;

QByteArray TokenService::issue(const QString &userId, const QString &orgId, const QString &role,
                               qint64 nowSeconds) const
{
    jwt::Claims c;
    c.sub = userId;
    c.org = orgId;
    c.role = role;
    c.iat = nowSeconds;
    c.exp = nowSeconds + ExpiresInSeconds;
    return jwt::sign(c, m_secret);
}

std::optional<jwt::Claims> TokenService::verify(const QByteArray &token, qint64 nowSeconds,
                                                QString *why) const
{
    // No leeway on exp for our own tokens beyond a few seconds: issuer and verifier share a clock.
    const jwt::VerifyResult r = jwt::verify(token, m_secret, nowSeconds, LeewaySeconds);
    if (!r) {
        if (why)
            *why = r.message;
        return std::nullopt;
    }
    return r.claims;
}

namespace {
const QByteArray Whitespace = QByteArrayLiteral(" \t\r\n\v\f");

QByteArray stripWhitespace(QByteArray b)
{
    qsizetype start = 0, end = b.size();
    while (start < end && Whitespace.contains(b.at(start)))
        ++start;
    while (end > start && Whitespace.contains(b.at(end - 1)))
        --end;
    return b.mid(start, end - start);
}
} // namespace

std::optional<QByteArray> TokenService::loadOrCreateSecret(const QString &secretFile,
                                                           const QString &dataDir, QString *error)
{
    auto fail = [error](const QString &msg) -> std::optional<QByteArray> {
        if (error)
            *error = msg;
        return std::nullopt;
    };
    if (!secretFile.isEmpty()) {
        QFile f(secretFile);
        if (!f.open(QIODevice::ReadOnly))
            return fail(
                u"cannot read the JWT secret file %1: %2"_s.arg(secretFile, f.errorString()));
        const QByteArray key = stripWhitespace(f.readAll());
        if (key.isEmpty())
            return fail(u"the JWT secret file %1 is empty"_s.arg(secretFile));
        if (key.size() < 16)
            qCWarning(lcAuth)
                << "the JWT secret is shorter than 16 bytes; use at least 32 random bytes";
        return key;
    }

    const QString path = QDir(dataDir).filePath(u"jwt-secret"_s);
    QFile f(path);
    if (f.exists()) {
        if (!f.open(QIODevice::ReadOnly))
            return fail(u"cannot read %1: %2"_s.arg(path, f.errorString()));
        const QByteArray key = stripWhitespace(f.readAll());
        if (key.isEmpty())
            return fail(u"%1 is empty: delete it to have a new secret created"_s.arg(path));
        const auto perms = f.permissions();
        if (perms & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup |
                     QFileDevice::WriteOther)) {
            qCWarning(lcAuth).noquote() << "tightening the permissions of" << path << "to 0600";
            f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
        return key;
    }

    if (sodium_init() < 0)
        return fail(u"libsodium cannot be initialised"_s);
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    const QByteArray key = QByteArray(reinterpret_cast<const char *>(raw), sizeof raw).toHex();
    sodium_memzero(raw, sizeof raw);
    // Created with 0600 from the start (no window in which another user could read it);
    // NewOnly fails if a concurrent start created it first.
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return fail(u"cannot create %1: %2"_s.arg(path, f.errorString()));
    if (f.write(key + '\n') != key.size() + 1 || !f.flush())
        return fail(u"cannot write %1: %2"_s.arg(path, f.errorString()));
    f.close();
    qCInfo(lcAuth).noquote() << "created a new JWT secret in" << path;
    return key;
}

} // namespace crewdeck::server
