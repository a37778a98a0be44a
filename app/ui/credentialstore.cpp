#include "app/ui/credentialstore.h"
#include "shared/logging.h"

#include <QPointer>
#include <qt6keychain/keychain.h>
#ifdef CREWDECK_HAVE_DBUS
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#endif

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

namespace {
const QString Service = u"CrewDeck"_s;
}

QString CredentialStore::keyFor(const QUrl &server, const QString &email)
{
    return server.toString(QUrl::StripTrailingSlash) + u' ' + email.trimmed().toCaseFolded();
}

KeychainStore::KeychainStore(QObject *parent) : CredentialStore(parent) {}

QString KeychainStore::unavailableReason() const
{
    if (m_reason)
        return *m_reason;
    m_reason = QString();
#if defined(Q_OS_UNIX) && !defined(Q_OS_DARWIN)
#ifdef CREWDECK_HAVE_DBUS
    // QtKeychain talks to Secret Service (or KWallet) over the session bus. Probed once, by
    // name only: reading an entry could make a locked keyring prompt at start-up.
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) {
        m_reason = tr("No keychain service is running (there is no desktop session), so "
                      "CrewDeck cannot keep your password safely.");
    } else {
        const QStringList names = {u"org.freedesktop.secrets"_s, u"org.kde.kwalletd6"_s,
                                   u"org.kde.kwalletd5"_s};
        QDBusConnectionInterface *iface = bus.interface();
        const QStringList activatable = iface->activatableServiceNames().value();
        bool found = false;
        for (const QString &n : names)
            found = found || iface->isServiceRegistered(n).value() || activatable.contains(n);
        if (!found)
            m_reason = tr("No keychain service (Secret Service or KWallet) is running, so "
                          "CrewDeck cannot keep your password safely.");
    }
#else
    m_reason = tr("This build of CrewDeck cannot reach a keychain service.");
#endif
#endif
    if (!m_reason->isEmpty())
        qCInfo(lcUi) << "remember me unavailable:" << *m_reason;
    return *m_reason;
}

void KeychainStore::read(const QString &key, QObject *context,
                         std::function<void(std::optional<QString>)> done)
{
    auto *job = new QKeychain::ReadPasswordJob(Service, this);
    job->setInsecureFallback(false);
    job->setKey(key);
    QPointer<QObject> ctx(context);
    connect(job, &QKeychain::Job::finished, this, [ctx, done, job](QKeychain::Job *) {
        if (!ctx)
            return;
        if (job->error() != QKeychain::NoError) {
            if (job->error() != QKeychain::EntryNotFound)
                qCWarning(lcUi) << "keychain read failed:" << job->errorString();
            done(std::nullopt);
            return;
        }
        done(job->textData());
    });
    job->start();
}

void KeychainStore::write(const QString &key, const QString &secret, QObject *context,
                          std::function<void(bool, const QString &)> done)
{
    auto *job = new QKeychain::WritePasswordJob(Service, this);
    job->setInsecureFallback(false);
    job->setKey(key);
    job->setTextData(secret);
    QPointer<QObject> ctx(context);
    connect(job, &QKeychain::Job::finished, this, [ctx, done, job](QKeychain::Job *) {
        const bool ok = job->error() == QKeychain::NoError;
        if (!ok)
            qCWarning(lcUi) << "keychain write failed:" << job->errorString();
        if (ctx && done)
            done(ok, ok ? QString() : job->errorString());
    });
    job->start();
}

void KeychainStore::remove(const QString &key)
{
    auto *job = new QKeychain::DeletePasswordJob(Service, this);
    job->setInsecureFallback(false);
    job->setKey(key);
    job->start();
}

} // namespace crewdeck::ui
