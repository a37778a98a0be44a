#include "server/core/http/apicontext.h"
#include "server/core/http/controllers.h"
#include "server/model/store.h"
#include "shared/types.h"

namespace crewdeck::server::http {

using namespace Qt::StringLiterals;

// GET /dashboard/stats?from=&to= (on created_at; from inclusive, to exclusive)
Resp dashboardStats(ApiContext &api, const Req &req, RequestContext &ctx)
{
    const QUrlQuery q = req.query();
    QDateTime from, to;
    QString err;
    if (!queryTime(q, u"from"_s, from, &err) || !queryTime(q, u"to"_s, to, &err))
        return badRequest(err);
    if (from.isValid() && to.isValid() && from > to)
        return badRequest(u"from: must not be after to"_s);
    return json(api.store->dashboardStats(ctx.orgId(), from, to).toJson());
}

// GET /dashboard/tokens/stats
Resp tokenStats(ApiContext &api, const Req &, RequestContext &ctx)
{
    return json(api.store->tokenStats(ctx.orgId(), nowMs()).toJson());
}

// GET /dashboard/rentals/stats
Resp rentalStats(ApiContext &api, const Req &, RequestContext &ctx)
{
    return json(api.store->rentalStats(ctx.orgId(), nowMs()).toJson());
}

} // namespace crewdeck::server::http
