#pragma once
// What SqlStore::pruneEvents(cutoff, keep) must leave, worked out by brute force for the store
// tests: every event stamped at or after the cutoff, and the newest `keep` of every stream
// in `keys` (an event belongs to each stream it matches).
#include "server/model/streams.h"

#include <QList>
#include <QSet>

namespace crewdeck::test {

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
