// The event table's indexes (schema migration 6) and the reads that depend on them. Built
// twice like tst_store: tst_eventindexes on SQLite (a fresh file per test function),
// tst_eventindexes_pg (CREWDECK_TEST_POSTGRES) on a throwaway PostgreSQL server (a fresh
// database per test function). Plans are read with EXPLAIN QUERY PLAN (SQLite) and EXPLAIN
// (PostgreSQL, after ANALYZE and with sequential scans disabled, so an index that applies is
// shown rather than a cheap scan of a small table).
#include "server/store/migrations.h"
#include "tests/support/storebackend.h"
#include "tests/support/storemodel.h"

#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::server;
using crewdeck::test::seqs;

namespace {

constexpr qint64 T0 = 1'780'000'000'000; // a fixed "now" in ms (2026)
constexpr int Runs = 200;

// Event `seq` of a synthetic log: runs take turns (run_1, run_201, ... are org_1's), one event
// in 100 is a signal of org_1, one in 50 a run_status; stamped one ms apart from `t0`.
StoredEventPtr syntheticEvent(qint64 seq, qint64 t0)
{
    const int run = int(seq % Runs);
    auto e = std::make_shared<StoredEvent>();
    e->seq = seq;
    e->orgId = u"org_%1"_s.arg(run % 4);
    e->crewId = u"crw_%1"_s.arg(run % 20);
    const bool signal = seq % 100 == 1;
    e->runId = signal ? QString() : u"run_%1"_s.arg(run);
    e->type = signal ? EventType::Signal
                     : (seq % 50 == 0 ? EventType::RunStatus : EventType::ToolProgress);
    e->tsMs = t0 + seq;
    e->bytes = R"({"seq":)" + QByteArray::number(seq) + R"(,"type":")" + e->type.toUtf8() + "\"}";
    return e;
}

// One stream of each kind, and the index its reads must use.
struct StreamCase
{
    StreamKey key;
    QString index;
};
const QList<StreamCase> &streamCases()
{
    static const QList<StreamCase> cases{
        {{StreamKind::Run, u"org_1"_s, u"run_41"_s}, u"events_run"_s},
        {{StreamKind::Graph, u"org_1"_s, u"crw_1"_s}, u"events_graph"_s},
        {{StreamKind::Mission, u"org_1"_s, QString()}, u"events_signal"_s},
    };
    return cases;
}

// `sql` with each '?' replaced by its value as a literal: PostgreSQL cannot prepare EXPLAIN,
// and the values here are plain ids and numbers.
QString withLiterals(const QString &sql, const QVariantList &binds)
{
    QString out;
    qsizetype next = 0;
    for (const QChar c : sql) {
        if (c != u'?') {
            out += c;
            continue;
        }
        const QVariant v = binds.value(next++);
        out += v.typeId() == QMetaType::QString ? u"'"_s + v.toString() + u"'"_s : v.toString();
    }
    return out;
}

} // namespace

class TestEventIndexes : public QObject
{
    Q_OBJECT

private:
    test::StoreBackend m_backend;
    static constexpr bool Postgres = test::StoreBackend::Postgres;

    // A store on the database `name` (made empty by init()).
    std::unique_ptr<SqlStore> storeOn(const QString &name) { return m_backend.store(name); }
    // A raw connection `conn` to the database `name`; removed by the caller.
    QSqlDatabase rawDb(const QString &conn, const QString &name)
    {
        return m_backend.raw(conn, name);
    }
    static const Dialect &dialect() { return Postgres ? Dialect::postgres() : Dialect::sqlite(); }

    // The plan of `sql` as text, one line per step. PostgreSQL: sequential scans disabled.
    static QString planOf(QSqlDatabase &db, const QString &sql, const QVariantList &binds)
    {
        QSqlQuery q(db);
        if (Postgres && !q.exec(u"SET enable_seqscan = off"_s))
            return u"SET failed: "_s + q.lastError().text();
        const QString explain = Postgres ? u"EXPLAIN "_s : u"EXPLAIN QUERY PLAN "_s;
        if (!q.exec(explain + withLiterals(sql, binds)))
            return u"EXPLAIN failed: "_s + q.lastError().text();
        QStringList lines;
        while (q.next())
            lines << q.value(Postgres ? 0 : 3).toString();
        return lines.join(u'\n');
    }
    // No step reads the whole table.
    static bool noFullScan(const QString &plan)
    {
        if (Postgres)
            return !plan.contains(u"Seq Scan"_s);
        for (const QString &line : plan.split(u'\n'))
            if (line.trimmed() == u"SCAN events"_s)
                return false;
        return true;
    }
    // The events table's secondary indexes, sorted.
    static QStringList eventIndexes(QSqlDatabase &db)
    {
        QSqlQuery q(db);
        q.exec(Postgres ? u"SELECT indexname FROM pg_indexes WHERE tablename = 'events'"
                          " AND indexname <> 'events_pkey'"_s
                        : u"SELECT name FROM sqlite_master WHERE type = 'index'"
                          " AND tbl_name = 'events' AND name NOT LIKE 'sqlite_%'"_s);
        QStringList names;
        while (q.next())
            names << q.value(0).toString();
        names.sort();
        return names;
    }
    // Every stream read and a prune's per-stream threshold must go through the stream's index;
    // the seq allocation and a prune's probe, rows and deletes through the primary key.
    void checkPlans(QSqlDatabase &db)
    {
        if (Postgres) {
            QSqlQuery q(db);
            QVERIFY(q.exec(u"ANALYZE events"_s));
        }
        for (const StreamCase &c : streamCases()) {
            QVariantList binds;
            const QString page = SqlStore::streamEventsSql(c.key, &binds);
            binds << qint64(100) << qint64(1000);
            QString plan = planOf(db, page, binds);
            QVERIFY2(plan.contains(c.index) && noFullScan(plan), qPrintable(plan));
            binds.clear();
            plan = planOf(db, SqlStore::streamLatestSql(c.key, &binds), binds);
            QVERIFY2(plan.contains(c.index) && noFullScan(plan), qPrintable(plan));
            // A prune's walk to a threshold reads the stream's index, never the table.
            binds.clear();
            plan = planOf(db, SqlStore::pruneWalkSql(c.key, 900, 64, &binds), binds);
            QVERIFY2(plan.contains(c.index) && noFullScan(plan), qPrintable(plan));
            binds.clear();
            plan = planOf(db, SqlStore::pruneLocateSql(c.key, 900, 64, 9, &binds), binds);
            QVERIFY2(plan.contains(c.index) && noFullScan(plan), qPrintable(plan));
        }
        // The graph of tool events without a crew (crew_id IS NULL) too.
        QVariantList binds;
        const StreamKey orphans{StreamKind::Graph, u"org_1"_s, QString()};
        QString plan = planOf(db, SqlStore::pruneWalkSql(orphans, 900, 64, &binds), binds);
        QVERIFY2(plan.contains(u"events_graph"_s) && noFullScan(plan), qPrintable(plan));
        const QString primary = Postgres ? u"events_pkey"_s : u"INTEGER PRIMARY KEY"_s;
        plan = planOf(db, SqlStore::pruneProbeSql(), {42});
        QVERIFY2(plan.contains(primary) && noFullScan(plan), qPrintable(plan));
        // A prune step's rows and its deletes: primary-key ranges.
        plan = planOf(db, SqlStore::pruneRowsSql(), {qint64(100), qint64(900), qint64(1000)});
        QVERIFY2(plan.contains(primary) && noFullScan(plan), qPrintable(plan));
        for (const int ranges : {1, 3}) {
            QVariantList bounds;
            for (int i = 0; i < ranges; ++i)
                bounds << qint64(100 + 10 * i) << qint64(105 + 10 * i);
            plan = planOf(db, SqlStore::pruneDeleteSql(ranges), bounds);
            QVERIFY2(plan.contains(primary) && noFullScan(plan), qPrintable(plan));
        }
        plan = planOf(db, SqlStore::allocateSeqSql(), {});
        // SQLite's MAX over the rowid reads the last entry ("SEARCH events").
        QVERIFY2(noFullScan(plan) &&
                     (Postgres ? plan.contains(primary) : plan.contains(u"SEARCH events"_s)),
                 qPrintable(plan));
    }

    // Schema 6's event indexes, and every read's plan on one, in the database events_db
    // (through a raw connection `conn`).
    void checkSchema6(const QString &conn)
    {
        {
            QSqlDatabase db = rawDb(conn, u"events_db"_s);
            QVERIFY(db.open());
            QCOMPARE(eventIndexes(db),
                     (QStringList{u"events_graph"_s, u"events_run"_s, u"events_signal"_s}));
            checkPlans(db);
        }
        QSqlDatabase::removeDatabase(conn);
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (const QString why = test::StoreBackend::unavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
        QString error;
        QVERIFY2(m_backend.start(&error), qPrintable(error));
    }

    void init()
    {
        QString error;
        QVERIFY2(m_backend.fresh(u"events_db"_s, &error), qPrintable(error));
    }

    void cleanup() { m_backend.clear(); }

    void cleanupTestCase() { m_backend.stop(); }

    // A new database: two indexes per tool event (run, graph), a signal enters only its own.
    void newSchemaReadsThroughIndexes()
    {
        auto store = storeOn(u"events_db"_s);
        QString error;
        QVERIFY2(store->open(&error), qPrintable(error));
        QList<StoredEventPtr> all;
        for (qint64 seq = 1; seq <= 20000; ++seq)
            all << syntheticEvent(seq, T0);
        QVERIFY(store->appendEvents(all));
        checkSchema6(u"tst_plans"_s);
        if (QTest::currentTestFailed())
            return;
        // The reads answer what the streams hold.
        for (const StreamCase &c : streamCases()) {
            QList<qint64> want;
            for (const auto &e : all)
                if (c.key.matches(*e) && e->seq > 5000 && want.size() < 30)
                    want << e->seq;
            QCOMPARE(seqs(store->events(c.key, 5000, 30)), want);
        }
    }

    // A database written by a release with schema 5 (four indexes) upgrades in place: the
    // same events, the same answers, the new plans, and pruning over the old rows.
    void upgradeFromSchema5()
    {
        {
            QSqlDatabase db = rawDb(u"tst_v5"_s, u"events_db"_s);
            QVERIFY(db.open());
            QString error;
            QVERIFY2(migrate(db, dialect(), &error, 5), qPrintable(error));
            QCOMPARE(eventIndexes(db), (QStringList{u"events_graph"_s, u"events_org_type"_s,
                                                    u"events_run"_s, u"events_ts"_s}));
            QSqlQuery q(db);
            QVERIFY(q.exec(u"SELECT MAX(version) FROM schema_version"_s) && q.next());
            QCOMPARE(q.value(0).toInt(), 5);
            QVERIFY(db.transaction());
            QVERIFY(q.prepare(u"INSERT INTO events (seq, org_id, crew_id, run_id, type, ts_ms,"
                              " body) VALUES (?, ?, ?, ?, ?, ?, ?)"_s));
            for (qint64 seq = 1; seq <= 6000; ++seq) {
                const StoredEventPtr e = syntheticEvent(seq, T0);
                q.addBindValue(e->seq);
                q.addBindValue(e->orgId);
                q.addBindValue(e->crewId);
                q.addBindValue(e->runId.isEmpty() ? QVariant(QMetaType::fromType<QString>())
                                                  : QVariant(e->runId));
                q.addBindValue(e->type);
                q.addBindValue(e->tsMs);
                q.addBindValue(e->bytes);
                QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
            }
            QVERIFY(db.commit());
        }
        QSqlDatabase::removeDatabase(u"tst_v5"_s);

        auto store = storeOn(u"events_db"_s);
        QString error;
        QVERIFY2(store->open(&error), qPrintable(error));
        QCOMPARE(store->schemaVersion(), latestSchemaVersion());
        QCOMPARE(store->maxEventSeq(), 6000);
        checkSchema6(u"tst_v6"_s);
        if (QTest::currentTestFailed())
            return;

        QList<StoredEventPtr> all;
        for (qint64 seq = 1; seq <= 6000; ++seq)
            all << syntheticEvent(seq, T0);
        for (const StreamCase &c : streamCases()) {
            QList<qint64> want;
            for (const auto &e : all)
                if (c.key.matches(*e))
                    want << e->seq;
            QCOMPARE(seqs(store->events(c.key, 0, 100000)), want);
            QCOMPARE(store->latestSeq(c.key), want.constLast());
        }
        // Prune the older half, keeping 5 per stream: the old rows are found without events_ts.
        const qint64 cutoff = T0 + 3000;
        const int keep = 5;
        QSet<QString> seen;
        QList<StreamKey> keys;
        for (const auto &e : all) {
            const QList<StreamKey> of{{StreamKind::Run, e->orgId, e->runId},
                                      {StreamKind::Graph, e->orgId, e->crewId},
                                      {StreamKind::Mission, e->orgId, QString()}};
            for (const StreamKey &k : of) {
                const QString id = QString::number(int(k.kind)) + k.orgId + u'/' + k.id;
                if (k.matches(*e) && !seen.contains(id)) {
                    seen.insert(id);
                    keys << k;
                }
            }
        }
        const test::PruneModel model = test::pruneModel(all, keys, cutoff, keep);
        const QSet<qint64> &survivors = model.survivors;
        QCOMPARE(store->pruneEvents(cutoff, keep), model.highestDeleted);
        QList<qint64> left;
        for (const auto &e : store->eventsAfter(0, 100000))
            left << e->seq;
        QList<qint64> want(survivors.begin(), survivors.end());
        std::sort(want.begin(), want.end());
        QCOMPARE(left, want);
    }

    // Pruning finds the old rows by a search over seq, which assumes stamps grow with seq.
    // Where they do not (a clock set forward, then back), it stops at the first newer event:
    // nothing newer than the cutoff is ever deleted, every older event below that point is,
    // and older events above it wait for a later prune.
    void pruneWithStampsOutOfOrder()
    {
        auto store = storeOn(u"events_db"_s);
        QString error;
        QVERIFY2(store->open(&error), qPrintable(error));
        const auto at = [](qint64 seq, qint64 ts) {
            auto e = std::make_shared<StoredEvent>(*syntheticEvent(seq, 0));
            e->orgId = u"org_a"_s;
            e->crewId = u"crw_a"_s;
            e->runId = u"run_a"_s;
            e->type = EventType::ToolProgress;
            e->tsMs = ts;
            return StoredEventPtr(e);
        };
        QList<StoredEventPtr> all;
        for (qint64 seq = 1; seq <= 30; ++seq) {
            // 1-10 old, 11-20 stamped an hour ahead, 21-30 old again.
            const qint64 ts = seq <= 10 ? T0 + seq : seq <= 20 ? T0 + 3'600'000 : T0 + 100 + seq;
            all << at(seq, ts);
        }
        QVERIFY(store->appendEvents(all));
        QCOMPARE(store->pruneEvents(T0 + 1000, 0), 10);
        QCOMPARE(seqs(store->eventsAfter(0, 100)).constFirst(), 11);
        QCOMPARE(store->eventsAfter(0, 100).size(), 20);
        // Once the cutoff passes the hour ahead, everything goes.
        QCOMPARE(store->pruneEvents(T0 + 3'600'001, 0), 30);
        QVERIFY(store->eventsAfter(0, 100).isEmpty());
        QCOMPARE(store->prunedHorizon(), 30);
    }
};

QTEST_GUILESS_MAIN(TestEventIndexes)
#include "tst_eventindexes.moc"
