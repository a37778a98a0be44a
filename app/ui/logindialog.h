#pragma once
#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace crewdeck::client {
class ApiClient;
}

namespace crewdeck::ui {

class ErrorLabel;

class Spinner;

// Asks for server URL, e-mail and password and logs in through ApiClient. On success the
// session is started, URL and e-mail are remembered (never the password) and the dialog is
// accepted; on failure it says why (wrong password, server unreachable, TLS, ...). GUI thread.
class LoginDialog : public QDialog
{
    Q_OBJECT
public:
    explicit LoginDialog(client::ApiClient *api, QWidget *parent = nullptr);

    void setServerUrl(const QString &url);
    void setEmail(const QString &email);
    void setPassword(const QString &password);
    QString serverUrl() const;
    QString email() const;
    // Shown above the buttons, e.g. "Your session has expired".
    void setMessage(const QString &text);
    QString errorText() const;
    bool isBusy() const { return m_busy; }

public Q_SLOTS:
    void submit();

Q_SIGNALS:
    void loginFailed(const QString &message);

private:
    void setBusy(bool busy);

    client::ApiClient *m_api;
    QLineEdit *m_server;
    QLineEdit *m_email;
    QLineEdit *m_password;
    ErrorLabel *m_error;
    QPushButton *m_login;
    Spinner *m_spinner;
    bool m_busy = false;
};

} // namespace crewdeck::ui
