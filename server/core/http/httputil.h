#pragma once
#include "shared/json.h"
#include "shared/jwt.h"

#include <QFuture>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonObject>
#include <QUrlQuery>
#include <optional>

namespace crewdeck::server {
struct ApiContext;
}

// Shared pieces of every REST handler: JSON responses with the contract's content type, the
// error envelope, body and query parsing that name the offending field. Thread: main thread.
namespace crewdeck::server::http {

using Status = QHttpServerResponder::StatusCode;

// What the router learned about the caller before the handler runs.
struct RequestContext
{
    jwt::Claims claims; // set for authenticated routes (role refreshed from the store)
    QString clientAddress;
    bool authenticated = false;
    const QString &orgId() const { return claims.org; }
    const QString &userId() const { return claims.sub; }
};

inline constexpr qsizetype MaxBodyBytes = 1024 * 1024; // the contract's 1 MiB

QHttpServerResponse json(const QJsonObject &body, Status status = Status::Ok);
QHttpServerResponse json(const QJsonArray &body, Status status = Status::Ok);
// An already serialised JSON body (e.g. from the read cache); the bytes are shared, not copied.
QHttpServerResponse jsonBytes(const QByteArray &body, Status status = Status::Ok);

// A GET whose 200 answer is kept in ApiContext::responses (see ReadCache), keyed by route, the
// caller's org and the query. The store's data version is read when this is made, before the
// answer is computed: an answer computed while the data changed is stored already stale.
class CachedAnswer
{
public:
    CachedAnswer(ApiContext &api, const char *route, const RequestContext &ctx,
                 const QHttpServerRequest &req);
    // The kept body while it is still the store's answer, else null (call once).
    const QByteArray *find();
    // Serialises `body` once, keeps it and answers 200 with it.
    QHttpServerResponse store(const QJsonObject &body);

private:
    ApiContext &m_api;
    QString m_key;
    quint64 m_version;
};
QHttpServerResponse error(Status status, const QString &code, const QString &message);
QHttpServerResponse badRequest(const QString &message);
QHttpServerResponse
unauthorized(const QString &message = QStringLiteral("missing or invalid access token"));
QHttpServerResponse forbidden(const QString &message = QStringLiteral("your role may not do this"));
QHttpServerResponse notFound(const QString &message = QStringLiteral("not found"));
QHttpServerResponse conflict(const QString &message,
                             const QString &code = QStringLiteral("conflict"));
QHttpServerResponse unavailable(const QString &message);
QHttpServerResponse internalError();
QHttpServerResponse noContent();

// An already finished future (for the early exits of asynchronous handlers).
QFuture<QHttpServerResponse> ready(QHttpServerResponse &&response);

// Parses the body as one JSON object and decodes it with T::fromJson; on failure *error names
// the field ("steps[0].tool: ...", "body: ...").
template <typename T> std::optional<T> parseBody(const QByteArray &body, QString *error)
{
    const auto obj = crewdeck::parseObject(body, error);
    if (!obj)
        return std::nullopt;
    return T::fromJson(*obj, error);
}

// Query parameters. Each returns false (with *error naming the parameter) for a bad value;
// a missing or empty parameter leaves `out` untouched.
bool queryString(const QUrlQuery &q, const QString &name, QString &out, QString *error);
bool queryInt(const QUrlQuery &q, const QString &name, qint64 min, qint64 max, qint64 &out,
              QString *error);
bool queryTime(const QUrlQuery &q, const QString &name, QDateTime &out, QString *error);

QByteArray methodName(QHttpServerRequest::Method m);
qint64 nowMs();

} // namespace crewdeck::server::http
