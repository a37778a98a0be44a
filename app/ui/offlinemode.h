#pragma once
#include "app/models/offlinecache.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <functional>

namespace crewdeck::client {
class ApiClient;
class DashboardData;
class LiveSocket;
class AuthSession;
} // namespace crewdeck::client

namespace crewdeck::ui {

class AnalyticsPage;

// The app's offline side (issue 17, item 2). GUI thread.
//
// While live, it records what the dashboard and the analytics page show into the
// OfflineCache of the server and user (debounced after every update, and once more when the
// session is torn down). Started with the server unreachable, AppController opens the window
// from that cache and hands the credential of the failed login to retry(): logins are retried
// with the mission socket's backoff (full jitter, base..cap) until one answers; loggedIn()
// then lets AppController go live, rejected() ends it (wrong password by now, account gone).
class OfflineMode : public QObject
{
    Q_OBJECT
public:
    OfflineMode(client::ApiClient *api, client::AuthSession *session, QObject *parent = nullptr);

    // A temporary directory in tests; the default is <CacheLocation>/offline.
    void setCacheDirectory(const QString &dir) { m_cache = client::OfflineCache(dir); }
    const client::OfflineCache &cache() const { return m_cache; }
    void setBackoff(int baseMs, int capMs);
    void setSaveDelay(int ms) { m_saveTimer.setInterval(ms); }

    // ---- live: recording
    // Records from these (any may be null) for the logged-in session's server and e-mail.
    void record(client::DashboardData *dashboard, AnalyticsPage *analytics,
                client::LiveSocket *mission);
    // Records `analytics` too (a page built after record()); null stops recording it.
    void recordAnalytics(AnalyticsPage *analytics);
    // Writes the cache now (if recording and anything loaded) and stops recording.
    void stopRecording();
    bool saveNow();
    int saveCount() const { return m_saveCount; }

    // ---- offline: retrying
    // Starts retrying `password` for `email` at `server` (the credential of the login that
    // could not reach the server). The first retry waits one backoff delay.
    void retry(const QUrl &server, const QString &email, const QString &password);
    void stopRetrying();
    bool isRetrying() const { return !m_password.isEmpty(); }
    int attempts() const { return m_attempt; }
    QDateTime nextRetryAt() const { return m_nextRetryAt; }

Q_SIGNALS:
    void retryScheduled(qint64 delayMs);
    // The server answered a retry and the session is started.
    void loggedIn();
    // The server answered but refused (message translated): retrying is over.
    void rejected(const QString &message);

private:
    void scheduleRetry();
    void attempt();

    client::ApiClient *m_api;
    client::AuthSession *m_session;
    client::OfflineCache m_cache;
    QPointer<client::DashboardData> m_dashboard;
    void scheduleSave();

    QPointer<AnalyticsPage> m_analytics;
    QPointer<client::LiveSocket> m_mission;
    QUrl m_recordServer;
    QString m_recordEmail;
    QTimer m_saveTimer;
    int m_saveCount = 0;

    QUrl m_server;
    QString m_email;
    QString m_password;
    int m_attempt = 0;
    int m_baseMs = 500;
    int m_capMs = 20000;
    bool m_inFlight = false;
    QDateTime m_nextRetryAt;
    QTimer m_retryTimer;
};

} // namespace crewdeck::ui
