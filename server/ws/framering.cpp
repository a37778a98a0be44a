#include "server/ws/framering.h"

#include <algorithm>

namespace crewdeck::server {
namespace {

// What one kept frame costs besides its bytes: the Entry in the deque, its places in up to
// two stream indexes, the QByteArray header and the allocator's share. Counted so that many
// small frames cannot make the ring much larger than its budget.
constexpr qint64 kEntryOverhead = 96;

QString makeKey(StreamKind kind, const QString &org, const QString &id)
{
    const QChar k = kind == StreamKind::Run ? u'r' : kind == StreamKind::Graph ? u'g' : u'm';
    QString s;
    s.reserve(2 + org.size() + id.size());
    s.append(k);
    s.append(org);
    s.append(u'\x1f');
    s.append(id);
    return s;
}

} // namespace

FrameRing::FrameRing(qint64 maxBytes, qint64 floorSeq)
    : m_maxBytes(std::max<qint64>(maxBytes, 0)), m_floor(floorSeq)
{
}

QString FrameRing::ringKey(const StreamKey &key)
{
    return makeKey(key.kind, key.orgId, key.kind == StreamKind::Mission ? QString() : key.id);
}

FrameRing::Stream *FrameRing::streamFor(const QString &key)
{
    auto it = m_streams.find(key);
    if (it == m_streams.end()) {
        it = m_streams.emplace(key, Stream{}).first;
        it->second.key = key;
    }
    return &it->second;
}

void FrameRing::append(const StoredEvent &event, const QByteArray &frame, bool endsRun)
{
    if (event.seq <= m_floor)
        return; // published again (a cluster node re-reading): already here or evicted
    if (!m_entries.empty() && event.seq <= m_entries.back().seq)
        return;
    // The same streams StreamKey::matches() selects (forEachStreamOf).
    Entry e;
    e.seq = event.seq;
    e.frame = frame;
    e.endsRun = endsRun;
    int n = 0;
    forEachStreamOf(event.type, event.runId, event.crewId, [&](StreamKind kind, const QString &id) {
        e.streams[n++] = streamFor(makeKey(kind, event.orgId, id));
    });
    m_entries.push_back(std::move(e));
    const Entry *stored = &m_entries.back();
    for (Stream *s : stored->streams) {
        if (s)
            s->entries.push_back(stored);
    }
    m_bytes += frame.size() + kEntryOverhead;
    while (m_bytes > m_maxBytes && !m_entries.empty())
        evictOldest();
}

void FrameRing::evictOldest()
{
    const Entry &oldest = m_entries.front();
    for (Stream *s : oldest.streams) {
        if (!s)
            continue;
        // Every stream index is in seq order, so the oldest entry is at the front of each.
        Q_ASSERT(!s->entries.empty() && s->entries.front() == &oldest);
        s->entries.pop_front();
        if (s->entries.empty())
            m_streams.erase(s->key); // a finished run's stream does not linger
    }
    m_floor = oldest.seq;
    m_bytes -= oldest.frame.size() + kEntryOverhead;
    m_entries.pop_front();
}

FrameRing::Slice FrameRing::read(const QString &ringKey, qint64 after, qint64 budget, int maxFrames,
                                 std::vector<const QByteArray *> &out) const
{
    Slice slice;
    const auto it = m_streams.find(ringKey);
    if (it == m_streams.end())
        return slice;
    const auto &entries = it->second.entries;
    // The first entry after `after`. Live cursors sit near the end of their stream: search
    // back from the end with doubling steps, then binary search the last step. That touches
    // a few recent (cache-hot) entries instead of log2(n) spread over a large index.
    // Invariant: entries [hi, n) are after the cursor, entries [0, lo) are not.
    size_t lo = 0;
    size_t hi = entries.size();
    for (size_t step = 1; hi > 0; step *= 2) {
        const size_t probe = hi > step ? hi - step : 0;
        if (entries[probe]->seq <= after) {
            lo = probe + 1;
            break;
        }
        hi = probe;
    }
    auto pos = std::upper_bound(entries.begin() + qsizetype(lo), entries.begin() + qsizetype(hi),
                                after, [](qint64 seq, const Entry *e) { return seq < e->seq; });
    for (; pos != entries.end() && slice.count < maxFrames; ++pos) {
        const Entry *e = *pos;
        if (slice.count > 0 && slice.bytes + e->frame.size() > budget)
            break;
        out.push_back(&e->frame);
        slice.bytes += e->frame.size();
        slice.lastSeq = e->seq;
        ++slice.count;
        if (e->endsRun) {
            slice.endsRun = true;
            ++pos;
            break;
        }
    }
    slice.more = pos != entries.end();
    return slice;
}

} // namespace crewdeck::server
