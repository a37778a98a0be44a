#pragma once
// Brute-force answers to compare the event store's with (tst_store, tst_eventindexes).
#include "server/model/streams.h"

#include <QList>
#include <QSet>

namespace crewdeck::test {

// The seqs of `list`, in its order.
inline QList<qint64> seqs(const QList<server::StoredEventPtr> &list)
{
    QList<qint64> out;
    for (const auto &e : list)
        out.append(e->seq);
    return out;
}

// What SqlStore::pruneEvents(cutoff, keep) must leave: every event stamped at or after the
// cutoff, and the newest `keep` of every stream in `keys` (an event belongs to each stream it
// matches).
struct PruneModel
{
    QSet<qint64> survivors;
    qint64 highestDeleted = 0; // what pruneEvents answers; 0: nothing to delete
};

inline PruneModel pruneModel(const QList<server::StoredEventPtr> &all,
                             const QList<server::StreamKey> &keys, qint64 cutoff, int keep)
{
    PruneModel m;
    for (const auto &e : all)
        if (e->tsMs >= cutoff)
            m.survivors.insert(e->seq);
    for (const server::StreamKey &key : keys) {
        QList<qint64> in;
        for (const auto &e : all)
            if (key.matches(*e))
                in << e->seq;
        for (qsizetype i = qMax<qsizetype>(0, in.size() - keep); i < in.size(); ++i)
            m.survivors.insert(in[i]);
    }
    for (const auto &e : all)
        if (!m.survivors.contains(e->seq))
            m.highestDeleted = qMax(m.highestDeleted, e->seq);
    return m;
}

} // namespace crewdeck::test
