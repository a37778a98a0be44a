// FrontDoor: the connection limits (--max-connections, --max-connections-per-ip), eviction
// when full, and accepting again after running out of descriptors (see frontdoor.h and
// connectionlimits.h). Thread: the FrontDoor's (main) thread.
#include "server/ws/frontdoor.h"

#include <QTcpSocket>

#include "shared/logging.h"

namespace crewdeck::server {

void FrontDoor::setConnectionLimits(int maxTotal, int maxPerAddress)
{
    m_connLimits.set(maxTotal, maxPerAddress);
}

// A new connection fits, or is made room for, or is refused (closed at once).
bool FrontDoor::admit(QTcpSocket *socket)
{
    const QString address = socket->peerAddress().toString();
    if (m_connLimits.addressFull(address) || (m_connLimits.full() && !evictOne())) {
        ++m_connLimits.refused;
        return false;
    }
    attachConnectionSlot(socket, m_connLimits.occupy(address));
    return true;
}

// Full: make room by closing the newest idle connection that never presented a token, from
// the address with the most connections (a flood from one address pays for itself).
bool FrontDoor::evictOne()
{
    QTcpSocket *victim = nullptr;
    int victimCount = 0;
    qint64 victimAge = 0;
    for (auto &[socket, c] : m_conns) {
        const bool idle = (c.phase == Phase::AwaitHead && c.scannedUnread == 0) ||
                          (isIdle(socket, c) && !c.framer.sawAuthorization());
        if (!idle)
            continue;
        const int count = m_connLimits.fromAddress(socket->peerAddress().toString());
        if (!victim || count > victimCount || (count == victimCount && c.acceptedMs > victimAge)) {
            victim = socket;
            victimCount = count;
            victimAge = c.acceptedMs;
        }
    }
    if (!victim)
        return false;
    ++m_connLimits.evicted;
    takeConnectionSlot(victim).reset(); // its place is free now, not when the object goes
    drop(victim);
    return true;
}

// Out of descriptors (EMFILE): QTcpServer stops accepting for good on such an error. Accept
// and close one waiting connection with the spare descriptor, then resume shortly (the
// listening socket's notifier would fire again at once while the backlog is not empty).
void FrontDoor::onAcceptError(QAbstractSocket::SocketError error)
{
    qCWarning(lcHttp) << "accept failed:" << error << errorString();
    if (m_connLimits.acceptAndCloseOne(int(socketDescriptor())))
        ++m_connLimits.refused;
    QTimer::singleShot(50, this, [this] {
        if (isListening() && !m_draining)
            resumeAccepting();
    });
}

} // namespace crewdeck::server
