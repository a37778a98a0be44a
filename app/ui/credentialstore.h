#pragma once
#include <QObject>
#include <QString>
#include <QUrl>
#include <functional>
#include <optional>

namespace crewdeck::ui {

// Where "Remember me" keeps the password: the OS keychain (KeychainStore), never QSettings.
// One secret per server and e-mail. Asynchronous like the keychains themselves; callbacks run
// on the GUI thread and are dropped when `context` is gone. Tests use a fake behind this.
class CredentialStore : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Empty when secrets can be stored; otherwise why not (translated), e.g. for a tooltip.
    virtual QString unavailableReason() const = 0;
    bool isAvailable() const { return unavailableReason().isEmpty(); }

    // nullopt when there is no secret (or the keychain refused).
    virtual void read(const QString &key, QObject *context,
                      std::function<void(std::optional<QString>)> done) = 0;
    virtual void write(const QString &key, const QString &secret, QObject *context,
                       std::function<void(bool ok, const QString &error)> done) = 0;
    virtual void remove(const QString &key) = 0;

    // "<server URL> <e-mail>" (case-folded e-mail): the entry's name in the keychain.
    static QString keyFor(const QUrl &server, const QString &email);
};

// The OS keychain through QtKeychain (service "CrewDeck"): Keychain on macOS, Credential
// Manager on Windows, Secret Service (or KWallet) on Linux. QtKeychain's plaintext fallback
// stays off. On Linux it is unavailable when no session bus or no keychain service runs
// (headless machines, CI). GUI thread.
class KeychainStore : public CredentialStore
{
    Q_OBJECT
public:
    explicit KeychainStore(QObject *parent = nullptr);

    QString unavailableReason() const override;
    void read(const QString &key, QObject *context,
              std::function<void(std::optional<QString>)> done) override;
    void write(const QString &key, const QString &secret, QObject *context,
               std::function<void(bool ok, const QString &error)> done) override;
    void remove(const QString &key) override;

private:
    mutable std::optional<QString> m_reason; // probed once
};

} // namespace crewdeck::ui
