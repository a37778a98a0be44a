#include "server/core/http/router.h"
#include "server/core/auth/fairness.h"
#include "server/core/auth/passwords.h"
#include "server/core/auth/tokens.h"
#include "server/core/http/apicontext.h"
#include "server/core/http/controllers.h"
#include "server/core/http/metrics.h"
#include "server/model/store.h"
#include "shared/logging.h"
#include "shared/types.h"

#include <QElapsedTimer>
#include <QHttpServer>
#include <QHttpServerResponder>
#include <QtConcurrent/QtConcurrentRun>
#include <exception>

namespace crewdeck::server {

using namespace Qt::StringLiterals;
using namespace crewdeck::server::http;

namespace {
// A monotonic clock shared by all requests (nanoseconds).
qint64 monotonicNs()
{
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.nsecsElapsed();
}

constexpr qsizetype MaxVerifiedTokens = 4096;

QString segmentRegex()
{
    return u"[^/]+"_s;
}
} // namespace

Router::Router(QHttpServer *server, ApiContext *api) : m_server(server), m_api(api) {}

QString Router::qtPath(const QString &pattern, int *args) const
{
    QString p = pattern;
    *args = int(p.count(u"{id}"_s));
    p.replace(u"{id}"_s, u"<arg>"_s);
    return p;
}

void Router::remember(Method method, const QString &pattern)
{
    QString re = QRegularExpression::escape(pattern);
    re.replace(QRegularExpression::escape(u"{id}"_s), segmentRegex());
    m_routes.append({method, pattern, QRegularExpression(u'^' + re + u'$')});
}

std::optional<QHttpServerResponse> Router::preflight(const QHttpServerRequest &req, Access access,
                                                     RequestContext &ctx)
{
    ctx.clientAddress = req.remoteAddress().toString();
    if (req.body().size() > MaxBodyBytes)
        return error(Status::PayloadTooLarge, u"payload_too_large"_s,
                     u"the request body is over 1 MiB"_s);
    if (access == Access::Public)
        return std::nullopt;

    const QByteArray header = req.value(QByteArrayLiteral("Authorization")).trimmed();
    if (header.isEmpty())
        return unauthorized(u"missing access token (Authorization: Bearer <token>)"_s);
    if (header.size() < 8 || header.left(7).toLower() != "bearer ")
        return unauthorized(u"the Authorization header must be 'Bearer <token>'"_s);
    const QByteArray token = header.mid(7).trimmed();
    const qint64 now = nowMs();
    std::optional<jwt::Claims> claims;
    if (const auto it = m_verifiedTokens.constFind(token); it != m_verifiedTokens.cend()) {
        // The same leeway as TokenService::verify; an expired one takes the full path (and
        // its message).
        if (now / 1000 < it->exp + TokenService::LeewaySeconds)
            claims = *it;
        else
            m_verifiedTokens.erase(it);
    }
    if (!claims) {
        QString why;
        claims = m_api->tokens->verify(token, now / 1000, &why);
        if (!claims)
            return unauthorized(u"invalid access token: "_s + why);
        if (m_verifiedTokens.size() >= MaxVerifiedTokens)
            m_verifiedTokens.clear();
        m_verifiedTokens.insert(token, *claims);
    }
    // The user must still exist in the token's org; the role comes from the store so that a
    // stale token never carries more rights than the account has now (read through the
    // cache: a deleted user or a changed role changes the store's data version).
    const quint64 version = m_api->store->dataVersion();
    const UserRecord *user = m_api->users.find(claims->sub, version, now);
    if (!user) {
        if (auto fresh = m_api->store->userById(claims->sub))
            user = m_api->users.insert(claims->sub, version, now, std::move(*fresh));
    }
    if (!user || user->orgId != claims->org)
        return unauthorized(u"invalid access token: unknown user"_s);
    ctx.claims = *claims;
    ctx.claims.role = user->role;
    ctx.authenticated = true;
    // One user's flood must not starve the other tenants: a token bucket per user.
    if (m_api->requestBuckets) {
        if (const int retry = m_api->requestBuckets->take(claims->sub, now); retry > 0) {
            QHttpServerResponse r = error(Status::TooManyRequests, u"rate_limited"_s,
                                          u"too many requests: try again in %1 s"_s.arg(retry));
            r.addHeader(QByteArrayLiteral("Retry-After"), QByteArray::number(retry));
            return r;
        }
    }

    const int need = access == Access::Admin    ? Roles::rank(Roles::Admin)
                     : access == Access::Member ? Roles::rank(Roles::Member)
                                                : Roles::rank(Roles::Viewer);
    if (Roles::rank(ctx.claims.role) < need)
        return forbidden(u"this needs the %1 role"_s.arg(access == Access::Admin ? Roles::Admin
                                                         : access == Access::Member
                                                             ? Roles::Member
                                                             : Roles::Viewer));
    return std::nullopt;
}

Router::RequestRecord Router::RequestRecord::of(const QHttpServerRequest &req, const QString &route,
                                                qint64 startNs, const RequestContext &ctx)
{
    // The path only: query strings may carry things that do not belong in logs.
    return RequestRecord{methodName(req.method()), route, req.url().path(QUrl::FullyEncoded),
                         ctx.authenticated ? ctx.userId() : u"-"_s, startNs};
}

void Router::RequestRecord::done(Metrics *metrics, int status) const
{
    const double seconds = double(monotonicNs() - startNs) / 1e9;
    if (metrics)
        metrics->observeRequest(method, route, status, seconds);
    qCInfo(lcHttp).noquote() << QString::fromLatin1(method) << path << status
                             << QString::number(seconds * 1000.0, 'f', 1) + u"ms"_s
                             << (u"user="_s + user);
}

void Router::finish(const QHttpServerRequest &req, const QString &route, int status, qint64 startNs,
                    const RequestContext &ctx)
{
    RequestRecord::of(req, route, startNs, ctx).done(m_api->metrics, status);
}

void Router::add(Method method, const QString &pattern, Access access, Handler handler)
{
    remember(method, pattern);
    auto run = [this, pattern, access, handler](const QHttpServerRequest &req, const QString &arg) {
        const qint64 start = monotonicNs();
        RequestContext ctx;
        std::optional<QHttpServerResponse> early = preflight(req, access, ctx);
        QHttpServerResponse resp = early ? std::move(*early) : [&]() -> QHttpServerResponse {
            try {
                return handler(req, ctx, arg);
            } catch (const std::exception &e) {
                qCCritical(lcHttp) << "handler for" << pattern << "threw:" << e.what();
                return internalError();
            } catch (...) {
                qCCritical(lcHttp) << "handler for" << pattern << "threw";
                return internalError();
            }
        }();
        finish(req, pattern, int(resp.statusCode()), start, ctx);
        // A request costs one unit plus one per 64 KiB of body it makes us send: a tenant
        // pulling huge lists in a loop is slowed down by what it costs, not by its count.
        if (ctx.authenticated && m_api->requestBuckets && resp.data().size() >= 64 * 1024)
            m_api->requestBuckets->charge(ctx.claims.sub, double(resp.data().size()) / (64 * 1024),
                                          nowMs());
        return resp;
    };
    int args = 0;
    const QString path = qtPath(pattern, &args);
    if (args == 0) {
        m_server->route(path, method,
                        [run](const QHttpServerRequest &req) { return run(req, QString()); });
    } else {
        m_server->route(path, method, [run](const QString &arg, const QHttpServerRequest &req) {
            return run(req, arg);
        });
    }
}

void Router::addAsync(Method method, const QString &pattern, Access access, AsyncHandler handler)
{
    remember(method, pattern);
    Q_ASSERT(!pattern.contains(u"{id}"_s)); // not needed by any asynchronous route so far
    m_server->route(pattern, method,
                    [this, pattern, access, handler](const QHttpServerRequest &req) {
                        const qint64 start = monotonicNs();
                        RequestContext ctx;
                        std::optional<QHttpServerResponse> early = preflight(req, access, ctx);
                        Work work;
                        if (!early) {
                            try {
                                early = handler(req, ctx, QString(), work);
                            } catch (...) {
                                qCCritical(lcHttp) << "handler for" << pattern << "threw";
                                early = internalError();
                            }
                            if (!early && !work)
                                early = internalError();
                        }
                        if (early) {
                            finish(req, pattern, int(early->statusCode()), start, ctx);
                            return ready(std::move(*early));
                        }
                        // A copy of what the log line needs: the request does not outlive this
                        // call.
                        const RequestRecord record = RequestRecord::of(req, pattern, start, ctx);
                        ApiContext *api = m_api;
                        ++api->inFlightAsync;
                        // Runs on the password pool; Metrics and the log are thread-safe.
                        auto job = [api, work, record] {
                            QHttpServerResponse r = [&]() -> QHttpServerResponse {
                                try {
                                    return work();
                                } catch (...) {
                                    return internalError();
                                }
                            }();
                            record.done(api->metrics, int(r.statusCode()));
                            --api->inFlightAsync;
                            return r;
                        };
                        if (!api->loginQueue)
                            return QtConcurrent::run(passwords::pool(), std::move(job));
                        return queueFairly(api, ctx.clientAddress, std::move(job), record);
                    });
}

// Fair per client address: a flood from one address waits behind its own requests, on the
// password pool's threads minus one (FairQueue). The future is finished on every path (the
// job's result, a refusal, or the queue closing at shutdown); inFlightAsync counts the job
// until one of them has happened. A plain QFutureInterface, as QtConcurrent::run uses: a
// QPromise finished and destroyed on the pool crashed QHttpServer 6.4's continuation on the
// main thread (SIGSEGV in QFutureInterfaceBase::reportStarted, the first login's answer).
// Thread: main.
QFuture<QHttpServerResponse> Router::queueFairly(ApiContext *api, const QString &clientAddress,
                                                 std::function<QHttpServerResponse()> job,
                                                 const RequestRecord &record)
{
    QFutureInterface<QHttpServerResponse> promise;
    promise.reportStarted();
    QFuture<QHttpServerResponse> future = promise.future();
    auto answer = [promise](QHttpServerResponse r) {
        QFutureInterface<QHttpServerResponse> p = promise; // shares the state
        p.reportAndMoveResult(std::move(r));
        p.reportFinished();
    };
    const FairQueue::Submit queued = api->loginQueue->submit(
        clientAddress, [answer, job] { answer(job()); },
        [answer, api] {
            // Thread: the one closing the queue (main, at shutdown).
            answer(unavailable(u"the server is stopping"_s));
            --api->inFlightAsync;
        });
    if (queued != FairQueue::Submit::Queued) {
        --api->inFlightAsync;
        QHttpServerResponse busy =
            queued == FairQueue::Submit::Closed
                ? unavailable(u"the server is stopping"_s)
                : error(Status::TooManyRequests, u"rate_limited"_s,
                        u"too many logins waiting from this address: try again in 1 s"_s);
        if (queued == FairQueue::Submit::Full)
            busy.addHeader(QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1"));
        record.done(api->metrics, int(busy.statusCode()));
        answer(std::move(busy));
    }
    return future;
}

void Router::installFallback()
{
    m_server->setMissingHandler(
        [this](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
            const qint64 start = monotonicNs();
            const QString path = req.url().path();
            QStringList allowed;
            for (const RouteInfo &r : std::as_const(m_routes)) {
                if (r.regex.match(path).hasMatch())
                    allowed.append(QString::fromLatin1(methodName(r.method)));
            }
            RequestContext ctx;
            QString route;
            QHttpServerResponse resp = [&]() -> QHttpServerResponse {
                if (allowed.isEmpty()) {
                    route = u"(unknown)"_s;
                    return notFound(u"no such resource: "_s + path);
                }
                route = u"(method not allowed)"_s;
                QHttpServerResponse r = error(Status::MethodNotAllowed, u"method_not_allowed"_s,
                                              u"allowed methods: "_s + allowed.join(u", "_s));
                r.addHeader(QByteArrayLiteral("Allow"), allowed.join(u", "_s).toLatin1());
                return r;
            }();
            finish(req, route, int(resp.statusCode()), start, ctx);
            resp.write(std::move(responder));
        });
}

void Router::registerContractRoutes()
{
    using M = Method;
    ApiContext *api = m_api;
    auto h0 = [api](Resp (*fn)(ApiContext &, const Req &, RequestContext &)) -> Handler {
        return [api, fn](const Req &req, RequestContext &ctx, const QString &) {
            return fn(*api, req, ctx);
        };
    };
    auto h1 =
        [api](Resp (*fn)(ApiContext &, const Req &, RequestContext &, const QString &)) -> Handler {
        return [api, fn](const Req &req, RequestContext &ctx, const QString &arg) {
            return fn(*api, req, ctx, arg);
        };
    };

    addAsync(M::Post, u"/auth/login"_s, Access::Public,
             [api](const Req &req, RequestContext &ctx, const QString &, Work &work) {
                 return login(*api, req, ctx, work);
             });

    add(M::Get, u"/users"_s, Access::Admin, h0(&listUsers));
    add(M::Post, u"/users"_s, Access::Admin, h0(&createUser));

    add(M::Get, u"/crews"_s, Access::Viewer, h0(&listCrews));
    add(M::Post, u"/crews"_s, Access::Admin, h0(&createCrew));
    add(M::Get, u"/crews/{id}"_s, Access::Viewer, h1(&getCrew));
    add(M::Delete, u"/crews/{id}"_s, Access::Admin, h1(&deleteCrew));
    add(M::Post, u"/crews/{id}/runs"_s, Access::Member, h1(&startRun));

    add(M::Get, u"/runs"_s, Access::Viewer, h0(&listRuns));
    add(M::Get, u"/runs/{id}"_s, Access::Viewer, h1(&getRun));
    add(M::Get, u"/runs/{id}/events"_s, Access::Viewer, h1(&runEvents));
    add(M::Post, u"/runs/{id}/cancel"_s, Access::Member, h1(&cancelRun));

    add(M::Get, u"/dashboard/stats"_s, Access::Viewer, h0(&dashboardStats));
    add(M::Get, u"/dashboard/timeseries"_s, Access::Viewer, h0(&dashboardTimeseries));
    add(M::Get, u"/dashboard/tokens/stats"_s, Access::Viewer, h0(&tokenStats));
    add(M::Get, u"/dashboard/rentals/stats"_s, Access::Viewer, h0(&rentalStats));

    add(M::Post, u"/rentals"_s, Access::Member, h0(&rentCrew));
    add(M::Get, u"/rentals"_s, Access::Viewer, h0(&listRentals));
    add(M::Get, u"/market/crews"_s, Access::Viewer, h0(&marketCrews));

    add(M::Get, u"/healthz"_s, Access::Public, h0(&healthz));
    add(M::Get, u"/readyz"_s, Access::Public, h0(&readyz));
    add(M::Get, u"/metrics"_s, Access::Viewer, h0(&http::metrics));
}

} // namespace crewdeck::server
