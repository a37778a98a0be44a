#pragma once
#include <QHash>
#include <QString>
#include <QtGlobal>

// Answers of hot GETs (and the user lookups behind every request), kept while the store's
// Store::dataVersion() is unchanged: a local store changes its version on every write, so a
// hit is exactly what the store would answer now. On clustered nodes other nodes write to the
// shared database without changing this node's version, so entries also age out after
// `maxAgeMs` (0: no age limit). A version that changes between the read of the version and
// the insert (a write, or a failed statement) makes the entry stale at once.
// Thread: one (the server's main thread, like the store and the router).
namespace crewdeck::server {

template <typename Value> class ReadCache
{
public:
    void configure(int maxEntries, qint64 maxAgeMs)
    {
        m_maxEntries = qMax(1, maxEntries);
        m_maxAgeMs = qMax<qint64>(0, maxAgeMs);
    }

    const Value *find(const QString &key, quint64 version, qint64 nowMs)
    {
        const auto it = m_entries.constFind(key);
        if (it == m_entries.cend() || it->version != version ||
            (m_maxAgeMs > 0 && nowMs - it->storedMs >= m_maxAgeMs)) {
            ++m_misses;
            return nullptr;
        }
        ++m_hits;
        return &it->value;
    }

    // Returns the stored value (valid until the next insert or clear).
    const Value *insert(const QString &key, quint64 version, qint64 nowMs, Value value)
    {
        if (m_entries.size() >= m_maxEntries && !m_entries.contains(key)) {
            // Full: entries of an older version are dead weight; if that frees nothing, start
            // over (a burst of distinct keys should not pin memory).
            m_entries.removeIf([version](const auto &e) { return e.value().version != version; });
            if (m_entries.size() >= m_maxEntries)
                m_entries.clear();
        }
        return &m_entries.insert(key, Entry{version, nowMs, std::move(value)})->value;
    }

    void clear() { m_entries.clear(); }
    qsizetype size() const { return m_entries.size(); }
    quint64 hits() const { return m_hits; }
    quint64 misses() const { return m_misses; }

private:
    struct Entry
    {
        quint64 version = 0;
        qint64 storedMs = 0;
        Value value;
    };
    QHash<QString, Entry> m_entries;
    int m_maxEntries = 1024;
    qint64 m_maxAgeMs = 0;
    quint64 m_hits = 0;
    quint64 m_misses = 0;
};

} // namespace crewdeck::server
