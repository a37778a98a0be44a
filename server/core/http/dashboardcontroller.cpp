#include "server/core/http/apicontext.h"
#include "server/core/http/controllers.h"
#include "server/model/store.h"
#include "shared/timeutil.h"
#include "shared/types.h"

#include <QUrlQuery>

namespace crewdeck::server::http {

using namespace Qt::StringLiterals;

// GET /dashboard/stats?from=&to= (on created_at; from inclusive, to exclusive)
Resp dashboardStats(ApiContext &api, const Req &req, RequestContext &ctx)
{
    // The answer only changes with the store's data: served from the read cache until then
    // (a key is only ever stored for a query that passed the checks below).
    CachedAnswer cached(api, "stats", ctx, req);
    if (const QByteArray *body = cached.find())
        return jsonBytes(*body);
    const QUrlQuery q = req.query();
    QDateTime from, to;
    QString err;
    if (!queryTime(q, u"from"_s, from, &err) || !queryTime(q, u"to"_s, to, &err))
        return badRequest(err);
    if (from.isValid() && to.isValid() && from > to)
        return badRequest(u"from: must not be after to"_s);
    return cached.store(api.store->dashboardStats(ctx.orgId(), from, to).toJson());
}

// GET /dashboard/timeseries?metric=&bucket=&from=&to= (from inclusive, to exclusive;
// default: the last 30 days up to now; at most 1000 buckets)
Resp dashboardTimeseries(ApiContext &api, const Req &req, RequestContext &ctx)
{
    static const QStringList metrics{u"runs"_s, u"success_rate"_s, u"latency"_s, u"tokens"_s,
                                     u"c7t"_s};
    const QUrlQuery q = req.query();
    const QString metric = q.queryItemValue(u"metric"_s, QUrl::FullyDecoded);
    if (!metrics.contains(metric))
        return badRequest(u"metric: must be one of runs, success_rate, latency, tokens, c7t"_s);
    const QString bucket =
        q.hasQueryItem(u"bucket"_s) ? q.queryItemValue(u"bucket"_s, QUrl::FullyDecoded) : u"day"_s;
    const qint64 width = timeseriesBucketMs(bucket);
    if (width <= 0)
        return badRequest(u"bucket: must be one of hour, day, week"_s);
    QDateTime from, to;
    QString err;
    if (!queryTime(q, u"from"_s, from, &err) || !queryTime(q, u"to"_s, to, &err))
        return badRequest(err);
    const qint64 toMs_ = to.isValid() ? crewdeck::toMs(to) : nowMs();
    const qint64 fromMs_ = from.isValid() ? crewdeck::toMs(from) : toMs_ - 30LL * 86400000LL;
    if (fromMs_ > toMs_)
        return badRequest(u"from: must not be after to"_s);
    if (timeseriesBucketCount(fromMs_, toMs_, width) > 1000)
        return badRequest(u"bucket: the range spans more than 1000 buckets"_s);
    const auto ts = api.store->timeseries(ctx.orgId(), metric, bucket, fromMs_, toMs_);
    if (!ts)
        return unavailable(u"the store is unavailable"_s);
    return json(ts->toJson());
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
