#pragma once
// Brute-force answers to compare the event store's with, and the events they are about
// (tst_store, tst_eventindexes, tst_prune).
#include "server/model/streams.h"

#include <QList>
#include <QSet>
#include <algorithm>
#include <limits>
#include <memory>

namespace crewdeck::test {

// A stored event with the given columns; its frame bytes name only its type and seq.
inline server::StoredEventPtr storedEvent(qint64 seq, const QString &org, const QString &crew,
                                          const QString &run, const QString &type, qint64 ts)
{
    auto e = std::make_shared<server::StoredEvent>();
    e->seq = seq;
    e->orgId = org;
    e->crewId = crew;
    e->runId = run;
    e->type = type;
    e->tsMs = ts;
    e->bytes =
        QByteArray(R"({"type":")") + type.toUtf8() + R"(","seq":)" + QByteArray::number(seq) + '}';
    return e;
}

// The seqs of `list`, in its order.
inline QList<qint64> seqs(const QList<server::StoredEventPtr> &list)
{
    QList<qint64> out;
    for (const auto &e : list)
        out.append(e->seq);
    return out;
}

// What SqlStore::pruneEvents(cutoff, keep) must leave: every event stamped at or after the
// cutoff or at or above `reach` (the seq where the store's search finds the log reaching the
// cutoff, see seqReaching(); the default: every event is below it), and the newest `keep` of
// every stream in `keys` (an event belongs to each stream it matches).
struct PruneModel
{
    QSet<qint64> survivors;
    qint64 highestDeleted = 0; // what pruneEvents answers; 0: nothing to delete
};

inline PruneModel pruneModel(const QList<server::StoredEventPtr> &all,
                             const QList<server::StreamKey> &keys, qint64 cutoff, int keep,
                             qint64 reach = std::numeric_limits<qint64>::max())
{
    PruneModel m;
    for (const auto &e : all)
        if (e->tsMs >= cutoff || e->seq >= reach)
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

// The streams the events of `all` belong to, as the one-pass prune partitioned them: each run
// (tool events and run_status with a run id), each (org, crew) graph of tool events (a
// missing crew is one graph per org), each org's signals.
inline QList<server::StreamKey> streamsOf(const QList<server::StoredEventPtr> &all)
{
    QList<server::StreamKey> keys;
    QSet<QString> seen;
    const auto add = [&](server::StreamKind kind, const QString &org, const QString &id) {
        if (!seen.contains(QString::number(int(kind)) + org + u'\x1f' + id)) {
            seen.insert(QString::number(int(kind)) + org + u'\x1f' + id);
            keys.append({kind, org, id});
        }
    };
    for (const auto &e : all) {
        if (e->type == EventType::Signal) {
            add(server::StreamKind::Mission, e->orgId, QString());
            continue;
        }
        if (!e->runId.isEmpty())
            add(server::StreamKind::Run, e->orgId, e->runId);
        if (e->type.startsWith(QLatin1String("tool_")))
            add(server::StreamKind::Graph, e->orgId, e->crewId);
    }
    return keys;
}

// The seq where SqlStore's binary search over the primary key finds the log reaching
// `cutoff`, over the events in memory: with stamps out of order it stops at some event that
// is not older, and older events above it wait for a later prune. `all` ascending by seq.
inline qint64 seqReaching(const QList<server::StoredEventPtr> &all, qint64 cutoff)
{
    if (all.isEmpty())
        return 0;
    qint64 lo = all.first()->seq;
    qint64 hi = all.last()->seq + 1;
    while (lo < hi) {
        const qint64 mid = lo + (hi - lo) / 2;
        const auto at = std::lower_bound(all.begin(), all.end(), mid,
                                         [](const auto &e, qint64 s) { return e->seq < s; });
        const qint64 seq = (*at)->seq;
        if (seq < hi && (*at)->tsMs < cutoff)
            lo = seq + 1;
        else
            hi = mid;
    }
    return lo;
}

} // namespace crewdeck::test
