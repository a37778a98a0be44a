#include "server/core/http/apicontext.h"
#include "server/core/http/controllers.h"
#include "server/core/http/metrics.h"
#include "server/model/store.h"
#include "shared/logging.h"

namespace crewdeck::server::http {

using namespace Qt::StringLiterals;

// GET /healthz: the process answers.
Resp healthz(ApiContext &, const Req &, RequestContext &)
{
    return json(QJsonObject{{u"status"_s, u"ok"_s}});
}

// GET /readyz: the store (and every registered dependency, e.g. Redis) answers.
Resp readyz(ApiContext &api, const Req &, RequestContext &)
{
    if (!api.store || !api.store->ping())
        return unavailable(u"the database does not answer"_s);
    for (const auto &[name, check] : std::as_const(api.readinessChecks)) {
        if (!check())
            return unavailable(name + u" does not answer"_s);
    }
    return json(QJsonObject{{u"status"_s, u"ready"_s}});
}

// GET /metrics (any role): Prometheus text format 0.0.4.
Resp metrics(ApiContext &api, const Req &, RequestContext &)
{
    return Resp(QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"),
                api.metrics->render(api.store));
}

} // namespace crewdeck::server::http
