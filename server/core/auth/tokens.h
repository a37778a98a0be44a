#pragma once
#include "shared/jwt.h"

#include <QByteArray>
#include <QString>
#include <optional>

// Access tokens: JWT HS256 (crewdeck::jwt) with claims sub, org, role, iat, exp; valid for
// one hour. Thread: any (the object is immutable after construction).
namespace crewdeck::server {

class TokenService
{
public:
    static constexpr qint64 ExpiresInSeconds = 3600;
    // Clock skew allowed on exp and iat.
    static constexpr qint64 LeewaySeconds = 5;

    explicit TokenService(QByteArray secret) : m_secret(std::move(secret)) {}

    QByteArray issue(const QString &userId, const QString &orgId, const QString &role,
                     qint64 nowSeconds) const;
    // Signature, pinned alg and exp/iat. `why` gets a message that is safe to log or show.
    std::optional<jwt::Claims> verify(const QByteArray &token, qint64 nowSeconds,
                                      QString *why = nullptr) const;

    const QByteArray &secret() const { return m_secret; }

    // The HMAC key: the bytes of `secretFile` with surrounding whitespace stripped, used as is;
    // without a file: <dataDir>/jwt-secret, created on first start with 32 random bytes as hex,
    // mode 0600, and reused afterwards. Runs on the main thread at start-up.
    static std::optional<QByteArray> loadOrCreateSecret(const QString &secretFile,
                                                        const QString &dataDir, QString *error);

private:
    QByteArray m_secret;
};

} // namespace crewdeck::server
