// The app's item models (checked with QAbstractItemModelTester) and the dashboard
// controller / ApiClient against a real HTTP server on a loopback port that serves what
// the CrewDeck REST API would (QHttpServer in this process).
#include "app/models/crewsmodel.h"
#include "app/models/dashboarddata.h"
#include "app/models/recentrunsmodel.h"
#include "app/models/toolactivitymodel.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "shared/timeutil.h"

#include <QAbstractItemModelTester>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::client;
using Status = CardState::Status;

namespace {

Crew makeCrew(const QString &id, const QString &name, const QString &status,
              const QStringList &agents)
{
    Crew c;
    c.id = id;
    c.name = name;
    c.status = status;
    c.createdAt = QDateTime::currentDateTimeUtc();
    int i = 0;
    for (const QString &a : agents)
        c.agents.append(
            Agent{u"agt_%1_%2"_s.arg(id).arg(++i), a, u"role %1"_s.arg(i), {Tools::Script}});
    return c;
}

Run makeRun(const QString &id, const QString &crewId, const QString &status, qint64 durationMs)
{
    Run r;
    r.id = id;
    r.crewId = crewId;
    r.status = status;
    r.createdAt = QDateTime::currentDateTimeUtc();
    r.durationMs = durationMs;
    r.tokens = 42;
    r.withToolCalls = false;
    return r;
}

// Plays the REST server: configurable bodies/status per route, counts the calls.
class FakeApi
{
public:
    FakeApi()
    {
        stats.totalRuns = 7;
        stats.successRate = 0.75;
        stats.avgLatencyMs = 1234.5;
        stats.p50LatencyMs = 1000;
        stats.p95LatencyMs = 4000;
        stats.totalTokens = 98765;
        stats.activeCrews = 2;
        stats.recentRuns = {makeRun(u"run_3"_s, u"crw_a"_s, RunState::Running, 10),
                            makeRun(u"run_2"_s, u"crw_b"_s, RunState::Succeeded, 2500),
                            makeRun(u"run_1"_s, u"crw_a"_s, RunState::Failed, 80)};
        tokens.balance = *Micros::fromString(u"1000.5"_s);
        tokens.spent = *Micros::fromString(u"12.25"_s);
        tokens.earned = Micros{};
        tokens.pendingRewards = *Micros::fromString(u"0.000001"_s);
        crews = {makeCrew(u"crw_a"_s, u"Alpha"_s, CrewStatus::Busy, {u"Ada"_s, u"Bob"_s}),
                 makeCrew(u"crw_b"_s, u"Beta"_s, CrewStatus::Available, {u"Cy"_s})};

        route(u"/dashboard/stats"_s, [this] { return stats.toJson(); });
        route(u"/dashboard/tokens/stats"_s, [this] { return tokens.toJson(); });
        route(u"/dashboard/rentals/stats"_s, [this] { return rentals.toJson(); });
        m_server.route(u"/crews"_s, [this](const QHttpServerRequest &req) {
            return answer(u"/crews"_s, req, QJsonDocument(toJsonArray(crews)).toJson());
        });
        m_server.route(u"/auth/login"_s, [this](const QHttpServerRequest &req) {
            ++calls[u"/auth/login"_s];
            const auto body = parseObject(req.body(), nullptr);
            if (!body || body->value(u"password"_s).toString() != u"right-password"_s)
                return QHttpServerResponse(
                    ApiError{u"invalid_credentials"_s, u"wrong e-mail or password"_s}.toJson(),
                    QHttpServerResponse::StatusCode::Unauthorized);
            LoginResponse r;
            r.accessToken = u"tok-abc"_s;
            r.user = User{u"usr_1"_s, body->value(u"email"_s).toString(), u"org_1"_s, Roles::Admin};
            return QHttpServerResponse(r.toJson());
        });
        port = m_server.listen(QHostAddress::LocalHost, 0);
    }

    QUrl url() const { return QUrl(u"http://127.0.0.1:%1"_s.arg(port)); }

    DashboardStats stats;
    TokenStats tokens;
    RentalStats rentals;
    QList<Crew> crews;
    QHash<QString, int> calls;
    QHash<QString, int> failWith; // path -> HTTP status to answer with an error envelope
    QByteArray lastAuthorization;
    quint16 port = 0;

private:
    template <typename F> void route(const QString &path, F body)
    {
        m_server.route(path, [this, path, body](const QHttpServerRequest &req) {
            return answer(path, req, QJsonDocument(body()).toJson());
        });
    }

    QHttpServerResponse answer(const QString &path, const QHttpServerRequest &req,
                               const QByteArray &json)
    {
        ++calls[path];
        lastAuthorization = req.value("Authorization");
        if (const int code = failWith.value(path)) {
            const QString errCode = code == 401 ? u"unauthorized"_s : u"internal"_s;
            return QHttpServerResponse(ApiError{errCode, u"database is on fire"_s}.toJson(),
                                       QHttpServerResponse::StatusCode(code));
        }
        return QHttpServerResponse("application/json"_ba, json);
    }

    QHttpServer m_server;
};

} // namespace

class TestModels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void crewsModelPassesTesterAndTracksLiveStatus();
    void recentRunsModelPassesTesterAndLimits();
    void toolActivityModelPassesTesterAndCoalesces();
    void loginSucceedsAndSendsBearerAfterwards();
    void loginWrongPasswordSaysSo();
    void unreachableServerIsReported();
    void controllerLoadsEveryCard();
    void controllerEmptyStates();
    void controllerErrorStateAndRecovery();
    void controllerDebouncesEventFloods();
    void unauthorizedCallExpiresSession();
};

void TestModels::crewsModelPassesTesterAndTracksLiveStatus()
{
    CrewsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    // A snapshot before the crews are known is remembered.
    model.applySnapshot(SnapshotEvent{{CrewState{u"crw_b"_s, CrewStatus::Offline}}});
    model.setCrews({makeCrew(u"crw_a"_s, u"Alpha"_s, CrewStatus::Available, {u"Ada"_s, u"Bob"_s}),
                    makeCrew(u"crw_b"_s, u"Beta"_s, CrewStatus::Available, {u"Cy"_s})});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.statusOf(u"crw_b"_s), CrewStatus::Offline);
    QCOMPARE(model.index(0).data(CrewsModel::AgentNamesRole).toStringList(),
             (QStringList{u"Ada"_s, u"Bob"_s}));
    QCOMPARE(model.index(0).data(Qt::DisplayRole).toString(), u"Alpha"_s);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(model.applySignal(SignalEvent{u"crw_a"_s, CrewStatus::Busy}));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(model.index(0).data(CrewsModel::StatusRole).toString(), CrewStatus::Busy);
    QVERIFY(!model.applySignal(
        SignalEvent{u"crw_new"_s, CrewStatus::Busy})); // unknown: caller refetches
    QCOMPARE(model.countWithStatus(CrewStatus::Busy), 1);

    // REST answers with an older status: the live one stays.
    model.setCrews({makeCrew(u"crw_a"_s, u"Alpha"_s, CrewStatus::Available, {u"Ada"_s})});
    QCOMPARE(model.statusOf(u"crw_a"_s), CrewStatus::Busy);
    model.clearLiveStatus();
    model.setCrews({});
    QCOMPARE(model.rowCount(), 0);
}

void TestModels::toolActivityModelPassesTesterAndCoalesces()
{
    ToolActivityModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMaxEnded(2);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy updated(&model, &ToolActivityModel::callUpdated);
    qint64 seq = 0;
    auto ev = [&seq](auto body) { return Event{++seq, nowUtc(), body}; };
    auto start = [&](const QString &call, const QString &crew = u"crw_a"_s) {
        return model.applyEvent(
            ev(ToolStartEvent{crew, u"run_"_s + call, u"agt_1"_s, call, u"script"_s, {}}));
    };
    auto end = [&](const QString &call, const QString &status) {
        ToolEndEvent e;
        e.crewId = u"crw_a"_s;
        e.runId = u"run_"_s + call;
        e.agentId = u"agt_1"_s;
        e.toolCallId = call;
        e.tool = u"script"_s;
        e.status = status;
        e.durationMs = 10;
        e.exitCode = status == CallState::Success ? 0 : 1;
        return model.applyEvent(ev(e));
    };

    QVERIFY(start(u"c1"_s));
    QCOMPARE(model.rowCount(), 1);
    // A flood of progress lines: every one applied and announced, one dataChanged per flush.
    for (int i = 0; i <= 100; ++i)
        QVERIFY(model.applyEvent(ev(ToolProgressEvent{u"crw_a"_s, u"run_c1"_s, u"agt_1"_s, u"c1"_s,
                                                      u"line %1"_s.arg(i), i})));
    QCOMPARE(model.eventsApplied(), 102);
    QCOMPARE(updated.size(), 102);
    QCOMPARE(changed.size(), 0);
    model.flush();
    QCOMPARE(changed.size(), 1);
    QCOMPARE(model.index(0).data(ToolActivityModel::ProgressRole).toInt(), 100);
    QCOMPARE(model.index(0).data(ToolActivityModel::MessageRole).toString(), u"line 100"_s);
    QCOMPARE(model.index(0).data(ToolActivityModel::PhaseRole).toInt(),
             int(ToolActivityModel::Phase::Progress));

    QVERIFY(end(u"c1"_s, CallState::Failed));
    // Nothing of a call follows its end: a stray line does not reopen it.
    QVERIFY(!model.applyEvent(
        ev(ToolProgressEvent{u"crw_a"_s, u"run_c1"_s, u"agt_1"_s, u"c1"_s, u"late"_s, 5})));
    QCOMPARE(model.call(u"c1"_s)->status, CallState::Failed);
    QCOMPARE(model.call(u"c1"_s)->exitCode, 1);
    // Other events are not the model's.
    QVERIFY(!model.applyEvent(ev(SignalEvent{u"crw_a"_s, CrewStatus::Busy})));

    // Ended calls beyond the cap leave at the next flush, oldest first; running ones stay.
    QVERIFY(start(u"c2"_s));
    QVERIFY(start(u"c3"_s));
    QVERIFY(end(u"c3"_s, CallState::Success));
    QVERIFY(start(u"c4"_s));
    QVERIFY(end(u"c4"_s, CallState::Success));
    QCOMPARE(model.rowCount(), 4);
    model.flush();
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(!model.call(u"c1"_s));
    QVERIFY(model.call(u"c2"_s) && model.call(u"c3"_s) && model.call(u"c4"_s));
    QCOMPARE(model.index(0).data(ToolActivityModel::ToolCallIdRole).toString(), u"c2"_s);

    // A crew's stream reset or released: its calls go, the others stay.
    QVERIFY(start(u"x1"_s, u"crw_b"_s));
    model.clearCrew(u"crw_a"_s);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0).data(ToolActivityModel::CrewIdRole).toString(), u"crw_b"_s);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestModels::recentRunsModelPassesTesterAndLimits()
{
    RecentRunsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<Run> runs;
    for (int i = 5; i >= 1; --i)
        runs.append(makeRun(u"run_%1"_s.arg(i), u"crw_a"_s, RunState::Succeeded, i * 1000));
    model.setRuns(runs);
    QCOMPARE(model.rowCount(), 3); // default limit: the last three
    QCOMPARE(model.columnCount(), int(RecentRunsModel::ColumnCount));
    QCOMPARE(model.index(0, 0).data(RecentRunsModel::RunIdRole).toString(), u"run_5"_s);
    QCOMPARE(model.index(0, 0).data(Qt::DisplayRole).toString(), u"crw_a"_s);
    model.setCrewNames({{u"crw_a"_s, u"Alpha"_s}});
    QCOMPARE(model.index(0, 0).data(Qt::DisplayRole).toString(), u"Alpha"_s);
    QVERIFY(model.applyRunStatus(RunStatusEvent{u"crw_a"_s, u"run_4"_s, RunState::Failed}));
    QCOMPARE(model.index(1, 0).data(RecentRunsModel::StatusRole).toString(), RunState::Failed);
    QVERIFY(!model.applyRunStatus(RunStatusEvent{u"crw_a"_s, u"run_99"_s, RunState::Failed}));
    model.setLimit(5);
    QCOMPARE(model.rowCount(), 5);
    model.setLimit(1);
    QCOMPARE(model.rowCount(), 1);
    model.setRuns({});
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(RecentRunsModel::formatDuration(850), u"850 ms"_s);
}

void TestModels::loginSucceedsAndSendsBearerAfterwards()
{
    FakeApi server;
    QVERIFY(server.port != 0);
    AuthSession session;
    ApiClient api(&session);
    QSignalSpy loggedIn(&session, &AuthSession::loggedIn);
    std::optional<ApiResult<LoginResponse>> result;
    api.login(server.url(), u"a@b.test"_s, u"right-password"_s, this,
              [&result](const ApiResult<LoginResponse> &r) { result = r; });
    QTRY_VERIFY(result.has_value());
    QVERIFY2(result->ok(), qPrintable(result->failure.message));
    QCOMPARE(loggedIn.size(), 1);
    QVERIFY(session.isLoggedIn());
    QCOMPARE(session.user().email, u"a@b.test"_s);

    bool done = false;
    api.crews(this,
              [&done](const ApiResult<QList<Crew>> &r) { done = r.ok() && r.value->size() == 2; });
    QTRY_VERIFY(done);
    QCOMPARE(server.lastAuthorization, "Bearer tok-abc"_ba);
    QCOMPARE(session.socketUrl(u"/ws/mission"_s).toString(),
             u"ws://127.0.0.1:%1/ws/mission"_s.arg(server.port));
}

void TestModels::loginWrongPasswordSaysSo()
{
    FakeApi server;
    AuthSession session;
    ApiClient api(&session);
    QSignalSpy expired(&api, &ApiClient::sessionExpired);
    std::optional<ApiResult<LoginResponse>> result;
    api.login(server.url(), u"a@b.test"_s, u"wrong"_s, this,
              [&result](const ApiResult<LoginResponse> &r) { result = r; });
    QTRY_VERIFY(result.has_value());
    QVERIFY(!result->ok());
    QCOMPARE(result->failure.kind, ApiFailure::Kind::InvalidCredentials);
    QCOMPARE(result->failure.code, u"invalid_credentials"_s);
    QVERIFY(result->failure.message.contains(u"password"_s));
    QVERIFY(!session.isLoggedIn());
    QCOMPARE(expired.size(), 0); // a failed login is not an expired session
}

void TestModels::unreachableServerIsReported()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    AuthSession session;
    ApiClient api(&session);
    std::optional<ApiResult<LoginResponse>> result;
    api.login(QUrl(u"http://127.0.0.1:%1"_s.arg(port)), u"a@b.test"_s, u"x"_s, this,
              [&result](const ApiResult<LoginResponse> &r) { result = r; });
    QTRY_VERIFY(result.has_value());
    QCOMPARE(result->failure.kind, ApiFailure::Kind::Unreachable);
    QVERIFY(result->failure.isConnectivity());
    QVERIFY2(result->failure.message.contains(u"refused"_s), qPrintable(result->failure.message));

    std::optional<ApiResult<LoginResponse>> r2;
    api.login(QUrl(u"http://no-such-host.invalid:8080"_s), u"a@b.test"_s, u"x"_s, this,
              [&r2](const ApiResult<LoginResponse> &r) { r2 = r; });
    QTRY_VERIFY_WITH_TIMEOUT(r2.has_value(), 20000);
    QCOMPARE(r2->failure.kind, ApiFailure::Kind::Unreachable);
    QVERIFY2(r2->failure.message.contains(u"not found"_s), qPrintable(r2->failure.message));
}

static void loginInto(FakeApi &server, AuthSession &session, ApiClient &api, QObject *ctx)
{
    bool ok = false;
    api.login(server.url(), u"a@b.test"_s, u"right-password"_s, ctx,
              [&ok](const ApiResult<LoginResponse> &r) { ok = r.ok(); });
    QTRY_VERIFY(ok);
    QVERIFY(session.isLoggedIn());
}

void TestModels::controllerLoadsEveryCard()
{
    FakeApi server;
    AuthSession session;
    ApiClient api(&session);
    loginInto(server, session, api, this);
    DashboardData dash(&api);
    QAbstractItemModelTester t1(dash.crewsModel(),
                                QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(dash.recentRunsModel(),
                                QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(dash.cardState(DashboardData::Card::Stats).status, Status::Loading);
    dash.start();
    QCOMPARE(dash.cardState(DashboardData::Card::Stats).status, Status::Loading);
    QTRY_VERIFY(dash.isSettled());
    QCOMPARE(dash.cardState(DashboardData::Card::Stats).status, Status::Ready);
    QCOMPARE(dash.cardState(DashboardData::Card::Tokens).status, Status::Ready);
    QCOMPARE(dash.cardState(DashboardData::Card::Rentals).status,
             Status::Empty); // no rentals
    QCOMPARE(dash.cardState(DashboardData::Card::Crews).status, Status::Ready);
    QCOMPARE(dash.cardState(DashboardData::Card::RecentRuns).status, Status::Ready);
    QCOMPARE(dash.stats().totalRuns, 7);
    QCOMPARE(dash.stats().p95LatencyMs, 4000);
    QCOMPARE(dash.tokens().balance, *Micros::fromString(u"1000.5"_s));
    QCOMPARE(dash.recentRunsModel()->rowCount(), 3);
    QCOMPARE(dash.crewsModel()->rowCount(), 2);
    QCOMPARE(dash.recentRunsModel()->index(0, 0).data().toString(), u"Alpha"_s);
    QVERIFY(dash.pageError().isEmpty());

    // Live status from the mission socket reaches the crews model.
    dash.handleEvent(Event{5, nowUtc(), SignalEvent{u"crw_b"_s, CrewStatus::Offline}});
    QCOMPARE(dash.crewsModel()->statusOf(u"crw_b"_s), CrewStatus::Offline);
    dash.handleEvent(
        Event{6, nowUtc(), RunStatusEvent{u"crw_a"_s, u"run_3"_s, RunState::Succeeded}});
    QCOMPARE(dash.recentRunsModel()->index(0, 0).data(RecentRunsModel::StatusRole).toString(),
             RunState::Succeeded);
}

void TestModels::controllerEmptyStates()
{
    FakeApi server;
    server.stats = DashboardStats{};
    server.crews.clear();
    AuthSession session;
    ApiClient api(&session);
    loginInto(server, session, api, this);
    DashboardData dash(&api);
    dash.start();
    QTRY_VERIFY(dash.isSettled());
    QCOMPARE(dash.cardState(DashboardData::Card::Stats).status, Status::Empty);
    QCOMPARE(dash.cardState(DashboardData::Card::RecentRuns).status, Status::Empty);
    QCOMPARE(dash.cardState(DashboardData::Card::Crews).status, Status::Empty);
    QCOMPARE(dash.cardState(DashboardData::Card::Tokens).status, Status::Ready);
}

void TestModels::controllerErrorStateAndRecovery()
{
    FakeApi server;
    server.failWith.insert(u"/dashboard/tokens/stats"_s, 500);
    AuthSession session;
    ApiClient api(&session);
    loginInto(server, session, api, this);
    DashboardData dash(&api);
    QSignalSpy banner(&dash, &DashboardData::pageErrorChanged);
    dash.start();
    QTRY_VERIFY(dash.isSettled());
    const CardState tokens = dash.cardState(DashboardData::Card::Tokens);
    QCOMPARE(tokens.status, Status::Error);
    QVERIFY2(tokens.message.contains(u"database is on fire"_s), qPrintable(tokens.message));
    QCOMPARE(dash.cardState(DashboardData::Card::Stats).status, Status::Ready);
    QVERIFY(dash.pageError().isEmpty()); // the server answered: no "unreachable" banner

    server.failWith.clear();
    dash.refreshCard(DashboardData::Card::Tokens);
    QTRY_COMPARE(dash.cardState(DashboardData::Card::Tokens).status, Status::Ready);

    // The server goes away: cards keep their data, the page says it cannot reach it.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 deadPort = probe.serverPort();
    probe.close();
    session.setServerUrl(QUrl(u"http://127.0.0.1:%1"_s.arg(deadPort)));
    dash.refresh();
    QTRY_VERIFY(!dash.pageError().isEmpty());
    QVERIFY2(dash.pageError().contains(u"refused"_s), qPrintable(dash.pageError()));
    QCOMPARE(dash.cardState(DashboardData::Card::Stats).status, Status::Ready);
    QCOMPARE(dash.stats().totalRuns, 7);
    QCOMPARE(banner.size(), 1);

    session.setServerUrl(server.url());
    dash.refresh();
    QTRY_VERIFY(dash.pageError().isEmpty());
    QCOMPARE(banner.size(), 2);
}

void TestModels::controllerDebouncesEventFloods()
{
    FakeApi server;
    AuthSession session;
    ApiClient api(&session);
    loginInto(server, session, api, this);
    DashboardData dash(&api);
    dash.setDebounceInterval(200);
    dash.start();
    QTRY_VERIFY(dash.isSettled());
    QCOMPARE(server.calls.value(u"/dashboard/stats"_s), 1);
    for (int i = 0; i < 200; ++i)
        dash.handleEvent(
            Event{i + 10, nowUtc(),
                  SignalEvent{u"crw_a"_s, i % 2 ? CrewStatus::Busy : CrewStatus::Available}});
    QTRY_COMPARE(server.calls.value(u"/dashboard/stats"_s), 2);
    QTest::qWait(600); // three debounce intervals: no further refresh may follow
    QCOMPARE(server.calls.value(u"/dashboard/stats"_s), 2);
    QCOMPARE(dash.refreshCount(), 2);
    // Heartbeat-like frames never trigger a refresh.
    dash.handleEvent(Event{300, nowUtc(), HeartbeatEvent{}});
    QTest::qWait(400);
    QCOMPARE(server.calls.value(u"/dashboard/stats"_s), 2);
}

void TestModels::unauthorizedCallExpiresSession()
{
    FakeApi server;
    server.failWith.insert(u"/crews"_s, 401);
    AuthSession session;
    ApiClient api(&session);
    loginInto(server, session, api, this);
    QSignalSpy expired(&api, &ApiClient::sessionExpired);
    DashboardData dash(&api);
    dash.start();
    QTRY_COMPARE(expired.size(), 1);
    QTRY_COMPARE(dash.cardState(DashboardData::Card::Crews).status, Status::Error);
}

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
