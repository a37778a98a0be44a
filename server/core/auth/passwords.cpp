#include "server/core/auth/passwords.h"

#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>
#include <sodium.h>

namespace crewdeck::server::passwords {

QThreadPool *pool()
{
    // Two threads: argon2id "interactive" needs 64 MiB each; more would only queue on the two
    // cores this runs on. Thread-safe static init; never destroyed before exit.
    static QThreadPool *p = [] {
        auto *tp = new QThreadPool;
        tp->setMaxThreadCount(2);
        tp->setObjectName(QStringLiteral("crewdeck-passwords"));
        return tp;
    }();
    return p;
}

namespace {

const QByteArray &dummyHash()
{
    static const QByteArray h = hash(QStringLiteral("dummy password for unknown accounts"));
    return h;
}

} // namespace

bool initialize()
{
    static const bool ok = sodium_init() >= 0;
    return ok;
}

QByteArray hash(const QString &password)
{
    if (!initialize())
        return {};
    const QByteArray pw = password.toUtf8();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, pw.constData(), quint64(pw.size()),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return {};
    return QByteArray(out);
}

bool verify(const QByteArray &storedHash, const QString &password)
{
    if (!initialize() || storedHash.isEmpty() || storedHash.size() >= crypto_pwhash_STRBYTES)
        return false;
    const QByteArray pw = password.toUtf8();
    // crypto_pwhash_str_verify needs a NUL-terminated string; QByteArray guarantees that.
    return crypto_pwhash_str_verify(storedHash.constData(), pw.constData(), quint64(pw.size())) ==
           0;
}

QFuture<QByteArray> hashAsync(const QString &password)
{
    return QtConcurrent::run(pool(), [password] { return hash(password); });
}

QFuture<bool> verifyAsync(const QByteArray &storedHash, const QString &password)
{
    return QtConcurrent::run(pool(), [storedHash, password] {
        if (storedHash.isEmpty())
            return verifyAgainstDummy(password);
        return verify(storedHash, password);
    });
}

bool verifyAgainstDummy(const QString &password)
{
    verify(dummyHash(), password);
    return false;
}

QString randomPassword(int length)
{
    initialize();
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    const quint32 n = sizeof(alphabet) - 1;
    QString out;
    out.reserve(length);
    for (int i = 0; i < length; ++i)
        out.append(QLatin1Char(alphabet[randombytes_uniform(n)]));
    return out;
}

} // namespace crewdeck::server::passwords
