#include "server/core/http/apicontext.h"
#include "server/core/http/controllers.h"
#include "server/model/runscheduler.h"
#include "server/model/store.h"
#include "shared/types.h"

namespace crewdeck::server::http {

using namespace Qt::StringLiterals;

// GET /crews: the org's own crews.
Resp listCrews(ApiContext &api, const Req &, RequestContext &ctx)
{
    return json(toJsonArray(api.store->crews(ctx.orgId())));
}

// POST /crews (admin)
Resp createCrew(ApiContext &api, const Req &req, RequestContext &ctx)
{
    QString err;
    const auto body = parseBody<CreateCrewRequest>(req.body(), &err);
    if (!body)
        return badRequest(err);
    // Absurd sizes are refused: every read of the crew (lists, dashboards, sockets) pays for
    // them, for every viewer of the org.
    if (body->agents.size() > api.maxAgentsPerCrew) {
        ++api.crewsTooLarge;
        return badRequest(u"agents: a crew has at most %1 agents"_s.arg(api.maxAgentsPerCrew));
    }
    for (const Agent &a : body->agents) {
        if (a.tools.size() > api.maxToolsPerAgent) {
            ++api.crewsTooLarge;
            return badRequest(u"tools: an agent has at most %1 tools"_s.arg(api.maxToolsPerAgent));
        }
    }
    const Crew crew = api.store->createCrew(ctx.orgId(), *body, nowMs());
    if (crew.id.isEmpty())
        return internalError();
    if (api.domainEvents)
        Q_EMIT api.domainEvents->crewCreated(ctx.orgId(), crew.id);
    return json(crew.toJson(), Status::Created);
}

// GET /crews/{id}: another org's crew is not found (its existence is not revealed).
Resp getCrew(ApiContext &api, const Req &, RequestContext &ctx, const QString &id)
{
    const auto crew = api.store->crew(ctx.orgId(), id);
    if (!crew)
        return notFound(u"no such crew"_s);
    return json(crew->toJson());
}

// DELETE /crews/{id} (admin): 409 while a run is queued/running or a rental is active.
Resp deleteCrew(ApiContext &api, const Req &, RequestContext &ctx, const QString &id)
{
    switch (api.store->deleteCrew(ctx.orgId(), id, nowMs())) {
    case StoreError::None:
        if (api.domainEvents)
            Q_EMIT api.domainEvents->crewDeleted(ctx.orgId(), id);
        return noContent();
    case StoreError::NotFound:
        return notFound(u"no such crew"_s);
    case StoreError::Conflict:
        return conflict(u"the crew has a queued or running run or an active rental"_s);
    default:
        return internalError();
    }
}

} // namespace crewdeck::server::http
