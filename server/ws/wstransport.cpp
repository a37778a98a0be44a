// WsTransport implementations (see wstransport.h). Thread: the gateway's (main) thread; the
// poller and every transport it watches live there.
#include "server/ws/wstransport.h"

#include "server/ws/connectionlimits.h"

#include <QPointer>
#include <QSocketNotifier>
#include <QTcpSocket>
#include <vector>
#if QT_CONFIG(ssl)
#include <QSslSocket>
#endif

#ifdef Q_OS_UNIX
#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#endif
#ifdef Q_OS_LINUX
#include <sys/epoll.h>
#endif

namespace crewdeck::server {

WsTransport::~WsTransport() = default;

namespace {

// A socket driven through the QIODevice API (TLS, or no epoll). It owns the socket.
class DeviceTransport final : public WsTransport
{
public:
    explicit DeviceTransport(QTcpSocket *socket) : m_socket(socket)
    {
        // Bounded reads: a flooding client costs one bounded buffer per pass, not a whole
        // receive window.
        m_socket->setReadBufferSize(64 * 1024);
        QObject::connect(m_socket, &QIODevice::readyRead, m_socket, [this] {
            if (m_listener)
                m_listener->transportReadable();
        });
        const auto written = [this] {
            // Not from inside write(): its flush() emits bytesWritten synchronously, and the
            // caller learns what was taken from the return value.
            if (m_listener && !m_inWrite)
                m_listener->transportWritable(true);
        };
        QObject::connect(m_socket, &QIODevice::bytesWritten, m_socket, written);
#if QT_CONFIG(ssl)
        if (auto *ssl = qobject_cast<QSslSocket *>(m_socket.data())) {
            // wss://: frames are encrypted into the socket's buffer; progress is when the
            // ciphertext reaches the kernel.
            m_ssl = ssl;
            QObject::connect(ssl, &QSslSocket::encryptedBytesWritten, m_socket, written);
        }
#endif
        QObject::connect(m_socket, &QAbstractSocket::disconnected, m_socket, [this] {
            if (m_listener)
                m_listener->transportClosed();
        });
    }
    ~DeviceTransport() override
    {
        if (!m_socket)
            return;
        QObject::disconnect(m_socket, nullptr, m_socket, nullptr);
        m_socket->abort();
        m_socket->deleteLater(); // we may be inside one of its signals
    }

    bool isOpen() const override
    {
        return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
    }
    qint64 read(QByteArray &into, qint64 max) override
    {
        if (!m_socket)
            return -1;
        const qint64 n = qMin(max, m_socket->bytesAvailable());
        if (n <= 0)
            return 0;
        into.append(m_socket->read(n));
        if (m_socket->bytesAvailable() > 0) {
            // More than one read's worth is buffered (TLS records): no new readyRead comes for
            // it, so ask for another pass.
            QMetaObject::invokeMethod(
                m_socket,
                [this] {
                    if (m_listener)
                        m_listener->transportReadable();
                },
                Qt::QueuedConnection);
        }
        return n;
    }
    qint64 write(const QByteArray *const *frames, qsizetype count, qint64 offset) override
    {
        if (!isOpen())
            return -1;
        qint64 total = 0;
        for (qsizetype i = 0; i < count; ++i) {
            const qint64 skip = i == 0 ? offset : 0;
            const qint64 w =
                m_socket->write(frames[i]->constData() + skip, frames[i]->size() - skip);
            if (w < 0)
                return -1;
            total += w;
        }
        // Into the kernel now, not on the next pass: what stays buffered is then what the
        // kernel refused (the connection's "blocked", which bounds pongs and slices).
        m_inWrite = true;
        m_socket->flush();
        m_inWrite = false;
        return total;
    }
    qint64 bufferedBytes() const override
    {
        if (!m_socket)
            return 0;
#if QT_CONFIG(ssl)
        if (m_ssl)
            return m_socket->bytesToWrite() + m_ssl->encryptedBytesToWrite(); // plain + cipher
#endif
        return m_socket->bytesToWrite();
    }
    void watchWritable(bool) override {} // bytesWritten reports progress
    void shutdownWrite() override
    {
        if (m_socket)
            m_socket->disconnectFromHost(); // after what is buffered (TLS: close_notify)
    }
    void abort() override
    {
        if (m_socket)
            m_socket->abort();
    }

private:
    QPointer<QTcpSocket> m_socket;
    bool m_inWrite = false;
#if QT_CONFIG(ssl)
    QSslSocket *m_ssl = nullptr; // m_socket when it is a QSslSocket
#endif
};

#ifdef Q_OS_LINUX

class EpollPoller;

// A plain TCP connection on its own descriptor (taken from the QTcpSocket).
class FdTransport final : public WsTransport
{
public:
    FdTransport(int fd, std::shared_ptr<EpollPoller> poller, QByteArray initial,
                ConnectionSlot connectionSlot);
    ~FdTransport() override { closeFd(); }

    bool isOpen() const override { return m_fd >= 0; }
    qint64 read(QByteArray &into, qint64 max) override;
    qint64 write(const QByteArray *const *frames, qsizetype count, qint64 offset) override;
    qint64 bufferedBytes() const override { return 0; }
    void watchWritable(bool on) override;
    void shutdownWrite() override
    {
        if (m_fd >= 0)
            ::shutdown(m_fd, SHUT_WR);
    }
    void abort() override { closeFd(); }

    // From the poller: epoll events for this descriptor.
    void onEvents(quint32 events, bool writablePart);

private:
    void closeFd();

    std::shared_ptr<EpollPoller> m_poller;
    QByteArray m_initial; // bytes Qt had read before the handover, delivered first
    int m_fd;
    int m_slot = -1;
    // The connection's place in --max-connections / --max-connections-per-ip: held while the
    // descriptor is open (the QTcpSocket it came from is gone).
    ConnectionSlot m_connectionSlot;
    bool m_writeWatched = false;
};

class EpollPoller final : public FdPoller
{
public:
    explicit EpollPoller(int epfd) : m_epfd(epfd)
    {
        m_notifier = std::make_unique<QSocketNotifier>(m_epfd, QSocketNotifier::Read);
        QObject::connect(m_notifier.get(), &QSocketNotifier::activated, m_notifier.get(),
                         [this] { dispatch(); });
    }
    ~EpollPoller() override
    {
        m_notifier.reset();
        ::close(m_epfd);
    }
    int watchedCount() const override { return m_watched; }

    int add(int fd, FdTransport *t)
    {
        int slot;
        if (!m_free.empty()) {
            slot = m_free.back();
            m_free.pop_back();
        } else {
            slot = int(m_slots.size());
            m_slots.push_back({});
        }
        m_slots[size_t(slot)].transport = t;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = key(slot);
        if (::epoll_ctl(m_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            release(slot);
            return -1;
        }
        ++m_watched;
        return slot;
    }
    void setWritable(int slot, int fd, bool on)
    {
        epoll_event ev{};
        ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
        ev.data.u64 = key(slot);
        ::epoll_ctl(m_epfd, EPOLL_CTL_MOD, fd, &ev);
    }
    void remove(int slot, int fd)
    {
        ::epoll_ctl(m_epfd, EPOLL_CTL_DEL, fd, nullptr);
        --m_watched;
        release(slot);
    }

private:
    struct Slot
    {
        FdTransport *transport = nullptr;
        quint32 generation = 0; // bumped on release: events read before it are stale
    };
    quint64 key(int slot) const
    {
        return (quint64(m_slots[size_t(slot)].generation) << 32) | quint32(slot);
    }
    void release(int slot)
    {
        Slot &s = m_slots[size_t(slot)];
        s.transport = nullptr;
        ++s.generation;
        m_free.push_back(slot);
    }
    FdTransport *lookup(quint64 k) const
    {
        const size_t slot = size_t(quint32(k));
        if (slot >= m_slots.size() || m_slots[slot].generation != quint32(k >> 32))
            return nullptr;
        return m_slots[slot].transport;
    }
    // One pass: up to kBatch ready descriptors; the rest stay ready (level-triggered) and come
    // on the next pass, so other event sources are not starved.
    void dispatch()
    {
        constexpr int kBatch = 256;
        epoll_event events[kBatch];
        int n;
        do {
            n = ::epoll_wait(m_epfd, events, kBatch, 0);
        } while (n < 0 && errno == EINTR);
        // Writable first (the kernel took our bytes: the next slice), then input. A callback
        // may close any transport (its slot is released): every call looks the slot up again.
        for (int i = 0; i < n; ++i) {
            if (FdTransport *t = lookup(events[i].data.u64))
                t->onEvents(events[i].events, true);
            if (FdTransport *t = lookup(events[i].data.u64))
                t->onEvents(events[i].events, false);
        }
    }

    int m_epfd;
    int m_watched = 0;
    std::unique_ptr<QSocketNotifier> m_notifier;
    std::vector<Slot> m_slots;
    std::vector<int> m_free;
};

// Sends frames [0, count) of `frames`, skipping `offset` bytes of the first, with as few
// sendmsg calls as the kernel allows (up to 512 frames each). Returns the bytes the kernel
// took (0 when it takes nothing now), or -1 when the connection is broken.
qint64 gatherSend(int fd, const QByteArray *const *frames, qsizetype count, qint64 offset)
{
    constexpr qsizetype kMaxIov = 512;
    iovec iov[kMaxIov];
    qint64 total = 0;
    qsizetype first = 0;
    qint64 skip = offset;
    while (first < count) {
        qsizetype n = 0;
        size_t want = 0;
        for (qsizetype i = first; i < count && n < kMaxIov; ++i, ++n) {
            const QByteArray &f = *frames[i];
            const qint64 s = i == first ? skip : 0;
            iov[n].iov_base = const_cast<char *>(f.constData() + s);
            iov[n].iov_len = size_t(f.size() - s);
            want += iov[n].iov_len;
        }
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = decltype(msg.msg_iovlen)(n);
        ssize_t sent;
        do {
            sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (sent < 0 && errno == EINTR);
        if (sent < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ? total : -1;
        total += sent;
        if (size_t(sent) < want)
            return total;
        first += n;
        skip = 0;
    }
    return total;
}

FdTransport::FdTransport(int fd, std::shared_ptr<EpollPoller> poller, QByteArray initial,
                         ConnectionSlot connectionSlot)
    : m_poller(std::move(poller)), m_initial(std::move(initial)), m_fd(fd),
      m_connectionSlot(std::move(connectionSlot))
{
    m_slot = m_poller->add(m_fd, this);
    if (m_slot < 0)
        closeFd();
}

void FdTransport::closeFd()
{
    if (m_fd < 0)
        return;
    if (m_slot >= 0)
        m_poller->remove(m_slot, m_fd);
    m_slot = -1;
    ::close(m_fd);
    m_fd = -1;
    m_initial = QByteArray();
    m_connectionSlot.reset();
}

qint64 FdTransport::read(QByteArray &into, qint64 max)
{
    if (m_fd < 0)
        return -1;
    qint64 got = 0;
    if (!m_initial.isEmpty()) {
        // Delivered whole (the front door bounds it): nothing would report it again.
        got = m_initial.size();
        into.append(std::exchange(m_initial, {}));
    }
    // One buffer for all connections (main thread only): an idle socket holds no input
    // storage, and a read costs one copy of what arrived.
    static char scratch[64 * 1024];
    const size_t want = size_t(qBound<qint64>(0, max, qint64(sizeof scratch)));
    if (want == 0)
        return got;
    ssize_t n;
    do {
        n = ::recv(m_fd, scratch, want, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        into.append(scratch, qsizetype(n));
        return got + n;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return got;
    // EOF or a broken connection. Bytes read before it are delivered first: the descriptor
    // stays readable (level-triggered), so the end is reported on the next pass.
    if (got > 0)
        return got;
    closeFd();
    return -1;
}

qint64 FdTransport::write(const QByteArray *const *frames, qsizetype count, qint64 offset)
{
    if (m_fd < 0)
        return -1;
    return gatherSend(m_fd, frames, count, offset);
}

void FdTransport::watchWritable(bool on)
{
    if (m_writeWatched == on || m_fd < 0)
        return;
    m_writeWatched = on;
    m_poller->setWritable(m_slot, m_fd, on);
}

void FdTransport::onEvents(quint32 events, bool writablePart)
{
    if (!m_listener || m_fd < 0)
        return;
    if (writablePart) {
        if ((events & EPOLLOUT) && m_writeWatched)
            m_listener->transportWritable(false);
        return;
    }
    // Errors and hang-ups are found by the read (EOF or error -> the end of the stream).
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        m_listener->transportReadable();
}

#endif // Q_OS_LINUX

} // namespace

std::shared_ptr<FdPoller> FdPoller::create()
{
#ifdef Q_OS_LINUX
    const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd >= 0)
        return std::make_shared<EpollPoller>(epfd);
#endif
    return nullptr;
}

std::unique_ptr<WsTransport> WsTransport::adopt(QTcpSocket *socket,
                                                const std::shared_ptr<FdPoller> &poller)
{
#ifdef Q_OS_LINUX
    // Only a plain TCP socket: a QSslSocket (or any subclass) keeps its own I/O.
    if (poller && socket->metaObject() == &QTcpSocket::staticMetaObject &&
        socket->state() == QAbstractSocket::ConnectedState && socket->socketDescriptor() >= 0) {
        const int fd = ::fcntl(int(socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
        if (fd >= 0) {
            // What the front door peeked (the request head) and anything after it sits in
            // Qt's buffer: it comes first. Then Qt's descriptor is closed (close only, no
            // shutdown: the connection lives on in ours) and the object freed once the signal
            // we may be called from has returned.
            QByteArray initial = socket->readAll();
            // The limits count the connection, not the object: its slot moves with the
            // descriptor.
            ConnectionSlot connectionSlot = takeConnectionSlot(socket);
            const bool blocked = socket->blockSignals(true); // no disconnected() for this
            socket->abort();
            socket->blockSignals(blocked);
            socket->deleteLater();
            const int flags = ::fcntl(fd, F_GETFL);
            ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
            return std::make_unique<FdTransport>(fd, std::static_pointer_cast<EpollPoller>(poller),
                                                 std::move(initial), std::move(connectionSlot));
        }
    }
#endif
    return std::make_unique<DeviceTransport>(socket);
}

} // namespace crewdeck::server
