#include "app/ui/liveindicator.h"
#include "app/ui/theme.h"

#include <QPainter>
#include <cmath>

using namespace Qt::StringLiterals;
using crewdeck::client::LiveSocket;

namespace crewdeck::ui {

LiveIndicator::LiveIndicator(QWidget *parent) : QWidget(parent)
{
    m_clock.start();
    m_tick.setInterval(50); // the pulse; the text changes at most once a second
    connect(&m_tick, &QTimer::timeout, this, [this] {
        reevaluate();
        update();
    });
    m_tick.start();
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    reevaluate();
}

void LiveIndicator::setSocket(LiveSocket *socket)
{
    if (m_socket)
        m_socket->disconnect(this);
    m_socket = socket;
    if (socket)
        connect(socket, &LiveSocket::stateChanged, this, [this] {
            reevaluate();
            update();
        });
    reevaluate();
}

QColor LiveIndicator::color() const
{
    switch (m_mode) {
    case Mode::Live:
        return StatusColors::live();
    case Mode::Connecting:
    case Mode::Reconnecting:
        return StatusColors::warning();
    case Mode::Offline:
    case Mode::Stale:
        break;
    }
    return StatusColors::error();
}

void LiveIndicator::reevaluate()
{
    Mode mode = Mode::Offline;
    QString text = tr("Offline");
    if (m_socket) {
        switch (m_socket->state()) {
        case LiveSocket::State::Disconnected:
            break;
        case LiveSocket::State::Connecting:
            mode = Mode::Connecting;
            text = tr("Connecting…");
            break;
        case LiveSocket::State::Reconnecting: {
            mode = Mode::Reconnecting;
            const int s = m_socket->secondsUntilRetry();
            if (!m_socket->tlsError().isEmpty()) {
                // Shown as what it is: the server's certificate is not trusted (the tooltip
                // has the certificate's details).
                text = s > 0 ? tr("Certificate not trusted – retry in %n s", nullptr, s)
                             : tr("Certificate not trusted");
            } else {
                text = s > 0 ? tr("Reconnecting – retry in %n s", nullptr, s) : tr("Reconnecting…");
            }
            break;
        }
        case LiveSocket::State::Live: {
            const QDateTime heard = m_socket->lastHeardAt();
            const qint64 silentMs =
                heard.isValid() ? heard.msecsTo(QDateTime::currentDateTimeUtc()) : 0;
            if (silentMs > m_socket->heartbeatInterval()) {
                mode = Mode::Stale;
                text = tr("Stale – last heard %n s ago", nullptr, int(silentMs / 1000));
            } else {
                mode = Mode::Live;
                text = tr("Live");
            }
            break;
        }
        }
    }
    const bool textChanged = text != m_text;
    m_text = text;
    if (textChanged) {
        const QString tls = m_socket ? m_socket->tlsError() : QString();
        setToolTip(tls.isEmpty() ? m_text : m_text + u"\n\n"_s + tls);
        setAccessibleName(m_text);
        updateGeometry();
    }
    if (mode != m_mode) {
        m_mode = mode;
        Q_EMIT modeChanged(mode);
    }
}

QSize LiveIndicator::sizeHint() const
{
    const QFontMetrics fm = fontMetrics();
    const int textW = fm.horizontalAdvance(m_text);
    return {fm.height() * 2 + textW, fm.height() + fm.height() / 2};
}

void LiveIndicator::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics fm = fontMetrics();
    const qreal dot = fm.height() * 0.5;
    const QPointF c(fm.height() * 0.75, height() / 2.0);
    const QColor col = color();
    // The pulse: a ring that grows and fades, 1.6 s per beat (steady for Offline).
    if (m_mode != Mode::Offline) {
        const qreal phase = std::fmod(double(m_clock.elapsed()) / 1600.0, 1.0);
        QColor ring = col;
        ring.setAlphaF(0.45 * (1.0 - phase));
        p.setPen(Qt::NoPen);
        p.setBrush(ring);
        const qreal r = dot / 2 + phase * dot * 0.7;
        p.drawEllipse(c, r, r);
    }
    p.setPen(Qt::NoPen);
    p.setBrush(col);
    p.drawEllipse(c, dot / 2, dot / 2);
    p.setPen(palette().color(QPalette::WindowText));
    const QRectF textRect(fm.height() * 1.5, 0, width() - fm.height() * 1.5, height());
    p.drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft, m_text);
}

} // namespace crewdeck::ui
