#pragma once
#include <QHash>
#include <QString>
#include <memory>

class QObject;

// The front door's connection limits (--max-connections, --max-connections-per-ip; issue 14)
// and its descriptor reserve. Thread: the front door's (the server's main thread), for all of
// it, including the release of a slot.
namespace crewdeck::server {

// A connection's place in the limits: the connection counts until the last copy of its slot
// is gone. The front door attaches each accepted connection's slot to its QTcpSocket, so by
// default it goes with the socket object (HTTP connections, and WebSockets whose owner keeps
// the QTcpSocket). An owner that takes the descriptor out of the socket and frees the object
// takes the slot first (takeConnectionSlot) and keeps it for as long as it keeps the
// descriptor open: the limits count descriptors, not objects.
using ConnectionSlot = std::shared_ptr<void>;
void attachConnectionSlot(QObject *socket, ConnectionSlot slot);
// The slot attached to `socket`, detached from it (null if it has none).
ConnectionSlot takeConnectionSlot(QObject *socket);

class ConnectionLimits
{
public:
    ConnectionLimits();
    ~ConnectionLimits();
    ConnectionLimits(const ConnectionLimits &) = delete;
    ConnectionLimits &operator=(const ConnectionLimits &) = delete;

    // 0: no limit.
    void set(int maxTotal, int maxPerAddress);
    bool addressFull(const QString &address) const;
    bool full() const;
    // Counts a connection from `address` until the returned slot (every copy) is gone.
    ConnectionSlot occupy(const QString &address);
    int open() const;
    int fromAddress(const QString &address) const;

    qint64 refused = 0; // closed at once: a limit, or out of descriptors
    qint64 evicted = 0; // idle connections closed to make room

    // Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
    static int raiseDescriptorLimit();
    // Out of descriptors (EMFILE/ENFILE on accept): gives back the spare descriptor kept for
    // this, accepts one waiting connection on `listenFd` and closes it at once (the client
    // sees a close, not a hang), then takes a spare again. False when there was no spare.
    bool acceptAndCloseOne(int listenFd);

private:
    struct Counts
    {
        int total = 0;
        QHash<QString, int> perAddress;
    };
    std::shared_ptr<Counts> m_counts; // shared with the slots, which may outlive us
    int m_maxTotal = 0;
    int m_maxPerAddress = 0;
    int m_spareFd = -1;
};

} // namespace crewdeck::server
