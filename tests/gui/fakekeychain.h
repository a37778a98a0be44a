#pragma once
// A CredentialStore for tests: secrets in memory, answers through the event loop like a real
// keychain, and "unavailable" on demand (a headless machine). GUI thread.
#include "app/ui/credentialstore.h"

#include <QHash>
#include <QPointer>
#include <QTimer>

namespace crewdeck::testsupport {

class FakeCredentialStore : public ui::CredentialStore
{
public:
    using ui::CredentialStore::CredentialStore;

    QHash<QString, QString> secrets;
    QString reason; // non-empty: unavailable, with this tooltip
    int reads = 0;

    QString unavailableReason() const override { return reason; }
    void read(const QString &key, QObject *context,
              std::function<void(std::optional<QString>)> done) override
    {
        ++reads;
        const std::optional<QString> v =
            secrets.contains(key) ? std::optional<QString>(secrets.value(key)) : std::nullopt;
        QTimer::singleShot(0, context, [done, v] { done(v); });
    }
    void write(const QString &key, const QString &secret, QObject *context,
               std::function<void(bool, const QString &)> done) override
    {
        secrets.insert(key, secret);
        if (done)
            QTimer::singleShot(0, context, [done] { done(true, {}); });
    }
    void remove(const QString &key) override { secrets.remove(key); }
};

} // namespace crewdeck::testsupport
