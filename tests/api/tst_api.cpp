// The REST layer end to end over real sockets: an in-process server (TestServer) with a real
// SQLite file, driven through QNetworkAccessManager. Runs are executed by nobody here: a
// recording RunScheduler stands in for the run queue, and run rows/events for the statistics
// are written through the store like the executor would.
#include "server/core/auth/passwords.h"
#include "server/core/auth/ratelimiter.h"
#include "server/engine/analyticswarmer.h"
#include "server/engine/eventlog.h"
#include "server/model/runscheduler.h"
#include "shared/events.h"
#include "shared/timeutil.h"
#include "tests/support/metrics.h"
#include "tests/support/testserver.h"

#include <QJsonDocument>
#include <QTcpSocket>
#include <QtTest>

using namespace crewdeck;
using namespace crewdeck::server;
using namespace crewdeck::testsupport;
using namespace Qt::StringLiterals;

namespace {

// Stands in for the run queue: remembers what the HTTP layer asked for.
class RecordingScheduler : public RunScheduler
{
public:
    explicit RecordingScheduler(Store *store) : m_store(store) {}
    void enqueue(const QString &runId) override { enqueued.append(runId); }
    bool cancel(const QString &runId) override
    {
        const auto job = m_store->runJob(runId);
        if (!job)
            return false;
        cancelled.append(runId);
        m_store->markRunFinished(runId, RunState::Cancelled, QDateTime::currentMSecsSinceEpoch());
        return true;
    }
    QStringList enqueued;
    QStringList cancelled;

private:
    Store *m_store;
};

struct OrgUsers
{
    QString orgId;
    UserRecord admin, member, viewer;
    QString adminToken, memberToken, viewerToken;
};

QJsonObject crewBody(const QString &name, std::optional<double> price = std::nullopt)
{
    QJsonObject o{{u"name"_s, name},
                  {u"agents"_s,
                   QJsonArray{QJsonObject{{u"name"_s, u"Fetcher"_s},
                                          {u"role"_s, u"vcs"_s},
                                          {u"tools"_s, QJsonArray{u"git_clone"_s}}},
                              QJsonObject{{u"name"_s, u"Worker"_s},
                                          {u"role"_s, u"runs"_s},
                                          {u"tools"_s, QJsonArray{u"script"_s, u"git_clone"_s}}}}}};
    if (price)
        o.insert(u"rental_price_per_hour"_s, *price);
    return o;
}

QJsonObject scriptRun(const QString &command = u"echo hi"_s)
{
    return QJsonObject{
        {u"steps"_s, QJsonArray{QJsonObject{{u"tool"_s, u"script"_s},
                                            {u"params"_s, QJsonObject{{u"command"_s, command}}}}}}};
}

} // namespace

class TestApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void health();
    void unknownRouteAndMethod();
    void loginHappyPath();
    void loginFailures();
    void loginRateLimit();
    void badTokens();
    void users();
    void crewsCrud();
    void crewsOrgIsolation();
    void crewsRoles();
    void malformedBodies();
    void sqlLookingStringsAreData();
    void startRun();
    void startRunAgentResolution();
    void startRunWithoutScheduler();
    void listRunsAndFilters();
    void runEvents();
    void cancelRun();
    void dashboardStats();
    void cachedReadsFollowWrites();
    void analyticsWarmUpFillsTheLatencyMemo();
    void dashboardTimeseries();
    void rentalsAndLedger();
    void rentalSettles();
    void rentedCrewRuns();
    void metrics();
    void garbageDoesNotStopServer();
    void oversizedBody();

private:
    QString uniq(const QString &base) { return base + u'-' + QString::number(++m_counter); }
    OrgUsers makeOrg(const QString &base);
    QString createCrew(const OrgUsers &org, const QString &name,
                       std::optional<double> price = std::nullopt);

    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<RecordingScheduler> m_scheduler;
    QByteArray m_hash; // one argon2id hash of "password123", reused to create users fast
    int m_counter = 0;
};

void TestApi::initTestCase()
{
    m_server = std::make_unique<TestServer>();
    QString error;
    QVERIFY2(m_server->start(&error), qPrintable(error));
    QVERIFY(m_server->port() != 0);
    m_scheduler = std::make_unique<RecordingScheduler>(m_server->store());
    m_server->app()->setRunScheduler(m_scheduler.get());
    m_hash = passwords::hash(u"password123"_s);
    QVERIFY(!m_hash.isEmpty());
}

void TestApi::cleanupTestCase()
{
    m_server->stop();
    m_server.reset();
}

OrgUsers TestApi::makeOrg(const QString &base)
{
    OrgUsers o;
    const QString name = uniq(base);
    o.orgId = m_server->ensureOrg(name);
    StoreError err = StoreError::None;
    auto mk = [&](const QString &role) {
        const auto u = m_server->store()->createUser(o.orgId, role + u'@' + name + u".test"_s, role,
                                                     m_hash, &err);
        return u.value_or(UserRecord{});
    };
    o.admin = mk(u"admin"_s);
    o.member = mk(u"member"_s);
    o.viewer = mk(u"viewer"_s);
    o.adminToken = m_server->tokenFor(o.admin);
    o.memberToken = m_server->tokenFor(o.member);
    o.viewerToken = m_server->tokenFor(o.viewer);
    return o;
}

QString TestApi::createCrew(const OrgUsers &org, const QString &name, std::optional<double> price)
{
    const auto r = m_server->post(u"/crews"_s, crewBody(name, price), org.adminToken);
    if (r.status != 201)
        qWarning() << "create crew failed" << r.status << r.body;
    return r.json().value(u"id"_s).toString();
}

void TestApi::health()
{
    auto r = m_server->get(u"/healthz"_s);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value(u"status"_s).toString(), u"ok"_s);
    QVERIFY(r.header("Content-Type").startsWith("application/json"));
    QVERIFY(r.header("Content-Type").contains("charset=utf-8"));
    r = m_server->get(u"/readyz"_s);
    QCOMPARE(r.status, 200);

    // A failing dependency turns /readyz into 503 "unavailable".
    bool healthy = false;
    TestServer other;
    QVERIFY(other.start());
    other.app()->addReadinessCheck(u"redis"_s, [&healthy] { return healthy; });
    r = other.get(u"/readyz"_s);
    QCOMPARE(r.status, 503);
    QCOMPARE(r.errorCode(), u"unavailable"_s);
    healthy = true;
    QCOMPARE(other.get(u"/readyz"_s).status, 200);
}

void TestApi::unknownRouteAndMethod()
{
    const OrgUsers o = makeOrg(u"routes"_s);
    auto r = m_server->get(u"/no/such/thing"_s, o.adminToken);
    QCOMPARE(r.status, 404);
    QCOMPARE(r.errorCode(), u"not_found"_s);
    r = m_server->http().request("PUT", u"/crews"_s, "{}", o.adminToken);
    QCOMPARE(r.status, 405);
    QVERIFY(!r.errorCode().isEmpty());
    QVERIFY(r.header("Allow").contains("GET"));
    r = m_server->http().request("PATCH", u"/runs/abc"_s, "{}", o.adminToken);
    QCOMPARE(r.status, 405);
}

void TestApi::loginHappyPath()
{
    const auto user = m_server->createUser(uniq(u"login"_s), uniq(u"ann"_s) + u"@login.test"_s,
                                           u"member"_s, u"correct horse"_s);
    QVERIFY(!user.id.isEmpty());
    // E-mail is matched case-insensitively.
    const auto r =
        m_server->post(u"/auth/login"_s, QJsonObject{{u"email"_s, user.email.toUpper()},
                                                     {u"password"_s, u"correct horse"_s}});
    QCOMPARE(r.status, 200);
    const auto login = LoginResponse::fromJson(r.json());
    QVERIFY(login);
    QCOMPARE(login->tokenType, u"bearer"_s);
    QCOMPARE(login->expiresIn, 3600);
    QCOMPARE(login->user.id, user.id);
    QCOMPARE(login->user.orgId, user.orgId);
    QCOMPARE(login->user.role, u"member"_s);
    const auto claims = jwt::verify(login->accessToken.toLatin1(), m_server->jwtSecret(),
                                    QDateTime::currentSecsSinceEpoch());
    QVERIFY(claims);
    QCOMPARE(claims.claims->sub, user.id);
    QCOMPARE(claims.claims->org, user.orgId);
    QCOMPARE(claims.claims->role, u"member"_s);
    QCOMPARE(claims.claims->exp - claims.claims->iat, 3600);
    // The token works.
    QCOMPARE(m_server->get(u"/crews"_s, login->accessToken).status, 200);
}

void TestApi::loginFailures()
{
    const QString email = uniq(u"bob"_s) + u"@login.test"_s;
    m_server->createUser(uniq(u"login"_s), email, u"viewer"_s, u"right password"_s);
    auto r = m_server->post(u"/auth/login"_s,
                            QJsonObject{{u"email"_s, email}, {u"password"_s, u"wrong password"_s}});
    QCOMPARE(r.status, 401);
    QCOMPARE(r.errorCode(), u"invalid_credentials"_s);
    r = m_server->post(u"/auth/login"_s, QJsonObject{{u"email"_s, u"nobody@nowhere.test"_s},
                                                     {u"password"_s, u"whatever1"_s}});
    QCOMPARE(r.status, 401);
    QCOMPARE(r.errorCode(), u"invalid_credentials"_s);
    r = m_server->post(u"/auth/login"_s, QJsonObject{{u"email"_s, email}});
    QCOMPARE(r.status, 400);
    QCOMPARE(r.errorCode(), u"bad_request"_s);
    QVERIFY2(r.errorMessage().contains(u"password"_s), qPrintable(r.errorMessage()));
    r = m_server->http().postRaw(u"/auth/login"_s, "{not json");
    QCOMPARE(r.status, 400);
}

void TestApi::loginRateLimit()
{
    const QString email = uniq(u"carol"_s) + u"@limit.test"_s;
    m_server->createUser(uniq(u"limit"_s), email, u"viewer"_s, u"right password"_s);
    const int limit = m_server->app()->loginLimiter()->maxFailures();
    QVERIFY(limit >= 10);
    for (int i = 0; i < limit; ++i) {
        const auto r = m_server->post(
            u"/auth/login"_s, QJsonObject{{u"email"_s, email}, {u"password"_s, u"bad guess"_s}});
        QCOMPARE(r.status, 401);
    }
    auto r = m_server->post(u"/auth/login"_s,
                            QJsonObject{{u"email"_s, email}, {u"password"_s, u"bad guess"_s}});
    QCOMPARE(r.status, 429);
    QCOMPARE(r.errorCode(), u"rate_limited"_s);
    bool ok = false;
    const int retry = r.header("Retry-After").toInt(&ok);
    QVERIFY(ok);
    QVERIFY(retry >= 1 && retry <= 60);
    // Even the right password is refused while limited (no brute force through the limit).
    r = m_server->post(u"/auth/login"_s,
                       QJsonObject{{u"email"_s, email}, {u"password"_s, u"right password"_s}});
    QCOMPARE(r.status, 429);
    // Other accounts are not affected.
    const QString other = uniq(u"dave"_s) + u"@limit.test"_s;
    m_server->createUser(uniq(u"limit"_s), other, u"viewer"_s, u"right password"_s);
    QVERIFY(!m_server->login(other, u"right password"_s).isEmpty());
}

void TestApi::badTokens()
{
    const OrgUsers o = makeOrg(u"tokens"_s);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    // Missing, garbage, wrong scheme.
    auto r = m_server->get(u"/crews"_s);
    QCOMPARE(r.status, 401);
    QCOMPARE(r.errorCode(), u"unauthorized"_s);
    QCOMPARE(m_server->get(u"/crews"_s, u"garbage"_s).status, 401);
    r = m_server->http().request("GET", u"/crews"_s, {}, {},
                                 {{"Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"}});
    QCOMPARE(r.status, 401);
    // Expired.
    jwt::Claims c{o.admin.id, o.orgId, u"admin"_s, now - 7200, now - 3600};
    QCOMPARE(m_server->get(u"/crews"_s, QString::fromLatin1(m_server->signToken(c))).status, 401);
    // Wrong key.
    c = jwt::Claims{o.admin.id, o.orgId, u"admin"_s, now, now + 3600};
    QCOMPARE(m_server->get(u"/crews"_s, QString::fromLatin1(jwt::sign(c, "another key"))).status,
             401);
    // alg none: header {"alg":"none"}, the valid payload, no signature.
    const QByteArray valid = m_server->signToken(c);
    const QByteArray payload = valid.split('.').at(1);
    const QByteArray none =
        jwt::base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + '.' + payload + '.';
    QCOMPARE(m_server->get(u"/crews"_s, QString::fromLatin1(none)).status, 401);
    // A valid signature for a user that does not exist.
    c.sub = u"usr_doesnotexist"_s;
    QCOMPARE(m_server->get(u"/crews"_s, QString::fromLatin1(m_server->signToken(c))).status, 401);
    // A token claiming another org than the user's.
    const OrgUsers other = makeOrg(u"tokens"_s);
    c = jwt::Claims{o.admin.id, other.orgId, u"admin"_s, now, now + 3600};
    QCOMPARE(m_server->get(u"/crews"_s, QString::fromLatin1(m_server->signToken(c))).status, 401);
    // The valid one works.
    QCOMPARE(m_server->get(u"/crews"_s, QString::fromLatin1(valid)).status, 200);
}

void TestApi::users()
{
    const OrgUsers o = makeOrg(u"users"_s);
    const OrgUsers other = makeOrg(u"users"_s);
    auto r = m_server->get(u"/users"_s, o.adminToken);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.jsonArray().size(), 3);
    for (const auto &v : r.jsonArray()) {
        const QJsonObject u = v.toObject();
        QVERIFY(u.contains(u"id"_s) && u.contains(u"email"_s) && u.contains(u"role"_s));
        QVERIFY(!u.contains(u"password_hash"_s));
        QVERIFY(u.value(u"email"_s).toString().endsWith(u".test"_s));
        QVERIFY(!u.value(u"email"_s).toString().contains(other.orgId));
    }
    QCOMPARE(m_server->get(u"/users"_s, o.memberToken).status, 403);
    QCOMPARE(m_server->get(u"/users"_s, o.viewerToken).errorCode(), u"forbidden"_s);

    const QString email = uniq(u"new"_s) + u"@users.test"_s;
    r = m_server->post(u"/users"_s,
                       QJsonObject{{u"email"_s, email},
                                   {u"password"_s, u"longenough"_s},
                                   {u"role"_s, u"viewer"_s}},
                       o.adminToken);
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json().value(u"email"_s).toString(), email);
    QCOMPARE(r.json().value(u"role"_s).toString(), u"viewer"_s);
    QVERIFY(!m_server->login(email, u"longenough"_s).isEmpty());
    QCOMPARE(m_server->get(u"/users"_s, o.adminToken).jsonArray().size(), 4);
    QCOMPARE(m_server->get(u"/users"_s, other.adminToken).jsonArray().size(), 3);

    // Duplicate e-mail (any case, any org) -> 409.
    r = m_server->post(u"/users"_s,
                       QJsonObject{{u"email"_s, email.toUpper()},
                                   {u"password"_s, u"longenough"_s},
                                   {u"role"_s, u"viewer"_s}},
                       other.adminToken);
    QCOMPARE(r.status, 409);
    QCOMPARE(r.errorCode(), u"conflict"_s);
    // Short password, bad role, missing field.
    r = m_server->post(u"/users"_s,
                       QJsonObject{{u"email"_s, QString(uniq(u"x"_s) + u"@u.test"_s)},
                                   {u"password"_s, u"short"_s},
                                   {u"role"_s, u"viewer"_s}},
                       o.adminToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"password"_s));
    r = m_server->post(u"/users"_s,
                       QJsonObject{{u"email"_s, QString(uniq(u"x"_s) + u"@u.test"_s)},
                                   {u"password"_s, u"longenough"_s},
                                   {u"role"_s, u"root"_s}},
                       o.adminToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"role"_s));
    // Members cannot create users.
    r = m_server->post(u"/users"_s,
                       QJsonObject{{u"email"_s, QString(uniq(u"y"_s) + u"@u.test"_s)},
                                   {u"password"_s, u"longenough"_s},
                                   {u"role"_s, u"admin"_s}},
                       o.memberToken);
    QCOMPARE(r.status, 403);
}

void TestApi::crewsCrud()
{
    const OrgUsers o = makeOrg(u"crews"_s);
    QSignalSpy created(m_server->app()->domainEvents(), &DomainEvents::crewCreated);
    QSignalSpy deleted(m_server->app()->domainEvents(), &DomainEvents::crewDeleted);
    auto r = m_server->post(u"/crews"_s, crewBody(u"Alpha"_s, 2.5), o.adminToken);
    QCOMPARE(r.status, 201);
    const auto crew = Crew::fromJson(r.json());
    QVERIFY2(crew, r.body.constData());
    QCOMPARE(created.size(), 1);
    QCOMPARE(created.at(0).at(0).toString(), o.orgId);
    QCOMPARE(created.at(0).at(1).toString(), crew->id);
    QCOMPARE(crew->name, u"Alpha"_s);
    QCOMPARE(crew->agents.size(), 2);
    QVERIFY(!crew->agents.at(0).id.isEmpty());
    QCOMPARE(crew->rentalPricePerHour->value, 2'500'000);
    QVERIFY(crew->createdAt.isValid());
    QVERIFY(r.json().value(u"rental_price_per_hour"_s).isDouble());

    r = m_server->post(u"/crews"_s, crewBody(u"Beta"_s), o.adminToken);
    QCOMPARE(r.status, 201);
    QVERIFY(r.json().value(u"rental_price_per_hour"_s).isNull());

    r = m_server->get(u"/crews"_s, o.viewerToken);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.jsonArray().size(), 2);
    r = m_server->get(u"/crews/"_s + crew->id, o.viewerToken);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value(u"id"_s).toString(), crew->id);

    r = m_server->del(u"/crews/"_s + crew->id, o.adminToken);
    QCOMPARE(r.status, 204);
    QVERIFY(r.body.isEmpty());
    QCOMPARE(deleted.size(), 1);
    QCOMPARE(deleted.at(0).at(1).toString(), crew->id);
    QCOMPARE(m_server->get(u"/crews/"_s + crew->id, o.adminToken).status, 404);
    QCOMPARE(m_server->del(u"/crews/"_s + crew->id, o.adminToken).status, 404);
    QCOMPARE(deleted.size(), 1);
    QCOMPARE(m_server->get(u"/crews"_s, o.adminToken).jsonArray().size(), 1);
    QCOMPARE(m_server->get(u"/crews/crw_unknown"_s, o.adminToken).errorCode(), u"not_found"_s);
}

void TestApi::crewsOrgIsolation()
{
    const OrgUsers a = makeOrg(u"iso"_s);
    const OrgUsers b = makeOrg(u"iso"_s);
    const QString crewA = createCrew(a, u"A's crew"_s);
    QVERIFY(!crewA.isEmpty());
    // B never sees A's crew, cannot read, delete or run it.
    QCOMPARE(m_server->get(u"/crews"_s, b.adminToken).jsonArray().size(), 0);
    auto r = m_server->get(u"/crews/"_s + crewA, b.adminToken);
    QCOMPARE(r.status, 404);
    QCOMPARE(r.errorCode(), u"not_found"_s);
    QCOMPARE(m_server->del(u"/crews/"_s + crewA, b.adminToken).status, 404);
    QCOMPARE(m_server->post(u"/crews/"_s + crewA + u"/runs"_s, scriptRun(), b.memberToken).status,
             404);
    // A's run is invisible to B.
    r = m_server->post(u"/crews/"_s + crewA + u"/runs"_s, scriptRun(), a.memberToken);
    QCOMPARE(r.status, 202);
    const QString runId = r.json().value(u"id"_s).toString();
    QCOMPARE(m_server->get(u"/runs/"_s + runId, b.adminToken).status, 404);
    QCOMPARE(m_server->get(u"/runs/"_s + runId + u"/events"_s, b.adminToken).status, 404);
    QCOMPARE(m_server->post(u"/runs/"_s + runId + u"/cancel"_s, {}, b.adminToken).status, 404);
    QCOMPARE(m_server->get(u"/runs"_s, b.adminToken).json().value(u"items"_s).toArray().size(), 0);
    QCOMPARE(m_server->get(u"/runs?crew_id="_s + crewA, b.adminToken)
                 .json()
                 .value(u"items"_s)
                 .toArray()
                 .size(),
             0);
    QCOMPARE(
        m_server->get(u"/dashboard/stats"_s, b.adminToken).json().value(u"total_runs"_s).toInt(),
        0);
    QCOMPARE(m_server->get(u"/runs"_s, a.viewerToken).json().value(u"items"_s).toArray().size(), 1);
    // The crew is still there for A.
    QCOMPARE(m_server->get(u"/crews/"_s + crewA, a.viewerToken).status, 200);
}

void TestApi::crewsRoles()
{
    const OrgUsers o = makeOrg(u"roles"_s);
    auto r = m_server->post(u"/crews"_s, crewBody(u"x"_s), o.memberToken);
    QCOMPARE(r.status, 403);
    QCOMPARE(r.errorCode(), u"forbidden"_s);
    QCOMPARE(m_server->post(u"/crews"_s, crewBody(u"x"_s), o.viewerToken).status, 403);
    const QString crew = createCrew(o, u"roles crew"_s);
    QCOMPARE(m_server->del(u"/crews/"_s + crew, o.memberToken).status, 403);
    QCOMPARE(m_server->del(u"/crews/"_s + crew, o.viewerToken).status, 403);
    // Viewers read but cannot start or cancel runs.
    QCOMPARE(m_server->get(u"/crews/"_s + crew, o.viewerToken).status, 200);
    QCOMPARE(m_server->post(u"/crews/"_s + crew + u"/runs"_s, scriptRun(), o.viewerToken).status,
             403);
    r = m_server->post(u"/crews/"_s + crew + u"/runs"_s, scriptRun(), o.memberToken);
    QCOMPARE(r.status, 202);
    const QString run = r.json().value(u"id"_s).toString();
    QCOMPARE(m_server->post(u"/runs/"_s + run + u"/cancel"_s, {}, o.viewerToken).status, 403);
    QCOMPARE(
        m_server
            ->post(u"/rentals"_s, QJsonObject{{u"crew_id"_s, crew}, {u"hours"_s, 1}}, o.viewerToken)
            .status,
        403);
    // Admins may do what members may.
    QCOMPARE(m_server->post(u"/runs/"_s + run + u"/cancel"_s, {}, o.adminToken).status, 202);
}

void TestApi::malformedBodies()
{
    const OrgUsers o = makeOrg(u"bodies"_s);
    struct Case
    {
        QByteArray body;
        QString field;
    };
    const QList<Case> cases{
        {"{\"name\": \"x\", ", u"body"_s},
        {"[1,2,3]", u"body"_s},
        {"", u"body"_s},
        {"{\"name\": 5, \"agents\": []}", u"name"_s},
        {"{\"agents\": []}", u"name"_s},
        {"{\"name\": \"x\", \"agents\": \"no\"}", u"agents"_s},
        {"{\"name\": \"x\", \"agents\": []}", u"agents"_s},
        {"{\"name\": \"x\", \"agents\": [{\"name\": \"a\", \"role\": \"r\", \"tools\": "
         "[\"rm_rf\"]}]}",
         u"agents[0].tools[0]"_s},
        {"{\"name\": \"x\", \"agents\": [{\"name\": \"a\", \"role\": \"r\", \"tools\": "
         "[\"script\"]}], \"rental_price_per_hour\": \"1\"}",
         u"rental_price_per_hour"_s},
        {"{\"name\": \"x\", \"agents\": [{\"name\": \"a\", \"role\": \"r\", \"tools\": "
         "[\"script\"]}], \"rental_price_per_hour\": 0.0000001}",
         u"rental_price_per_hour"_s},
        {"{\"name\": \"\xff\xfe\", \"agents\": []}", u"body"_s}, // invalid UTF-8
    };
    for (const Case &c : cases) {
        const auto r = m_server->http().postRaw(u"/crews"_s, c.body, o.adminToken);
        QVERIFY2(r.status == 400, c.body.constData());
        QCOMPARE(r.errorCode(), u"bad_request"_s);
        QVERIFY2(r.errorMessage().contains(c.field),
                 QByteArray(c.body + " -> " + r.errorMessage().toUtf8()).constData());
    }
    const QString crew = createCrew(o, u"bodies crew"_s);
    const QList<Case> runCases{
        {"{\"steps\": []}", u"steps"_s},
        {"{\"steps\": [{\"tool\": \"format_disk\"}]}", u"steps[0].tool"_s},
        {"{\"steps\": [{\"tool\": \"script\", \"params\": {}}]}", u"command"_s},
        {"{\"steps\": [{\"tool\": \"git_clone\", \"params\": {\"url\": 7}}]}", u"url"_s},
        {"{\"steps\": [{\"tool\": \"script\", \"params\": {\"command\": \"ls\"}}], \"timeout_s\": "
         "\"soon\"}",
         u"timeout_s"_s},
        {"{\"steps\": [{\"tool\": \"script\", \"params\": {\"command\": \"ls\"}}], \"timeout_s\": "
         "1.5}",
         u"timeout_s"_s},
    };
    for (const Case &c : runCases) {
        const auto r =
            m_server->http().postRaw(u"/crews/"_s + crew + u"/runs"_s, c.body, o.memberToken);
        QVERIFY2(r.status == 400, c.body.constData());
        QVERIFY2(r.errorMessage().contains(c.field),
                 QByteArray(c.body + " -> " + r.errorMessage().toUtf8()).constData());
    }
    const auto r = m_server->http().postRaw(u"/rentals"_s, "{\"crew_id\": \"x\", \"hours\": -1}",
                                            o.memberToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"hours"_s));
    // Nothing was created by the failures.
    QCOMPARE(m_server->get(u"/crews"_s, o.adminToken).jsonArray().size(), 1);
}

void TestApi::sqlLookingStringsAreData()
{
    const OrgUsers o = makeOrg(u"sql"_s);
    const QString evil = u"x'); DROP TABLE crews; --"_s;
    const QString id = createCrew(o, evil);
    QVERIFY(!id.isEmpty());
    QCOMPARE(m_server->get(u"/crews/"_s + id, o.adminToken).json().value(u"name"_s).toString(),
             evil);
    QCOMPARE(
        m_server
            ->get(u"/crews/"_s + QString::fromLatin1(QUrl::toPercentEncoding(u"' OR '1'='1"_s)),
                  o.adminToken)
            .status,
        404);
    auto r = m_server->get(u"/runs?crew_id="_s +
                               QString::fromLatin1(QUrl::toPercentEncoding(u"' OR 1=1 --"_s)),
                           o.adminToken);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value(u"items"_s).toArray().size(), 0);
    r = m_server->post(u"/auth/login"_s, QJsonObject{{u"email"_s, u"' OR '1'='1"_s},
                                                     {u"password"_s, u"' OR '1'='1"_s}});
    QCOMPARE(r.status, 401);
    QCOMPARE(m_server->get(u"/crews"_s, o.adminToken).jsonArray().size(), 1);
}

void TestApi::startRun()
{
    const OrgUsers o = makeOrg(u"runs"_s);
    const QString crew = createCrew(o, u"runner"_s);
    const int before = m_scheduler->enqueued.size();
    auto r = m_server->post(
        u"/crews/"_s + crew + u"/runs"_s,
        QJsonObject{
            {u"steps"_s,
             QJsonArray{QJsonObject{{u"tool"_s, u"git_clone"_s},
                                    {u"params"_s,
                                     QJsonObject{{u"url"_s, u"https://example.invalid/r.git"_s}}}},
                        QJsonObject{{u"tool"_s, u"script"_s},
                                    {u"params"_s, QJsonObject{{u"command"_s, u"make test"_s}}}}}},
            {u"timeout_s"_s, 120}},
        o.memberToken);
    QCOMPARE(r.status, 202);
    const auto run = Run::fromJson(r.json());
    QVERIFY2(run, r.body.constData());
    QCOMPARE(run->status, u"queued"_s);
    QCOMPARE(run->crewId, crew);
    QVERIFY(run->createdAt.isValid());
    QVERIFY(!run->startedAt.isValid());
    QCOMPARE(m_scheduler->enqueued.size(), before + 1);
    QCOMPARE(m_scheduler->enqueued.last(), run->id);
    // The stored job has both steps with their agents filled in and the timeout.
    const auto job = m_server->store()->runJob(run->id);
    QVERIFY(job);
    QCOMPARE(job->timeoutS, 120);
    QCOMPARE(job->orgId, o.orgId);
    QCOMPARE(job->steps.size(), 2);
    const auto c = m_server->store()->crew(o.orgId, crew);
    QVERIFY(c);
    QCOMPARE(job->steps.at(0).toObject().value(u"agent_id"_s).toString(),
             c->agents.at(0).id); // first lister of git_clone
    QCOMPARE(job->steps.at(1).toObject().value(u"agent_id"_s).toString(), c->agents.at(1).id);
    // GET /runs/{id} includes tool_calls.
    r = m_server->get(u"/runs/"_s + run->id, o.viewerToken);
    QCOMPARE(r.status, 200);
    QVERIFY(r.json().value(u"tool_calls"_s).isArray());
    QCOMPARE(m_server->get(u"/runs/run_unknown"_s, o.viewerToken).status, 404);
    QCOMPARE(m_server->post(u"/crews/crw_unknown/runs"_s, scriptRun(), o.memberToken).status, 404);
}

void TestApi::startRunAgentResolution()
{
    const OrgUsers o = makeOrg(u"agents"_s);
    const QString crew = createCrew(o, u"agents crew"_s);
    const auto c = m_server->store()->crew(o.orgId, crew);
    QVERIFY(c);
    const QString fetcher = c->agents.at(0).id; // git_clone only
    const QString worker = c->agents.at(1).id;  // script, git_clone
    auto step = [](const QString &tool, const QJsonObject &params, const QString &agent) {
        QJsonObject s{{u"tool"_s, tool}, {u"params"_s, params}};
        if (!agent.isEmpty())
            s.insert(u"agent_id"_s, agent);
        return QJsonObject{{u"steps"_s, QJsonArray{s}}};
    };
    const QJsonObject cmd{{u"command"_s, u"true"_s}};
    // An explicit agent that lists the tool.
    auto r = m_server->post(u"/crews/"_s + crew + u"/runs"_s, step(u"script"_s, cmd, worker),
                            o.memberToken);
    QCOMPARE(r.status, 202);
    QCOMPARE(m_server->store()
                 ->runJob(r.json().value(u"id"_s).toString())
                 ->steps.at(0)
                 .toObject()
                 .value(u"agent_id"_s)
                 .toString(),
             worker);
    // An agent that does not list the tool.
    r = m_server->post(u"/crews/"_s + crew + u"/runs"_s, step(u"script"_s, cmd, fetcher),
                       o.memberToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"steps[0].agent_id"_s));
    // An agent of another crew.
    const OrgUsers other = makeOrg(u"agents"_s);
    const QString otherCrew = createCrew(other, u"other"_s);
    const QString foreignAgent = m_server->store()->crew(other.orgId, otherCrew)->agents.at(1).id;
    r = m_server->post(u"/crews/"_s + crew + u"/runs"_s, step(u"script"_s, cmd, foreignAgent),
                       o.memberToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"agent_id"_s));
    // No agent lists pytest.
    r = m_server->post(u"/crews/"_s + crew + u"/runs"_s, step(u"pytest"_s, {}, {}), o.memberToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"steps[0]"_s));
}

void TestApi::startRunWithoutScheduler()
{
    // An api-only node without a run queue to hand runs to (no Redis) refuses to store them.
    TestServer::Options options;
    options.configure = [](server::ServerConfig &c) { c.role = u"api"_s; };
    TestServer bare(options);
    QVERIFY(bare.start());
    const auto admin =
        bare.createUser(u"bare"_s, u"admin@bare.test"_s, u"admin"_s, u"password123"_s);
    const QString token = bare.tokenFor(admin);
    auto r = bare.post(u"/crews"_s, crewBody(u"c"_s), token);
    QCOMPARE(r.status, 201);
    const QString crew = r.json().value(u"id"_s).toString();
    r = bare.post(u"/crews/"_s + crew + u"/runs"_s, scriptRun(), token);
    QCOMPARE(r.status, 503);
    QCOMPARE(r.errorCode(), u"unavailable"_s);
    // Nothing was left queued.
    QCOMPARE(bare.get(u"/runs"_s, token).json().value(u"items"_s).toArray().size(), 0);
}

void TestApi::listRunsAndFilters()
{
    const OrgUsers o = makeOrg(u"list"_s);
    const QString crew1 = createCrew(o, u"one"_s);
    const QString crew2 = createCrew(o, u"two"_s);
    Store *store = m_server->store();
    const QDateTime base = QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC);
    QStringList ids;
    for (int i = 0; i < 5; ++i) {
        const Run r = store->createRun(o.orgId, i < 3 ? crew1 : crew2, QJsonArray{}, 600,
                                       toMs(base.addSecs(60 * i)));
        ids.append(r.id);
    }
    store->markRunStarted(ids.at(0), toMs(base.addSecs(1)));
    store->markRunFinished(ids.at(0), RunState::Succeeded, toMs(base.addSecs(2)));

    auto r = m_server->get(u"/runs"_s, o.viewerToken);
    QCOMPARE(r.status, 200);
    auto page = RunPage::fromJson(r.json());
    QVERIFY(page);
    QCOMPARE(page->items.size(), 5);
    QCOMPARE(page->items.first().id, ids.last()); // newest first
    QVERIFY(!page->nextCursor);
    QVERIFY(r.json().value(u"next_cursor"_s).isNull());

    r = m_server->get(u"/runs?crew_id="_s + crew1, o.viewerToken);
    QCOMPARE(r.json().value(u"items"_s).toArray().size(), 3);
    r = m_server->get(u"/runs?status=succeeded"_s, o.viewerToken);
    QCOMPARE(r.json().value(u"items"_s).toArray().size(), 1);
    QCOMPARE(r.json().value(u"items"_s).toArray().at(0).toObject().value(u"id"_s).toString(),
             ids.at(0));
    r = m_server->get(u"/runs?from=2026-03-01T12:01:00Z&to=2026-03-01T12:03:00.000Z"_s,
                      o.viewerToken);
    QCOMPARE(r.json().value(u"items"_s).toArray().size(), 2); // minutes 1 and 2; `to` exclusive

    // Paging with the cursor walks all runs exactly once.
    QStringList seen;
    QString cursor;
    for (int guard = 0; guard < 10; ++guard) {
        r = m_server->get(
            u"/runs?limit=2"_s +
                (cursor.isEmpty()
                     ? QString()
                     : u"&cursor="_s + QString::fromLatin1(QUrl::toPercentEncoding(cursor))),
            o.viewerToken);
        QCOMPARE(r.status, 200);
        page = RunPage::fromJson(r.json());
        QVERIFY(page);
        QVERIFY(page->items.size() <= 2);
        for (const Run &run : page->items)
            seen.append(run.id);
        if (!page->nextCursor)
            break;
        cursor = *page->nextCursor;
    }
    QCOMPARE(seen.size(), 5);
    QStringList expected = ids;
    std::reverse(expected.begin(), expected.end());
    QCOMPARE(seen, expected);

    // Bad parameters name themselves.
    const QList<QPair<QString, QString>> bad{{u"limit=0"_s, u"limit"_s},
                                             {u"limit=201"_s, u"limit"_s},
                                             {u"limit=ten"_s, u"limit"_s},
                                             {u"status=done"_s, u"status"_s},
                                             {u"from=yesterday"_s, u"from"_s},
                                             {u"to=2026-13-01T00:00:00Z"_s, u"to"_s},
                                             {u"cursor=not-a-cursor"_s, u"cursor"_s}};
    for (const auto &[query, name] : bad) {
        r = m_server->get(u"/runs?"_s + query, o.viewerToken);
        QVERIFY2(r.status == 400, qPrintable(query));
        QVERIFY2(r.errorMessage().contains(name), qPrintable(query + u" -> "_s + r.errorMessage()));
    }
}

void TestApi::runEvents()
{
    const OrgUsers o = makeOrg(u"events"_s);
    const QString crew = createCrew(o, u"ev"_s);
    auto r = m_server->post(u"/crews/"_s + crew + u"/runs"_s, scriptRun(), o.memberToken);
    const QString runId = r.json().value(u"id"_s).toString();
    Store *store = m_server->store();
    qint64 seq = store->maxEventSeq();
    QList<StoredEventPtr> events;
    QList<qint64> seqs;
    for (const QString &status : {RunState::Running, RunState::Succeeded}) {
        Event e;
        e.seq = ++seq;
        e.ts = nowUtc();
        e.body = RunStatusEvent{crew, runId, status};
        auto se = std::make_shared<StoredEvent>();
        se->seq = e.seq;
        se->orgId = o.orgId;
        se->crewId = crew;
        se->runId = runId;
        se->type = EventType::RunStatus;
        se->tsMs = toMs(e.ts);
        se->bytes = e.toBytes();
        events.append(se);
        seqs.append(e.seq);
    }
    QVERIFY(store->appendEvents(events));

    r = m_server->get(u"/runs/"_s + runId + u"/events"_s, o.viewerToken);
    QCOMPARE(r.status, 200);
    QJsonArray arr = r.json().value(u"events"_s).toArray();
    QCOMPARE(arr.size(), 2);
    QCOMPARE(arr.at(0).toObject().value(u"type"_s).toString(), u"run_status"_s);
    QCOMPARE(arr.at(0).toObject().value(u"seq"_s).toInteger(), seqs.at(0));
    QCOMPARE(arr.at(1).toObject().value(u"status"_s).toString(), u"succeeded"_s);
    QCOMPARE(arr.at(1).toObject().value(u"run_id"_s).toString(), runId);
    r = m_server->get(u"/runs/"_s + runId + u"/events?since="_s + QString::number(seqs.at(0)),
                      o.viewerToken);
    arr = r.json().value(u"events"_s).toArray();
    QCOMPARE(arr.size(), 1);
    QCOMPARE(arr.at(0).toObject().value(u"seq"_s).toInteger(), seqs.at(1));
    QCOMPARE(m_server->get(u"/runs/"_s + runId + u"/events?since=-1"_s, o.viewerToken).status, 400);
    QCOMPARE(m_server->get(u"/runs/"_s + runId + u"/events?since=abc"_s, o.viewerToken).errorCode(),
             u"bad_request"_s);
    QCOMPARE(m_server->get(u"/runs/run_nope/events"_s, o.viewerToken).status, 404);
}

void TestApi::cancelRun()
{
    const OrgUsers o = makeOrg(u"cancel"_s);
    const QString crew = createCrew(o, u"c"_s);
    auto r = m_server->post(u"/crews/"_s + crew + u"/runs"_s, scriptRun(), o.memberToken);
    const QString runId = r.json().value(u"id"_s).toString();
    r = m_server->post(u"/runs/"_s + runId + u"/cancel"_s, {}, o.memberToken);
    QCOMPARE(r.status, 202);
    QCOMPARE(r.json().value(u"id"_s).toString(), runId);
    QVERIFY(m_scheduler->cancelled.contains(runId));
    QCOMPARE(r.json().value(u"status"_s).toString(), u"cancelled"_s);
    // Already final -> 409.
    r = m_server->post(u"/runs/"_s + runId + u"/cancel"_s, {}, o.memberToken);
    QCOMPARE(r.status, 409);
    QCOMPARE(r.errorCode(), u"conflict"_s);
    QCOMPARE(m_server->post(u"/runs/run_nope/cancel"_s, {}, o.memberToken).status, 404);
}

void TestApi::dashboardStats()
{
    const OrgUsers o = makeOrg(u"stats"_s);
    const QString crew = createCrew(o, u"stats crew"_s);
    Store *store = m_server->store();
    const QDateTime base = QDateTime(QDate(2026, 2, 1), QTime(8, 0), Qt::UTC);
    // 20 finished runs with durations 10, 20, ..., 200 ms: every 4th failed; tokens i each.
    qint64 tokens = 0;
    for (int i = 1; i <= 20; ++i) {
        const qint64 created = toMs(base.addSecs(i * 60));
        const Run r = store->createRun(o.orgId, crew, QJsonArray{}, 600, created);
        store->markRunStarted(r.id, created + 1000);
        store->markRunFinished(r.id, i % 4 == 0 ? RunState::Failed : RunState::Succeeded,
                               created + 1000 + i * 10);
        store->addRunTokens(r.id, i);
        tokens += i;
    }
    // One still queued in the range, one finished outside it.
    store->createRun(o.orgId, crew, QJsonArray{}, 600, toMs(base.addSecs(30 * 60)));
    const Run outside = store->createRun(o.orgId, crew, QJsonArray{}, 600, toMs(base.addDays(3)));
    store->markRunStarted(outside.id, toMs(base.addDays(3)) + 10);
    store->markRunFinished(outside.id, RunState::Failed, toMs(base.addDays(3)) + 99'999);

    auto r = m_server->get(u"/dashboard/stats?from=2026-02-01T08:00:00Z&to=2026-02-02T00:00:00Z"_s,
                           o.viewerToken);
    QCOMPARE(r.status, 200);
    const auto s = DashboardStats::fromJson(r.json());
    QVERIFY2(s, r.body.constData());
    QCOMPARE(s->totalRuns, 21);
    QCOMPARE(s->successRate, 15.0 / 20.0);
    QCOMPARE(s->avgLatencyMs, 105.0);
    QCOMPARE(s->p50LatencyMs, 100); // nearest rank: 10th of 20
    QCOMPARE(s->p95LatencyMs, 190); // nearest rank: 19th of 20
    QCOMPARE(s->totalTokens, tokens);
    QVERIFY(s->recentRuns.size() <= 10);
    QCOMPARE(s->recentRuns.size(), 10);
    QVERIFY(!r.json().value(u"recent_runs"_s).toArray().at(0).toObject().contains(u"tool_calls"_s));
    QVERIFY(s->recentRuns.at(0).createdAt >= s->recentRuns.at(1).createdAt);

    // Without a range every run counts.
    r = m_server->get(u"/dashboard/stats"_s, o.viewerToken);
    QCOMPARE(DashboardStats::fromJson(r.json())->totalRuns, 22);
    QCOMPARE(DashboardStats::fromJson(r.json())->successRate, 15.0 / 21.0);
    // Bad range values.
    QCOMPARE(m_server->get(u"/dashboard/stats?from=soon"_s, o.viewerToken).status, 400);
    r = m_server->get(u"/dashboard/stats?from=2026-02-02T00:00:00Z&to=2026-02-01T00:00:00Z"_s,
                      o.viewerToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"from"_s));
}

// /dashboard/stats, /runs and the user behind a token are served from read caches: every write
// (through the API or straight into the store) shows in the next answer, and other orgs or
// queries never get each other's cached bodies.
void TestApi::cachedReadsFollowWrites()
{
    const OrgUsers o = makeOrg(u"cache"_s);
    const OrgUsers other = makeOrg(u"cache-other"_s);
    const QString crew = createCrew(o, u"cache crew"_s);
    Store *store = m_server->store();
    const auto stats = [&](const OrgUsers &org, const QString &query = {}) {
        const auto r = m_server->get(u"/dashboard/stats"_s + query, org.viewerToken);
        return DashboardStats::fromJson(r.json()).value_or(DashboardStats{});
    };
    const auto runCount = [&](const OrgUsers &org, const QString &query = {}) {
        return m_server->get(u"/runs"_s + query, org.viewerToken)
            .json()
            .value(u"items"_s)
            .toArray()
            .size();
    };
    QCOMPARE(stats(o).totalRuns, 0);
    QCOMPARE(stats(o).totalRuns, 0); // a hit
    QCOMPARE(runCount(o), 0);

    // A write through the store itself (the run queue's path).
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const Run r = store->createRun(o.orgId, crew, QJsonArray{}, 600, now);
    QCOMPARE(stats(o).totalRuns, 1);
    QCOMPARE(runCount(o), 1);
    QCOMPARE(stats(other).totalRuns, 0); // not the other org's body
    QCOMPARE(runCount(other), 0);
    store->markRunStarted(r.id, now + 1);
    store->markRunFinished(r.id, RunState::Succeeded, now + 251);
    DashboardStats s = stats(o);
    QCOMPARE(s.successRate, 1.0);
    QCOMPARE(s.p50LatencyMs, 250);
    QCOMPARE(s.recentRuns.value(0).status, RunState::Succeeded);
    store->addRunTokens(r.id, 42);
    QCOMPARE(stats(o).totalTokens, 42);
    // Different queries are different answers.
    QCOMPARE(stats(o, u"?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z"_s).totalRuns, 0);
    QCOMPARE(stats(o).totalRuns, 1);
    QCOMPARE(runCount(o, u"?status=failed"_s), 0);
    QCOMPARE(runCount(o, u"?status=succeeded"_s), 1);

    // Through the API: a new run shows at once.
    const auto started =
        m_server->post(u"/crews/"_s + crew + u"/runs"_s, scriptRun(), o.memberToken);
    QCOMPARE(started.status, 202);
    QCOMPARE(stats(o).totalRuns, 2);
    QCOMPARE(runCount(o), 2);

    // The event log's own writes do not invalidate anything; other writes do.
    const quint64 v = store->dataVersion();
    (void)m_server->get(u"/dashboard/stats"_s, o.viewerToken);
    QCOMPARE(store->dataVersion(), v); // reads leave it alone
}

// The warm-up computes the closed latency buckets the app's presets cover, so the first
// request finds them memoised; the answers stay the ones computed from the runs.
void TestApi::analyticsWarmUpFillsTheLatencyMemo()
{
    const OrgUsers o = makeOrg(u"warm"_s);
    const QString crew = createCrew(o, u"warm crew"_s);
    Store *store = m_server->store();
    const qint64 D = 86400000;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < 30; ++i) {
        const qint64 finished = now - 3 * D + i * 3600000;
        const Run r = store->createRun(o.orgId, crew, QJsonArray{}, 600, finished - 1000 - i);
        store->markRunStarted(r.id, finished - 100 - i * 10);
        store->markRunFinished(r.id, RunState::Succeeded, finished);
    }
    const auto before =
        store->timeseries(o.orgId, u"latency"_s, u"hour"_s, now - 4 * D, now - 2 * D);
    QVERIFY(before);
    // The request above memoised its own closed buckets: start from an empty memo.
    const Run late = store->createRun(o.orgId, crew, QJsonArray{}, 600, now - 3 * D - 5000);
    store->markRunStarted(late.id, now - 3 * D - 4000);
    store->markRunFinished(late.id, RunState::Failed, now - 3 * D - 1000); // forgets that range
    const qint64 memoBefore = store->memoizedLatencyBuckets(o.orgId);

    AnalyticsWarmer warmer(store);
    warmer.runPass(now);
    QVERIFY(warmer.slicesDone() >= 113);
    const qint64 memoAfter = store->memoizedLatencyBuckets(o.orgId);
    // At least 7 closed days of hours, 90 closed days and 13 closed weeks (empty ones too).
    QVERIFY2(memoAfter > memoBefore && memoAfter >= 7 * 24 + 90 + 13,
             qPrintable(QString::number(memoAfter)));
    const auto after =
        store->timeseries(o.orgId, u"latency"_s, u"hour"_s, now - 4 * D, now - 2 * D);
    QVERIFY(after);
    QCOMPARE(after->points.size(), before->points.size());
    int differs = 0;
    for (qsizetype i = 0; i < after->points.size(); ++i) {
        const bool same =
            after->points[i].value == before->points[i].value &&
            after->points[i].extra.value(u"p95"_s) == before->points[i].extra.value(u"p95"_s);
        differs += same ? 0 : 1;
    }
    QCOMPARE(differs, 1); // only the hour that got the late failed run (its 3 s duration: the p95)
}

void TestApi::dashboardTimeseries()
{
    const OrgUsers o = makeOrg(u"series"_s);
    const QString crew = createCrew(o, u"series crew"_s);
    Store *store = m_server->store();
    // Monday 2026-03-02 00:00 UTC; one run at exactly the start of day 0, one on day 2.
    const qint64 monday = toMs(QDateTime(QDate(2026, 3, 2), QTime(0, 0), Qt::UTC));
    const qint64 day = 86'400'000;
    for (const qint64 created : {monday, monday + 2 * day}) {
        const Run r = store->createRun(o.orgId, crew, QJsonArray{}, 600, created);
        store->markRunStarted(r.id, created + 10);
        store->markRunFinished(r.id, RunState::Succeeded, created + 110);
        store->addRunTokens(r.id, 4);
    }

    auto r = m_server->get(u"/dashboard/timeseries?metric=runs&bucket=day"
                           "&from=2026-03-02T00:00:00Z&to=2026-03-05T00:00:00Z"_s,
                           o.viewerToken);
    QCOMPARE(r.status, 200);
    auto ts = Timeseries::fromJson(r.json());
    QVERIFY2(ts, r.body.constData());
    QCOMPARE(ts->metric, u"runs"_s);
    QCOMPARE(ts->bucket, u"day"_s);
    QCOMPARE(ts->points.size(), 3);
    QCOMPARE(r.json().value(u"points"_s).toArray().at(0).toObject().value(u"t"_s).toString(),
             u"2026-03-02T00:00:00.000Z"_s);
    QCOMPARE(ts->points[0].value, std::optional<double>(1));
    QCOMPARE(ts->points[0].extra.value(u"succeeded"_s).toInt(), 1);
    QCOMPARE(ts->points[0].extra.value(u"failed"_s).toInt(), 0);
    QCOMPARE(ts->points[1].value, std::optional<double>(0));
    QCOMPARE(ts->points[2].value, std::optional<double>(1));

    // Weeks start on Monday; a Wednesday `from` still yields that week's Monday as t.
    r = m_server->get(u"/dashboard/timeseries?metric=tokens&bucket=week"
                      "&from=2026-03-04T00:00:00Z&to=2026-03-10T00:00:00Z"_s,
                      o.viewerToken);
    QCOMPARE(r.status, 200);
    ts = Timeseries::fromJson(r.json());
    QCOMPARE(ts->points.size(), 2);
    QCOMPARE(ts->points[0].t, QDateTime(QDate(2026, 3, 2), QTime(0, 0), Qt::UTC));
    QCOMPARE(ts->points[0].value, std::optional<double>(4)); // only the day-2 run is >= from
    QCOMPARE(ts->points[1].value, std::optional<double>(0));

    // success_rate: null for an empty bucket (JSON null, not 0).
    r = m_server->get(u"/dashboard/timeseries?metric=success_rate&bucket=day"
                      "&from=2026-03-02T00:00:00Z&to=2026-03-04T00:00:00Z"_s,
                      o.viewerToken);
    QCOMPARE(r.status, 200);
    const QJsonArray pts = r.json().value(u"points"_s).toArray();
    QCOMPARE(pts.size(), 2);
    QCOMPARE(pts.at(0).toObject().value(u"value"_s).toDouble(), 1.0);
    QVERIFY(pts.at(1).toObject().value(u"value"_s).isNull());

    // Default range: the last 30 days (31 day buckets when now is not exactly midnight).
    r = m_server->get(u"/dashboard/timeseries?metric=latency&bucket=day"_s, o.viewerToken);
    QCOMPARE(r.status, 200);
    ts = Timeseries::fromJson(r.json());
    QVERIFY(ts->points.size() == 30 || ts->points.size() == 31);
    QCOMPARE(m_server->get(u"/dashboard/timeseries?metric=c7t&bucket=hour"_s, o.viewerToken).status,
             200);

    // Validation: unknown metric or bucket, more than 1000 buckets, bad or inverted times.
    r = m_server->get(u"/dashboard/timeseries?metric=bogus&bucket=day"_s, o.viewerToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"metric"_s));
    r = m_server->get(u"/dashboard/timeseries?metric=runs&bucket=month"_s, o.viewerToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"bucket"_s));
    r = m_server->get(u"/dashboard/timeseries?bucket=day"_s, o.viewerToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"metric"_s));
    // 1000 hours exactly is fine, 1001 is not.
    QCOMPARE(m_server
                 ->get(u"/dashboard/timeseries?metric=runs&bucket=hour"
                       "&from=2026-01-01T00:00:00Z&to=2026-02-11T16:00:00Z"_s,
                       o.viewerToken)
                 .status,
             200);
    r = m_server->get(u"/dashboard/timeseries?metric=runs&bucket=hour"
                      "&from=2026-01-01T00:00:00Z&to=2026-02-11T16:00:00.001Z"_s,
                      o.viewerToken);
    QCOMPARE(r.status, 400);
    QVERIFY(r.errorMessage().contains(u"bucket"_s));
    QCOMPARE(
        m_server->get(u"/dashboard/timeseries?metric=runs&bucket=day&from=soon"_s, o.viewerToken)
            .status,
        400);
    QCOMPARE(m_server
                 ->get(u"/dashboard/timeseries?metric=runs&bucket=day"
                       "&from=2026-03-05T00:00:00Z&to=2026-03-02T00:00:00Z"_s,
                       o.viewerToken)
                 .status,
             400);
    // Another org sees none of these runs; no token: 401.
    const OrgUsers other = makeOrg(u"series-other"_s);
    r = m_server->get(u"/dashboard/timeseries?metric=runs&bucket=day"
                      "&from=2026-03-02T00:00:00Z&to=2026-03-05T00:00:00Z"_s,
                      other.viewerToken);
    QCOMPARE(Timeseries::fromJson(r.json())->points[0].value, std::optional<double>(0));
    QCOMPARE(m_server->get(u"/dashboard/timeseries?metric=runs"_s, QString()).status, 401);
}

void TestApi::rentalsAndLedger()
{
    const OrgUsers owner = makeOrg(u"owner"_s);
    const OrgUsers renter = makeOrg(u"renter"_s);
    const QString priced = createCrew(owner, u"for rent"_s, 10.5);
    const QString unpriced = createCrew(owner, u"not for rent"_s);
    const QString own = createCrew(renter, u"mine"_s, 3);

    // The market shows other orgs' priced crews only.
    auto r = m_server->get(u"/market/crews"_s, renter.viewerToken);
    QCOMPARE(r.status, 200);
    bool sawPriced = false;
    for (const auto &v : r.jsonArray()) {
        const auto m = MarketCrew::fromJson(v.toObject());
        QVERIFY(m);
        QVERIFY(m->id != unpriced && m->id != own);
        if (m->id == priced) {
            sawPriced = true;
            QCOMPARE(m->ownerOrgId, owner.orgId);
            QCOMPARE(m->rentalPricePerHour.value, 10'500'000);
        }
    }
    QVERIFY(sawPriced);

    auto tokens = [&](const OrgUsers &o) {
        return *TokenStats::fromJson(
            m_server->get(u"/dashboard/tokens/stats"_s, o.viewerToken).json());
    };
    QCOMPARE(tokens(renter).balance, Micros::fromUnits(1000));
    QCOMPARE(tokens(renter).symbol, u"C7T"_s);

    // 2.5 h × 10.5 = 26.25 C7T, debited at once; the owner's reward is pending.
    r = m_server->post(u"/rentals"_s, QJsonObject{{u"crew_id"_s, priced}, {u"hours"_s, 2.5}},
                       renter.memberToken);
    QCOMPARE(r.status, 201);
    const auto rental = Rental::fromJson(r.json());
    QVERIFY2(rental, r.body.constData());
    QCOMPARE(rental->price, Micros{26'250'000});
    QCOMPARE(rental->renterOrgId, renter.orgId);
    QCOMPARE(rental->ownerOrgId, owner.orgId);
    QCOMPARE(rental->status, u"active"_s);
    QCOMPARE(rental->endsAt.toMSecsSinceEpoch() - rental->startsAt.toMSecsSinceEpoch(),
             qint64(2.5 * 3600 * 1000));
    TokenStats t = tokens(renter);
    QCOMPARE(t.balance, Micros{973'750'000});
    QCOMPARE(t.spent, Micros{26'250'000});
    t = tokens(owner);
    QCOMPARE(t.pendingRewards, Micros{26'250'000});
    QCOMPARE(t.earned, Micros{0});
    QCOMPARE(t.balance, Micros::fromUnits(1000));

    // Both sides list it.
    QCOMPARE(m_server->get(u"/rentals"_s, renter.viewerToken).jsonArray().size(), 1);
    QCOMPARE(m_server->get(u"/rentals"_s, owner.viewerToken).jsonArray().size(), 1);
    QCOMPARE(m_server->get(u"/rentals"_s, owner.viewerToken)
                 .jsonArray()
                 .at(0)
                 .toObject()
                 .value(u"id"_s)
                 .toString(),
             rental->id);

    // Errors: insufficient balance, own crew, no price, unknown crew.
    r = m_server->post(u"/rentals"_s, QJsonObject{{u"crew_id"_s, priced}, {u"hours"_s, 1000}},
                       renter.memberToken);
    QCOMPARE(r.status, 409);
    QCOMPARE(r.errorCode(), u"insufficient_balance"_s);
    QCOMPARE(tokens(renter).balance, Micros{973'750'000});
    r = m_server->post(u"/rentals"_s, QJsonObject{{u"crew_id"_s, own}, {u"hours"_s, 1}},
                       renter.memberToken);
    QCOMPARE(r.status, 400);
    QCOMPARE(r.errorCode(), u"bad_request"_s);
    r = m_server->post(u"/rentals"_s, QJsonObject{{u"crew_id"_s, unpriced}, {u"hours"_s, 1}},
                       renter.memberToken);
    QCOMPARE(r.status, 404);
    QCOMPARE(m_server
                 ->post(u"/rentals"_s, QJsonObject{{u"crew_id"_s, u"crw_nope"_s}, {u"hours"_s, 1}},
                        renter.memberToken)
                 .status,
             404);

    // Rental stats on both sides.
    r = m_server->get(u"/dashboard/rentals/stats"_s, owner.viewerToken);
    QCOMPARE(r.status, 200);
    auto rs = RentalStats::fromJson(r.json());
    QVERIFY2(rs, r.body.constData());
    QCOMPARE(rs->activeRentals, 1);
    QCOMPARE(rs->totalRentals, 1);
    QCOMPARE(rs->revenue, Micros{26'250'000});
    QCOMPARE(rs->topCrews.size(), 1);
    QCOMPARE(rs->topCrews.at(0).crewId, priced);
    rs = RentalStats::fromJson(
        m_server->get(u"/dashboard/rentals/stats"_s, renter.viewerToken).json());
    QCOMPARE(rs->spend, Micros{26'250'000});

    // The rented crew cannot be deleted by its owner while the rental is active.
    QCOMPARE(m_server->del(u"/crews/"_s + priced, owner.adminToken).status, 409);
}

void TestApi::rentalSettles()
{
    const OrgUsers owner = makeOrg(u"settle-owner"_s);
    const OrgUsers renter = makeOrg(u"settle-renter"_s);
    const QString priced = createCrew(owner, u"short rental"_s, 100);
    // 0.0003 h ≈ 1.08 s at 100 C7T/h = 0.03 C7T.
    auto r =
        m_server->post(u"/rentals"_s, QJsonObject{{u"crew_id"_s, priced}, {u"hours"_s, 0.0003}},
                       renter.memberToken);
    QCOMPARE(r.status, 201);
    QCOMPARE(Rental::fromJson(r.json())->price, Micros{30'000});
    auto ownerTokens = [&] {
        return *TokenStats::fromJson(
            m_server->get(u"/dashboard/tokens/stats"_s, owner.viewerToken).json());
    };
    QCOMPARE(ownerTokens().pendingRewards, Micros{30'000});
    QTRY_COMPARE_WITH_TIMEOUT(ownerTokens().earned, Micros{30'000}, 15000);
    const TokenStats t = ownerTokens();
    QCOMPARE(t.pendingRewards, Micros{0});
    QCOMPARE(t.balance, Micros{1'000'030'000});
    QTRY_COMPARE_WITH_TIMEOUT(m_server->get(u"/rentals"_s, renter.viewerToken)
                                  .jsonArray()
                                  .at(0)
                                  .toObject()
                                  .value(u"status"_s)
                                  .toString(),
                              u"ended"_s, 15000);
    // After the rental the renter may no longer run the crew.
    QCOMPARE(
        m_server->post(u"/crews/"_s + priced + u"/runs"_s, scriptRun(), renter.memberToken).status,
        404);
}

void TestApi::rentedCrewRuns()
{
    const OrgUsers owner = makeOrg(u"lend-owner"_s);
    const OrgUsers renter = makeOrg(u"lend-renter"_s);
    const QString priced = createCrew(owner, u"lent"_s, 1);
    QCOMPARE(
        m_server->post(u"/crews/"_s + priced + u"/runs"_s, scriptRun(), renter.memberToken).status,
        404);
    QSignalSpy rented(m_server->app()->domainEvents(), &DomainEvents::rentalStarted);
    QCOMPARE(m_server
                 ->post(u"/rentals"_s, QJsonObject{{u"crew_id"_s, priced}, {u"hours"_s, 1}},
                        renter.memberToken)
                 .status,
             201);
    QCOMPARE(rented.size(), 1);
    QCOMPARE(rented.at(0).at(0).toString(), renter.orgId);
    QCOMPARE(rented.at(0).at(1).toString(), priced);
    auto r = m_server->post(u"/crews/"_s + priced + u"/runs"_s, scriptRun(), renter.memberToken);
    QCOMPARE(r.status, 202);
    const QString runId = r.json().value(u"id"_s).toString();
    // The run belongs to the renter; the owner does not see it.
    QCOMPARE(m_server->get(u"/runs/"_s + runId, renter.viewerToken).status, 200);
    QCOMPARE(m_server->get(u"/runs/"_s + runId, owner.viewerToken).status, 404);
    QCOMPARE(m_server->get(u"/runs"_s, owner.viewerToken).json().value(u"items"_s).toArray().size(),
             0);
    QCOMPARE(m_server->store()->runJob(runId)->orgId, renter.orgId);
    // The renter still cannot read the crew as its own.
    QCOMPARE(m_server->get(u"/crews/"_s + priced, renter.viewerToken).status, 404);
}

void TestApi::metrics()
{
    const OrgUsers o = makeOrg(u"metrics"_s);
    QCOMPARE(m_server->get(u"/metrics"_s).status, 401);
    m_server->get(u"/crews"_s, o.viewerToken);
    const auto r = m_server->get(u"/metrics"_s, o.viewerToken);
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("Content-Type").startsWith("text/plain"));
    QVERIFY(r.body.contains(
        "crewdeck_http_requests_total{method=\"GET\",route=\"/crews\",status=\"200\"}"));
    QVERIFY(r.body.contains("crewdeck_http_request_duration_seconds_bucket{method=\"GET\",route=\"/"
                            "crews\",le=\"+Inf\"}"));
    QVERIFY(r.body.contains("crewdeck_runs{status=\"queued\"}"));
    QVERIFY(r.body.contains("process_resident_memory_bytes "));
    // Registered gauges appear.
    m_server->app()->metrics()->addGauge(u"crewdeck_websockets_open"_s,
                                         u"Open WebSocket connections."_s, [] { return 7.0; });
    QVERIFY(
        m_server->get(u"/metrics"_s, o.viewerToken).body.contains("crewdeck_websockets_open 7\n"));
    // Pruning is counted: a prune started by hand (as the hourly timer does) shows once ended.
    EventLog *log = m_server->app()->eventLog();
    QSignalSpy pruned(log, &EventLog::pruneFinished);
    log->prune(QDateTime::currentMSecsSinceEpoch());
    if (pruned.isEmpty())
        QVERIFY(pruned.wait(30000));
    const QByteArray counted = m_server->get(u"/metrics"_s, o.viewerToken).body;
    QCOMPARE(testsupport::metricValue(counted, "crewdeck_events_prunes_total"), 1.0);
    QVERIFY(testsupport::metricValue(counted, "crewdeck_events_prune_steps_total") >= 1);
    QVERIFY(testsupport::metricValue(counted, "crewdeck_events_prune_step_max_ms") >= 0);
    QVERIFY(testsupport::metricValue(counted, "crewdeck_events_pruned_total") >= 0);
    QVERIFY(testsupport::metricValue(counted, "crewdeck_events_prune_last_ms") >= 0);
    QCOMPARE(testsupport::metricValue(counted, "crewdeck_events_pruning"), 0.0);
    // Every sample line parses as "name{labels} value".
    const QRegularExpression sample(
        uR"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? ([-+0-9.eE]+|[+-]Inf|NaN)$)"_s);
    for (const QByteArray &line : r.body.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        QVERIFY2(sample.match(QString::fromUtf8(line)).hasMatch(), line.constData());
    }
}

void TestApi::garbageDoesNotStopServer()
{
    const QList<QByteArray> garbage{"GARBAGE\r\n\r\n", "\x00\x01\x02\xff\xfe\r\n\r\n",
                                    "GET / HTTP/9.9\r\nHost\r\n\r\n",
                                    "POST /crews HTTP/1.1\r\nContent-Length: -5\r\n\r\n"};
    for (const QByteArray &g : garbage) {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_server->port());
        QVERIFY(s.waitForConnected(5000));
        s.write(g);
        s.waitForBytesWritten(2000);
        s.waitForReadyRead(500);
        s.abort();
    }
    QCOMPARE(m_server->get(u"/healthz"_s).status, 200);
}

void TestApi::oversizedBody()
{
    const OrgUsers o = makeOrg(u"big"_s);
    const QByteArray big = "{\"name\":\"" + QByteArray(1024 * 1024 + 10, 'a') + "\",\"agents\":[]}";
    const auto r = m_server->http().postRaw(u"/crews"_s, big, o.adminToken);
    QCOMPARE(r.status, 413);
    QCOMPARE(r.errorCode(), u"payload_too_large"_s);
    QCOMPARE(m_server->get(u"/healthz"_s).status, 200);
}

QTEST_GUILESS_MAIN(TestApi)
#include "tst_api.moc"
