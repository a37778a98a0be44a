#include "server/redis/redisclientbase.h"

#include "server/redis/qtadapter.h"
#include "shared/logging.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QPointer>
#include <QRandomGenerator>
#include <QUrl>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <utility>

using namespace Qt::StringLiterals;

namespace crewdeck::server {

namespace {
constexpr int kBackoffMinMs = 100;
constexpr int kBackoffMaxMs = 5000;
constexpr int kConnectTimeoutMs = 5000;
constexpr int kPingIntervalMs = 2000;
constexpr int kPongTimeoutMs = 3000;
} // namespace

RedisClientBase::RedisClientBase(const QString &url, QObject *parent) : QObject(parent)
{
    const QUrl u(url, QUrl::StrictMode);
    m_displayUrl = u.isValid() ? u.toDisplayString(QUrl::RemovePassword) : u"<unparsable>"_s;
    auto fail = [&](const QString &why) {
        m_error = u"invalid Redis URL '%1': %2"_s.arg(m_displayUrl, why);
    };
    bool dbOk = true;
    const QString path = u.path();
    if (path.size() > 1)
        m_db = path.mid(1).toInt(&dbOk);
    if (!u.isValid())
        fail(u.errorString());
    else if (u.scheme() != u"redis"_s)
        fail(u"scheme must be redis://"_s);
    else if (u.host().isEmpty())
        fail(u"missing host"_s);
    else if (u.port() == 0)
        fail(u"port must be 1..65535"_s);
    else if (!dbOk || m_db < 0 || (!path.isEmpty() && path != u"/"_s && path.mid(1).contains(u'/')))
        fail(u"the path must be /<database number>"_s);
    else if (u.hasQuery() || u.hasFragment())
        fail(u"query and fragment are not supported"_s);
    else {
        m_valid = true;
        m_host = u.host();
        m_port = quint16(u.port(6379));
        m_user = u.userName().toUtf8();
        m_password = u.password().toUtf8();
    }
    if (!m_valid)
        m_db = 0;

    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RedisClientBase::startConnect);
    m_connectTimeout.setSingleShot(true);
    m_connectTimeout.setInterval(kConnectTimeoutMs);
    connect(&m_connectTimeout, &QTimer::timeout, this, [this] {
        const QString why =
            u"no connection to %1:%2 within %3 ms"_s.arg(m_host).arg(m_port).arg(kConnectTimeoutMs);
        if (m_ctx) {
            dropContext(why);
        } else if (m_lookupId >= 0) {
            // Still resolving the host name.
            QHostInfo::abortHostLookup(m_lookupId);
            m_lookupId = -1;
            setError(why);
            setState(State::Disconnected);
            scheduleReconnect();
        }
    });
    m_pingTimer.setInterval(kPingIntervalMs);
    connect(&m_pingTimer, &QTimer::timeout, this, [this] {
        if (m_pingOutstanding || !m_ctx)
            return;
        m_pingOutstanding = true;
        m_pongDeadline.start(kPongTimeoutMs + int(m_blockingUntil.remainingTime()));
        sendLivenessPing();
    });
    m_pongDeadline.setSingleShot(true);
    connect(&m_pongDeadline, &QTimer::timeout, this, [this] {
        qCWarning(lcRedis) << "no PING answer from" << m_displayUrl << "- dropping the link";
        dropContext(u"no answer to PING within %1 ms"_s.arg(kPongTimeoutMs));
    });
    m_blockingUntil = QDeadlineTimer(0);
}

RedisClientBase::~RedisClientBase()
{
    shutdown();
}

void RedisClientBase::shutdown()
{
    m_wantOpen = false;
    m_reconnectTimer.stop();
    m_connectTimeout.stop();
    m_pingTimer.stop();
    m_pongDeadline.stop();
    if (m_lookupId >= 0) {
        QHostInfo::abortHostLookup(m_lookupId);
        m_lookupId = -1;
    }
    // Nulling ->data turns every later hiredis callback for these contexts into a no-op:
    // hiredis runs pending callbacks (with NULL replies) while freeing, possibly later than
    // now if we are inside one of its callbacks (it then defers the free).
    if (m_freeing)
        m_freeing->data = nullptr;
    if (redisAsyncContext *ac = std::exchange(m_ctx, nullptr)) {
        ac->data = nullptr;
        redisAsyncFree(ac);
    }
}

RedisClientBase *RedisClientBase::fromContext(const redisAsyncContext *ac)
{
    return static_cast<RedisClientBase *>(ac->data);
}

bool RedisClientBase::open()
{
    if (!m_valid)
        return false;
    m_wantOpen = true;
    if (!m_ctx && m_lookupId < 0 && !m_reconnectTimer.isActive())
        startConnect();
    return true;
}

void RedisClientBase::close()
{
    m_wantOpen = false;
    m_reconnectTimer.stop();
    if (m_lookupId >= 0) {
        QHostInfo::abortHostLookup(m_lookupId);
        m_lookupId = -1;
    }
    if (m_ctx)
        dropContext(u"closed"_s);
    else
        setState(State::Disconnected);
}

void RedisClientBase::startConnect()
{
    if (!m_wantOpen || m_ctx)
        return;
    setState(State::Connecting);
    m_connectTimeout.start();
    QHostAddress literal;
    if (literal.setAddress(m_host)) {
        connectTo(literal.toString());
        return;
    }
    // hiredis would resolve with a blocking getaddrinfo(): resolve asynchronously instead.
    m_lookupId = QHostInfo::lookupHost(m_host, this, [this](const QHostInfo &info) {
        m_lookupId = -1;
        if (!m_wantOpen)
            return;
        QString address;
        for (const QHostAddress &a : info.addresses()) {
            if (address.isEmpty() || a.protocol() == QAbstractSocket::IPv4Protocol) {
                address = a.toString();
                if (a.protocol() == QAbstractSocket::IPv4Protocol)
                    break;
            }
        }
        if (address.isEmpty()) {
            setError(u"cannot resolve %1: %2"_s.arg(m_host, info.errorString()));
            m_connectTimeout.stop();
            setState(State::Disconnected);
            scheduleReconnect();
            return;
        }
        connectTo(address);
    });
}

void RedisClientBase::connectTo(const QString &address)
{
    const QByteArray ip = address.toLatin1();
    redisAsyncContext *ac = redisAsyncConnect(ip.constData(), m_port);
    if (!ac || ac->err) {
        setError(u"cannot connect to %1:%2: %3"_s.arg(m_host).arg(m_port).arg(
            ac ? QString::fromLocal8Bit(ac->errstr) : u"out of memory"_s));
        if (ac)
            redisAsyncFree(ac);
        m_connectTimeout.stop();
        setState(State::Disconnected);
        scheduleReconnect();
        return;
    }
    // The adapter must be in place before the connect callback is set: setting it arms the
    // write notifier that tells us when the non-blocking connect() finished.
    if (!redisdetail::attachQtAdapter(ac)) {
        redisAsyncFree(ac);
        setError(u"internal error: hiredis context already has an event adapter"_s);
        scheduleReconnect();
        return;
    }
    ++m_gen;
    m_ctx = ac;
    m_linkUp = false;
    ac->data = this;
    redisAsyncSetDisconnectCallback(ac, &RedisClientBase::onDisconnect);
    redisAsyncSetConnectCallback(ac, &RedisClientBase::onConnect);
}

void RedisClientBase::onConnect(const redisAsyncContext *ac, int status)
{
    RedisClientBase *self = fromContext(ac);
    if (!self || self->m_ctx != ac)
        return;
    if (status != REDIS_OK) {
        // hiredis frees the context right after this returns.
        self->m_ctx = nullptr;
        self->setError(u"cannot connect to %1:%2: %3"_s.arg(self->m_host)
                           .arg(self->m_port)
                           .arg(QString::fromLocal8Bit(ac->errstr)));
        const quint64 gen = ++self->m_gen;
        QMetaObject::invokeMethod(
            self, [self, gen] { self->linkGone(gen); }, Qt::QueuedConnection);
        return;
    }
    self->m_linkUp = true;
    self->linkUp();
}

void RedisClientBase::onDisconnect(const redisAsyncContext *ac, int status)
{
    Q_UNUSED(status);
    RedisClientBase *self = fromContext(ac);
    // When we freed the context ourselves (dropContext), m_ctx was already reset.
    if (!self || self->m_ctx != ac)
        return;
    self->m_ctx = nullptr;
    self->setError(ac->err ? u"connection to %1 lost: %2"_s.arg(self->m_displayUrl,
                                                                QString::fromLocal8Bit(ac->errstr))
                           : u"connection to %1 closed"_s.arg(self->m_displayUrl));
    const quint64 gen = ++self->m_gen;
    QMetaObject::invokeMethod(
        self, [self, gen] { self->linkGone(gen); }, Qt::QueuedConnection);
}

void RedisClientBase::failLink(quint64 generation, const QString &reason)
{
    if (generation != m_gen || !m_ctx)
        return;
    if (m_ctx->c.flags & REDIS_IN_CALLBACK) {
        QMetaObject::invokeMethod(
            this, [this, generation, reason] { failLink(generation, reason); },
            Qt::QueuedConnection);
        return;
    }
    dropContext(reason);
}

void RedisClientBase::dropContext(const QString &reason)
{
    redisAsyncContext *ac = m_ctx;
    if (!ac)
        return;
    if (ac->c.flags & REDIS_IN_CALLBACK) {
        // Freeing now would only be deferred by hiredis; do it from the event loop instead.
        const quint64 gen = m_gen;
        QMetaObject::invokeMethod(
            this, [this, gen, reason] { failLink(gen, reason); }, Qt::QueuedConnection);
        return;
    }
    setError(reason);
    m_ctx = nullptr;
    const quint64 gen = ++m_gen;
    m_freeing = ac;
    QPointer<RedisClientBase> alive(this);
    // Runs the callbacks of pending commands with a "connection lost" error; those may
    // delete this object (then shutdown() nulled ac->data and we must not touch members).
    redisAsyncFree(ac);
    if (!alive)
        return;
    m_freeing = nullptr;
    linkGone(gen);
}

void RedisClientBase::linkGone(quint64 generation)
{
    if (generation != m_gen || m_ctx)
        return;
    m_linkUp = false;
    m_connectTimeout.stop();
    m_pingTimer.stop();
    m_pongDeadline.stop();
    m_pingOutstanding = false;
    m_blockingUntil = QDeadlineTimer(0);
    const bool wasReady = m_state == State::Ready;
    if (wasReady)
        qCWarning(lcRedis).noquote() << "Redis link lost:" << m_error;
    else
        qCDebug(lcRedis).noquote() << "Redis connect attempt failed:" << m_error;
    scheduleReconnect();
    QPointer<RedisClientBase> alive(this);
    setState(State::Disconnected);
    if (alive && wasReady)
        Q_EMIT lost();
}

void RedisClientBase::scheduleReconnect()
{
    if (!m_wantOpen)
        return;
    ++m_attempt;
    // Capped exponential backoff with full jitter: uniform in [min, min(max, min * 2^attempt)].
    const int cap = std::min(kBackoffMaxMs, kBackoffMinMs << std::min(m_attempt, 6));
    const int delay =
        kBackoffMinMs + int(QRandomGenerator::global()->bounded(cap - kBackoffMinMs + 1));
    m_reconnectTimer.start(delay);
}

void RedisClientBase::markReady()
{
    m_connectTimeout.stop();
    m_attempt = 0;
    m_everReady = true;
    m_pingOutstanding = false;
    m_pingTimer.start();
    qCInfo(lcRedis).noquote() << "Redis link ready:" << m_displayUrl;
    QPointer<RedisClientBase> alive(this);
    setState(State::Ready);
    if (alive)
        Q_EMIT ready();
}

void RedisClientBase::pongReceived()
{
    m_pingOutstanding = false;
    m_pongDeadline.stop();
}

void RedisClientBase::noteBlocking(int blockMs)
{
    const QDeadlineTimer until(qMax(0, blockMs));
    if (until.deadline() > m_blockingUntil.deadline())
        m_blockingUntil = until;
}

void RedisClientBase::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void RedisClientBase::setError(const QString &error)
{
    m_error = error;
}

} // namespace crewdeck::server
