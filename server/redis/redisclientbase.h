#pragma once
#include <QByteArray>
#include <QDeadlineTimer>
#include <QObject>
#include <QString>
#include <QTimer>

struct redisAsyncContext;

namespace crewdeck::server {

// Shared machinery of RedisConnection and RedisSubscriber: URL parsing, one hiredis async
// context driven by the Qt event loop, the Disconnected/Connecting/Ready state machine,
// automatic reconnect with capped exponential backoff and full jitter (100 ms .. 5 s), and a
// ping-based liveness check (a ping every 2 s; no answer within 3 s = link lost, which also
// catches half-open TCP connections).
//
// Lives on (and must only be used from) the thread that created it, normally the main thread.
//
// URL: redis://[[user]:password@]host[:port][/db]  (port defaults to 6379, db to 0). A bad URL
// leaves the object invalid: isValid() is false, errorString() says why, open() fails.
class RedisClientBase : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Ready };
    Q_ENUM(State)

    ~RedisClientBase() override;

    bool isValid() const { return m_valid; }
    State state() const { return m_state; }
    bool isReady() const { return m_state == State::Ready; }
    // Last error: bad URL, connection refused, connection lost and why, ...
    QString errorString() const { return m_error; }
    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    int database() const { return m_db; }
    // The URL without the password, for logs.
    QString displayUrl() const { return m_displayUrl; }

    // Starts connecting and keeps the link up (reconnecting as needed) until close().
    // Returns false only for an invalid URL.
    bool open();
    // Drops the link and stops reconnecting. Pending callbacks get a "connection lost" error.
    void close();

Q_SIGNALS:
    void stateChanged(crewdeck::server::RedisClientBase::State state);
    void ready(); // every transition to Ready (first connect and each reconnect)
    void lost();  // every transition from Ready to Disconnected (not for failed attempts)

protected:
    RedisClientBase(const QString &url, QObject *parent);

    // The TCP link is up (called inside hiredis' connect callback): send the setup commands
    // and call markReady() from the reply that completes the setup.
    virtual void linkUp() = 0;
    // Send one liveness ping; call pongReceived() when its answer arrives.
    virtual void sendLivenessPing() = 0;

    redisAsyncContext *context() const { return m_ctx; }
    quint64 linkGeneration() const { return m_gen; }
    bool isLinkUp() const { return m_ctx != nullptr && m_linkUp; }
    void markReady(); // may emit; callers must not touch members afterwards
    void pongReceived();
    // A blocking command (XREADGROUP BLOCK, BLPOP...) was sent: the next ping's answer will
    // wait behind it, so stretch the liveness deadline by up to blockMs.
    void noteBlocking(int blockMs);
    // Drop the link (from anywhere, including inside hiredis callbacks: the drop is then
    // deferred to the event loop). Only drops if `generation` is still the current link.
    void failLink(quint64 generation, const QString &reason);
    // Detach from hiredis without calling anyone back; derived destructors call it first.
    void shutdown();

    // Recovers the object from a hiredis context; nullptr once the object is being destroyed.
    static RedisClientBase *fromContext(const redisAsyncContext *ac);

private:
    static void onConnect(const redisAsyncContext *ac, int status);
    static void onDisconnect(const redisAsyncContext *ac, int status);

    void startConnect();
    void connectTo(const QString &address);
    void dropContext(const QString &reason);
    void linkGone(quint64 generation);
    void scheduleReconnect();
    void setState(State state);
    void setError(const QString &error);

    QString m_host;
    quint16 m_port = 6379;
    int m_db = 0;
    QByteArray m_user;
    QByteArray m_password;
    QString m_displayUrl;
    bool m_valid = false;

protected:
    // AUTH credentials from the URL (empty when none) for linkUp().
    const QByteArray &authUser() const { return m_user; }
    const QByteArray &authPassword() const { return m_password; }

private:
    redisAsyncContext *m_ctx = nullptr;
    redisAsyncContext *m_freeing = nullptr; // context inside our own redisAsyncFree()
    quint64 m_gen = 0;
    bool m_linkUp = false;
    bool m_wantOpen = false;
    bool m_everReady = false;
    int m_attempt = 0;
    int m_lookupId = -1;
    State m_state = State::Disconnected;
    QString m_error;

    QTimer m_reconnectTimer;
    QTimer m_connectTimeout;
    QTimer m_pingTimer;
    QTimer m_pongDeadline;
    bool m_pingOutstanding = false;
    QDeadlineTimer m_blockingUntil;

protected:
    bool everReady() const { return m_everReady; }
};

} // namespace crewdeck::server
