#pragma once
#include <QByteArray>
#include <QtGlobal>
#include <memory>

class QTcpSocket;

// The byte stream under one WebSocket connection (WsConnection): the seam between the RFC 6455
// logic and how bytes reach the client.
//  - FdTransport (Linux): a plain TCP connection after the FrontDoor handed it over. The
//    connection takes the descriptor from the QTcpSocket (whose object, private, socket engine,
//    notifiers and read buffer are freed: ~6 kB per idle socket) and is watched by the
//    gateway's FdPoller (one epoll set behind one QSocketNotifier for all sockets: the event
//    loop polls one descriptor, not one per client). Frames go to the kernel with sendmsg
//    straight from the shared frame bytes.
//  - DeviceTransport: any other QTcpSocket, e.g. a QSslSocket (TLS must read and write through
//    the QIODevice API, never the raw descriptor), or every socket where epoll is not
//    available. The socket's own buffer takes what is written (one slice at most: the gateway
//    writes only when pendingBytes() is 0).
// Thread: the thread of the socket handed to adopt() (the server's main thread), which must be
// the poller's.
namespace crewdeck::server {

class FdPoller;

class WsTransport
{
public:
    // What the transport reports to its connection. Calls come from the event loop, never from
    // inside a call into the transport.
    class Listener
    {
    public:
        // Bytes (or the end of the stream) can be read.
        virtual void transportReadable() = 0;
        // The transport can take more bytes. `progressed`: bytes the transport had buffered
        // went out (a DeviceTransport's buffer drained), which the connection cannot see.
        virtual void transportWritable(bool progressed) = 0;
        // The connection ended without a read noticing it (reset, peer gone).
        virtual void transportClosed() = 0;

    protected:
        ~Listener() = default;
    };

    WsTransport() = default;
    WsTransport(const WsTransport &) = delete;
    WsTransport &operator=(const WsTransport &) = delete;
    virtual ~WsTransport();

    // Takes ownership of an accepted socket (connected, parent cleared, as the FrontDoor hands
    // upgrades over): a plain QTcpSocket becomes an FdTransport when `poller` is set (the
    // socket object is released; bytes it had buffered are read first), anything else a
    // DeviceTransport. Call from inside the socket's signals is fine (it is deleted later).
    static std::unique_ptr<WsTransport> adopt(QTcpSocket *socket,
                                              const std::shared_ptr<FdPoller> &poller);

    void setListener(Listener *listener) { m_listener = listener; }

    virtual bool isOpen() const = 0;
    // Appends up to `max` bytes to `into`. Returns the count (0: nothing now), or -1 when the
    // stream ended (EOF or error): the transport is closed then and does not report it again.
    virtual qint64 read(QByteArray &into, qint64 max) = 0;
    // Writes frames [0, count), skipping `offset` bytes of the first, as far as the transport
    // takes them now. Returns the bytes taken, or -1 when the connection is broken.
    virtual qint64 write(const QByteArray *const *frames, qsizetype count, qint64 offset) = 0;
    // Bytes taken by write() that the transport still buffers itself (not yet in the kernel).
    virtual qint64 bufferedBytes() const = 0;
    // Report transportWritable() when the transport can take bytes again.
    virtual void watchWritable(bool on) = 0;
    // No more bytes from us (FIN after what was written); reading goes on.
    virtual void shutdownWrite() = 0;
    // Closes the connection now; nothing is reported for it.
    virtual void abort() = 0;

protected:
    Listener *m_listener = nullptr;
};

// One epoll set for many FdTransports, watched by one QSocketNotifier. Shared (refcounted) by
// the gateway and its transports, so whichever goes last closes it.
class FdPoller
{
public:
    // nullptr where epoll is not available (not Linux, or epoll_create failed).
    static std::shared_ptr<FdPoller> create();
    virtual ~FdPoller() = default;
    // Descriptors currently watched (tests, metrics).
    virtual int watchedCount() const = 0;
};

} // namespace crewdeck::server
