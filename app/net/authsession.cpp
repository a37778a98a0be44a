#include "app/net/authsession.h"

using namespace Qt::StringLiterals;

namespace crewdeck::client {

AuthSession::AuthSession(QObject *parent) : QObject(parent) {}

void AuthSession::setServerUrl(const QUrl &url)
{
    if (url == m_serverUrl)
        return;
    m_serverUrl = url;
    Q_EMIT serverUrlChanged(url);
}

void AuthSession::start(const LoginResponse &login)
{
    m_token = login.accessToken;
    m_user = login.user;
    m_expiresAt = QDateTime::currentDateTimeUtc().addSecs(login.expiresIn);
    Q_EMIT loggedIn();
}

void AuthSession::end()
{
    if (m_token.isEmpty())
        return;
    m_token.clear();
    m_user = {};
    m_expiresAt = {};
    Q_EMIT loggedOut();
}

static QUrl withPath(QUrl base, const QString &path, const QString &query)
{
    QString p = base.path();
    while (p.endsWith(u'/'))
        p.chop(1);
    base.setPath(p + path);
    base.setQuery(query.isEmpty() ? QString() : query);
    base.setFragment({});
    return base;
}

QUrl AuthSession::restUrl(const QString &path, const QString &query) const
{
    return withPath(m_serverUrl, path, query);
}

QUrl AuthSession::socketUrl(const QString &path, const QString &query) const
{
    QUrl u = withPath(m_serverUrl, path, query);
    u.setScheme(m_serverUrl.scheme() == u"https"_s ? u"wss"_s : u"ws"_s);
    return u;
}

QUrl AuthSession::normalizeServerUrl(const QString &text)
{
    QString t = text.trimmed();
    if (t.isEmpty())
        return {};
    if (!t.contains(u"://"_s))
        t.prepend(u"http://"_s);
    QUrl u(t, QUrl::StrictMode);
    if (!u.isValid() || u.host().isEmpty())
        return {};
    if (u.scheme() != u"http"_s && u.scheme() != u"https"_s)
        return {};
    QString p = u.path();
    while (p.endsWith(u'/'))
        p.chop(1);
    u.setPath(p);
    u.setQuery(QString());
    u.setFragment(QString());
    return u;
}

} // namespace crewdeck::client
