#include "app/net/livesocket.h"
#include "app/net/tlstrust.h"
#include "shared/logging.h"

#include <QElapsedTimer>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>
#include <algorithm>
#include <cmath>
#include <utility>

using namespace Qt::StringLiterals;

namespace crewdeck::client {

namespace {
constexpr int CloseUnauthorized = 4401;
constexpr int CloseForbidden = 4403;
constexpr int CloseNotFound = 4404;
constexpr int CloseBadMessage = 4400;
constexpr int CloseTooBig = 1009;
constexpr int CloseNormal = 1000;
// One delivery slice: long enough to amortise the timer, short enough that a paint and the
// rest of the event loop get their turn well within a 16 ms frame.
constexpr qint64 kSliceNs = 5'000'000;
constexpr qint64 kReadBufferBytes = 64 * 1024;
} // namespace

LiveSocket::LiveSocket(QObject *parent)
    : QObject(parent), m_random([] { return QRandomGenerator::global()->generateDouble(); })
{
    m_retryTimer.setSingleShot(true);
    m_livenessTimer.setSingleShot(true);
    m_stableTimer.setSingleShot(true);
    m_stableTimer.setInterval(10000);
    m_drainTimer.setSingleShot(true);
    m_drainTimer.setInterval(0);
    connect(&m_drainTimer, &QTimer::timeout, this, &LiveSocket::drainInbox);
    setHeartbeatInterval(45000);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] {
        m_nextRetryAt = {};
        connectNow();
    });
    connect(&m_pingTimer, &QTimer::timeout, this, [this] {
        if (m_socket && m_state == State::Live)
            m_socket->sendTextMessage(u"{\"type\":\"ping\"}"_s);
    });
    connect(&m_livenessTimer, &QTimer::timeout, this, &LiveSocket::onLivenessTimeout);
    connect(&m_stableTimer, &QTimer::timeout, this, [this] {
        // Stable for long enough: the next outage starts the backoff from the beginning.
        m_attempt = 0;
    });
}

LiveSocket::~LiveSocket()
{
    detachSocket(true);
}

void LiveSocket::setHeartbeatInterval(int ms)
{
    m_heartbeatMs = std::max(ms, 10);
    m_pingTimer.setInterval(std::max(m_heartbeatMs / 2, 5));
    m_livenessTimer.setInterval(2 * m_heartbeatMs);
}

void LiveSocket::setBackoff(int baseMs, int capMs)
{
    m_baseMs = std::max(baseMs, 1);
    m_capMs = std::max(capMs, m_baseMs);
}

qint64 LiveSocket::backoffCeilingMs(int attempt, int baseMs, int capMs)
{
    // 2^attempt overflows quickly; past 2^30 every sane cap has been reached anyway.
    const int exp = std::clamp(attempt, 0, 30);
    const qint64 raw = qint64(baseMs) << exp;
    return std::min<qint64>(capMs, raw);
}

qint64 LiveSocket::backoffDelayMs(int attempt) const
{
    const qint64 ceiling = backoffCeilingMs(attempt, m_baseMs, m_capMs);
    const double u = std::clamp(m_random(), 0.0, 1.0);
    return std::clamp<qint64>(qint64(std::floor(u * double(ceiling + 1))), 0, ceiling);
}

void LiveSocket::setResumePoint(qint64 seq)
{
    m_haveSeq = true;
    m_lastSeq = seq;
}

int LiveSocket::secondsUntilRetry() const
{
    if (!m_nextRetryAt.isValid())
        return -1;
    const qint64 ms = QDateTime::currentDateTimeUtc().msecsTo(m_nextRetryAt);
    return ms <= 0 ? 0 : int((ms + 999) / 1000);
}

void LiveSocket::open()
{
    if (m_state != State::Disconnected)
        return;
    m_attempt = 0;
    setState(State::Connecting);
    connectNow();
}

void LiveSocket::close()
{
    // The owner is done with this stream: what it has not seen yet is not wanted.
    m_drainTimer.stop();
    m_inbox.clear();
    m_inboxPos = 0;
    m_goneWaiting = false;
    m_retryTimer.stop();
    m_pingTimer.stop();
    m_livenessTimer.stop();
    m_stableTimer.stop();
    m_nextRetryAt = {};
    if (m_socket) {
        QWebSocket *s = m_socket;
        s->disconnect(this);
        m_socket = nullptr;
        s->close(QWebSocketProtocol::CloseCodeNormal);
        s->deleteLater();
    }
    setState(State::Disconnected);
}

void LiveSocket::setState(State s)
{
    if (s == m_state)
        return;
    qCDebug(lcClient) << "socket" << m_url.path() << m_state << "->" << s;
    m_state = s;
    Q_EMIT stateChanged(s);
}

void LiveSocket::detachSocket(bool abort)
{
    if (!m_socket)
        return;
    QWebSocket *s = m_socket;
    m_socket = nullptr;
    s->disconnect(this);
    if (abort)
        s->abort();
    s->deleteLater();
}

void LiveSocket::connectNow()
{
    detachSocket(true);
    m_tlsError.clear();
    auto *s = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket = s;
    connect(s, &QWebSocket::connected, this, &LiveSocket::onConnected);
    connect(s, &QWebSocket::textMessageReceived, this, &LiveSocket::onTextMessage);
    connect(s, &QWebSocket::disconnected, this, [this, s] {
        // A dial that never got through reports close code 1000 on Qt 6.4: it is not a
        // clean close by the server.
        const bool wasUp = m_state == State::Live;
        onSocketGone(s,
                     wasUp ? int(s->closeCode())
                           : int(QWebSocketProtocol::CloseCodeAbnormalDisconnection),
                     wasUp ? s->closeReason() : s->errorString());
    });
    // wss:// with a certificate we do not trust: never ignored; the dial fails, and the
    // reason says what was wrong with which certificate (tlsError()).
    connect(s, &QWebSocket::sslErrors, this, [this, s](const QList<QSslError> &errors) {
        m_tlsError = tlstrust::describeErrors(errors, s->sslConfiguration().peerCertificate());
        qCWarning(lcClient).noquote() << "TLS:" << m_tlsError;
        Q_EMIT tlsFailed(m_tlsError);
    });
    connect(s, QOverload<QAbstractSocket::SocketError>::of(&QWebSocket::error), this,
            [this, s](QAbstractSocket::SocketError err) {
                // A failed dial reports only an error; a dropped link reports both (the
                // second report is ignored because the socket is detached by then).
                if (s->state() == QAbstractSocket::UnconnectedState || m_state != State::Live)
                    onSocketGone(s, QWebSocketProtocol::CloseCodeAbnormalDisconnection,
                                 m_tlsError.isEmpty()
                                     ? s->errorString() + u" ("_s + QString::number(int(err)) + u')'
                                     : m_tlsError);
            });

    QUrl url = m_url;
    if (m_haveSeq) {
        QUrlQuery q(url);
        q.removeAllQueryItems(u"since"_s);
        q.addQueryItem(u"since"_s, QString::number(m_lastSeq));
        url.setQuery(q);
    }
    QWebSocketHandshakeOptions options;
    options.setSubprotocols({u"crewdeck.v1"_s, u"bearer."_s + m_token});
    // The liveness timer also bounds the handshake: a server that accepts TCP but never
    // answers the upgrade is as dead as a half-open link.
    m_livenessTimer.start();
    qCDebug(lcClient).noquote() << "dialling" << url.toDisplayString(QUrl::RemoveUserInfo);
    s->open(QNetworkRequest(url), options);
    limitReads(s);
}

// At most kReadBufferBytes are read from the kernel and decoded into frames per event-loop
// pass: after the GUI thread was away, a flood's backlog (50,000 events/s: ~8 MB/s) is taken
// in steps that leave room for paints and timers instead of in one pass of tens of
// milliseconds, and what the app has not taken yet waits in the kernel's socket buffer (TCP
// flow control), not in this process (issue 17 item 6: RSS at the end of a 50k/s flood
// 74-104 -> 47 MB). QWebSocket reads a frame's payload only once all of it is buffered, so a
// frame larger than the limit (a big snapshot, a 64 KiB output line) would never complete:
// when a pass leaves the buffer full, the connection reads without a limit from then on.
void LiveSocket::limitReads(QWebSocket *s)
{
    // The transport QWebSocket created in open() (a QTcpSocket or QSslSocket child).
    auto *transport = s->findChild<QAbstractSocket *>();
    if (!transport)
        return; // no limit: as before
    transport->setReadBufferSize(kReadBufferBytes);
    // Queued: runs after QWebSocket's own handling of the same readyRead. The transport is
    // the context: a pending call dies with it (sockets are replaced and deleted later).
    connect(
        transport, &QIODevice::readyRead, transport,
        [transport] {
            const qint64 limit = transport->readBufferSize();
            if (limit > 0 && transport->bytesAvailable() >= limit) {
                qCDebug(lcClient) << "frame larger than" << limit << "bytes: reading unlimited";
                transport->setReadBufferSize(0);
            }
        },
        Qt::QueuedConnection);
}

void LiveSocket::onConnected()
{
    m_lastHeardAt = QDateTime::currentDateTimeUtc();
    m_livenessTimer.start();
    m_pingTimer.start();
    m_stableTimer.start();
    setState(State::Live);
}

void LiveSocket::onTextMessage(const QString &text)
{
    m_lastHeardAt = QDateTime::currentDateTimeUtc();
    m_livenessTimer.start();
    m_inbox.append(text);
    if (!m_drainTimer.isActive())
        m_drainTimer.start();
}

void LiveSocket::drainInbox()
{
    QElapsedTimer slice;
    slice.start();
    // A slot may close() (emptying the queue) or start a new connection: re-check each time.
    while (m_inboxPos < m_inbox.size()) {
        const QString text = std::exchange(m_inbox[m_inboxPos], QString());
        ++m_inboxPos;
        handleFrame(text);
        if (m_inboxPos < m_inbox.size() && slice.nsecsElapsed() > kSliceNs) {
            m_drainTimer.start();
            return;
        }
    }
    m_inbox.clear();
    m_inboxPos = 0;
    if (m_goneWaiting) {
        m_goneWaiting = false;
        finishGone(m_goneCode, m_goneReason);
    }
}

void LiveSocket::handleFrame(const QString &text)
{
    QString error;
    const auto ev = Event::fromBytes(text.toUtf8(), &error);
    if (!ev) {
        qCWarning(lcClient).noquote()
            << "ignoring undecodable frame on" << m_url.path() << ":" << error;
        return;
    }
    if (ev->isStreamEvent()) {
        if (m_haveSeq && ev->seq <= m_lastSeq) {
            ++m_droppedDuplicates;
            return;
        }
        m_haveSeq = true;
        m_lastSeq = ev->seq;
        Q_EMIT eventReceived(*ev);
        return;
    }
    if (std::holds_alternative<SnapshotEvent>(ev->body)) {
        // The snapshot reflects every event up to its seq: that is where a resume starts.
        m_haveSeq = true;
        m_lastSeq = ev->seq;
        Q_EMIT eventReceived(*ev);
        return;
    }
    if (std::holds_alternative<ResetEvent>(ev->body)) {
        // Our history is gone; what follows continues after the reset's seq (which may be
        // lower than ours, e.g. a fresh server), and the owner refetches the state.
        m_haveSeq = true;
        m_lastSeq = ev->seq;
        Q_EMIT resetRequired();
        return;
    }
    // heartbeat / pong: proof of life only.
}

void LiveSocket::onLivenessTimeout()
{
    if (!m_socket)
        return;
    qCInfo(lcClient).noquote() << "no frame on" << m_url.path() << "for"
                               << m_livenessTimer.interval() << "ms: dropping the link";
    onSocketGone(m_socket, QWebSocketProtocol::CloseCodeAbnormalDisconnection,
                 u"liveness timeout"_s);
}

void LiveSocket::onSocketGone(QWebSocket *socket, int code, const QString &reason)
{
    if (socket != m_socket)
        return; // a late report from a socket we already gave up
    detachSocket(true);
    m_pingTimer.stop();
    m_livenessTimer.stop();
    m_stableTimer.stop();
    if (pendingFrames() > 0) {
        // Everything this connection delivered reaches the owner before the news that it
        // ended (and the resume point for the next attempt is the last of it): the end is
        // reported when the queue has been worked off, slice by slice.
        m_goneCode = code;
        m_goneReason = reason;
        m_goneWaiting = true;
        if (!m_drainTimer.isActive())
            m_drainTimer.start();
        return;
    }
    finishGone(code, reason);
}

void LiveSocket::finishGone(int code, const QString &reason)
{
    m_lastCloseCode = code;
    m_lastCloseReason = reason;
    qCInfo(lcClient).noquote() << "socket" << m_url.path() << "closed:" << code << reason;

    const bool final = code == CloseUnauthorized || code == CloseForbidden ||
                       code == CloseNotFound || code == CloseBadMessage || code == CloseTooBig ||
                       (code == CloseNormal && m_endsOnNormalClose);
    if (!final) {
        scheduleRetry();
        return;
    }
    m_nextRetryAt = {};
    setState(State::Disconnected);
    if (code == CloseUnauthorized)
        Q_EMIT authenticationFailed();
    else if (code == CloseForbidden || code == CloseNotFound)
        Q_EMIT accessDenied(code, reason);
    Q_EMIT closedPermanently(code, reason);
}

void LiveSocket::scheduleRetry()
{
    const qint64 delay = backoffDelayMs(m_attempt);
    if (m_attempt < 30)
        ++m_attempt;
    m_nextRetryAt = QDateTime::currentDateTimeUtc().addMSecs(delay);
    setState(State::Reconnecting);
    Q_EMIT retryScheduled(delay);
    m_retryTimer.start(int(delay));
}

} // namespace crewdeck::client
