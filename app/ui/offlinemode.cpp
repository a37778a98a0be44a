#include "app/ui/offlinemode.h"
#include "app/models/dashboarddata.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/net/livesocket.h"
#include "app/ui/analytics/analyticspage.h"
#include "shared/logging.h"

#include <QRandomGenerator>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

OfflineMode::OfflineMode(client::ApiClient *api, client::AuthSession *session, QObject *parent)
    : QObject(parent), m_api(api), m_session(session)
{
    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(1000);
    connect(&m_saveTimer, &QTimer::timeout, this, &OfflineMode::saveNow);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &OfflineMode::attempt);
}

void OfflineMode::setBackoff(int baseMs, int capMs)
{
    m_baseMs = std::max(baseMs, 1);
    m_capMs = std::max(capMs, m_baseMs);
}

void OfflineMode::record(client::DashboardData *dashboard, AnalyticsPage *analytics,
                         client::LiveSocket *mission)
{
    stopRecording();
    m_recordServer = m_session->serverUrl();
    m_recordEmail = m_session->user().email;
    m_dashboard = dashboard;
    m_mission = mission;
    if (dashboard)
        connect(dashboard, &client::DashboardData::cardChanged, this, &OfflineMode::scheduleSave);
    recordAnalytics(analytics);
}

void OfflineMode::recordAnalytics(AnalyticsPage *analytics)
{
    if (m_analytics)
        m_analytics->data()->disconnect(this);
    m_analytics = analytics;
    if (analytics)
        connect(analytics->data(), &client::AnalyticsData::loaded, this,
                &OfflineMode::scheduleSave);
}

// Not restarted by every update: under a stream of updates it still saves once a second.
void OfflineMode::scheduleSave()
{
    if (!m_saveTimer.isActive())
        m_saveTimer.start();
}

bool OfflineMode::saveNow()
{
    m_saveTimer.stop();
    if (m_recordServer.isEmpty() || m_recordEmail.isEmpty())
        return false;
    client::CachedState s;
    s.savedAt = QDateTime::currentDateTimeUtc();
    s.user = m_session->user();
    if (s.user.email.isEmpty()) // torn down after the session ended: keep the last user
        s.user.email = m_recordEmail;
    if (m_dashboard)
        m_dashboard->fillCache(s);
    if (m_analytics && m_analytics->isLoaded() && m_analytics->data()->error().isEmpty()) {
        s.analyticsRange = m_analytics->range();
        s.analytics = m_analytics->data()->allSeries();
    }
    if (m_mission && m_mission->hasResumePoint())
        s.missionSeq = m_mission->lastSeq();
    if (s.isEmpty())
        return false;
    // What an older cache had and this session never loaded (a card that failed) is kept.
    if (const auto old = m_cache.load(m_recordServer, m_recordEmail)) {
        if (!s.stats)
            s.stats = old->stats;
        if (!s.tokens)
            s.tokens = old->tokens;
        if (!s.rentals)
            s.rentals = old->rentals;
        if (!s.crews)
            s.crews = old->crews;
        if (!s.analyticsRange) {
            s.analyticsRange = old->analyticsRange;
            s.analytics = old->analytics;
        }
    }
    QString err;
    if (!m_cache.save(m_recordServer, m_recordEmail, s, &err)) {
        qCWarning(lcUi) << "offline cache not written:" << err;
        return false;
    }
    ++m_saveCount;
    return true;
}

void OfflineMode::stopRecording()
{
    saveNow(); // the mission seq moves without an update that would have scheduled it
    if (m_dashboard)
        m_dashboard->disconnect(this);
    if (m_analytics)
        m_analytics->data()->disconnect(this);
    m_dashboard = nullptr;
    m_analytics = nullptr;
    m_mission = nullptr;
    m_recordServer.clear();
    m_recordEmail.clear();
}

void OfflineMode::retry(const QUrl &server, const QString &email, const QString &password)
{
    m_server = server;
    m_email = email;
    m_password = password;
    m_attempt = 0;
    scheduleRetry();
}

void OfflineMode::stopRetrying()
{
    m_retryTimer.stop();
    m_password.clear();
    m_nextRetryAt = {};
}

void OfflineMode::scheduleRetry()
{
    // The mission socket's rule (LiveSocket::backoffDelayMs): full jitter under min(cap,
    // base * 2^attempt), so that many clients coming back do not dial in lockstep.
    const qint64 ceiling = client::LiveSocket::backoffCeilingMs(m_attempt, m_baseMs, m_capMs);
    const qint64 delay = qint64(QRandomGenerator::global()->bounded(double(ceiling + 1)));
    m_nextRetryAt = QDateTime::currentDateTimeUtc().addMSecs(delay);
    m_retryTimer.start(int(delay));
    Q_EMIT retryScheduled(delay);
}

void OfflineMode::attempt()
{
    if (m_password.isEmpty() || m_inFlight)
        return;
    m_inFlight = true;
    ++m_attempt;
    m_api->login(m_server, m_email, m_password, this,
                 [this](const client::ApiResult<LoginResponse> &r) {
                     m_inFlight = false;
                     if (m_password.isEmpty())
                         return; // stopped meanwhile
                     if (r.ok()) {
                         qCInfo(lcUi) << "server reachable again after" << m_attempt << "attempts";
                         stopRetrying();
                         Q_EMIT loggedIn();
                         return;
                     }
                     if (r.failure.isUnreachable()) {
                         scheduleRetry();
                         return;
                     }
                     stopRetrying();
                     Q_EMIT rejected(r.failure.message);
                 });
}

} // namespace crewdeck::ui
