#include "server/core/http/apicontext.h"
#include "server/core/http/controllers.h"
#include "server/model/runscheduler.h"
#include "server/model/store.h"
#include "shared/types.h"

namespace crewdeck::server::http {

using namespace Qt::StringLiterals;

// POST /rentals (member) -> 201 Rental. The renter is debited at once; the owner's reward is
// pending until the rental ends (settled by ServerApp's timer).
Resp rentCrew(ApiContext &api, const Req &req, RequestContext &ctx)
{
    QString err;
    const auto body = parseBody<RentRequest>(req.body(), &err);
    if (!body)
        return badRequest(err);
    StoreError serr = StoreError::None;
    const auto rental = api.store->rent(ctx.orgId(), body->crewId, body->hours, nowMs(), &serr);
    if (!rental) {
        switch (serr) {
        case StoreError::NotFound:
            return notFound(u"crew_id: no such crew for rent"_s);
        case StoreError::BadRequest:
            return badRequest(u"crew_id: you cannot rent your own crew"_s);
        case StoreError::InsufficientBalance:
            return conflict(u"the balance does not cover the price"_s, u"insufficient_balance"_s);
        case StoreError::Conflict:
            return conflict(u"the crew cannot be rented now"_s);
        default:
            return internalError();
        }
    }
    if (api.domainEvents)
        Q_EMIT api.domainEvents->rentalStarted(ctx.orgId(), rental->crewId);
    return json(rental->toJson(), Status::Created);
}

// GET /rentals: as renter and as owner.
Resp listRentals(ApiContext &api, const Req &, RequestContext &ctx)
{
    return json(toJsonArray(api.store->rentals(ctx.orgId(), nowMs())));
}

// GET /market/crews: other orgs' crews with a price.
Resp marketCrews(ApiContext &api, const Req &, RequestContext &ctx)
{
    return json(toJsonArray(api.store->marketCrews(ctx.orgId())));
}

} // namespace crewdeck::server::http
