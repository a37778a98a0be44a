#include "server/ws/connectionlimits.h"

#include <QObject>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace crewdeck::server {
namespace {

// Holds a connection's slot as a child of its socket: the slot goes when the socket object is
// destroyed, unless someone took it first.
class SlotHolder : public QObject
{
public:
    SlotHolder(ConnectionSlot slot, QObject *socket) : QObject(socket), slot(std::move(slot)) {}
    ConnectionSlot slot;
};

SlotHolder *holderOf(QObject *socket)
{
    for (QObject *child : socket->children()) {
        if (auto *h = dynamic_cast<SlotHolder *>(child))
            return h;
    }
    return nullptr;
}

} // namespace

void attachConnectionSlot(QObject *socket, ConnectionSlot slot)
{
    if (SlotHolder *h = holderOf(socket))
        h->slot = std::move(slot);
    else
        new SlotHolder(std::move(slot), socket);
}

ConnectionSlot takeConnectionSlot(QObject *socket)
{
    SlotHolder *h = holderOf(socket);
    if (!h)
        return {};
    ConnectionSlot slot = std::move(h->slot);
    delete h;
    return slot;
}

ConnectionLimits::ConnectionLimits() : m_counts(std::make_shared<Counts>())
{
#ifdef Q_OS_UNIX
    m_spareFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
#endif
}

ConnectionLimits::~ConnectionLimits()
{
#ifdef Q_OS_UNIX
    if (m_spareFd >= 0)
        ::close(m_spareFd);
#endif
}

void ConnectionLimits::set(int maxTotal, int maxPerAddress)
{
    m_maxTotal = qMax(0, maxTotal);
    m_maxPerAddress = qMax(0, maxPerAddress);
}

bool ConnectionLimits::addressFull(const QString &address) const
{
    return m_maxPerAddress > 0 && m_counts->perAddress.value(address) >= m_maxPerAddress;
}

bool ConnectionLimits::full() const
{
    return m_maxTotal > 0 && m_counts->total >= m_maxTotal;
}

ConnectionSlot ConnectionLimits::occupy(const QString &address)
{
    ++m_counts->total;
    ++m_counts->perAddress[address];
    // The deleter holds the counts, not us: a WebSocket may outlive the front door.
    return ConnectionSlot(m_counts.get(), [counts = m_counts, address](void *) {
        --counts->total;
        const auto it = counts->perAddress.find(address);
        if (it != counts->perAddress.end() && --it.value() <= 0)
            counts->perAddress.erase(it);
    });
}

int ConnectionLimits::open() const
{
    return m_counts->total;
}

int ConnectionLimits::fromAddress(const QString &address) const
{
    return m_counts->perAddress.value(address);
}

int ConnectionLimits::raiseDescriptorLimit()
{
#ifdef Q_OS_UNIX
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit raised = rl;
        raised.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
    }
    return rl.rlim_cur == RLIM_INFINITY ? 1 << 20 : int(qMin<rlim_t>(rl.rlim_cur, 1 << 20));
#else
    return 1 << 20;
#endif
}

bool ConnectionLimits::acceptAndCloseOne(int listenFd)
{
#ifdef Q_OS_UNIX
    if (m_spareFd < 0)
        m_spareFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (m_spareFd < 0)
        return false;
    ::close(m_spareFd);
    const int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0)
        ::close(fd);
    m_spareFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd >= 0;
#else
    Q_UNUSED(listenFd);
    return false;
#endif
}

} // namespace crewdeck::server
