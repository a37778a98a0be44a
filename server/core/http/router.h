#pragma once
#include "server/core/http/httputil.h"
#include "shared/jwt.h"
#include <QHash>

#include <QFuture>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QList>
#include <QRegularExpression>
#include <functional>

class QHttpServer;

// Thin route registration on QHttpServer. Every route goes through one wrapper that
//  - refuses bodies over 1 MiB (413), authenticates the bearer token (401) and checks the
//    role (403) before the handler runs,
//  - turns exceptions into 500 `internal` without details,
//  - counts the request for /metrics and logs one line on stderr (crewdeck.http):
//    method, path without the query string, status, milliseconds, user id; never the token.
// Unknown paths answer 404 and known paths with another method 405, both with the envelope.
// Thread: main thread (QHttpServer calls route handlers on its own thread).
namespace crewdeck::server {

struct ApiContext;
class Metrics;

class Router
{
public:
    enum class Access { Public, Viewer, Member, Admin };
    using Method = QHttpServerRequest::Method;
    using Handler = std::function<QHttpServerResponse(const QHttpServerRequest &,
                                                      http::RequestContext &, const QString &arg)>;
    // Slow work (login's password check): the handler runs on the main thread and either
    // answers at once or sets `work`, which the router runs on the password pool. `work` must
    // capture copies only (the request is gone by then) and touch only thread-safe objects.
    using Work = std::function<QHttpServerResponse()>;
    using AsyncHandler = std::function<std::optional<QHttpServerResponse>(
        const QHttpServerRequest &, http::RequestContext &, const QString &arg, Work &work)>;

    Router(QHttpServer *server, ApiContext *api);

    // `pattern` uses "{id}" for at most one path segment: "/crews/{id}/runs".
    void add(Method method, const QString &pattern, Access access, Handler handler);
    // For handlers whose answer is computed off the main thread (see AsyncHandler). Returns a
    // QFuture to QHttpServer with no continuation chain of our own: Qt 6.4 crashes on chained
    // context continuations of move-only results.
    void addAsync(Method method, const QString &pattern, Access access, AsyncHandler handler);

    // All routes of the wire contract, then the 404/405 fallback.
    void registerContractRoutes();
    void installFallback();

private:
    struct RouteInfo
    {
        Method method;
        QString pattern;
        QRegularExpression regex;
    };

    // One request's metrics and log line. Plain copies, so that an asynchronous route can
    // finish it on the password pool after the request is gone; done() is thread-safe.
    struct RequestRecord
    {
        QByteArray method;
        QString route; // the pattern, the metrics label
        QString path;  // without the query string
        QString user;  // "-" when not authenticated
        qint64 startNs = 0;
        static RequestRecord of(const QHttpServerRequest &req, const QString &route, qint64 startNs,
                                const http::RequestContext &ctx);
        void done(Metrics *metrics, int status) const;
    };

    static QFuture<QHttpServerResponse> queueFairly(ApiContext *api, const QString &clientAddress,
                                                    std::function<QHttpServerResponse()> job,
                                                    const RequestRecord &record);
    std::optional<QHttpServerResponse> preflight(const QHttpServerRequest &req, Access access,
                                                 http::RequestContext &ctx);
    void finish(const QHttpServerRequest &req, const QString &route, int status, qint64 startNs,
                const http::RequestContext &ctx);
    QString qtPath(const QString &pattern, int *args) const;
    void remember(Method method, const QString &pattern);

    QHttpServer *m_server;
    ApiContext *m_api;
    QList<RouteInfo> m_routes;
    // Tokens whose signature checked out, with their claims: a client sends the same token
    // with every request, and the HMAC plus the claims' JSON were a tenth of a cheap
    // request. exp is checked again on every use; bounded (cleared when full).
    QHash<QByteArray, jwt::Claims> m_verifiedTokens;
};

} // namespace crewdeck::server
