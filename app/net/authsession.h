#pragma once
#include "shared/types.h"

#include <QDateTime>
#include <QObject>
#include <QUrl>

namespace crewdeck::client {

// The logged-in state of the app: which server, which token, which user. Lives on the GUI
// thread; ApiClient and LiveStreams read the token from here for every call/connect.
// (AuthSession, not Session: the server's ws::Session is one WebSocket client.)
class AuthSession : public QObject
{
    Q_OBJECT
public:
    explicit AuthSession(QObject *parent = nullptr);

    QUrl serverUrl() const { return m_serverUrl; }
    void setServerUrl(const QUrl &url);

    bool isLoggedIn() const { return !m_token.isEmpty(); }
    QString token() const { return m_token; }
    const User &user() const { return m_user; }
    QDateTime expiresAt() const { return m_expiresAt; }

    // Stores the login result (token, user, expiry computed from expires_in).
    void start(const LoginResponse &login);
    // Forgets the token and user; the server URL stays.
    void end();

    // REST URL for `path` ("/dashboard/stats") on the server, with an optional query.
    QUrl restUrl(const QString &path, const QString &query = {}) const;
    // WebSocket URL for `path`: http -> ws, https -> wss, same host and port.
    QUrl socketUrl(const QString &path, const QString &query = {}) const;

    // Accepts "host:port", "http://host:port/" etc.; returns an invalid URL when unusable.
    static QUrl normalizeServerUrl(const QString &text);

Q_SIGNALS:
    void loggedIn();
    void loggedOut();
    void serverUrlChanged(const QUrl &url);

private:
    QUrl m_serverUrl;
    QString m_token;
    User m_user;
    QDateTime m_expiresAt;
};

} // namespace crewdeck::client
