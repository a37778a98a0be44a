// Tests of the SQL stores. Built twice from this one source: tst_store runs every test
// against SQLite (a fresh database file per test function), tst_store_pg (compiled with
// CREWDECK_TEST_POSTGRES) against a throwaway PostgreSQL server started by the test (a fresh
// schema per test function). Every test must pass on both backends.
#include "server/store/migrations.h"
#include "server/store/storeutil.h"
#include "shared/timeutil.h"
#include "tests/support/storebackend.h"
#include "tests/support/storemodel.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <atomic>
#include <ctime>
#include <memory>
#include <thread>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::server;
using crewdeck::test::seqs;
using crewdeck::test::storedEvent;

namespace {

constexpr qint64 T0 = 1'780'000'000'000; // a fixed "now" in ms (2026)
constexpr qint64 Hour = 3'600'000;
constexpr qint64 Monday = 1'780'272'000'000; // 2026-06-01T00:00:00Z, a Monday

Micros units(qint64 u)
{
    return Micros::fromUnits(u);
}

QJsonArray oneStep()
{
    return QJsonArray{QJsonObject{{u"agent_id"_s, u"agt_x"_s},
                                  {u"tool"_s, u"script"_s},
                                  {u"params"_s, QJsonObject{{u"command"_s, u"true"_s}}}}};
}

} // namespace

class TestStore : public QObject
{
    Q_OBJECT

private:
    test::StoreBackend m_backend;
    std::unique_ptr<SqlStore> m_store;
    static constexpr bool Postgres = test::StoreBackend::Postgres;
    static inline const QString MainDb = u"crewdeck_test"_s;

    // A new store on the test's database.
    std::unique_ptr<SqlStore> newStore() { return m_backend.store(MainDb); }
    // A store on a different, empty database named `name`.
    std::unique_ptr<SqlStore> otherStore(const QString &name)
    {
        QString error;
        if (!m_backend.createDatabase(name, &error))
            qWarning("createdb failed: %s", qPrintable(error));
        return m_backend.store(name);
    }
    // A store on the database `name` made by an earlier otherStore(name).
    std::unique_ptr<SqlStore> otherStoreNoCreate(const QString &name)
    {
        return m_backend.store(name);
    }
    // A store that cannot open (SQLite: a missing folder; PostgreSQL: nobody listening).
    std::unique_ptr<SqlStore> brokenStore()
    {
#ifdef CREWDECK_TEST_POSTGRES
        return std::make_unique<PostgresStore>(u"postgres://postgres@127.0.0.1:1/crewdeck_test"_s);
#else
        return std::make_unique<SqliteStore>(m_backend.filePath(u"missing/dir/x.db"_s));
#endif
    }

    // A raw connection to the test's database for inspecting what the store wrote. The
    // caller removes it with QSqlDatabase::removeDatabase(name) after dropping its copies.
    QSqlDatabase inspect(const QString &name)
    {
        return m_backend.raw(name, MainDb);
    }

    OrgRecord org(const QString &name, qint64 grantUnits = 1000)
    {
        auto o = m_store->createOrg(name, units(grantUnits));
        if (!o)
            qFatal("createOrg failed");
        return *o;
    }

    Crew crew(const QString &orgId, const QString &name, std::optional<Micros> price = std::nullopt,
              qint64 now = T0)
    {
        CreateCrewRequest req;
        req.name = name;
        req.agents = {Agent{QString(), u"builder"_s, u"dev"_s, {u"git_clone"_s, u"script"_s}},
                      Agent{QString(), u"tester"_s, u"qa"_s, {u"pytest"_s}}};
        req.rentalPricePerHour = price;
        Crew c = m_store->createCrew(orgId, req, now);
        if (c.id.isEmpty())
            qFatal("createCrew failed");
        return c;
    }

    // A finished run created at `created` that ran for `durationMs`.
    QString finishedRun(const QString &orgId, const QString &crewId, qint64 created,
                        qint64 durationMs, const QString &status, qint64 tokens = 0)
    {
        const Run r = m_store->createRun(orgId, crewId, oneStep(), 600, created);
        m_store->markRunStarted(r.id, created + 5);
        if (tokens)
            m_store->addRunTokens(r.id, tokens);
        m_store->markRunFinished(r.id, status, created + 5 + durationMs);
        return r.id;
    }

private Q_SLOTS:
    void initTestCase()
    {
        // Analytics buckets are UTC: a local zone far from UTC must not shift them.
        qputenv("TZ", "America/New_York");
        tzset();
        if (const QString why = test::StoreBackend::unavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
        QString error;
        QVERIFY2(m_backend.start(&error), qPrintable(error));
    }

    void cleanupTestCase()
    {
        m_backend.stop();
    }

    void init()
    {
        // A fresh, empty database for every test function.
        QString error;
        QVERIFY2(m_backend.fresh(MainDb, &error), qPrintable(error));
        m_store = newStore();
        QString openError;
        QVERIFY2(m_store->open(&openError), qPrintable(openError));
    }

    void cleanup()
    {
        m_store.reset();
        m_backend.clear();
    }

    void migrationsAreIdempotent()
    {
        QCOMPARE(m_store->schemaVersion(), latestSchemaVersion());
        const auto o = org(u"acme"_s);
        QString error;
        QVERIFY2(m_store->open(&error), qPrintable(error)); // again on the same instance
        QCOMPARE(m_store->schemaVersion(), latestSchemaVersion());

        // A second instance on the same file: no migration is applied twice, data is shared.
        auto second = newStore();
        QVERIFY2(second->open(&error), qPrintable(error));
        QCOMPARE(second->schemaVersion(), latestSchemaVersion());
        QCOMPARE(second->orgByName(u"acme"_s)->id, o.id);
        QVERIFY(second->ping());

        // One schema_version row per migration; SQLite: WAL journal on disk; PostgreSQL:
        // the dialect's column types.
        {
            QSqlDatabase db = inspect(u"tst_inspect"_s);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"SELECT COUNT(*) FROM schema_version"_s) && q.next());
            QCOMPARE(q.value(0).toInt(), int(migrations().size()));
            if (Postgres) {
                QVERIFY(q.exec(u"SELECT column_name, data_type FROM information_schema.columns"
                               " WHERE table_name = 'events' AND column_name IN ('seq', 'body')"
                               " ORDER BY column_name"_s));
                QVERIFY(q.next());
                QCOMPARE(q.value(1).toString(), u"bytea"_s);
                QVERIFY(q.next());
                QCOMPARE(q.value(1).toString(), u"bigint"_s);
            } else {
                QVERIFY(q.exec(u"PRAGMA journal_mode"_s) && q.next());
                QCOMPARE(q.value(0).toString(), u"wal"_s);
            }
        }
        QSqlDatabase::removeDatabase(u"tst_inspect"_s);
    }

    void severalInstancesCoexist()
    {
        auto other = otherStore(u"other"_s);
        QString error;
        QVERIFY2(other->open(&error), qPrintable(error));
        QVERIFY(other->createOrg(u"x"_s, units(1)));
        QVERIFY(!m_store->orgByName(u"x"_s)); // a different file
        other.reset();                        // closes only its own connection
        QVERIFY(m_store->ping());
        QVERIFY(m_store->createOrg(u"y"_s, units(1)));
    }

    void openFailsCleanly()
    {
        auto brokenPtr = brokenStore();
        SqlStore &broken = *brokenPtr;
        QString error;
        QVERIFY(!broken.open(&error));
        QVERIFY(!error.isEmpty());
        // Nothing crashes on a store that is not open; reads are empty, writes report failure.
        QVERIFY(!broken.ping());
        QVERIFY(!broken.orgByName(u"a"_s));
        QVERIFY(broken.crews(u"org_a"_s).isEmpty());
        StoreError err = StoreError::None;
        broken.runs(u"org_a"_s, RunFilter{}, &err);
        QCOMPARE(err, StoreError::Unavailable);
        QVERIFY(!broken.appendEvents({storedEvent(1, u"o"_s, u"c"_s, u"r"_s, u"tool_start"_s, 1)}));
        QVERIFY(broken.createRun(u"o"_s, u"c"_s, oneStep(), 10, T0).id.isEmpty());
    }

    void idsAndCursorHelpers()
    {
        const QString id = storeutil::newId(u"crw");
        QVERIFY(id.startsWith(u"crw_"_s));
        QCOMPARE(id.size(), 4 + 24);
        QVERIFY(id != storeutil::newId(u"crw"));
        const auto c = storeutil::decodeRunCursor(storeutil::encodeRunCursor({T0, u"run_abc"_s}));
        QVERIFY(c);
        QCOMPARE(c->createdMs, T0);
        QCOMPARE(c->id, u"run_abc"_s);
        QCOMPARE(storeutil::nearestRankOffset(100, 50), 49);
        QCOMPARE(storeutil::nearestRankOffset(100, 95), 94);
        QCOMPARE(storeutil::nearestRankOffset(3, 50), 1);
        QCOMPARE(storeutil::nearestRankOffset(1, 95), 0);
        QCOMPARE(storeutil::hoursToMs(1'500'000), 5'400'000);
    }

    void users()
    {
        const auto a = org(u"acme"_s);
        const auto b = org(u"globex"_s);
        StoreError err = StoreError::Unavailable;
        const QByteArray hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
        const auto u = m_store->createUser(a.id, u"Alice@Example.com"_s, u"admin"_s, hash, &err);
        QVERIFY(u);
        QCOMPARE(err, StoreError::None);
        QVERIFY(u->id.startsWith(u"usr_"_s));

        const auto byEmail = m_store->userByEmail(u"alice@EXAMPLE.com"_s);
        QVERIFY(byEmail);
        QCOMPARE(byEmail->id, u->id);
        QCOMPARE(byEmail->email, u"Alice@Example.com"_s);
        QCOMPARE(byEmail->orgId, a.id);
        QCOMPARE(byEmail->role, u"admin"_s);
        QCOMPARE(byEmail->passwordHash, hash);
        QCOMPARE(m_store->userById(u->id)->email, u"Alice@Example.com"_s);
        QVERIFY(!m_store->userById(u"usr_nope"_s));
        QVERIFY(!m_store->userByEmail(u"bob@example.com"_s));

        // Duplicate e-mail, other case, other org -> Conflict; nothing inserted.
        err = StoreError::None;
        QVERIFY(!m_store->createUser(b.id, u"ALICE@example.COM"_s, u"viewer"_s, hash, &err));
        QCOMPARE(err, StoreError::Conflict);
        QCOMPARE(m_store->userCount(), 1);

        QVERIFY(m_store->createUser(a.id, u"bob@example.com"_s, u"member"_s, hash, &err));
        QVERIFY(m_store->createUser(b.id, u"carol@example.com"_s, u"viewer"_s, hash, &err));
        QCOMPARE(m_store->userCount(), 3);
        const auto listA = m_store->users(a.id);
        QCOMPARE(listA.size(), 2);
        for (const auto &x : listA)
            QCOMPARE(x.orgId, a.id);
        QCOMPARE(m_store->users(b.id).size(), 1);

        err = StoreError::None;
        QVERIFY(
            !m_store->createUser(u"org_missing"_s, u"dave@example.com"_s, u"admin"_s, hash, &err));
        QCOMPARE(err, StoreError::NotFound);

        // Org names are unique.
        QVERIFY(!m_store->createOrg(u"acme"_s, units(5)));
        QCOMPARE(m_store->orgByName(u"acme"_s)->id, a.id);
    }

    void crewsCrudAndIsolation()
    {
        const auto a = org(u"acme"_s);
        const auto b = org(u"globex"_s);
        const Crew c = crew(a.id, u"alpha"_s, Micros{2'500'000});
        QVERIFY(c.id.startsWith(u"crw_"_s));
        QCOMPARE(c.agents.size(), 2);
        QVERIFY(c.agents[0].id.startsWith(u"agt_"_s));
        QVERIFY(c.agents[0].id != c.agents[1].id);
        const Crew plain = crew(a.id, u"beta"_s);

        const auto got = m_store->crew(a.id, c.id);
        QVERIFY(got);
        QCOMPARE(got->name, u"alpha"_s);
        QCOMPARE(got->ownerOrgId, a.id);
        QCOMPARE(got->rentalPricePerHour, std::optional<Micros>(Micros{2'500'000}));
        QCOMPARE(got->createdAt, fromMs(T0));
        QCOMPARE(got->agents.size(), 2);
        QCOMPARE(got->agents[0].name, u"builder"_s);
        QCOMPARE(got->agents[0].tools, (QStringList{u"git_clone"_s, u"script"_s}));
        QCOMPARE(got->agents[1].id, c.agents[1].id);
        QCOMPARE(got->toJson(), c.toJson());
        QVERIFY(!m_store->crew(a.id, plain.id)->rentalPricePerHour);

        // Another org does not see it.
        QVERIFY(!m_store->crew(b.id, c.id));
        QVERIFY(m_store->crews(b.id).isEmpty());
        QCOMPARE(m_store->crews(a.id).size(), 2);
        QCOMPARE(m_store->crewById(c.id)->ownerOrgId, a.id);
        QCOMPARE(m_store->allCrews().size(), 2);
        QCOMPARE(m_store->deleteCrew(b.id, c.id, T0), StoreError::NotFound);

        // Market: other orgs' priced crews only.
        QVERIFY(m_store->marketCrews(a.id).isEmpty());
        const auto market = m_store->marketCrews(b.id);
        QCOMPARE(market.size(), 1);
        QCOMPARE(market[0].id, c.id);
        QCOMPARE(market[0].ownerOrgId, a.id);
        QCOMPARE(market[0].rentalPricePerHour, Micros{2'500'000});
        m_store->setCrewStatus(c.id, CrewStatus::Busy);
        QCOMPARE(m_store->marketCrews(b.id)[0].status, CrewStatus::Busy);
        QCOMPARE(m_store->crew(a.id, c.id)->status, CrewStatus::Busy);

        // Delete: conflict with a queued run, fine after it finished; history stays.
        const Run r = m_store->createRun(a.id, c.id, oneStep(), 60, T0 + 1);
        QVERIFY(m_store->crewHasActiveRun(c.id));
        QCOMPARE(m_store->deleteCrew(a.id, c.id, T0 + 2), StoreError::Conflict);
        m_store->markRunStarted(r.id, T0 + 3);
        QCOMPARE(m_store->deleteCrew(a.id, c.id, T0 + 4), StoreError::Conflict);
        m_store->markRunFinished(r.id, RunState::Succeeded, T0 + 10);
        QVERIFY(!m_store->crewHasActiveRun(c.id));

        // ... and with an active rental.
        StoreError err = StoreError::None;
        const auto rental = m_store->rent(b.id, c.id, units(1), T0 + 20, &err);
        QVERIFY(rental);
        QCOMPARE(m_store->deleteCrew(a.id, c.id, T0 + 30), StoreError::Conflict);
        QCOMPARE(m_store->deleteCrew(a.id, c.id, T0 + 20 + Hour), StoreError::None);
        QVERIFY(!m_store->crew(a.id, c.id));
        QVERIFY(!m_store->crewById(c.id));
        QCOMPARE(m_store->crews(a.id).size(), 1);
        QCOMPARE(m_store->deleteCrew(a.id, c.id, T0 + 20 + Hour), StoreError::NotFound);
        QVERIFY(m_store->run(a.id, r.id)); // the run survives its crew
        QCOMPARE(m_store->run(a.id, r.id)->crewId, c.id);
        QCOMPARE(m_store->rentals(b.id, T0 + 2 * Hour).size(), 1);
        {
            QSqlDatabase db = inspect(u"tst_agents"_s);
            QVERIFY(db.open());
            QSqlQuery q(db);
            q.prepare(u"SELECT COUNT(*) FROM agents WHERE crew_id = ?"_s);
            q.addBindValue(c.id);
            QVERIFY(q.exec() && q.next());
            QCOMPARE(q.value(0).toInt(), 0);
        }
        QSqlDatabase::removeDatabase(u"tst_agents"_s);
    }

    void runLifecycleAndToolCalls()
    {
        const auto a = org(u"acme"_s);
        const auto b = org(u"globex"_s);
        const Crew c = crew(a.id, u"alpha"_s);
        const Run r1 = m_store->createRun(a.id, c.id, oneStep(), 120, T0 + 100);
        const Run r2 = m_store->createRun(a.id, c.id, oneStep(), 600, T0 + 50);
        QVERIFY(r1.id.startsWith(u"run_"_s));
        QCOMPARE(r1.status, RunState::Queued);

        const auto queued = m_store->runsInStatus(RunState::Queued);
        QCOMPARE(queued.size(), 2);
        QCOMPARE(queued[0].runId, r2.id); // oldest first
        QCOMPARE(queued[1].runId, r1.id);
        const auto job = m_store->runJob(r1.id);
        QVERIFY(job);
        QCOMPARE(job->orgId, a.id);
        QCOMPARE(job->crewId, c.id);
        QCOMPARE(job->timeoutS, 120);
        QCOMPARE(job->steps, oneStep());
        QCOMPARE(job->createdAt, fromMs(T0 + 100));
        QVERIFY(!m_store->runJob(u"run_missing"_s));
        // The run's time limit is part of the Run too (additive "timeout_s").
        QCOMPARE(r1.timeoutS, std::optional<int>(120));
        QCOMPARE(m_store->run(a.id, r1.id)->timeoutS, std::optional<int>(120));
        QCOMPARE(m_store->run(a.id, r2.id)->timeoutS, std::optional<int>(600));
        {
            RunFilter f;
            f.crewId = c.id;
            const RunPage listed = m_store->runs(a.id, f, nullptr);
            QCOMPARE(listed.items.size(), 2);
            for (const Run &listedRun : listed.items)
                QCOMPARE(listedRun.timeoutS, std::optional<int>(listedRun.id == r1.id ? 120 : 600));
        }

        m_store->markRunStarted(r1.id, T0 + 200);
        QCOMPARE(m_store->runsInStatus(RunState::Running).size(), 1);
        const ToolCall t1 =
            m_store->startToolCall(r1.id, u"agt_1"_s, u"git_clone"_s,
                                   QJsonObject{{u"url"_s, u"https://x/y.git"_s}}, T0 + 210);
        const ToolCall t2 =
            m_store->startToolCall(r1.id, u"agt_2"_s, u"pytest"_s, QJsonObject{}, T0 + 210);
        QVERIFY(t1.id.startsWith(u"tc_"_s));
        QCOMPARE(m_store->runningToolCalls(r1.id).size(), 2);
        m_store->finishToolCall(t1.id, CallState::Success, 0, 40, QByteArray("cloned\n"));
        m_store->finishToolCall(t2.id, CallState::Cancelled, std::nullopt, 7, QByteArray());
        QVERIFY(m_store->runningToolCalls(r1.id).isEmpty());
        m_store->addRunTokens(r1.id, 30);
        m_store->addRunTokens(r1.id, 12);
        m_store->markRunFinished(r1.id, RunState::Failed, T0 + 500);
        // A final run does not change any more.
        m_store->markRunFinished(r1.id, RunState::Succeeded, T0 + 900);
        m_store->markRunStarted(r1.id, T0 + 901);

        const auto run = m_store->run(a.id, r1.id);
        QVERIFY(run);
        QCOMPARE(run->status, RunState::Failed);
        QCOMPARE(run->startedAt, fromMs(T0 + 200));
        QCOMPARE(run->finishedAt, fromMs(T0 + 500));
        QCOMPARE(run->durationMs, std::optional<qint64>(300));
        QCOMPARE(run->tokens, 42);
        QVERIFY(run->withToolCalls);
        QCOMPARE(run->toolCalls.size(), 2);
        QCOMPARE(run->toolCalls[0].id, t1.id); // start order, also within one millisecond
        QCOMPARE(run->toolCalls[0].status, CallState::Success);
        QCOMPARE(run->toolCalls[0].exitCode, std::optional<int>(0));
        QCOMPARE(run->toolCalls[0].durationMs, std::optional<qint64>(40));
        QCOMPARE(run->toolCalls[0].params.value(u"url"_s).toString(), u"https://x/y.git"_s);
        QCOMPARE(run->toolCalls[1].id, t2.id);
        QCOMPARE(run->toolCalls[1].exitCode, std::nullopt);
        QVERIFY(!m_store->run(b.id, r1.id)); // other org

        // Cancelled while queued: no start, no duration.
        m_store->markRunFinished(r2.id, RunState::Cancelled, T0 + 600);
        const auto r2s = m_store->run(a.id, r2.id);
        QCOMPARE(r2s->status, RunState::Cancelled);
        QVERIFY(!r2s->startedAt.isValid());
        QCOMPARE(r2s->durationMs, std::nullopt);
        QVERIFY(!m_store->crewHasActiveRun(c.id));
    }

    void runPagination()
    {
        const auto a = org(u"acme"_s);
        const auto b = org(u"globex"_s);
        const Crew c1 = crew(a.id, u"c1"_s);
        const Crew c2 = crew(a.id, u"c2"_s);
        const Crew cb = crew(b.id, u"cb"_s);
        // 30 runs; pairs share a created_at so that ties exercise the id tiebreak.
        QList<Run> all;
        for (int i = 0; i < 30; ++i) {
            const Crew &c = i % 3 == 0 ? c2 : c1;
            Run r = m_store->createRun(a.id, c.id, oneStep(), 60, T0 + (i / 2) * 1000);
            if (i % 5 == 0) {
                m_store->markRunStarted(r.id, T0 + 999'999);
                m_store->markRunFinished(r.id, RunState::Succeeded, T0 + 1'000'000);
                r.status = RunState::Succeeded;
            }
            all.append(r);
        }
        for (int i = 0; i < 4; ++i)
            m_store->createRun(b.id, cb.id, oneStep(), 60, T0 + i);
        auto newestFirst = [](QList<Run> list) {
            std::sort(list.begin(), list.end(), [](const Run &x, const Run &y) {
                return x.createdAt != y.createdAt ? x.createdAt > y.createdAt : x.id > y.id;
            });
            QStringList ids;
            for (const auto &r : list)
                ids << r.id;
            return ids;
        };
        auto collect = [&](RunFilter f, int *pages) {
            QStringList ids;
            *pages = 0;
            for (;;) {
                StoreError err = StoreError::Unavailable;
                const RunPage p = m_store->runs(a.id, f, &err);
                if (err != StoreError::None)
                    qFatal("runs() failed");
                ++*pages;
                for (const auto &r : p.items) {
                    ids << r.id;
                    if (r.withToolCalls)
                        qFatal("list item with tool calls");
                }
                if (!p.nextCursor)
                    break;
                f.cursor = *p.nextCursor;
                if (*pages > 100)
                    qFatal("runaway pagination");
            }
            return ids;
        };

        int pages = 0;
        RunFilter f;
        f.limit = 7;
        QCOMPARE(collect(f, &pages), newestFirst(all));
        QCOMPARE(pages, 5); // 7+7+7+7+2
        f.limit = 10;
        QCOMPARE(collect(f, &pages), newestFirst(all));
        QCOMPARE(pages, 3); // exactly full last page: the extra row says there is no more

        // Filters combine with the cursor.
        QList<Run> onC1, succeeded, inRange;
        for (const auto &r : all) {
            if (r.crewId == c1.id)
                onC1 << r;
            if (r.status == RunState::Succeeded)
                succeeded << r;
            if (r.createdAt >= fromMs(T0 + 3000) && r.createdAt < fromMs(T0 + 9000))
                inRange << r;
        }
        f = RunFilter{};
        f.limit = 4;
        f.crewId = c1.id;
        QCOMPARE(collect(f, &pages), newestFirst(onC1));
        f.crewId.clear();
        f.status = RunState::Succeeded;
        QCOMPARE(collect(f, &pages), newestFirst(succeeded));
        QCOMPARE(succeeded.size(), 6);
        f.status.clear();
        f.from = fromMs(T0 + 3000); // inclusive
        f.to = fromMs(T0 + 9000);   // exclusive
        QCOMPARE(collect(f, &pages), newestFirst(inRange));
        QCOMPARE(inRange.size(), 12);

        // Other org: only its own.
        StoreError err = StoreError::None;
        QCOMPARE(m_store->runs(b.id, RunFilter{}, &err).items.size(), 4);
        f = RunFilter{};
        f.crewId = cb.id;
        QVERIFY(m_store->runs(a.id, f, &err).items.isEmpty());

        // Limit clamps to 1..200.
        f = RunFilter{};
        f.limit = 0;
        QCOMPARE(m_store->runs(a.id, f, &err).items.size(), 1);
        f.limit = -5;
        QCOMPARE(m_store->runs(a.id, f, &err).items.size(), 1);

        // Malformed cursors.
        for (const QString &bad : QStringList{u"!!!"_s, u"abc"_s, u"bm9jb2xvbg"_s /* "nocolon" */,
                                              u"eDpydW5fMQ"_s /* "x:run_1" */, u"MTox'"_s,
                                              u"MTIzOnJ1biB4"_s /* "123:run x" */}) {
            f = RunFilter{};
            f.cursor = bad;
            err = StoreError::None;
            const RunPage p = m_store->runs(a.id, f, &err);
            QVERIFY2(err == StoreError::BadRequest, qPrintable(bad));
            QVERIFY(p.items.isEmpty());
        }
    }

    void runLimitUpperClamp()
    {
        const auto a = org(u"acme"_s);
        const Crew c = crew(a.id, u"c"_s);
        for (int i = 0; i < 205; ++i)
            QVERIFY(!m_store->createRun(a.id, c.id, oneStep(), 60, T0 + i).id.isEmpty());
        RunFilter f;
        f.limit = 1000;
        StoreError err = StoreError::Unavailable;
        const RunPage p = m_store->runs(a.id, f, &err);
        QCOMPARE(err, StoreError::None);
        QCOMPARE(p.items.size(), 200);
        QVERIFY(p.nextCursor);
        f.cursor = *p.nextCursor;
        QCOMPARE(m_store->runs(a.id, f, &err).items.size(), 5);
    }

    void dashboardStats()
    {
        const auto a = org(u"acme"_s);
        const auto b = org(u"globex"_s);
        const Crew c1 = crew(a.id, u"c1"_s);
        const Crew c2 = crew(a.id, u"c2"_s);
        crew(a.id, u"c3"_s);
        const Crew cb = crew(b.id, u"cb"_s);
        m_store->setCrewStatus(c2.id, CrewStatus::Offline);

        // Empty window: all zero.
        DashboardStats s = m_store->dashboardStats(a.id, QDateTime(), QDateTime());
        QCOMPARE(s.totalRuns, 0);
        QCOMPARE(s.successRate, 0.0);
        QCOMPARE(s.avgLatencyMs, 0.0);
        QCOMPARE(s.p50LatencyMs, 0);
        QCOMPARE(s.p95LatencyMs, 0);
        QCOMPARE(s.activeCrews, 2);

        // 100 finished runs with durations 10, 20, ..., 1000, inserted in shuffled order:
        // 80 succeeded, 15 failed, 5 cancelled; created 1 s apart.
        QList<int> order;
        for (int i = 1; i <= 100; ++i)
            order << i;
        std::reverse(order.begin(), order.begin() + 50);
        qint64 tokens = 0;
        int failed = 0, cancelled = 0;
        for (int k = 0; k < 100; ++k) {
            const int i = order[k];
            QString status = RunState::Succeeded;
            if (k % 20 == 3) {
                status = RunState::Cancelled;
                ++cancelled;
            } else if (k % 20 == 7 || k % 20 == 11 || k % 20 == 15) {
                status = RunState::Failed;
                ++failed;
            }
            finishedRun(a.id, k % 2 ? c1.id : c2.id, T0 + k * 1000, i * 10, status, i);
            tokens += i;
        }
        QCOMPARE(cancelled, 5);
        QCOMPARE(failed, 15);
        // Unfinished runs count in total_runs only; another org's runs count nowhere.
        const Run queued = m_store->createRun(a.id, c1.id, oneStep(), 60, T0 + 100'000);
        const Run running = m_store->createRun(a.id, c1.id, oneStep(), 60, T0 + 101'000);
        m_store->markRunStarted(running.id, T0 + 101'500);
        m_store->addRunTokens(running.id, 7);
        finishedRun(b.id, cb.id, T0 + 5, 999'999, RunState::Failed, 1000);
        // Cancelled while queued: finished (success rate) but has no latency.
        const Run never = m_store->createRun(a.id, c1.id, oneStep(), 60, T0 + 102'000);
        m_store->markRunFinished(never.id, RunState::Cancelled, T0 + 102'100);

        s = m_store->dashboardStats(a.id, QDateTime(), QDateTime());
        QCOMPARE(s.totalRuns, 103);
        QCOMPARE(s.successRate, 80.0 / 101.0);
        QCOMPARE(s.avgLatencyMs, 505.0);
        QCOMPARE(s.p50LatencyMs, 500); // rank ceil(0.50 * 100) = 50
        QCOMPARE(s.p95LatencyMs, 950); // rank ceil(0.95 * 100) = 95
        QCOMPARE(s.totalTokens, tokens + 7);
        QCOMPARE(s.activeCrews, 2);
        QCOMPARE(s.recentRuns.size(), 10);
        QCOMPARE(s.recentRuns[0].id, never.id);
        QCOMPARE(s.recentRuns[1].id, running.id);
        QCOMPARE(s.recentRuns[2].id, queued.id);
        for (const auto &r : s.recentRuns)
            QVERIFY(!r.withToolCalls);
        for (int i = 1; i < s.recentRuns.size(); ++i)
            QVERIFY(s.recentRuns[i - 1].createdAt >= s.recentRuns[i].createdAt);

        // [from, to): runs k = 10..19 (k*1000 offsets); from inclusive, to exclusive.
        s = m_store->dashboardStats(a.id, fromMs(T0 + 10'000), fromMs(T0 + 20'000));
        QCOMPARE(s.totalRuns, 10);
        QList<qint64> durations;
        qint64 succ = 0, fin = 0;
        for (int k = 10; k < 20; ++k) {
            durations << order[k] * 10;
            ++fin;
            if (!(k % 20 == 3 || k % 20 == 7 || k % 20 == 11 || k % 20 == 15))
                ++succ;
        }
        std::sort(durations.begin(), durations.end());
        QCOMPARE(s.p50LatencyMs, durations[4]); // rank ceil(5.0) = 5
        QCOMPARE(s.p95LatencyMs, durations[9]); // rank ceil(9.5) = 10
        QCOMPARE(s.successRate, double(succ) / double(fin));
        QCOMPARE(s.recentRuns.size(), 10);
        QCOMPARE(s.recentRuns.first().createdAt, fromMs(T0 + 19'000));
        QCOMPARE(s.recentRuns.last().createdAt, fromMs(T0 + 10'000));
        // Open lower bound, upper bound only: k = 0..3, of which k = 3 is cancelled.
        s = m_store->dashboardStats(a.id, QDateTime(), fromMs(T0 + 4000));
        QCOMPARE(s.totalRuns, 4);
        QCOMPARE(s.successRate, 3.0 / 4.0);
        {
            QList<qint64> d{order[0] * 10LL, order[1] * 10LL, order[2] * 10LL, order[3] * 10LL};
            std::sort(d.begin(), d.end());
            QCOMPARE(s.p50LatencyMs, d[1]); // rank ceil(2.0) = 2
            QCOMPARE(s.p95LatencyMs, d[3]); // rank ceil(3.8) = 4
            QCOMPARE(s.avgLatencyMs, double(d[0] + d[1] + d[2] + d[3]) / 4.0);
        }
        // Other org sees only its own run.
        s = m_store->dashboardStats(b.id, QDateTime(), QDateTime());
        QCOMPARE(s.totalRuns, 1);
        QCOMPARE(s.p50LatencyMs, 999'999);
        QCOMPARE(s.p95LatencyMs, 999'999);
        QCOMPARE(s.successRate, 0.0);
        QCOMPARE(s.totalTokens, 1000);
        QCOMPARE(s.activeCrews, 1);
    }

    void ledgerAndRent()
    {
        const auto owner = org(u"owner"_s, 1000);
        const auto renter = org(u"renter"_s, 1000);
        const auto poor = org(u"poor"_s, 1);
        TokenStats t = m_store->tokenStats(renter.id, T0);
        QCOMPARE(t.balance, units(1000));
        QCOMPARE(t.spent, Micros{});
        QCOMPARE(t.earned, Micros{});
        QCOMPARE(t.pendingRewards, Micros{});
        QCOMPARE(t.symbol, u"C7T"_s);

        // 3.333333/h for 1.5 h = 4.9999995 -> half-up -> 5.000000
        const Crew priced = crew(owner.id, u"priced"_s, Micros{3'333'333});
        const Crew unpriced = crew(owner.id, u"unpriced"_s);
        StoreError err = StoreError::None;
        const auto r = m_store->rent(renter.id, priced.id, Micros{1'500'000}, T0, &err);
        QVERIFY(r);
        QCOMPARE(err, StoreError::None);
        QVERIFY(r->id.startsWith(u"rnt_"_s));
        QCOMPARE(r->price, Micros{5'000'000});
        QCOMPARE(r->hours, Micros{1'500'000});
        QCOMPARE(r->startsAt, fromMs(T0));
        QCOMPARE(r->endsAt, fromMs(T0 + 90 * 60'000));
        QCOMPARE(r->ownerOrgId, owner.id);
        QCOMPARE(r->renterOrgId, renter.id);
        QCOMPARE(r->status, u"active"_s);

        t = m_store->tokenStats(renter.id, T0 + 1);
        QCOMPARE(t.balance, units(995));
        QCOMPARE(t.spent, units(5));
        t = m_store->tokenStats(owner.id, T0 + 1);
        QCOMPARE(t.balance, units(1000));
        QCOMPARE(t.pendingRewards, units(5));
        QCOMPARE(t.earned, Micros{});

        // A tiny fraction rounds half-up to one micro: 0.5 micro -> 1.
        const Crew cheap = crew(owner.id, u"cheap"_s, Micros{500'000});
        const auto tiny = m_store->rent(renter.id, cheap.id, Micros{1}, T0, &err);
        QVERIFY(tiny);
        QCOMPARE(tiny->price, Micros{1});
        QCOMPARE(tiny->endsAt, fromMs(T0 + 4)); // 1e-6 h = 3.6 ms, rounded half-up

        // Own crew -> BadRequest; no price / unknown -> NotFound; bad hours -> BadRequest.
        QVERIFY(!m_store->rent(owner.id, priced.id, units(1), T0, &err));
        QCOMPARE(err, StoreError::BadRequest);
        QVERIFY(!m_store->rent(renter.id, unpriced.id, units(1), T0, &err));
        QCOMPARE(err, StoreError::NotFound);
        QVERIFY(!m_store->rent(renter.id, u"crw_missing"_s, units(1), T0, &err));
        QCOMPARE(err, StoreError::NotFound);
        QVERIFY(!m_store->rent(renter.id, priced.id, Micros{0}, T0, &err));
        QCOMPARE(err, StoreError::BadRequest);
        // An absurd total (beyond 2^53 micros) is refused, never wrapped into a credit.
        const Crew pricey = crew(owner.id, u"pricey"_s, Micros{qint64(1) << 53});
        QVERIFY(!m_store->rent(renter.id, pricey.id, units(8000), T0, &err));
        QCOMPARE(err, StoreError::BadRequest);

        // Insufficient balance changes nothing anywhere.
        const TokenStats poorBefore = m_store->tokenStats(poor.id, T0);
        const TokenStats ownerBefore = m_store->tokenStats(owner.id, T0);
        const RentalStats ownerStatsBefore = m_store->rentalStats(owner.id, T0);
        QVERIFY(!m_store->rent(poor.id, priced.id, units(1), T0, &err)); // 3.333333 > 1
        QCOMPARE(err, StoreError::InsufficientBalance);
        QCOMPARE(m_store->tokenStats(poor.id, T0).toJson(), poorBefore.toJson());
        QCOMPARE(m_store->tokenStats(owner.id, T0).toJson(), ownerBefore.toJson());
        QCOMPARE(m_store->rentalStats(owner.id, T0).toJson(), ownerStatsBefore.toJson());
        QVERIFY(m_store->rentals(poor.id, T0).isEmpty());
        QVERIFY(!m_store->hasActiveRental(poor.id, priced.id, T0));
        // Exactly the balance is enough: 1 C7T/h for 1 h with a balance of 1.
        const Crew one = crew(owner.id, u"one"_s, units(1));
        QVERIFY(m_store->rent(poor.id, one.id, units(1), T0, &err));
        QCOMPARE(m_store->tokenStats(poor.id, T0).balance, Micros{});
        QVERIFY(!m_store->rent(poor.id, one.id, Micros{1}, T0, &err));
        QCOMPARE(err, StoreError::InsufficientBalance);

        // Active rental lookups.
        QVERIFY(m_store->hasActiveRental(renter.id, priced.id, T0));
        QVERIFY(m_store->hasActiveRental(renter.id, priced.id, T0 + 90 * 60'000 - 1));
        QVERIFY(!m_store->hasActiveRental(renter.id, priced.id, T0 + 90 * 60'000));
        QVERIFY(!m_store->hasActiveRental(owner.id, priced.id, T0));
        QVERIFY(!m_store->hasActiveRental(renter.id, unpriced.id, T0));

        // Pending -> earned exactly when a rental ends: "tiny" ended at T0, "one" at T0 + 1 h,
        // "priced" at T0 + 1.5 h.
        const qint64 end = T0 + 90 * 60'000;
        QCOMPARE(m_store->settleRentals(end - 1), 2);
        t = m_store->tokenStats(owner.id, end - 1);
        QCOMPARE(t.pendingRewards, units(5));
        QCOMPARE(t.earned, Micros{1'000'001});
        QCOMPARE(m_store->settleRentals(end), 1);
        QCOMPARE(m_store->settleRentals(end), 0);
        t = m_store->tokenStats(owner.id, end);
        QCOMPARE(t.earned, Micros{6'000'001});
        QCOMPARE(t.pendingRewards, Micros{});
        QCOMPARE(t.balance, Micros{1006'000'001});
        QCOMPARE(m_store->rentals(renter.id, end).size(), 2);
        for (const auto &x : m_store->rentals(renter.id, end))
            QCOMPARE(x.status, u"ended"_s);
    }

    void settleOnReadPaths()
    {
        const auto owner = org(u"owner"_s, 0);
        const auto renter = org(u"renter"_s, 100);
        const Crew c = crew(owner.id, u"c"_s, units(10));
        StoreError err = StoreError::None;
        QVERIFY(m_store->rent(renter.id, c.id, units(2), T0, &err));
        TokenStats t = m_store->tokenStats(owner.id, T0 + Hour);
        QCOMPARE(t.pendingRewards, units(20));
        QCOMPARE(t.balance, Micros{});
        // No explicit settleRentals: the read path settles what has ended.
        t = m_store->tokenStats(owner.id, T0 + 2 * Hour);
        QCOMPARE(t.pendingRewards, Micros{});
        QCOMPARE(t.earned, units(20));
        QCOMPARE(t.balance, units(20));
        QCOMPARE(m_store->settleRentals(T0 + 3 * Hour), 0);
        t = m_store->tokenStats(renter.id, T0 + 2 * Hour);
        QCOMPARE(t.balance, units(80));
        QCOMPARE(t.spent, units(20));
        QCOMPARE(t.earned, Micros{});
    }

    void rentalsAndStats()
    {
        const auto owner = org(u"owner"_s, 0);
        const auto renter = org(u"renter"_s, 1000);
        const auto third = org(u"third"_s, 1000);
        const Crew c1 = crew(owner.id, u"one"_s, units(10));
        const Crew c2 = crew(owner.id, u"two"_s, units(30));
        crew(owner.id, u"free"_s); // unpriced: not part of utilization
        crew(owner.id, u"idle"_s, units(1));
        StoreError err = StoreError::None;
        // c1: ended (T0..T0+1h) and active (T0+2h..T0+5h); c2: ended; c2 by third: ended.
        QVERIFY(m_store->rent(renter.id, c1.id, units(1), T0, &err));
        QVERIFY(m_store->rent(renter.id, c1.id, units(3), T0 + 2 * Hour, &err));
        QVERIFY(m_store->rent(renter.id, c2.id, Micros{500'000}, T0, &err));
        QVERIFY(m_store->rent(third.id, c2.id, units(1), T0, &err));
        const qint64 now = T0 + 3 * Hour;

        RentalStats s = m_store->rentalStats(owner.id, now);
        QCOMPARE(s.totalRentals, 4);
        QCOMPARE(s.activeRentals, 1);
        QCOMPARE(s.revenue, units(10 + 30 + 15 + 30));
        QCOMPARE(s.spend, Micros{});
        QCOMPARE(s.utilization, 1.0 / 3.0); // c1 of {c1, c2, idle}
        QCOMPARE(s.topCrews.size(), 2);
        QCOMPARE(s.topCrews[0].crewId, c2.id);
        QCOMPARE(s.topCrews[0].name, u"two"_s);
        QCOMPARE(s.topCrews[0].rentals, 2);
        QCOMPARE(s.topCrews[0].revenue, units(45));
        QCOMPARE(s.topCrews[1].crewId, c1.id);
        QCOMPARE(s.topCrews[1].rentals, 2);
        QCOMPARE(s.topCrews[1].revenue, units(40));

        s = m_store->rentalStats(renter.id, now);
        QCOMPARE(s.totalRentals, 3);
        QCOMPARE(s.activeRentals, 1);
        QCOMPARE(s.revenue, Micros{});
        QCOMPARE(s.spend, units(55));
        QCOMPARE(s.utilization, 0.0);
        QVERIFY(s.topCrews.isEmpty());

        const auto list = m_store->rentals(renter.id, now);
        QCOMPARE(list.size(), 3);
        QCOMPARE(list[0].startsAt, fromMs(T0 + 2 * Hour)); // newest first
        QCOMPARE(list[0].status, u"active"_s);
        QCOMPARE(list[1].status, u"ended"_s);
        QCOMPARE(list[2].status, u"ended"_s);
        QCOMPARE(m_store->rentals(owner.id, now).size(), 4);
        QCOMPARE(m_store->rentals(third.id, now).size(), 1);
        // At the end of everything nothing is active and all rewards are earned.
        s = m_store->rentalStats(owner.id, T0 + 5 * Hour);
        QCOMPARE(s.activeRentals, 0);
        QCOMPARE(s.utilization, 0.0);
        const TokenStats t = m_store->tokenStats(owner.id, T0 + 5 * Hour);
        QCOMPARE(t.earned, units(85));
        QCOMPARE(t.pendingRewards, Micros{});
        QCOMPARE(t.balance, units(85));
    }

    void eventsPerStream()
    {
        const QString a = u"org_a"_s, b = u"org_b"_s;
        QList<StoredEventPtr> all{
            storedEvent(1, a, u"crw_1"_s, u"run_1"_s, EventType::ToolStart, T0),
            storedEvent(2, a, u"crw_1"_s, QString(), EventType::Signal, T0),
            storedEvent(3, a, u"crw_1"_s, u"run_1"_s, EventType::ToolProgress, T0),
            // org b rents crw_1: its run's events belong to b
            storedEvent(4, b, u"crw_1"_s, u"run_2"_s, EventType::ToolStart, T0),
            storedEvent(5, a, u"crw_1"_s, u"run_1"_s, EventType::ToolEnd, T0),
            storedEvent(6, a, u"crw_1"_s, u"run_1"_s, EventType::RunStatus, T0),
            storedEvent(7, b, u"crw_9"_s, QString(), EventType::Signal, T0),
            storedEvent(8, a, u"crw_2"_s, u"run_3"_s, EventType::ToolStart, T0),
            storedEvent(9, b, u"crw_1"_s, u"run_2"_s, EventType::RunStatus, T0),
            storedEvent(10, a, u"crw_2"_s, QString(), EventType::Signal, T0),
        };
        QVERIFY(m_store->appendEvents(all.mid(0, 4)));
        QVERIFY(m_store->appendEvents(all.mid(4)));
        QVERIFY(m_store->appendEvents({}));

        const QList<StreamKey> keys{
            {StreamKind::Run, a, u"run_1"_s},    {StreamKind::Run, b, u"run_1"_s},
            {StreamKind::Run, b, u"run_2"_s},    {StreamKind::Mission, a, QString()},
            {StreamKind::Mission, b, QString()}, {StreamKind::Graph, a, u"crw_1"_s},
            {StreamKind::Graph, b, u"crw_1"_s},  {StreamKind::Graph, a, u"crw_2"_s},
            {StreamKind::Graph, a, u"crw_9"_s},
        };
        // The SQL selection agrees with StreamKey::matches() for every stream and `since`.
        for (const StreamKey &key : keys) {
            QList<qint64> expected;
            for (const auto &e : all)
                if (key.matches(*e))
                    expected << e->seq;
            for (qint64 since : {0, 1, 3, 5, 10}) {
                QList<qint64> want;
                for (qint64 s : expected)
                    if (s > since)
                        want << s;
                QCOMPARE(seqs(m_store->events(key, since, 100)), want);
            }
            QCOMPARE(m_store->latestSeq(key), expected.isEmpty() ? 0 : expected.last());
        }
        QCOMPARE(seqs(m_store->events({StreamKind::Run, a, u"run_1"_s}, 0, 100)),
                 (QList<qint64>{1, 3, 5, 6}));
        QCOMPARE(seqs(m_store->events({StreamKind::Graph, a, u"crw_1"_s}, 0, 100)),
                 (QList<qint64>{1, 3, 5}));
        QCOMPARE(seqs(m_store->events({StreamKind::Mission, a, QString()}, 0, 100)),
                 (QList<qint64>{2, 10}));
        QCOMPARE(seqs(m_store->events({StreamKind::Run, a, u"run_1"_s}, 0, 2)),
                 (QList<qint64>{1, 3}));
        QVERIFY(m_store->events({StreamKind::Run, a, u"run_1"_s}, 0, 0).isEmpty());
        QCOMPARE(m_store->maxEventSeq(), 10);

        // Stored exactly.
        const auto got = m_store->events({StreamKind::Run, b, u"run_2"_s}, 0, 10);
        QCOMPARE(got.size(), 2);
        QCOMPARE(got[0]->bytes, all[3]->bytes);
        QCOMPARE(got[0]->orgId, b);
        QCOMPARE(got[0]->crewId, u"crw_1"_s);
        QCOMPARE(got[0]->runId, u"run_2"_s);
        QCOMPARE(got[0]->type, EventType::ToolStart);
        QCOMPARE(got[0]->tsMs, T0);
        const auto sig = m_store->events({StreamKind::Mission, b, QString()}, 0, 10);
        QCOMPARE(sig.size(), 1);
        QVERIFY(sig[0]->runId.isEmpty());

        // A batch with a duplicate seq is rejected as a whole.
        QVERIFY(!m_store->appendEvents(
            {storedEvent(11, a, u"crw_1"_s, u"run_1"_s, EventType::ToolStart, T0),
             storedEvent(6, a, u"crw_1"_s, u"run_1"_s, EventType::ToolEnd, T0)}));
        QCOMPARE(m_store->maxEventSeq(), 10);
        QCOMPARE(m_store->latestSeq({StreamKind::Run, a, u"run_1"_s}), 6);
        // The failed batch was rolled back: the next one goes through.
        QVERIFY(m_store->appendEvents(
            {storedEvent(11, a, u"crw_1"_s, u"run_1"_s, EventType::ToolStart, T0)}));
        QCOMPARE(m_store->latestSeq({StreamKind::Run, a, u"run_1"_s}), 11);
    }

    void pruneKeepsNewestPerStream()
    {
        QCOMPARE(m_store->prunedHorizon(), 0);
        QCOMPARE(m_store->pruneEvents(T0, 3), 0); // empty log
        const QString a = u"org_a"_s, b = u"org_b"_s;
        QList<StoredEventPtr> all;
        qint64 seq = 0;
        // Old events (ts < cutoff) interleaved over several streams, then a few new ones.
        for (int i = 0; i < 12; ++i) {
            all << storedEvent(++seq, a, u"crw_1"_s, u"run_1"_s,
                               i == 11 ? EventType::RunStatus : EventType::ToolProgress, T0 + i);
            if (i < 5)
                all << storedEvent(++seq, a, u"crw_1"_s, u"run_2"_s, EventType::ToolProgress,
                                   T0 + i);
            if (i % 2 == 0)
                all << storedEvent(++seq, a, u"crw_1"_s, QString(), EventType::Signal, T0 + i);
            if (i < 2)
                all << storedEvent(++seq, b, u"crw_1"_s, u"run_9"_s, EventType::ToolStart, T0 + i);
            all << storedEvent(++seq, a, u"crw_2"_s, u"run_3"_s, EventType::ToolEnd, T0 + i);
        }
        const qint64 cutoff = T0 + 100;
        for (int i = 0; i < 4; ++i)
            all << storedEvent(++seq, a, u"crw_2"_s, u"run_3"_s, EventType::ToolProgress,
                               cutoff + i);
        QVERIFY(m_store->appendEvents(all));

        const int keep = 3;
        const QList<StreamKey> keys{
            {StreamKind::Run, a, u"run_1"_s},    {StreamKind::Run, a, u"run_2"_s},
            {StreamKind::Run, b, u"run_9"_s},    {StreamKind::Run, a, u"run_3"_s},
            {StreamKind::Mission, a, QString()}, {StreamKind::Graph, a, u"crw_1"_s},
            {StreamKind::Graph, a, u"crw_2"_s},  {StreamKind::Graph, b, u"crw_1"_s},
        };
        // Expected survivors by brute force: new events, plus the newest `keep` of every
        // stream each event belongs to.
        const test::PruneModel model = test::pruneModel(all, keys, cutoff, keep);
        const QSet<qint64> &survivors = model.survivors;
        const qint64 highestDeleted = model.highestDeleted;
        QVERIFY(highestDeleted > 0);

        QCOMPARE(m_store->pruneEvents(cutoff, keep), highestDeleted);
        QCOMPARE(m_store->prunedHorizon(), highestDeleted);
        for (const StreamKey &key : keys) {
            QList<qint64> want;
            for (const auto &e : all)
                if (key.matches(*e) && survivors.contains(e->seq))
                    want << e->seq;
            const auto have = seqs(m_store->events(key, 0, 1000));
            QCOMPARE(have, want);
            QVERIFY(have.size() >= qMin<qsizetype>(keep, want.size()));
        }
        // run_1 keeps its newest 3 (i = 9..11) plus i = 8, which is among the newest 3 tool
        // events of the (org_a, crw_1) graph stream (i = 11 is a run_status, not a tool event).
        QCOMPARE(m_store->events({StreamKind::Run, a, u"run_1"_s}, 0, 100).size(), keep + 1);
        QCOMPARE(m_store->events({StreamKind::Mission, a, QString()}, 0, 100).size(), keep);
        QCOMPARE(m_store->events({StreamKind::Run, b, u"run_9"_s}, 0, 100).size(), 2);
        QCOMPARE(m_store->maxEventSeq(), seq);

        // Nothing more to prune: returns 0 and the horizon stays.
        QCOMPARE(m_store->pruneEvents(cutoff, keep), 0);
        QCOMPARE(m_store->prunedHorizon(), highestDeleted);
        // A later, wider prune raises it.
        QVERIFY(m_store->pruneEvents(cutoff + 1000, 1) > highestDeleted);
        QVERIFY(m_store->prunedHorizon() > highestDeleted);
        // run_1: its newest (the run_status) and the graph's newest tool event.
        QCOMPARE(m_store->events({StreamKind::Run, a, u"run_1"_s}, 0, 100).size(), 2);
        QCOMPARE(m_store->events({StreamKind::Graph, a, u"crw_2"_s}, 0, 100).size(), 1);
        QCOMPARE(m_store->events({StreamKind::Mission, a, QString()}, 0, 100).size(), 1);
    }

    // The read caches' contract: every write that can change a read moves dataVersion(); reads
    // and the event log's own appends and pruning do not.
    // SQLite: the WAL is checkpointed by the store's background thread, not by whichever
    // commit crosses SQLite's threshold on the caller's thread.
    void walCheckpointedInTheBackground()
    {
#ifdef CREWDECK_TEST_POSTGRES
        QSKIP("SQLite only");
#else
        auto *sqlite = dynamic_cast<SqliteStore *>(m_store.get());
        QVERIFY(sqlite);
        const int before = sqlite->backgroundCheckpoints();
        const auto o = org(u"wal"_s);
        const QString dbFile = sqlite->path();
        const qint64 sizeBefore = QFileInfo(dbFile).size();
        QList<StoredEventPtr> batch;
        for (int i = 1; i <= 4000; ++i) {
            auto e = std::make_shared<StoredEvent>(*storedEvent(
                1000000 + i, o.id, u"crw_w"_s, u"run_w"_s, EventType::ToolProgress, T0 + i));
            e->bytes = QByteArray(200, 'x');
            batch.append(std::move(e));
            if (batch.size() == 500) {
                QVERIFY(m_store->appendEvents(batch));
                batch.clear();
            }
        }
        // The pages reach the database file without a checkpoint on this thread (the main
        // connection's own threshold is far away: 10,000 pages).
        QTRY_VERIFY_WITH_TIMEOUT(sqlite->backgroundCheckpoints() > before, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(dbFile).size() > sizeBefore + 500000, 5000);
        QCOMPARE(m_store->events({StreamKind::Run, o.id, u"run_w"_s}, 0, 10000).size(), 4000);
#endif
    }

    void dataVersionTracksWrites()
    {
        const auto o = org(u"versions"_s);
        StoreError err = StoreError::None;
        quint64 v = m_store->dataVersion();
        const auto moved = [&] {
            const quint64 now = m_store->dataVersion();
            const bool changed = now != v;
            v = now;
            return changed;
        };
        QVERIFY(m_store->createUser(o.id, u"v@example.com"_s, u"admin"_s, "h", &err));
        QVERIFY(moved());
        CreateCrewRequest req;
        req.name = u"v crew"_s;
        const Crew c = m_store->createCrew(o.id, req, T0);
        QVERIFY(moved());
        (void)m_store->dashboardStats(o.id, {}, {});
        (void)m_store->runs(o.id, RunFilter{}, &err);
        (void)m_store->userByEmail(u"v@example.com"_s);
        QVERIFY(!moved());
        const Run r = m_store->createRun(o.id, c.id, QJsonArray{}, 600, T0);
        QVERIFY(moved());
        m_store->markRunStarted(r.id, T0 + 1);
        QVERIFY(moved());
        m_store->addRunTokens(r.id, 5);
        QVERIFY(moved());
        m_store->markRunFinished(r.id, RunState::Succeeded, T0 + 10);
        QVERIFY(moved());
        QVERIFY(
            m_store->appendEvents({storedEvent(1, o.id, c.id, r.id, EventType::ToolStart, T0)}));
        QVERIFY(!moved());
        (void)m_store->pruneEvents(T0 + 1, 0);
        QVERIFY(!moved());
        QCOMPARE(m_store->deleteCrew(o.id, c.id, T0 + 20), StoreError::None);
        QVERIFY(moved());
    }

    void sqlLookingStringsAreData()
    {
        const QString evil = u"x'); DROP TABLE orgs; --"_s;
        const QString evil2 = u"' OR '1'='1"_s;
        const auto o = org(evil);
        QCOMPARE(m_store->orgByName(evil)->id, o.id);
        QVERIFY(!m_store->orgByName(evil2));
        const auto other = org(u"other"_s);

        StoreError err = StoreError::None;
        const QString email = u"robert'); DELETE FROM users; --@example.com"_s;
        QVERIFY(m_store->createUser(o.id, email, u"admin"_s, "h", &err));
        QCOMPARE(m_store->userByEmail(email)->email, email);
        QVERIFY(!m_store->userByEmail(evil2));

        CreateCrewRequest req;
        req.name = u"\"; DELETE FROM crews WHERE '1'='1"_s;
        req.agents = {Agent{QString(), evil, evil2, {u"script"_s}}};
        req.rentalPricePerHour = units(1);
        const Crew c = m_store->createCrew(o.id, req, T0);
        const auto got = m_store->crew(o.id, c.id);
        QVERIFY(got);
        QCOMPARE(got->name, req.name);
        QCOMPARE(got->agents[0].name, evil);
        QCOMPARE(got->agents[0].role, evil2);
        QVERIFY(!m_store->crew(evil2, c.id));
        QVERIFY(!m_store->crew(o.id, evil2));
        QVERIFY(m_store->crews(evil2).isEmpty());
        QCOMPARE(m_store->marketCrews(evil2).size(), 1); // "not evil2's" = everyone's priced crews

        const Run r =
            m_store->createRun(o.id, c.id, QJsonArray{QJsonObject{{u"tool"_s, evil}}}, 60, T0);
        RunFilter f;
        f.crewId = evil2;
        QVERIFY(m_store->runs(o.id, f, &err).items.isEmpty());
        f = RunFilter{};
        f.status = evil2;
        QVERIFY(m_store->runs(o.id, f, &err).items.isEmpty());
        QCOMPARE(m_store->runs(o.id, RunFilter{}, &err).items.size(), 1);
        QCOMPARE(m_store->runJob(r.id)->steps[0].toObject().value(u"tool"_s).toString(), evil);
        QVERIFY(!m_store->run(evil2, r.id));
        QCOMPARE(m_store->deleteCrew(evil2, c.id, T0), StoreError::NotFound);
        QVERIFY(!m_store->rent(other.id, evil2, units(1), T0, &err));
        QCOMPARE(err, StoreError::NotFound);

        QVERIFY(
            m_store->appendEvents({storedEvent(1, o.id, c.id, r.id, EventType::ToolStart, T0)}));
        QVERIFY(m_store->events({StreamKind::Run, evil2, r.id}, 0, 10).isEmpty());
        QVERIFY(m_store->events({StreamKind::Graph, o.id, evil2}, 0, 10).isEmpty());
        QCOMPARE(m_store->events({StreamKind::Graph, o.id, c.id}, 0, 10).size(), 1);

        // Everything still there.
        QCOMPARE(m_store->userCount(), 1);
        QCOMPARE(m_store->allCrews().size(), 1);
        QVERIFY(m_store->orgByName(u"other"_s));
    }

    void frameSeqRewrite()
    {
        QCOMPARE(Store::rewriteFrameSeq("{\"seq\":5,\"ts\":\"x\",\"type\":\"tool_start\"}", 42),
                 QByteArray("{\"seq\":42,\"ts\":\"x\",\"type\":\"tool_start\"}"));
        // Nested objects keep their own "seq"; strings that look like it are data.
        QCOMPARE(
            Store::rewriteFrameSeq(
                "{\"a\":{\"seq\":1},\"m\":\"\\\"seq\\\":3\",\"seq\":0,\"z\":[{\"seq\":2}]}", 7),
            QByteArray(
                "{\"a\":{\"seq\":1},\"m\":\"\\\"seq\\\":3\",\"seq\":7,\"z\":[{\"seq\":2}]}"));
        QCOMPARE(Store::rewriteFrameSeq("{\"type\":\"signal\"}", 9),
                 QByteArray("{\"seq\":9,\"type\":\"signal\"}"));
        QCOMPARE(Store::rewriteFrameSeq("{}", 9), QByteArray("{\"seq\":9}"));
        QCOMPARE(Store::rewriteFrameSeq("{ \"seq\" : 12 , \"x\":1}", 3),
                 QByteArray("{ \"seq\" : 3 , \"x\":1}"));
    }

    void eventsAfterAllStreams()
    {
        const QString a = u"org_a"_s, b = u"org_b"_s;
        QVERIFY(m_store->appendEvents(
            {storedEvent(1, a, u"crw_1"_s, u"run_1"_s, EventType::ToolStart, T0),
             storedEvent(2, b, u"crw_2"_s, QString(), EventType::Signal, T0),
             storedEvent(3, a, u"crw_1"_s, u"run_1"_s, EventType::RunStatus, T0),
             storedEvent(5, b, u"crw_2"_s, u"run_2"_s, EventType::ToolEnd, T0)}));
        QCOMPARE(seqs(m_store->eventsAfter(0, 100)), (QList<qint64>{1, 2, 3, 5}));
        QCOMPARE(seqs(m_store->eventsAfter(1, 2)), (QList<qint64>{2, 3}));
        QCOMPARE(seqs(m_store->eventsAfter(3, 100)), (QList<qint64>{5}));
        QVERIFY(m_store->eventsAfter(5, 100).isEmpty());
        QVERIFY(m_store->eventsAfter(0, 0).isEmpty());
        const auto all = m_store->eventsAfter(0, 100);
        QCOMPARE(all[1]->orgId, b);
        QVERIFY(all[1]->runId.isEmpty());
        QCOMPARE(all[1]->type, EventType::Signal);
        QCOMPARE(all[3]->bytes,
                 storedEvent(5, b, u"crw_2"_s, u"run_2"_s, EventType::ToolEnd, T0)->bytes);
    }

    void appendEventsAllocatingAssignsAndRewrites()
    {
        const QString a = u"org_a"_s;
        QList<StoredEventPtr> none;
        QVERIFY(m_store->appendEventsAllocating(none));
        QVERIFY(none.isEmpty());

        QVERIFY(m_store->appendEvents(
            {storedEvent(10, a, u"crw_1"_s, u"run_1"_s, EventType::ToolStart, T0)}));
        const StoredEventPtr original =
            storedEvent(0, a, u"crw_1"_s, u"run_1"_s, EventType::ToolEnd, T0 + 1);
        QList<StoredEventPtr> batch{
            original, storedEvent(999, a, u"crw_1"_s, u"run_1"_s, EventType::RunStatus, T0 + 2)};
        QVERIFY(m_store->appendEventsAllocating(batch));
        QCOMPARE(seqs(batch), (QList<qint64>{11, 12}));
        QCOMPARE(original->seq, 0); // the caller's const event is not modified
        QVERIFY(batch[0] != original);
        for (const auto &e : batch)
            QCOMPARE(QJsonDocument::fromJson(e->bytes).object().value(u"seq"_s).toInteger(),
                     e->seq);
        // Stored exactly as returned.
        const auto stored = m_store->eventsAfter(10, 100);
        QCOMPARE(seqs(stored), (QList<qint64>{11, 12}));
        QCOMPARE(stored[0]->bytes, batch[0]->bytes);
        QCOMPARE(stored[1]->bytes, batch[1]->bytes);
        QCOMPARE(stored[1]->type, EventType::RunStatus);
        QCOMPARE(m_store->maxEventSeq(), 12);

        // After a prune that removed everything, allocation continues above the horizon.
        QVERIFY(m_store->pruneEvents(T0 + 100, 0) == 12);
        QCOMPARE(m_store->maxEventSeq(), 0);
        QList<StoredEventPtr> next{
            storedEvent(0, a, QString(), QString(), EventType::Signal, T0 + 200)};
        QVERIFY(m_store->appendEventsAllocating(next));
        QCOMPARE(next[0]->seq, 13);
    }

    // Two store instances = two server nodes on one database, appending concurrently (the
    // second from its own thread with its own connection). A tailer reading seq > last in
    // order must never see a gap: commit order equals seq order.
    void appendEventsAllocatingAcrossNodes()
    {
        const QString a = u"org_a"_s;
        constexpr int Rounds = 40;
        std::atomic<bool> workerOk{true};
        QList<QList<qint64>> workerBatches;
        QList<QByteArray> workerFrames;
        {
            std::thread worker([&] {
                // The connection must be opened and used on one thread: this one.
                auto store = newStore();
                QString e;
                if (!store->open(&e)) {
                    workerOk = false;
                    return;
                }
                for (int i = 0; i < Rounds; ++i) {
                    QList<StoredEventPtr> batch{
                        storedEvent(0, a, u"crw_b"_s, u"run_b"_s, EventType::ToolStart, T0),
                        storedEvent(0, a, u"crw_b"_s, u"run_b"_s, EventType::ToolEnd, T0)};
                    if (!store->appendEventsAllocating(batch)) {
                        workerOk = false;
                        return;
                    }
                    workerBatches.append(seqs(batch));
                    workerFrames.append(batch[1]->bytes);
                }
            });
            struct Joiner
            {
                std::thread &t;
                ~Joiner() { t.join(); }
            } joiner{worker};

            qint64 last = 0;
            bool tailOk = true;
            QList<QList<qint64>> mine;
            for (int i = 0; i < Rounds && tailOk; ++i) {
                QList<StoredEventPtr> batch{
                    storedEvent(0, a, u"crw_a"_s, u"run_a"_s, EventType::ToolStart, T0),
                    storedEvent(0, a, u"crw_a"_s, u"run_a"_s, EventType::ToolProgress, T0),
                    storedEvent(0, a, u"crw_a"_s, u"run_a"_s, EventType::ToolEnd, T0)};
                if (!m_store->appendEventsAllocating(batch)) {
                    tailOk = false;
                    break;
                }
                mine.append(seqs(batch));
                for (const auto &e : m_store->eventsAfter(last, 1000)) {
                    if (e->seq != last + 1)
                        tailOk = false; // a gap: a lower seq would be committed later
                    last = e->seq;
                }
            }
            QVERIFY(tailOk);
            // Each batch got consecutive seqs (it held the lock for all of them).
            for (const auto &b : mine) {
                QCOMPARE(b.size(), 3);
                QCOMPARE(b[1], b[0] + 1);
                QCOMPARE(b[2], b[0] + 2);
            }
        }
        QVERIFY(workerOk);
        QCOMPARE(workerBatches.size(), Rounds);
        for (qsizetype i = 0; i < workerBatches.size(); ++i) {
            QCOMPARE(workerBatches[i][1], workerBatches[i][0] + 1);
            if (i > 0)
                QVERIFY(workerBatches[i][0] > workerBatches[i - 1][1]);
            QCOMPARE(QJsonDocument::fromJson(workerFrames[i]).object().value(u"seq"_s).toInteger(),
                     workerBatches[i][1]);
        }
        // Everything there once: 1..N without gaps or duplicates, frames carry their seq.
        const auto all = m_store->eventsAfter(0, 10000);
        QCOMPARE(all.size(), Rounds * 5);
        for (qsizetype i = 0; i < all.size(); ++i) {
            QCOMPARE(all[i]->seq, i + 1);
            QCOMPARE(QJsonDocument::fromJson(all[i]->bytes).object().value(u"seq"_s).toInteger(),
                     i + 1);
        }
    }

    void concurrentMigrators()
    {
        // Two nodes opening one fresh database at the same time: both succeed, each migration
        // is recorded once.
        auto first = otherStore(u"migr"_s);
        first.reset(); // only used to create the empty database
        std::atomic<int> opened{0};
        auto openOne = [&] {
            auto s = otherStoreNoCreate(u"migr"_s);
            QString e;
            if (s->open(&e) && s->schemaVersion() == latestSchemaVersion())
                ++opened;
        };
        std::thread t1(openOne), t2(openOne);
        t1.join();
        t2.join();
        QCOMPARE(opened.load(), 2);
        auto check = otherStoreNoCreate(u"migr"_s);
        QString error;
        QVERIFY2(check->open(&error), qPrintable(error));
        QCOMPARE(check->schemaVersion(), latestSchemaVersion());
    }

    void postgresUrlParsing()
    {
        QString error;
        auto p = PostgresStore::parseUrl(
            u"postgres://us%40er:p%3Ass%2Fw%25@db.example:6543/my%20db"_s, &error);
        QVERIFY2(p, qPrintable(error));
        QCOMPARE(p->user, u"us@er"_s);
        QCOMPARE(p->password, u"p:ss/w%"_s);
        QCOMPARE(p->host, u"db.example"_s);
        QCOMPARE(p->port, 6543);
        QCOMPARE(p->dbName, u"my db"_s);
        p = PostgresStore::parseUrl(u"postgresql://crew@127.0.0.1/crewdeck?sslmode=disable"_s,
                                    &error);
        QVERIFY2(p, qPrintable(error));
        QCOMPARE(p->port, 5432);
        QVERIFY(p->password.isEmpty());
        QCOMPARE(p->sslMode, u"disable"_s);

        const QStringList bad{
            u"postgres:///crewdeck"_s,                        // no host
            u"postgres://u:secretpw@host:5432/"_s,            // no database
            u"postgres://u:secretpw@host:5432"_s,             // no database
            u"postgres://u:secretpw@host:abc/db"_s,           // port not a number
            u"postgres://u:secretpw@host:0/db"_s,             // port 0
            u"postgres://u:secretpw@host:99999/db"_s,         // port out of range
            u"mysql://u:secretpw@host/db"_s,                  // wrong scheme
            u"postgres://host/db"_s,                          // no user
            u"postgres://u:secretpw@host/db?foo=1"_s,         // unknown parameter
            u"postgres://u:secretpw@host/db?sslmode=maybe"_s, // bad sslmode
            u"postgres://u:secretpw@host/a/b"_s,              // '/' in the name
        };
        for (const QString &url : bad) {
            error.clear();
            QVERIFY2(!PostgresStore::parseUrl(url, &error), qPrintable(url));
            QVERIFY2(!error.isEmpty(), qPrintable(url));
            QVERIFY2(!error.contains(u"secretpw"_s), qPrintable(error));
        }
        // The store reports it at open() and stays harmless.
        PostgresStore store(u"postgres://u:secretpw@host:abc/db"_s);
        error.clear();
        QVERIFY(!store.open(&error));
        QVERIFY(error.contains(u"postgres://user:pass@host:port/dbname"_s));
        QVERIFY(!error.contains(u"secretpw"_s));
        QVERIFY(!store.ping());
        QVERIFY(!store.orgByName(u"x"_s));
    }

    void databaseGoesAwayAndComesBack()
    {
#ifdef CREWDECK_TEST_POSTGRES
        const auto o = org(u"acme"_s);
        QVERIFY(m_store->ping());

        QString error;
        QVERIFY2(m_backend.pg().stop(&error), qPrintable(error));
        // Everything fails softly while the database is gone.
        QVERIFY(!m_store->ping());
        QVERIFY(!m_store->orgByName(u"acme"_s));
        QVERIFY(!m_store->createOrg(u"globex"_s, units(1)));
        QList<StoredEventPtr> batch{
            storedEvent(0, o.id, u"crw"_s, u"run"_s, EventType::ToolStart, T0)};
        QVERIFY(!m_store->appendEventsAllocating(batch));
        QCOMPARE(batch[0]->seq, 0); // unchanged on failure
        StoreError err = StoreError::None;
        m_store->runs(o.id, RunFilter{}, &err);
        QCOMPARE(err, StoreError::Unavailable);

        // Back: the next calls work again (ping reconnects, so do ordinary calls).
        QVERIFY2(m_backend.pg().restart(&error), qPrintable(error));
        QVERIFY(m_store->ping());
        QCOMPARE(m_store->orgByName(u"acme"_s)->id, o.id);
        QVERIFY(m_store->createOrg(u"globex"_s, units(1)));

        // A restart nobody noticed (no failed call in between): the first read after it
        // reconnects and succeeds, and so does the first write transaction.
        QVERIFY2(m_backend.pg().restart(&error), qPrintable(error));
        QCOMPARE(m_store->orgByName(u"globex"_s)->name, u"globex"_s);
        QVERIFY2(m_backend.pg().restart(&error), qPrintable(error));
        QVERIFY(m_store->createOrg(u"initech"_s, units(1)));
        QVERIFY(m_store->appendEventsAllocating(batch));
        QCOMPARE(batch[0]->seq, 1);
        QCOMPARE(m_store->tokenStats(o.id, T0).balance, units(1000));
#else
        QSKIP("the PostgreSQL variant (tst_store_pg) restarts its server; SQLite has no server");
#endif
    }

    void claimRunOnce()
    {
        const auto o = org(u"acme"_s);
        const Crew c = crew(o.id, u"builders"_s);
        const Run r = m_store->createRun(o.id, c.id, oneStep(), 60, T0);
        auto second = newStore(); // another node
        QString error;
        QVERIFY2(second->open(&error), qPrintable(error));
        QVERIFY(m_store->claimRun(r.id, T0 + 5));
        QVERIFY(!second->claimRun(r.id, T0 + 6));
        QVERIFY(!m_store->claimRun(r.id, T0 + 7));
        QVERIFY(!m_store->claimRun(u"run_missing"_s, T0));
        const auto got = m_store->run(o.id, r.id);
        QCOMPARE(got->status, RunState::Running);
        QCOMPARE(got->startedAt, fromMs(T0 + 5));
    }

    // Crew status is compare-and-set on its version: another node's A -> B -> A flap leaves
    // the status as it was read, yet a transition decided on that read fails.
    void crewStatusCompareAndSetByVersion()
    {
        const auto o = org(u"acme"_s);
        const Crew c = crew(o.id, u"builders"_s);
        auto second = newStore(); // another node
        QString error;
        QVERIFY2(second->open(&error), qPrintable(error));

        const auto seen = m_store->crewStatusRow(c.id);
        QVERIFY(seen);
        QCOMPARE(seen->status, CrewStatus::Available);
        QCOMPARE(seen->ownerOrgId, o.id);
        QVERIFY(!m_store->crewStatusRow(u"crw_missing"_s));
        QCOMPARE(m_store->crewStatusRows().size(), 1);

        // The other node: available -> busy -> available, one version step each.
        const auto other = second->crewStatusRow(c.id);
        QVERIFY(other && other->version == seen->version);
        QVERIFY(second->compareAndSetCrewStatus(c.id, other->version, CrewStatus::Busy));
        QVERIFY(!second->compareAndSetCrewStatus(c.id, other->version, CrewStatus::Offline));
        QVERIFY(second->compareAndSetCrewStatus(c.id, other->version + 1, CrewStatus::Available));

        const auto now = m_store->crewStatusRow(c.id);
        QCOMPARE(now->status, seen->status);
        QCOMPARE(now->version, seen->version + 2);
        // Same status as read, but it moved meanwhile: the stale decision does not apply.
        QVERIFY(!m_store->compareAndSetCrewStatus(c.id, seen->version, CrewStatus::Busy));
        QCOMPARE(m_store->crewStatusRow(c.id)->status, CrewStatus::Available);
        // Decided again on the fresh row, it does; so does an unconditional set (one node).
        QVERIFY(m_store->compareAndSetCrewStatus(c.id, now->version, CrewStatus::Busy));
        m_store->setCrewStatus(c.id, CrewStatus::Offline);
        QCOMPARE(second->crewStatusRow(c.id)->status, CrewStatus::Offline);
        QCOMPARE(second->crewStatusRow(c.id)->version, seen->version + 4);
        QCOMPARE(second->crewById(c.id)->status, CrewStatus::Offline);
    }

    // ---- maintained aggregates and analytics

    // Random run transitions (create, start/claim, finish, cancel, tokens, repeated finishes)
    // across two orgs: after every batch the maintained aggregates (the unbounded
    // dashboardStats) equal the from-scratch range scan over all runs, and a rebuild.
    void maintainedStatsMatchRecomputation()
    {
        const auto a = org(u"acme"_s);
        const auto b = org(u"globex"_s);
        const Crew ca = crew(a.id, u"ca"_s);
        const Crew cb = crew(b.id, u"cb"_s);
        struct R
        {
            QString id;
            QString orgId;
            qint64 created = 0;
            qint64 started = -1;
        };
        QList<R> all;
        QRandomGenerator rng(20240611);
        const QStringList finals{RunState::Succeeded, RunState::Failed, RunState::Cancelled};
        const auto check = [&](const QString &orgId) {
            const DashboardStats m = m_store->dashboardStats(orgId, QDateTime(), QDateTime());
            const DashboardStats f =
                m_store->dashboardStats(orgId, fromMs(0), fromMs(T0 + 1'000'000'000));
            QCOMPARE(m.totalRuns, f.totalRuns);
            QCOMPARE(m.successRate, f.successRate);
            QCOMPARE(m.avgLatencyMs, f.avgLatencyMs);
            QCOMPARE(m.p50LatencyMs, f.p50LatencyMs);
            QCOMPARE(m.p95LatencyMs, f.p95LatencyMs);
            QCOMPARE(m.totalTokens, f.totalTokens);
            QCOMPARE(m.recentRuns.size(), f.recentRuns.size());
        };
        qint64 now = T0;
        for (int step = 0; step < 600; ++step) {
            now += 1000;
            const int op = int(rng.bounded(8));
            if (op <= 1 || all.isEmpty()) {
                const bool inA = rng.bounded(3) != 0;
                const Run r =
                    m_store->createRun(inA ? a.id : b.id, inA ? ca.id : cb.id, oneStep(), 60, now);
                QVERIFY(!r.id.isEmpty());
                all.append(R{r.id, inA ? a.id : b.id, now});
                continue;
            }
            R &r = all[int(rng.bounded(int(all.size())))];
            switch (op) {
            case 2:
                if (rng.bounded(2)) {
                    m_store->markRunStarted(r.id, now);
                } else {
                    m_store->claimRun(r.id, now);
                }
                if (r.started < 0)
                    r.started = now;
                break;
            case 3:
            case 4: // finish (also on runs already final: no effect); durations repeat and
                    // spread over several 1 s histogram buckets
                m_store->markRunFinished(r.id, finals.at(int(rng.bounded(3))),
                                         (r.started < 0 ? now : r.started) +
                                             qint64(rng.bounded(40)) * 97);
                break;
            case 5:
                m_store->cancelQueuedRun(r.id, now);
                break;
            default:
                m_store->addRunTokens(r.id, qint64(rng.bounded(500)));
                break;
            }
            if (step % 60 == 59) {
                check(a.id);
                check(b.id);
            }
        }
        const DashboardStats before = m_store->dashboardStats(a.id, QDateTime(), QDateTime());
        QVERIFY(before.totalRuns > 60);
        QVERIFY(before.p95LatencyMs > 1000); // the walk crossed coarse buckets
        QVERIFY(m_store->rebuildRunStats());
        const DashboardStats after = m_store->dashboardStats(a.id, QDateTime(), QDateTime());
        QCOMPARE(after.totalRuns, before.totalRuns);
        QCOMPARE(after.successRate, before.successRate);
        QCOMPARE(after.avgLatencyMs, before.avgLatencyMs);
        QCOMPARE(after.p50LatencyMs, before.p50LatencyMs);
        QCOMPARE(after.p95LatencyMs, before.p95LatencyMs);
        QCOMPARE(after.totalTokens, before.totalTokens);
        check(a.id);
        check(b.id);
    }

    // Statements are prepared once per connection: repeating a call adds no cache entries,
    // and results stay current between calls (no stale read snapshot on a cached SELECT).
    void statementCacheReuses()
    {
        const auto a = org(u"acme"_s);
        const Crew c = crew(a.id, u"c"_s);
        finishedRun(a.id, c.id, T0, 100, RunState::Succeeded, 3);
        m_store->dashboardStats(a.id, QDateTime(), QDateTime());
        const qsizetype n = m_store->cachedStatementCount();
        QVERIFY(n > 0);
        for (int i = 0; i < 5; ++i)
            m_store->dashboardStats(a.id, QDateTime(), QDateTime());
        QCOMPARE(m_store->cachedStatementCount(), n);
        // Another connection writes; this one's cached reads see it at once.
        auto second = newStore();
        QString error;
        QVERIFY2(second->open(&error), qPrintable(error));
        const Run r = second->createRun(a.id, c.id, oneStep(), 60, T0 + 1000);
        QCOMPARE(m_store->dashboardStats(a.id, QDateTime(), QDateTime()).totalRuns, 2);
        QCOMPARE(m_store->run(a.id, r.id)->status, RunState::Queued);
        second->markRunStarted(r.id, T0 + 2000);
        QCOMPARE(m_store->run(a.id, r.id)->status, RunState::Running);
    }

    void timeseriesBucketMath()
    {
        const qint64 D = 86'400'000;
        QCOMPARE(timeseriesBucketMs(u"hour"_s), Hour);
        QCOMPARE(timeseriesBucketMs(u"day"_s), D);
        QCOMPARE(timeseriesBucketMs(u"week"_s), 7 * D);
        QCOMPARE(timeseriesBucketMs(u"month"_s), 0);
        // 1970-01-01 was a Thursday: its week starts Monday 1969-12-29.
        QCOMPARE(timeseriesBucketStart(0, 7 * D), -3 * D);
        QCOMPARE(timeseriesBucketStart(-1, D), -D);
        QCOMPARE(timeseriesBucketStart(Monday, 7 * D), Monday);
        QCOMPARE(timeseriesBucketStart(Monday - 1, 7 * D), Monday - 7 * D);
        QCOMPARE(timeseriesBucketStart(Monday + 7 * D - 1, 7 * D), Monday);
        QCOMPARE(fromMs(timeseriesBucketStart(Monday + 3 * D + 5, 7 * D)).date().dayOfWeek(), 1);
        QCOMPARE(timeseriesBucketCount(Monday, Monday + 1000 * Hour, Hour), 1000);
        QCOMPARE(timeseriesBucketCount(Monday, Monday + 1000 * Hour + 1, Hour), 1001);
        QCOMPARE(timeseriesBucketCount(Monday + 1, Monday + D + 1, D), 2);
        QCOMPARE(timeseriesBucketCount(Monday, Monday, D), 0);
    }

    void timeseriesRunsAndRates()
    {
        const qint64 D = 86'400'000;
        const auto a = org(u"acme"_s);
        const auto b = org(u"globex"_s);
        const Crew c = crew(a.id, u"c"_s);
        const Crew cb = crew(b.id, u"cb"_s);
        finishedRun(a.id, c.id, Monday - 1, 50, RunState::Succeeded, 1);    // previous week
        finishedRun(a.id, c.id, Monday, 100, RunState::Succeeded, 10);      // at day 0's start
        finishedRun(a.id, c.id, Monday + D - 1, 300, RunState::Failed, 20); // last ms of day 0
        finishedRun(a.id, c.id, Monday + D, 200, RunState::Succeeded, 5);   // day 1's start
        m_store->createRun(a.id, c.id, oneStep(), 60, Monday + 3 * D);      // day 3: queued
        const Run never = m_store->createRun(a.id, c.id, oneStep(), 60, Monday + 5 * D);
        m_store->markRunFinished(never.id, RunState::Cancelled, Monday + 5 * D + 10); // day 5
        finishedRun(a.id, c.id, Monday + 7 * D, 70, RunState::Succeeded);             // next week
        finishedRun(b.id, cb.id, Monday + 10, 999, RunState::Failed, 1000);           // other org

        auto ts = m_store->timeseries(a.id, u"runs"_s, u"day"_s, Monday, Monday + 7 * D);
        QVERIFY(ts);
        QCOMPARE(ts->metric, u"runs"_s);
        QCOMPARE(ts->bucket, u"day"_s);
        QCOMPARE(ts->points.size(), 7);
        const QList<double> runs{2, 1, 0, 1, 0, 1, 0};
        const QList<int> succeeded{1, 1, 0, 0, 0, 0, 0};
        const QList<int> failed{1, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < 7; ++i) {
            const TimeseriesPoint &p = ts->points[i];
            QCOMPARE(p.t, fromMs(Monday + i * D));
            QCOMPARE(p.t.timeSpec(), Qt::UTC);
            QCOMPARE(p.value, std::optional<double>(runs[i]));
            QCOMPARE(p.extra.value(u"succeeded"_s).toInt(-1), succeeded[i]);
            QCOMPARE(p.extra.value(u"failed"_s).toInt(-1), failed[i]);
        }
        // `to` is exclusive: the run at exactly Monday + D is outside [Monday, Monday + D).
        ts = m_store->timeseries(a.id, u"runs"_s, u"day"_s, Monday, Monday + D);
        QCOMPARE(ts->points.size(), 1);
        QCOMPARE(ts->points[0].value, std::optional<double>(2));
        // `from` inside a bucket: the bucket is present (t = its start), earlier rows excluded.
        ts = m_store->timeseries(a.id, u"runs"_s, u"day"_s, Monday + 1, Monday + D + 1);
        QCOMPARE(ts->points.size(), 2);
        QCOMPARE(ts->points[0].t, fromMs(Monday));
        QCOMPARE(ts->points[0].value, std::optional<double>(1));
        QCOMPARE(ts->points[1].value, std::optional<double>(1));

        // Weeks start on Monday 00:00 UTC (not local midnight in New York).
        ts = m_store->timeseries(a.id, u"runs"_s, u"week"_s, Monday - 3 * D, Monday + 8 * D);
        QCOMPARE(ts->points.size(), 3);
        QCOMPARE(ts->points[0].t, fromMs(Monday - 7 * D));
        QCOMPARE(ts->points[1].t, fromMs(Monday));
        QCOMPARE(ts->points[2].t, fromMs(Monday + 7 * D));
        QCOMPARE(ts->points[0].value, std::optional<double>(1));
        QCOMPARE(ts->points[1].value, std::optional<double>(5));
        QCOMPARE(ts->points[2].value, std::optional<double>(1));

        // success_rate: null when a bucket has no finished run, 0 when all failed/cancelled.
        ts = m_store->timeseries(a.id, u"success_rate"_s, u"day"_s, Monday, Monday + 7 * D);
        QCOMPARE(ts->points.size(), 7);
        QCOMPARE(ts->points[0].value, std::optional<double>(0.5));
        QCOMPARE(ts->points[1].value, std::optional<double>(1.0));
        QCOMPARE(ts->points[2].value, std::nullopt);
        QCOMPARE(ts->points[3].value, std::nullopt); // only a queued run
        QCOMPARE(ts->points[5].value, std::optional<double>(0.0));
        QVERIFY(ts->points[2].toJson().value(u"value"_s).isNull());

        // tokens: zero (not null) when empty.
        ts = m_store->timeseries(a.id, u"tokens"_s, u"day"_s, Monday, Monday + 3 * D);
        QCOMPARE(ts->points[0].value, std::optional<double>(30));
        QCOMPARE(ts->points[1].value, std::optional<double>(5));
        QCOMPARE(ts->points[2].value, std::optional<double>(0));

        // latency by finished_at: day 0 has the 100 ms run and the 50 ms one created the
        // evening before; the 300 ms run created on day 0 finished on day 1 next to the
        // 200 ms one; day 2 has none (null).
        ts = m_store->timeseries(a.id, u"latency"_s, u"day"_s, Monday, Monday + 3 * D);
        QCOMPARE(ts->points.size(), 3);
        QCOMPARE(ts->points[0].value, std::optional<double>(50)); // rank ceil(1.0) = 1
        QCOMPARE(ts->points[0].extra.value(u"p95"_s).toDouble(), 100.0);
        QCOMPARE(ts->points[1].value, std::optional<double>(200));       // rank ceil(1.0) = 1
        QCOMPARE(ts->points[1].extra.value(u"p95"_s).toDouble(), 300.0); // rank ceil(1.9) = 2
        QCOMPARE(ts->points[2].value, std::nullopt);
        QVERIFY(ts->points[2].extra.value(u"p95"_s).isNull());

        // Hours: every bucket present, including empty ones.
        ts = m_store->timeseries(a.id, u"runs"_s, u"hour"_s, Monday, Monday + 24 * Hour);
        QCOMPARE(ts->points.size(), 24);
        QCOMPARE(ts->points[0].value, std::optional<double>(1));
        QCOMPARE(ts->points[23].value, std::optional<double>(1));
        QCOMPARE(ts->points[12].value, std::optional<double>(0));
        // Empty range: no points.
        ts = m_store->timeseries(a.id, u"runs"_s, u"day"_s, Monday, Monday);
        QVERIFY(ts && ts->points.isEmpty());
    }

    // Closed latency buckets are memoised (latency_buckets): answers from the memo equal the
    // nearest-rank figures computed from the runs, a partial bucket at the range's edge is never
    // memoised, a finish recorded in the past forgets the bucket, and the open bucket follows
    // new runs.
    void timeseriesLatencyMemo()
    {
        const qint64 D = 86'400'000;
        const auto o = org(u"memo"_s);
        const Crew c = crew(o.id, u"memo crew"_s);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 today = timeseriesBucketStart(now, D);
        const qint64 from = today - 10 * D;
        QList<std::pair<qint64, qint64>> finished; // finished_at, duration
        QRandomGenerator rng(7);
        const auto finishAt = [&](qint64 finishedAt, qint64 duration) {
            const Run r =
                m_store->createRun(o.id, c.id, QJsonArray{}, 600, finishedAt - duration - 5);
            m_store->markRunStarted(r.id, finishedAt - duration);
            m_store->markRunFinished(r.id, rng.bounded(4) ? RunState::Succeeded : RunState::Failed,
                                     finishedAt);
            finished.append({finishedAt, duration});
        };
        for (int i = 0; i < 300; ++i)
            finishAt(from + qint64(rng.bounded(9 * 24)) * Hour + qint64(rng.bounded(3600000)),
                     1 + rng.bounded(60000));
        finishAt(now, 1234); // today: the open bucket
        // The expected figures, from the list: nearest rank over [start, start + width).
        const auto expect = [&](qint64 start, qint64 width, int p) -> std::optional<double> {
            QList<qint64> v;
            for (const auto &[at, duration] : finished) {
                if (at >= start && at < start + width)
                    v.append(duration);
            }
            if (v.isEmpty())
                return std::nullopt;
            std::sort(v.begin(), v.end());
            return double(v.at((v.size() * p + 99) / 100 - 1));
        };
        const auto check = [&](qint64 width, qint64 rangeFrom, qint64 rangeTo, const char *when) {
            const auto ts = m_store->timeseries(
                o.id, u"latency"_s, width == D ? u"day"_s : u"hour"_s, rangeFrom, rangeTo);
            QVERIFY2(ts, when);
            QCOMPARE(ts->points.size(), (rangeTo - rangeFrom) / width);
            int filled = 0;
            for (qsizetype i = 0; i < ts->points.size(); ++i) {
                const TimeseriesPoint &p = ts->points[i];
                const qint64 start = rangeFrom + i * width;
                QCOMPARE(p.value, expect(start, width, 50));
                const auto p95 = expect(start, width, 95);
                if (p95) {
                    QCOMPARE(p.extra.value(u"p95"_s).toDouble(), *p95);
                    ++filled;
                } else {
                    QVERIFY(p.extra.value(u"p95"_s).isNull());
                }
            }
            QVERIFY2(filled > 0, when);
        };
        // A partial first bucket first: its figure covers only its part and is not remembered.
        const auto partial =
            m_store->timeseries(o.id, u"latency"_s, u"day"_s, from + 12 * Hour, today + D);
        QVERIFY(partial);
        check(D, from, today + D, "days, computed");
        check(D, from, today + D, "days, from the memo");
        check(Hour, from + 2 * D, from + 4 * D, "hours, computed");
        check(Hour, from + 2 * D, from + 4 * D, "hours, from the memo");
        // A finish recorded in the past lands in memoised buckets: the next answers have it.
        finishAt(from + 3 * D + 5 * Hour, 999999);
        check(D, from, today + D, "days, after a past finish");
        check(Hour, from + 2 * D, from + 4 * D, "hours, after a past finish");
        // The open bucket follows new runs.
        finishAt(QDateTime::currentMSecsSinceEpoch(), 1);
        check(D, from, today + D, "days, after a new run");
    }

    // c7t: the running balance at each bucket's end; spent (rental payments) and earned
    // (rental rewards, counted when the rental ends) within the bucket.
    void timeseriesC7tBalance()
    {
        const qint64 D = 86'400'000;
        const auto owner = org(u"owner"_s, 1000);
        const auto renter = org(u"renter"_s, 1000);
        const Crew priced = crew(owner.id, u"priced"_s, units(10));
        // The grants are written at the real current time: start two days after it.
        const qint64 B = timeseriesBucketStart(QDateTime::currentMSecsSinceEpoch(), D) + 2 * D;
        StoreError err;
        QVERIFY(m_store->rent(renter.id, priced.id, units(2), B + Hour, &err)); // 20, ends B+3h
        QVERIFY(m_store->rent(renter.id, priced.id, units(1), B + D + 2 * Hour, &err)); // 10

        auto ts = m_store->timeseries(renter.id, u"c7t"_s, u"day"_s, B, B + 3 * D);
        QVERIFY(ts);
        QCOMPARE(ts->points.size(), 3);
        QCOMPARE(ts->points[0].value, std::optional<double>(980));
        QCOMPARE(ts->points[0].extra.value(u"spent"_s).toDouble(), 20.0);
        QCOMPARE(ts->points[0].extra.value(u"earned"_s).toDouble(), 0.0);
        QCOMPARE(ts->points[1].value, std::optional<double>(970));
        QCOMPARE(ts->points[1].extra.value(u"spent"_s).toDouble(), 10.0);
        QCOMPARE(ts->points[2].value, std::optional<double>(970));
        QCOMPARE(ts->points[2].extra.value(u"spent"_s).toDouble(), 0.0);

        ts = m_store->timeseries(owner.id, u"c7t"_s, u"day"_s, B, B + 3 * D);
        QCOMPARE(ts->points[0].value, std::optional<double>(1020));
        QCOMPARE(ts->points[0].extra.value(u"earned"_s).toDouble(), 20.0);
        QCOMPARE(ts->points[1].value, std::optional<double>(1030));
        QCOMPARE(ts->points[2].value, std::optional<double>(1030));
        // By the hour: the reward is earned in the bucket where the rental ends (B + 3h).
        ts = m_store->timeseries(owner.id, u"c7t"_s, u"hour"_s, B, B + 4 * Hour);
        QCOMPARE(ts->points.size(), 4);
        QCOMPARE(ts->points[2].value, std::optional<double>(1000));
        QCOMPARE(ts->points[3].value, std::optional<double>(1020));
        QCOMPARE(ts->points[3].extra.value(u"earned"_s).toDouble(), 20.0);
        // Before any ledger entry: balance 0.
        ts = m_store->timeseries(owner.id, u"c7t"_s, u"day"_s, Monday - 7 * D, Monday - 6 * D);
        QCOMPARE(ts->points[0].value, std::optional<double>(0));
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
