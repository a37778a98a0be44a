// The offline cache on disk: what goes in comes back, per server and user; files of another
// version, another account or garbage are ignored; only the owner can read them.
#include "app/models/offlinecache.h"
#include "shared/timeutil.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::client;

class TestOfflineCache : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTripKeepsEveryPart();
    void partsMissingStayMissing();
    void perServerAndUser();
    void otherVersionOrGarbageIsIgnored();
    void fileIsPrivateAndReplacedWhole();

private:
    static CachedState sample();
    QTemporaryDir m_dir;
};

CachedState TestOfflineCache::sample()
{
    CachedState s;
    s.savedAt = *parseRfc3339(u"2026-03-04T14:02:00.000Z"_s);
    s.user.id = u"usr_1"_s;
    s.user.email = u"Ann@Acme.test"_s;
    s.user.role = u"admin"_s;
    DashboardStats st;
    st.totalRuns = 42;
    st.successRate = 0.75;
    st.p95LatencyMs = 1234;
    Run r;
    r.id = u"run_1"_s;
    r.crewId = u"crw_1"_s;
    r.status = u"failed"_s;
    r.createdAt = *parseRfc3339(u"2026-03-04T13:00:00Z"_s);
    r.withToolCalls = false;
    st.recentRuns = {r};
    s.stats = st;
    TokenStats t;
    t.balance = Micros::fromUnits(987);
    s.tokens = t;
    Crew c;
    c.id = u"crw_1"_s;
    c.name = u"Alpha"_s;
    c.createdAt = *parseRfc3339(u"2026-01-01T00:00:00Z"_s);
    s.crews = QList<Crew>{c};
    s.analyticsRange = DateRange::forPreset(u"30d"_s, s.savedAt);
    Timeseries ts;
    ts.metric = u"runs"_s;
    ts.bucket = s.analyticsRange->bucket;
    TimeseriesPoint p;
    p.t = *parseRfc3339(u"2026-03-01T00:00:00Z"_s);
    p.value = 7;
    p.extra = QJsonObject{{u"succeeded"_s, 5}, {u"failed"_s, 2}};
    ts.points = {p};
    s.analytics.insert(u"runs"_s, ts);
    s.missionSeq = 9007199254740993LL; // above 2^53: kept exactly (written as text)
    return s;
}

void TestOfflineCache::roundTripKeepsEveryPart()
{
    OfflineCache cache(m_dir.filePath(u"a"_s));
    const QUrl server(u"http://127.0.0.1:8080"_s);
    const CachedState in = sample();
    QString err;
    QVERIFY2(cache.save(server, u"ann@acme.test"_s, in, &err), qPrintable(err));
    const auto out = cache.load(server, u"ann@acme.test"_s, &err);
    QVERIFY2(out, qPrintable(err));
    QCOMPARE(out->savedAt, in.savedAt);
    QCOMPARE(out->user.email, in.user.email);
    QVERIFY(out->stats);
    QCOMPARE(out->stats->toJson(), in.stats->toJson());
    QCOMPARE(out->tokens->toJson(), in.tokens->toJson());
    QVERIFY(!out->rentals);
    QCOMPARE(out->crews->size(), 1);
    QCOMPARE(out->crews->first().name, u"Alpha"_s);
    QVERIFY(out->analyticsRange);
    QVERIFY(*out->analyticsRange == *in.analyticsRange);
    QCOMPARE(out->analytics.value(u"runs"_s).toJson(), in.analytics.value(u"runs"_s).toJson());
    QCOMPARE(out->missionSeq, in.missionSeq);
}

void TestOfflineCache::partsMissingStayMissing()
{
    OfflineCache cache(m_dir.filePath(u"b"_s));
    const QUrl server(u"http://h:1"_s);
    CachedState s;
    s.savedAt = QDateTime::currentDateTimeUtc();
    s.user.id = u"usr_2"_s;
    s.user.email = u"x@y.test"_s;
    s.user.role = u"member"_s;
    TokenStats t;
    s.tokens = t;
    QVERIFY(cache.save(server, u"x@y.test"_s, s));
    const auto out = cache.load(server, u"x@y.test"_s);
    QVERIFY(out);
    QVERIFY(out->tokens);
    QVERIFY(!out->stats && !out->rentals && !out->crews && !out->analyticsRange);
    QVERIFY(!out->missionSeq);
    QVERIFY(out->analytics.isEmpty());
}

void TestOfflineCache::perServerAndUser()
{
    OfflineCache cache(m_dir.filePath(u"c"_s));
    const QUrl one(u"http://127.0.0.1:8080"_s), two(u"http://127.0.0.1:8081"_s);
    QVERIFY(cache.save(one, u"ann@acme.test"_s, sample()));
    // The same address in another case is the same user (the server folds case).
    QVERIFY(cache.load(one, u"ANN@acme.TEST"_s));
    QVERIFY(!cache.load(two, u"ann@acme.test"_s));
    QVERIFY(!cache.load(one, u"bob@acme.test"_s));
    QVERIFY(cache.fileFor(one, u"ann@acme.test"_s) != cache.fileFor(two, u"ann@acme.test"_s));
    // No address in the file name.
    QVERIFY(!cache.fileFor(one, u"ann@acme.test"_s).contains(u"acme"_s));
    // A file copied over another account's name is not shown to it.
    QVERIFY(QFile::copy(cache.fileFor(one, u"ann@acme.test"_s),
                        cache.fileFor(one, u"bob@acme.test"_s)));
    QString err;
    QVERIFY(!cache.load(one, u"bob@acme.test"_s, &err));
    QVERIFY2(err.contains(u"another server or user"_s), qPrintable(err));
    QVERIFY(cache.remove(one, u"ann@acme.test"_s));
    QVERIFY(!cache.load(one, u"ann@acme.test"_s));
}

void TestOfflineCache::otherVersionOrGarbageIsIgnored()
{
    OfflineCache cache(m_dir.filePath(u"d"_s));
    const QUrl server(u"http://h:2"_s);
    QVERIFY(cache.save(server, u"a@b.test"_s, sample()));
    const QString file = cache.fileFor(server, u"a@b.test"_s);
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
    f.close();
    QCOMPARE(doc.value(u"version"_s).toInt(), OfflineCache::Version);
    doc.insert(u"version"_s, OfflineCache::Version + 1);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(QJsonDocument(doc).toJson());
    f.close();
    QString err;
    QVERIFY(!cache.load(server, u"a@b.test"_s, &err));
    QVERIFY2(err.contains(u"version"_s), qPrintable(err));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("{\"version\": 1, \"identity\": tru");
    f.close();
    QVERIFY(!cache.load(server, u"a@b.test"_s));
}

void TestOfflineCache::fileIsPrivateAndReplacedWhole()
{
    OfflineCache cache(m_dir.filePath(u"e"_s));
    const QUrl server(u"http://h:3"_s);
    CachedState s = sample();
    QVERIFY(cache.save(server, u"a@b.test"_s, s));
    const QString file = cache.fileFor(server, u"a@b.test"_s);
    const auto perms = QFile::permissions(file);
    QVERIFY(perms & QFileDevice::ReadOwner);
    QVERIFY(!(perms & (QFileDevice::ReadGroup | QFileDevice::ReadOther)));
    s.stats->totalRuns = 43;
    QVERIFY(cache.save(server, u"a@b.test"_s, s));
    QCOMPARE(cache.load(server, u"a@b.test"_s)->stats->totalRuns, 43);
    // Only the one file (QSaveFile leaves no temporary behind).
    QCOMPARE(QDir(cache.directory()).entryList(QDir::Files).size(), 1);
}

QTEST_GUILESS_MAIN(TestOfflineCache)
#include "tst_offlinecache.moc"
