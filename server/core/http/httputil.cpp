#include "server/core/http/httputil.h"
#include "server/core/http/apicontext.h"
#include "shared/timeutil.h"
#include "shared/types.h"

#include <QJsonDocument>
#include <QPromise>

namespace crewdeck::server::http {

using namespace Qt::StringLiterals;

namespace {
const QByteArray JsonMime = QByteArrayLiteral("application/json; charset=utf-8");
}

QHttpServerResponse json(const QJsonObject &body, Status status)
{
    return QHttpServerResponse(JsonMime, QJsonDocument(body).toJson(QJsonDocument::Compact),
                               status);
}

QHttpServerResponse json(const QJsonArray &body, Status status)
{
    return QHttpServerResponse(JsonMime, QJsonDocument(body).toJson(QJsonDocument::Compact),
                               status);
}

QHttpServerResponse jsonBytes(const QByteArray &body, Status status)
{
    return QHttpServerResponse(JsonMime, body, status);
}

CachedAnswer::CachedAnswer(ApiContext &api, const char *route, const RequestContext &ctx,
                           const QHttpServerRequest &req)
    : m_api(api), m_key(QLatin1StringView(route) + u'\n' + ctx.orgId() + u'\n' +
                        req.url().query(QUrl::FullyEncoded)),
      m_version(api.store->dataVersion())
{
}

const QByteArray *CachedAnswer::find()
{
    return m_api.responses.find(m_key, m_version, nowMs());
}

QHttpServerResponse CachedAnswer::store(const QJsonObject &body)
{
    const QByteArray bytes = QJsonDocument(body).toJson(QJsonDocument::Compact);
    m_api.responses.insert(m_key, m_version, nowMs(), bytes);
    return jsonBytes(bytes);
}

QHttpServerResponse error(Status status, const QString &code, const QString &message)
{
    return json(ApiError{code, message}.toJson(), status);
}

QHttpServerResponse badRequest(const QString &message)
{
    return error(Status::BadRequest, u"bad_request"_s, message);
}

QHttpServerResponse unauthorized(const QString &message)
{
    QHttpServerResponse r = error(Status::Unauthorized, u"unauthorized"_s, message);
    r.addHeader(QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer"));
    return r;
}

QHttpServerResponse forbidden(const QString &message)
{
    return error(Status::Forbidden, u"forbidden"_s, message);
}

QHttpServerResponse notFound(const QString &message)
{
    return error(Status::NotFound, u"not_found"_s, message);
}

QHttpServerResponse conflict(const QString &message, const QString &code)
{
    return error(Status::Conflict, code, message);
}

QHttpServerResponse unavailable(const QString &message)
{
    return error(Status::ServiceUnavailable, u"unavailable"_s, message);
}

QHttpServerResponse internalError()
{
    return error(Status::InternalServerError, u"internal"_s, u"internal server error"_s);
}

QHttpServerResponse noContent()
{
    return QHttpServerResponse(Status::NoContent);
}

QFuture<QHttpServerResponse> ready(QHttpServerResponse &&response)
{
    QPromise<QHttpServerResponse> p;
    QFuture<QHttpServerResponse> f = p.future();
    p.start();
    p.addResult(std::move(response));
    p.finish();
    return f;
}

bool queryString(const QUrlQuery &q, const QString &name, QString &out, QString *error)
{
    if (!q.hasQueryItem(name))
        return true;
    const QString v = q.queryItemValue(name, QUrl::FullyDecoded);
    if (v.isEmpty())
        return true;
    if (v.size() > 200) {
        if (error)
            *error = name + u": is too long"_s;
        return false;
    }
    out = v;
    return true;
}

bool queryInt(const QUrlQuery &q, const QString &name, qint64 min, qint64 max, qint64 &out,
              QString *error)
{
    if (!q.hasQueryItem(name))
        return true;
    const QString v = q.queryItemValue(name, QUrl::FullyDecoded);
    if (v.isEmpty())
        return true;
    bool ok = false;
    const qint64 n = v.toLongLong(&ok);
    if (!ok || n < min || n > max) {
        if (error)
            *error = u"%1: expected an integer from %2 to %3"_s.arg(name).arg(min).arg(max);
        return false;
    }
    out = n;
    return true;
}

bool queryTime(const QUrlQuery &q, const QString &name, QDateTime &out, QString *error)
{
    if (!q.hasQueryItem(name))
        return true;
    const QString v = q.queryItemValue(name, QUrl::FullyDecoded);
    if (v.isEmpty())
        return true;
    const auto t = parseRfc3339(v);
    if (!t) {
        if (error)
            *error = name + u": expected an RFC 3339 timestamp such as 2026-11-25T20:31:07.123Z"_s;
        return false;
    }
    out = *t;
    return true;
}

QByteArray methodName(QHttpServerRequest::Method m)
{
    switch (m) {
    case QHttpServerRequest::Method::Get:
        return "GET";
    case QHttpServerRequest::Method::Put:
        return "PUT";
    case QHttpServerRequest::Method::Delete:
        return "DELETE";
    case QHttpServerRequest::Method::Post:
        return "POST";
    case QHttpServerRequest::Method::Head:
        return "HEAD";
    case QHttpServerRequest::Method::Options:
        return "OPTIONS";
    case QHttpServerRequest::Method::Patch:
        return "PATCH";
    case QHttpServerRequest::Method::Connect:
        return "CONNECT";
    case QHttpServerRequest::Method::Trace:
        return "TRACE";
    default:
        return "OTHER";
    }
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace crewdeck::server::http
