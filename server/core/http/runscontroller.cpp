#include "server/core/http/apicontext.h"
#include "server/core/http/controllers.h"
#include "server/model/runscheduler.h"
#include "server/model/store.h"
#include "shared/logging.h"
#include "shared/types.h"

#include <QJsonDocument>

namespace crewdeck::server::http {

using namespace Qt::StringLiterals;

namespace {
constexpr int MaxEventsPerCall = 10'000;

// Fills in each step's agent: a given agent_id must be an agent of the crew that lists the
// tool; without one, the first agent listing the tool. Returns an error message naming the step.
QString resolveAgents(const Crew &crew, QList<Step> &steps)
{
    for (qsizetype i = 0; i < steps.size(); ++i) {
        Step &s = steps[i];
        const QString where = u"steps[%1]"_s.arg(i);
        if (s.agentId) {
            const auto it = std::find_if(crew.agents.cbegin(), crew.agents.cend(),
                                         [&](const Agent &a) { return a.id == *s.agentId; });
            if (it == crew.agents.cend())
                return where + u".agent_id: not an agent of this crew"_s;
            if (!it->tools.contains(s.tool))
                return where +
                       u".agent_id: agent '%1' does not list the tool '%2'"_s.arg(it->name, s.tool);
        } else {
            const auto it = std::find_if(crew.agents.cbegin(), crew.agents.cend(),
                                         [&](const Agent &a) { return a.tools.contains(s.tool); });
            if (it == crew.agents.cend())
                return where + u".tool: no agent of this crew lists the tool '%1'"_s.arg(s.tool);
            s.agentId = it->id;
        }
    }
    return {};
}
} // namespace

// POST /crews/{id}/runs (member): the org's own crew or one it actively rents.
Resp startRun(ApiContext &api, const Req &req, RequestContext &ctx, const QString &crewId)
{
    const qint64 now = nowMs();
    std::optional<Crew> crew = api.store->crew(ctx.orgId(), crewId);
    if (!crew && api.store->hasActiveRental(ctx.orgId(), crewId, now))
        crew = api.store->crewById(crewId);
    if (!crew)
        return notFound(u"no such crew"_s);

    QString err;
    auto body = parseBody<StartRunRequest>(req.body(), &err);
    if (!body)
        return badRequest(err);
    err = resolveAgents(*crew, body->steps);
    if (!err.isEmpty())
        return badRequest(err);
    // Checked before storing: a run nobody will execute must not be left "queued".
    if (!api.scheduler)
        return unavailable(u"this server does not execute runs (no run queue)"_s);

    const Run run = api.store->createRun(ctx.orgId(), crew->id, toJsonArray(body->steps),
                                         body->timeoutS.value_or(600), now);
    if (run.id.isEmpty())
        return internalError();
    api.scheduler->enqueue(run.id);
    return json(run.toJson(), Status::Accepted);
}

// GET /runs?crew_id=&status=&from=&to=&limit=&cursor=
Resp listRuns(ApiContext &api, const Req &req, RequestContext &ctx)
{
    // Like /dashboard/stats: cached until the store's data changes.
    CachedAnswer cached(api, "runs", ctx, req);
    if (const QByteArray *body = cached.find())
        return jsonBytes(*body);
    const QUrlQuery q = req.query();
    RunFilter f;
    qint64 limit = f.limit;
    QString err;
    if (!queryString(q, u"crew_id"_s, f.crewId, &err) ||
        !queryString(q, u"status"_s, f.status, &err) || !queryTime(q, u"from"_s, f.from, &err) ||
        !queryTime(q, u"to"_s, f.to, &err) || !queryInt(q, u"limit"_s, 1, 200, limit, &err) ||
        !queryString(q, u"cursor"_s, f.cursor, &err))
        return badRequest(err);
    if (!f.status.isEmpty() && !RunState::all().contains(f.status))
        return badRequest(u"status: expected one of "_s + RunState::all().join(u", "_s));
    if (f.from.isValid() && f.to.isValid() && f.from > f.to)
        return badRequest(u"from: must not be after to"_s);
    f.limit = int(limit);
    StoreError serr = StoreError::None;
    const RunPage page = api.store->runs(ctx.orgId(), f, &serr);
    if (serr == StoreError::BadRequest)
        return badRequest(u"cursor: not a cursor this server returned"_s);
    if (serr != StoreError::None)
        return internalError();
    QJsonArray items;
    for (Run r : page.items) {
        r.withToolCalls = false; // the list stays small; GET /runs/{id} has the tool calls
        items.append(r.toJson());
    }
    return cached.store(
        QJsonObject{{u"items"_s, items}, {u"next_cursor"_s, optToJson(page.nextCursor)}});
}

// GET /runs/{id}: with tool calls.
Resp getRun(ApiContext &api, const Req &, RequestContext &ctx, const QString &id)
{
    const auto run = api.store->run(ctx.orgId(), id);
    if (!run)
        return notFound(u"no such run"_s);
    Run r = *run;
    r.withToolCalls = true;
    return json(r.toJson());
}

// GET /runs/{id}/events?since=<seq>&limit=: the stored frames, exactly as the socket carries them.
Resp runEvents(ApiContext &api, const Req &req, RequestContext &ctx, const QString &id)
{
    const QUrlQuery q = req.query();
    qint64 since = 0;
    qint64 limit = MaxEventsPerCall;
    QString err;
    if (!queryInt(q, u"since"_s, 0, std::numeric_limits<qint64>::max() / 2, since, &err) ||
        !queryInt(q, u"limit"_s, 1, MaxEventsPerCall, limit, &err))
        return badRequest(err);
    if (!api.store->run(ctx.orgId(), id))
        return notFound(u"no such run"_s);
    if (api.flushEvents)
        api.flushEvents();
    const QList<StoredEventPtr> events =
        api.store->events(StreamKey{StreamKind::Run, ctx.orgId(), id}, since, int(limit));
    QJsonArray out;
    for (const StoredEventPtr &e : events) {
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(e->bytes, &perr);
        if (!doc.isObject()) {
            qCWarning(lcHttp) << "stored event" << e->seq << "is not a JSON object; skipped";
            continue;
        }
        out.append(doc.object());
    }
    return json(QJsonObject{{u"events"_s, out}});
}

// POST /runs/{id}/cancel (member): 202 with the run; 409 when it has already ended.
Resp cancelRun(ApiContext &api, const Req &, RequestContext &ctx, const QString &id)
{
    const auto run = api.store->run(ctx.orgId(), id);
    if (!run)
        return notFound(u"no such run"_s);
    if (RunState::isFinal(run->status))
        return conflict(u"the run has already ended ("_s + run->status + u')');
    if (!api.scheduler)
        return unavailable(u"this server does not execute runs (no run queue)"_s);
    if (!api.scheduler->cancel(id))
        return conflict(u"the run has already ended"_s);
    auto after = api.store->run(ctx.orgId(), id);
    Run r = after ? *after : *run;
    r.withToolCalls = true;
    return json(r.toJson(), Status::Accepted);
}

} // namespace crewdeck::server::http
