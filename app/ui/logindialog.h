#pragma once
#include <QDialog>
#include <QUrl>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace crewdeck::client {
class ApiClient;
}

namespace crewdeck::ui {

class CredentialStore;
class ErrorLabel;

class Spinner;

// Asks for server URL, e-mail and password and logs in through ApiClient. On success the
// session is started, what is to be remembered in QSettings (URL, e-mail and the "Remember me"
// choice; never the password) is kept in accepted() for the caller to write, and the dialog is
// accepted; with "Remember me" checked the password goes to the OS keychain (`store`),
// unchecked it is removed from there. The checkbox is disabled, with the reason as its
// tooltip, when the store is unavailable. On failure it says why (wrong password, server
// unreachable, TLS, ...). GUI thread.
class LoginDialog : public QDialog
{
    Q_OBJECT
public:
    explicit LoginDialog(client::ApiClient *api, CredentialStore *store = nullptr,
                         QWidget *parent = nullptr);

    void setServerUrl(const QString &url);
    void setEmail(const QString &email);
    void setPassword(const QString &password);
    QString serverUrl() const;
    QString email() const;
    // Shown above the buttons, e.g. "Your session has expired".
    void setMessage(const QString &text);
    QString errorText() const;
    QCheckBox *rememberCheck() const { return m_remember; }
    bool isBusy() const { return m_busy; }

    // What the last successful login leaves for QSettings. The caller writes it (the app once
    // its window is live: a QSettings write is synced with fsync on the GUI thread when the
    // next QSettings opens the file, 8-10 ms of the cold start; issue 17).
    struct Accepted
    {
        QString serverUrl;
        QString email;
        std::optional<bool> remember; // unset: the keychain is unavailable, keep the setting
    };
    Accepted accepted() const { return m_accepted; }
    // Writes accepted() into QSettings.
    static void remember(const Accepted &login);

public Q_SLOTS:
    void submit();

Q_SIGNALS:
    // The login request is out (the answer comes with accepted() or loginFailed()).
    void loginStarted();
    void loginFailed(const QString &message);
    // The server could not be reached (before loginFailed): AppController opens the window
    // offline when it has a cache for that server and user, and retries with `password`.
    void serverUnreachable(const QUrl &url, const QString &email, const QString &password);

private:
    void setBusy(bool busy);

    client::ApiClient *m_api;
    QLineEdit *m_server;
    QLineEdit *m_email;
    QLineEdit *m_password;
    QCheckBox *m_remember;
    CredentialStore *m_store;
    ErrorLabel *m_error;
    QPushButton *m_login;
    Spinner *m_spinner;
    bool m_busy = false;
    Accepted m_accepted;
};

} // namespace crewdeck::ui
