#include "shared/types.h"
#include "shared/timeutil.h"

namespace crewdeck {

using namespace Qt::StringLiterals;

// ---- ApiError
QJsonObject ApiError::toJson() const
{
    return QJsonObject{{u"error"_s, QJsonObject{{u"code"_s, code}, {u"message"_s, message}}}};
}

std::optional<ApiError> ApiError::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader top(o);
    QJsonObject inner;
    ApiError e;
    if (top.object(u"error"_s, inner)) {
        JsonReader r(inner, u"error"_s);
        r.str(u"code"_s, e.code) && r.str(u"message"_s, e.message, true);
        return finish(r, std::move(e), error);
    }
    return finish(top, std::move(e), error);
}

// ---- Agent
QJsonObject Agent::toJson() const
{
    QJsonObject o{
        {u"name"_s, name}, {u"role"_s, role}, {u"tools"_s, QJsonArray::fromStringList(tools)}};
    if (!id.isEmpty())
        o.insert(u"id"_s, id);
    return o;
}

std::optional<Agent> Agent::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    Agent a;
    std::optional<QString> id;
    r.optStr(u"id"_s, id) && r.str(u"name"_s, a.name) && r.str(u"role"_s, a.role, true) &&
        r.strList(u"tools"_s, a.tools);
    a.id = id.value_or(QString());
    if (r.ok()) {
        for (qsizetype i = 0; i < a.tools.size(); ++i) {
            if (!Tools::all().contains(a.tools.at(i))) {
                r.fail(u"tools["_s + QString::number(i) + u']',
                       u"unknown tool '"_s + a.tools.at(i) + u"' (git_clone, pytest or script)"_s);
                break;
            }
        }
    }
    return finish(r, std::move(a), error);
}

// ---- Crew
QJsonObject Crew::toJson() const
{
    QJsonObject o{{u"id"_s, id},
                  {u"name"_s, name},
                  {u"status"_s, status},
                  {u"agents"_s, toJsonArray(agents)},
                  {u"rental_price_per_hour"_s, optToJson(rentalPricePerHour)},
                  {u"created_at"_s, timeToJson(createdAt)}};
    if (!ownerOrgId.isEmpty())
        o.insert(u"owner_org_id"_s, ownerOrgId);
    return o;
}

std::optional<Crew> Crew::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    Crew c;
    std::optional<QString> owner;
    r.str(u"id"_s, c.id) && r.str(u"name"_s, c.name) &&
        r.oneOf(u"status"_s, CrewStatus::all(), c.status) && r.list(u"agents"_s, c.agents) &&
        r.optMicros(u"rental_price_per_hour"_s, c.rentalPricePerHour) &&
        r.time(u"created_at"_s, c.createdAt) && r.optStr(u"owner_org_id"_s, owner);
    c.ownerOrgId = owner.value_or(QString());
    return finish(r, std::move(c), error);
}

// ---- CreateCrewRequest
QJsonObject CreateCrewRequest::toJson() const
{
    QJsonObject o{{u"name"_s, name}, {u"agents"_s, toJsonArray(agents)}};
    o.insert(u"rental_price_per_hour"_s, optToJson(rentalPricePerHour));
    return o;
}

std::optional<CreateCrewRequest> CreateCrewRequest::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    CreateCrewRequest c;
    r.str(u"name"_s, c.name) && r.list(u"agents"_s, c.agents) &&
        r.optMicros(u"rental_price_per_hour"_s, c.rentalPricePerHour);
    if (r.ok() && c.name.size() > 200)
        r.fail(u"name"_s, u"must be at most 200 characters"_s);
    if (r.ok() && c.agents.isEmpty())
        r.fail(u"agents"_s, u"needs at least one agent"_s);
    if (r.ok() && c.rentalPricePerHour && c.rentalPricePerHour->value < 0)
        r.fail(u"rental_price_per_hour"_s, u"must not be negative"_s);
    return finish(r, std::move(c), error);
}

// ---- Step
QJsonObject Step::toJson() const
{
    QJsonObject o{{u"tool"_s, tool}, {u"params"_s, params}};
    if (agentId)
        o.insert(u"agent_id"_s, *agentId);
    return o;
}

std::optional<Step> Step::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    Step s;
    r.optStr(u"agent_id"_s, s.agentId) && r.oneOf(u"tool"_s, Tools::all(), s.tool);
    if (r.ok()) {
        if (!r.has(u"params"_s))
            s.params = {};
        else
            r.object(u"params"_s, s.params);
    }
    if (r.ok()) {
        JsonReader p(s.params, u"params"_s);
        if (s.tool == Tools::GitClone) {
            QString url;
            std::optional<QString> ref;
            p.str(u"url"_s, url) && p.optStr(u"ref"_s, ref);
            // Options smuggled in as a URL or ref ("--upload-pack=...") must never reach git.
            if (p.ok() && url.startsWith(u'-'))
                p.fail(u"url"_s, u"must not start with '-'"_s);
            if (p.ok() && ref && ref->startsWith(u'-'))
                p.fail(u"ref"_s, u"must not start with '-'"_s);
        } else if (s.tool == Tools::Pytest) {
            std::optional<QString> path;
            QStringList args;
            if (p.has(u"args"_s))
                p.strList(u"args"_s, args);
            if (p.ok())
                p.optStr(u"path"_s, path);
        } else if (s.tool == Tools::Script) {
            QString command;
            p.str(u"command"_s, command);
        }
        if (!p.ok()) {
            if (error)
                *error = p.error();
            return std::nullopt;
        }
    }
    return finish(r, std::move(s), error);
}

// ---- StartRunRequest
QJsonObject StartRunRequest::toJson() const
{
    QJsonObject o{{u"steps"_s, toJsonArray(steps)}};
    if (timeoutS)
        o.insert(u"timeout_s"_s, *timeoutS);
    return o;
}

std::optional<StartRunRequest> StartRunRequest::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    StartRunRequest s;
    r.list(u"steps"_s, s.steps) && r.optInt32(u"timeout_s"_s, s.timeoutS);
    if (r.ok() && s.steps.isEmpty())
        r.fail(u"steps"_s, u"needs at least one step"_s);
    if (r.ok() && s.steps.size() > 100)
        r.fail(u"steps"_s, u"at most 100 steps"_s);
    if (r.ok() && s.timeoutS && (*s.timeoutS < 1 || *s.timeoutS > 86400))
        r.fail(u"timeout_s"_s, u"must be between 1 and 86400"_s);
    return finish(r, std::move(s), error);
}

// ---- ToolCall
QJsonObject ToolCall::toJson() const
{
    return QJsonObject{{u"id"_s, id},
                       {u"agent_id"_s, agentId},
                       {u"tool"_s, tool},
                       {u"params"_s, params},
                       {u"status"_s, status},
                       {u"exit_code"_s, optToJson(exitCode)},
                       {u"started_at"_s, timeToJson(startedAt)},
                       {u"duration_ms"_s, optToJson(durationMs)}};
}

std::optional<ToolCall> ToolCall::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    ToolCall t;
    r.str(u"id"_s, t.id) && r.str(u"agent_id"_s, t.agentId, true) && r.str(u"tool"_s, t.tool) &&
        r.object(u"params"_s, t.params) && r.oneOf(u"status"_s, CallState::all(), t.status) &&
        r.optInt32(u"exit_code"_s, t.exitCode) && r.optTime(u"started_at"_s, t.startedAt) &&
        r.optInt64(u"duration_ms"_s, t.durationMs);
    return finish(r, std::move(t), error);
}

// ---- Run
QJsonObject Run::toJson() const
{
    QJsonObject o{{u"id"_s, id},
                  {u"crew_id"_s, crewId},
                  {u"status"_s, status},
                  {u"created_at"_s, timeToJson(createdAt)},
                  {u"started_at"_s, timeToJson(startedAt)},
                  {u"finished_at"_s, timeToJson(finishedAt)},
                  {u"duration_ms"_s, optToJson(durationMs)},
                  {u"tokens"_s, tokens}};
    if (timeoutS)
        o.insert(u"timeout_s"_s, *timeoutS);
    if (withToolCalls)
        o.insert(u"tool_calls"_s, toJsonArray(toolCalls));
    return o;
}

std::optional<Run> Run::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    Run run;
    r.str(u"id"_s, run.id) && r.str(u"crew_id"_s, run.crewId) &&
        r.oneOf(u"status"_s, RunState::all(), run.status) &&
        r.time(u"created_at"_s, run.createdAt) && r.optTime(u"started_at"_s, run.startedAt) &&
        r.optTime(u"finished_at"_s, run.finishedAt) &&
        r.optInt64(u"duration_ms"_s, run.durationMs) && r.int64(u"tokens"_s, run.tokens) &&
        r.optInt32(u"timeout_s"_s, run.timeoutS);
    run.withToolCalls = r.has(u"tool_calls"_s);
    if (r.ok() && run.withToolCalls)
        r.list(u"tool_calls"_s, run.toolCalls);
    return finish(r, std::move(run), error);
}

// ---- RunPage
QJsonObject RunPage::toJson() const
{
    return QJsonObject{{u"items"_s, toJsonArray(items)}, {u"next_cursor"_s, optToJson(nextCursor)}};
}

std::optional<RunPage> RunPage::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    RunPage p;
    r.list(u"items"_s, p.items) && r.optStr(u"next_cursor"_s, p.nextCursor);
    return finish(r, std::move(p), error);
}

// ---- DashboardStats
QJsonObject DashboardStats::toJson() const
{
    QJsonArray recent;
    for (Run r : recentRuns) {
        r.withToolCalls = false;
        recent.append(r.toJson());
    }
    return QJsonObject{{u"total_runs"_s, totalRuns},        {u"success_rate"_s, successRate},
                       {u"avg_latency_ms"_s, avgLatencyMs}, {u"p50_latency_ms"_s, p50LatencyMs},
                       {u"p95_latency_ms"_s, p95LatencyMs}, {u"total_tokens"_s, totalTokens},
                       {u"active_crews"_s, activeCrews},    {u"recent_runs"_s, recent}};
}

std::optional<DashboardStats> DashboardStats::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    DashboardStats s;
    r.int64(u"total_runs"_s, s.totalRuns) && r.number(u"success_rate"_s, s.successRate) &&
        r.number(u"avg_latency_ms"_s, s.avgLatencyMs) &&
        r.int64(u"p50_latency_ms"_s, s.p50LatencyMs) &&
        r.int64(u"p95_latency_ms"_s, s.p95LatencyMs) && r.int64(u"total_tokens"_s, s.totalTokens) &&
        r.int64(u"active_crews"_s, s.activeCrews) && r.list(u"recent_runs"_s, s.recentRuns);
    return finish(r, std::move(s), error);
}

// ---- TokenStats
QJsonObject TokenStats::toJson() const
{
    return QJsonObject{{u"symbol"_s, symbol},
                       {u"balance"_s, balance.toJson()},
                       {u"spent"_s, spent.toJson()},
                       {u"earned"_s, earned.toJson()},
                       {u"pending_rewards"_s, pendingRewards.toJson()}};
}

std::optional<TokenStats> TokenStats::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    TokenStats t;
    r.str(u"symbol"_s, t.symbol) && r.micros(u"balance"_s, t.balance) &&
        r.micros(u"spent"_s, t.spent) && r.micros(u"earned"_s, t.earned) &&
        r.micros(u"pending_rewards"_s, t.pendingRewards);
    return finish(r, std::move(t), error);
}

// ---- TopCrew / RentalStats
QJsonObject TopCrew::toJson() const
{
    return QJsonObject{{u"crew_id"_s, crewId},
                       {u"name"_s, name},
                       {u"rentals"_s, rentals},
                       {u"revenue"_s, revenue.toJson()}};
}

std::optional<TopCrew> TopCrew::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    TopCrew t;
    r.str(u"crew_id"_s, t.crewId) && r.str(u"name"_s, t.name) && r.int64(u"rentals"_s, t.rentals) &&
        r.micros(u"revenue"_s, t.revenue);
    return finish(r, std::move(t), error);
}

QJsonObject RentalStats::toJson() const
{
    return QJsonObject{
        {u"active_rentals"_s, activeRentals}, {u"total_rentals"_s, totalRentals},
        {u"revenue"_s, revenue.toJson()},     {u"spend"_s, spend.toJson()},
        {u"utilization"_s, utilization},      {u"top_crews"_s, toJsonArray(topCrews)}};
}

std::optional<RentalStats> RentalStats::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    RentalStats s;
    r.int64(u"active_rentals"_s, s.activeRentals) && r.int64(u"total_rentals"_s, s.totalRentals) &&
        r.micros(u"revenue"_s, s.revenue) && r.micros(u"spend"_s, s.spend) &&
        r.number(u"utilization"_s, s.utilization) && r.list(u"top_crews"_s, s.topCrews);
    return finish(r, std::move(s), error);
}

// ---- Rental
QJsonObject Rental::toJson() const
{
    return QJsonObject{{u"id"_s, id},
                       {u"crew_id"_s, crewId},
                       {u"renter_org_id"_s, renterOrgId},
                       {u"owner_org_id"_s, ownerOrgId},
                       {u"hours"_s, hours.toJson()},
                       {u"price"_s, price.toJson()},
                       {u"starts_at"_s, timeToJson(startsAt)},
                       {u"ends_at"_s, timeToJson(endsAt)},
                       {u"status"_s, status}};
}

std::optional<Rental> Rental::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    Rental x;
    r.str(u"id"_s, x.id) && r.str(u"crew_id"_s, x.crewId) &&
        r.str(u"renter_org_id"_s, x.renterOrgId) && r.str(u"owner_org_id"_s, x.ownerOrgId) &&
        r.micros(u"hours"_s, x.hours) && r.micros(u"price"_s, x.price) &&
        r.time(u"starts_at"_s, x.startsAt) && r.time(u"ends_at"_s, x.endsAt) &&
        r.oneOf(u"status"_s, {u"active"_s, u"ended"_s}, x.status);
    return finish(r, std::move(x), error);
}

QJsonObject RentRequest::toJson() const
{
    return QJsonObject{{u"crew_id"_s, crewId}, {u"hours"_s, hours.toJson()}};
}

std::optional<RentRequest> RentRequest::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    RentRequest x;
    r.str(u"crew_id"_s, x.crewId) && r.micros(u"hours"_s, x.hours);
    if (r.ok() && x.hours.value <= 0)
        r.fail(u"hours"_s, u"must be greater than 0"_s);
    if (r.ok() && x.hours > Micros::fromUnits(24 * 366))
        r.fail(u"hours"_s, u"must be at most one year"_s);
    return finish(r, std::move(x), error);
}

// ---- MarketCrew
QJsonObject MarketCrew::toJson() const
{
    return QJsonObject{{u"id"_s, id},
                       {u"name"_s, name},
                       {u"owner_org_id"_s, ownerOrgId},
                       {u"rental_price_per_hour"_s, rentalPricePerHour.toJson()},
                       {u"status"_s, status}};
}

std::optional<MarketCrew> MarketCrew::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    MarketCrew m;
    r.str(u"id"_s, m.id) && r.str(u"name"_s, m.name) && r.str(u"owner_org_id"_s, m.ownerOrgId) &&
        r.micros(u"rental_price_per_hour"_s, m.rentalPricePerHour) &&
        r.oneOf(u"status"_s, CrewStatus::all(), m.status);
    return finish(r, std::move(m), error);
}

// ---- User / login
QJsonObject User::toJson() const
{
    QJsonObject o{{u"id"_s, id}, {u"email"_s, email}, {u"role"_s, role}};
    if (!orgId.isEmpty())
        o.insert(u"org_id"_s, orgId);
    return o;
}

std::optional<User> User::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    User u;
    std::optional<QString> org;
    r.str(u"id"_s, u.id) && r.str(u"email"_s, u.email) && r.optStr(u"org_id"_s, org) &&
        r.oneOf(u"role"_s, Roles::all(), u.role);
    u.orgId = org.value_or(QString());
    return finish(r, std::move(u), error);
}

QJsonObject LoginRequest::toJson() const
{
    return QJsonObject{{u"email"_s, email}, {u"password"_s, password}};
}

std::optional<LoginRequest> LoginRequest::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    LoginRequest l;
    r.str(u"email"_s, l.email) && r.str(u"password"_s, l.password, true);
    return finish(r, std::move(l), error);
}

QJsonObject LoginResponse::toJson() const
{
    return QJsonObject{{u"access_token"_s, accessToken},
                       {u"token_type"_s, tokenType},
                       {u"expires_in"_s, expiresIn},
                       {u"user"_s, user.toJson()}};
}

std::optional<LoginResponse> LoginResponse::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    LoginResponse l;
    r.str(u"access_token"_s, l.accessToken) && r.str(u"token_type"_s, l.tokenType) &&
        r.int64(u"expires_in"_s, l.expiresIn) && r.nested(u"user"_s, l.user);
    return finish(r, std::move(l), error);
}

QJsonObject CreateUserRequest::toJson() const
{
    return QJsonObject{{u"email"_s, email}, {u"password"_s, password}, {u"role"_s, role}};
}

std::optional<CreateUserRequest> CreateUserRequest::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    CreateUserRequest c;
    r.str(u"email"_s, c.email) && r.str(u"password"_s, c.password, true) &&
        r.oneOf(u"role"_s, Roles::all(), c.role);
    if (r.ok() && (!c.email.contains(u'@') || c.email.size() > 254 || c.email.contains(u' ')))
        r.fail(u"email"_s, u"is not an e-mail address"_s);
    if (r.ok() && c.password.size() < 8)
        r.fail(u"password"_s, u"must be at least 8 characters"_s);
    if (r.ok() && c.password.size() > 1024)
        r.fail(u"password"_s, u"must be at most 1024 characters"_s);
    return finish(r, std::move(c), error);
}

// ---- Timeseries
QJsonObject TimeseriesPoint::toJson() const
{
    QJsonObject o = extra;
    o.insert(u"t"_s, timeToJson(t));
    o.insert(u"value"_s, optToJson(value));
    return o;
}

std::optional<TimeseriesPoint> TimeseriesPoint::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    TimeseriesPoint p;
    r.time(u"t"_s, p.t) && r.optNumber(u"value"_s, p.value);
    if (r.ok() && !r.has(u"value"_s))
        r.fail(u"value"_s, u"is required"_s);
    p.extra = o;
    p.extra.remove(u"t"_s);
    p.extra.remove(u"value"_s);
    return finish(r, std::move(p), error);
}

QJsonObject Timeseries::toJson() const
{
    return QJsonObject{
        {u"metric"_s, metric}, {u"bucket"_s, bucket}, {u"points"_s, toJsonArray(points)}};
}

std::optional<Timeseries> Timeseries::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    Timeseries t;
    r.str(u"metric"_s, t.metric) && r.str(u"bucket"_s, t.bucket) && r.list(u"points"_s, t.points);
    return finish(r, std::move(t), error);
}

} // namespace crewdeck
