#pragma once
#include "server/core/http/httputil.h"

#include <QFuture>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <functional>
#include <optional>

// The REST handlers, one small group per resource. Each runs on the main thread, after the
// router has authenticated the caller and checked the role; `arg` is the path's {id}.
namespace crewdeck::server {
struct ApiContext;
}

namespace crewdeck::server::http {

using Req = QHttpServerRequest;
using Resp = QHttpServerResponse;

// auth
// Answers at once (400, 429) or sets `work`, which runs on the password pool.
std::optional<Resp> login(ApiContext &api, const Req &req, RequestContext &ctx,
                          std::function<Resp()> &work);
// users
Resp listUsers(ApiContext &api, const Req &req, RequestContext &ctx);
Resp createUser(ApiContext &api, const Req &req, RequestContext &ctx);
// crews
Resp listCrews(ApiContext &api, const Req &req, RequestContext &ctx);
Resp createCrew(ApiContext &api, const Req &req, RequestContext &ctx);
Resp getCrew(ApiContext &api, const Req &req, RequestContext &ctx, const QString &id);
Resp deleteCrew(ApiContext &api, const Req &req, RequestContext &ctx, const QString &id);
// runs
Resp startRun(ApiContext &api, const Req &req, RequestContext &ctx, const QString &crewId);
Resp listRuns(ApiContext &api, const Req &req, RequestContext &ctx);
Resp getRun(ApiContext &api, const Req &req, RequestContext &ctx, const QString &id);
Resp runEvents(ApiContext &api, const Req &req, RequestContext &ctx, const QString &id);
Resp cancelRun(ApiContext &api, const Req &req, RequestContext &ctx, const QString &id);
// dashboard
Resp dashboardStats(ApiContext &api, const Req &req, RequestContext &ctx);
Resp dashboardTimeseries(ApiContext &api, const Req &req, RequestContext &ctx);
Resp tokenStats(ApiContext &api, const Req &req, RequestContext &ctx);
Resp rentalStats(ApiContext &api, const Req &req, RequestContext &ctx);
// rentals and market
Resp rentCrew(ApiContext &api, const Req &req, RequestContext &ctx);
Resp listRentals(ApiContext &api, const Req &req, RequestContext &ctx);
Resp marketCrews(ApiContext &api, const Req &req, RequestContext &ctx);
// health
Resp healthz(ApiContext &api, const Req &req, RequestContext &ctx);
Resp readyz(ApiContext &api, const Req &req, RequestContext &ctx);
Resp metrics(ApiContext &api, const Req &req, RequestContext &ctx);

} // namespace crewdeck::server::http
