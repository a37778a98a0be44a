#pragma once
#include <QByteArray>
#include <QString>
#include <deque>
#include <unordered_map>
#include <vector>

#include "server/model/streams.h"

// The recent tail of the event log in wire form: every published event's complete WebSocket
// frame, built once and shared by every socket that reads it, bounded in bytes (oldest out
// first). Sockets are cursors over it (Session): each keeps only its stream and the last seq
// it was sent, and reads the next frames from here when its connection can take them; a
// cursor older than the ring reads from the store instead (EventSource::history).
//
// Invariant: the ring holds every event published with seq > floor() (eviction is in seq
// order over all streams), so a cursor at or after floor() finds all its stream's later
// events here; before floor() it must page from the store.
// Thread: the gateway's (main) thread only.
namespace crewdeck::server {

class FrameRing
{
public:
    // `floorSeq`: events up to this seq were published before the ring existed.
    FrameRing(qint64 maxBytes, qint64 floorSeq);
    FrameRing(const FrameRing &) = delete;
    FrameRing &operator=(const FrameRing &) = delete;

    // The ring key of a socket's stream: computed once per socket.
    static QString ringKey(const StreamKey &key);

    // A published event (seq greater than every earlier one) with its complete frame;
    // `endsRun` marks a final run_status. Evicts the oldest frames beyond maxBytes.
    void append(const StoredEvent &event, const QByteArray &frame, bool endsRun);

    qint64 floor() const { return m_floor; }
    bool covers(qint64 after) const { return after >= m_floor; }

    struct Slice
    {
        qint64 lastSeq = 0; // seq of the last frame taken (0: none)
        qint64 bytes = 0;   // their size
        int count = 0;
        bool endsRun = false; // the last frame taken is a run's final run_status
        bool more = false;    // frames of the stream after the last one taken are here
    };
    // The frames of stream `ringKey` with seq > after, in order, appended to `out` until
    // `budget` bytes (at least one frame) or `maxFrames`; stops after a frame that ends a run.
    // The pointers stay valid until the next append(). Requires covers(after).
    Slice read(const QString &ringKey, qint64 after, qint64 budget, int maxFrames,
               std::vector<const QByteArray *> &out) const;

    qint64 bytes() const { return m_bytes; }
    qint64 maxBytes() const { return m_maxBytes; }
    qsizetype frameCount() const { return qsizetype(m_entries.size()); }
    qsizetype streamCount() const { return qsizetype(m_streams.size()); }

private:
    struct Stream;
    struct Entry
    {
        qint64 seq = 0;
        QByteArray frame;
        Stream *streams[2] = {nullptr, nullptr};
        bool endsRun = false;
    };
    struct Stream
    {
        QString key;
        std::deque<const Entry *> entries; // ascending seq
    };
    struct KeyHash
    {
        size_t operator()(const QString &s) const noexcept { return qHash(s); }
    };

    Stream *streamFor(const QString &key);
    void evictOldest();

    qint64 m_maxBytes;
    qint64 m_floor;
    qint64 m_bytes = 0;
    std::deque<Entry> m_entries; // ascending seq; references stay valid at both ends
    std::unordered_map<QString, Stream, KeyHash> m_streams; // node-based: Stream* stay valid
};

} // namespace crewdeck::server
