#pragma once
#include <QHash>
#include <QList>
#include <QMutex>
#include <QString>

// Failed-login limiter keyed by (client address, e-mail): at most `maxFailures` failures in a
// sliding window; further attempts for that key are refused (429) until the oldest failure
// leaves the window. A successful login clears the key. Memory is bounded: stale keys are
// dropped as the table grows. Thread: any (internally locked).
namespace crewdeck::server {

class LoginRateLimiter
{
public:
    // The contract allows limiting, but never below 10 attempts a minute.
    explicit LoginRateLimiter(int maxFailures = 20, qint64 windowMs = 60'000);

    static QString key(const QString &clientAddress, const QString &email);

    // Seconds until the next attempt is allowed (>= 1), or 0 when allowed now.
    int retryAfterSeconds(const QString &key, qint64 nowMs);
    void recordFailure(const QString &key, qint64 nowMs);
    void recordSuccess(const QString &key);

    int maxFailures() const { return m_maxFailures; }
    qint64 windowMs() const { return m_windowMs; }

private:
    void prune(QList<qint64> &times, qint64 nowMs) const;
    void compact(qint64 nowMs);

    QMutex m_mutex;
    int m_maxFailures;
    qint64 m_windowMs;
    QHash<QString, QList<qint64>> m_failures; // key -> failure times, ascending
};

} // namespace crewdeck::server
