#include "server/core/auth/ratelimiter.h"

#include <QtGlobal>

namespace crewdeck::server {

namespace {
constexpr qsizetype MaxKeys = 100'000;
}

LoginRateLimiter::LoginRateLimiter(int maxFailures, qint64 windowMs)
    : m_maxFailures(qMax(10, maxFailures)),
      m_windowMs(qMax<qint64>(1000, qMin<qint64>(windowMs, 60'000)))
{
    // Clamp so that a misconfiguration can never go below 10 attempts a minute.
}

QString LoginRateLimiter::key(const QString &clientAddress, const QString &email)
{
    return clientAddress + QLatin1Char('\n') + email.trimmed().toLower();
}

void LoginRateLimiter::prune(QList<qint64> &times, qint64 nowMs) const
{
    while (!times.isEmpty() && times.first() <= nowMs - m_windowMs)
        times.removeFirst();
}

int LoginRateLimiter::retryAfterSeconds(const QString &key, qint64 nowMs)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_failures.find(key);
    if (it == m_failures.end())
        return 0;
    prune(*it, nowMs);
    if (it->size() < m_maxFailures) {
        if (it->isEmpty())
            m_failures.erase(it);
        return 0;
    }
    // Allowed again once enough failures have left the window.
    const qint64 freeAt = it->at(it->size() - m_maxFailures) + m_windowMs;
    return int(qMax<qint64>(1, (freeAt - nowMs + 999) / 1000));
}

void LoginRateLimiter::recordFailure(const QString &key, qint64 nowMs)
{
    QMutexLocker lock(&m_mutex);
    if (m_failures.size() >= MaxKeys)
        compact(nowMs);
    QList<qint64> &times = m_failures[key];
    prune(times, nowMs);
    times.append(nowMs);
    // Only the newest maxFailures matter for the decision.
    while (times.size() > m_maxFailures)
        times.removeFirst();
}

void LoginRateLimiter::recordSuccess(const QString &key)
{
    QMutexLocker lock(&m_mutex);
    m_failures.remove(key);
}

void LoginRateLimiter::compact(qint64 nowMs)
{
    for (auto it = m_failures.begin(); it != m_failures.end();) {
        prune(*it, nowMs);
        it = it->isEmpty() ? m_failures.erase(it) : std::next(it);
    }
    // Still full (a flood of distinct keys): forget everything rather than grow without bound.
    if (m_failures.size() >= MaxKeys)
        m_failures.clear();
}

} // namespace crewdeck::server
