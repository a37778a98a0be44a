#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/net/tlstrust.h"
#include "shared/logging.h"
#include "shared/timeutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>
#if QT_CONFIG(ssl)
#include <QSslError>
#endif

using namespace Qt::StringLiterals;

namespace crewdeck::client {

ApiClient::ApiClient(AuthSession *session, QObject *parent)
    : QObject(parent), m_session(session), m_nam(new QNetworkAccessManager(this))
{
    qRegisterMetaType<ApiFailure>();
}

ApiClient::~ApiClient() = default;

static QNetworkRequest jsonRequest(const QUrl &url, int timeoutMs)
{
    QNetworkRequest req(url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json; charset=utf-8"_s);
    req.setRawHeader("Accept", "application/json");
    req.setTransferTimeout(timeoutMs);
    return req;
}

// The one answer path of the typed calls (GUI thread): a transport or HTTP failure passes
// through as it is; a body `decode(body, &err)` cannot read becomes a Protocol failure, logged
// here once.
template <typename T, typename Decode>
static std::function<void(const QByteArray &, const ApiFailure &)> decodeWith(ApiCallback<T> done,
                                                                              Decode decode)
{
    return [done = std::move(done), decode = std::move(decode)](const QByteArray &body,
                                                                const ApiFailure &failure) {
        ApiResult<T> r;
        if (failure.kind != ApiFailure::Kind::None) {
            r.failure = failure;
            done(r);
            return;
        }
        QString err;
        r.value = decode(body, &err);
        if (!r.value) {
            r.failure.kind = ApiFailure::Kind::Protocol;
            r.failure.detail = err;
            r.failure.message =
                ApiClient::tr(
                    "The server sent data this version of CrewDeck does not understand (%1).")
                    .arg(err);
            qCWarning(lcClient).noquote() << "undecodable answer:" << err;
        }
        done(r);
    };
}

void ApiClient::login(const QUrl &server, const QString &email, const QString &password,
                      QObject *context, ApiCallback<LoginResponse> done)
{
    m_session->setServerUrl(server);
    LoginRequest body{email, password};
    QNetworkRequest req = jsonRequest(m_session->restUrl(u"/auth/login"_s), m_timeoutMs);
    QNetworkReply *reply =
        m_nam->post(req, QJsonDocument(body.toJson()).toJson(QJsonDocument::Compact));
    auto decode = decodeObject<LoginResponse>([this, done](const ApiResult<LoginResponse> &r) {
        if (r.ok())
            m_session->start(*r.value);
        done(r);
    });
    send(reply, true, context, std::move(decode));
}

void ApiClient::dashboardStats(QObject *context, ApiCallback<DashboardStats> done)
{
    get(u"/dashboard/stats"_s, {}, context, decodeObject<DashboardStats>(std::move(done)));
}

// from= and to= of a query (RFC 3339); an invalid bound: the server's default.
static void addRange(QUrlQuery &q, const QDateTime &from, const QDateTime &to)
{
    if (from.isValid())
        q.addQueryItem(u"from"_s, toRfc3339(from));
    if (to.isValid())
        q.addQueryItem(u"to"_s, toRfc3339(to));
}

void ApiClient::dashboardStats(const QDateTime &from, const QDateTime &to, QObject *context,
                               ApiCallback<DashboardStats> done)
{
    QUrlQuery q;
    addRange(q, from, to);
    get(u"/dashboard/stats"_s, q.toString(QUrl::FullyEncoded), context,
        decodeObject<DashboardStats>(std::move(done)));
}

void ApiClient::timeseries(const QString &metric, const QString &bucket, const QDateTime &from,
                           const QDateTime &to, QObject *context, ApiCallback<Timeseries> done)
{
    QUrlQuery q;
    q.addQueryItem(u"metric"_s, metric);
    if (!bucket.isEmpty())
        q.addQueryItem(u"bucket"_s, bucket);
    addRange(q, from, to);
    get(u"/dashboard/timeseries"_s, q.toString(QUrl::FullyEncoded), context,
        decodeObject<Timeseries>(std::move(done)));
}

void ApiClient::tokenStats(QObject *context, ApiCallback<TokenStats> done)
{
    get(u"/dashboard/tokens/stats"_s, {}, context, decodeObject<TokenStats>(std::move(done)));
}

void ApiClient::rentalStats(QObject *context, ApiCallback<RentalStats> done)
{
    get(u"/dashboard/rentals/stats"_s, {}, context, decodeObject<RentalStats>(std::move(done)));
}

void ApiClient::crews(QObject *context, ApiCallback<QList<Crew>> done)
{
    get(u"/crews"_s, {}, context, decodeArray<Crew>(std::move(done)));
}

void ApiClient::runs(const RunQuery &query, QObject *context, ApiCallback<RunPage> done)
{
    QUrlQuery q;
    if (!query.crewId.isEmpty())
        q.addQueryItem(u"crew_id"_s, query.crewId);
    if (!query.status.isEmpty())
        q.addQueryItem(u"status"_s, query.status);
    if (query.limit > 0)
        q.addQueryItem(u"limit"_s, QString::number(query.limit));
    if (!query.cursor.isEmpty())
        q.addQueryItem(u"cursor"_s, query.cursor);
    addRange(q, query.from, query.to);
    get(u"/runs"_s, q.toString(QUrl::FullyEncoded), context,
        decodeObject<RunPage>(std::move(done)));
}

void ApiClient::run(const QString &runId, QObject *context, ApiCallback<Run> done)
{
    get(u"/runs/"_s + QString::fromLatin1(QUrl::toPercentEncoding(runId)), {}, context,
        decodeObject<Run>(std::move(done)));
}

static QString pathPart(const QString &id)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(id));
}

void ApiClient::startRun(const QString &crewId, const StartRunRequest &request, QObject *context,
                         ApiCallback<Run> done)
{
    sendJson("POST", u"/crews/"_s + pathPart(crewId) + u"/runs"_s, request.toJson(), context,
             decodeObject<Run>(std::move(done)));
}

void ApiClient::cancelRun(const QString &runId, QObject *context, ApiCallback<Done> done)
{
    sendJson("POST", u"/runs/"_s + pathPart(runId) + u"/cancel"_s, QJsonObject{}, context,
             decodeNothing(std::move(done)));
}

void ApiClient::runEvents(const QString &runId, qint64 since, QObject *context,
                          ApiCallback<QList<Event>> done)
{
    QUrlQuery q;
    if (since >= 0)
        q.addQueryItem(u"since"_s, QString::number(since));
    get(u"/runs/"_s + pathPart(runId) + u"/events"_s, q.toString(QUrl::FullyEncoded), context,
        decodeWith<QList<Event>>(
            std::move(done),
            [](const QByteArray &body, QString *err) -> std::optional<QList<Event>> {
                const auto obj = parseObject(body, err);
                if (!obj)
                    return std::nullopt;
                if (!obj->value(u"events"_s).isArray()) {
                    *err = u"events: expected an array"_s;
                    return std::nullopt;
                }
                auto events = listFromJson<Event>(obj->value(u"events"_s).toArray(), err);
                if (!events)
                    *err = u"events"_s + *err;
                return events;
            }));
}

void ApiClient::createCrew(const CreateCrewRequest &request, QObject *context,
                           ApiCallback<Crew> done)
{
    sendJson("POST", u"/crews"_s, request.toJson(), context, decodeObject<Crew>(std::move(done)));
}

void ApiClient::deleteCrew(const QString &crewId, QObject *context, ApiCallback<Done> done)
{
    sendJson("DELETE", u"/crews/"_s + pathPart(crewId), QJsonObject{}, context,
             decodeNothing(std::move(done)));
}

void ApiClient::marketCrews(QObject *context, ApiCallback<QList<MarketCrew>> done)
{
    get(u"/market/crews"_s, {}, context, decodeArray<MarketCrew>(std::move(done)));
}

void ApiClient::rent(const RentRequest &request, QObject *context, ApiCallback<Rental> done)
{
    sendJson("POST", u"/rentals"_s, request.toJson(), context,
             decodeObject<Rental>(std::move(done)));
}

void ApiClient::rentals(QObject *context, ApiCallback<QList<Rental>> done)
{
    get(u"/rentals"_s, {}, context, decodeArray<Rental>(std::move(done)));
}

// GUI thread. POST with a JSON body, or DELETE without one.
void ApiClient::sendJson(const QByteArray &verb, const QString &path, const QJsonObject &body,
                         QObject *context, RawHandler handler)
{
    QNetworkRequest req = jsonRequest(m_session->restUrl(path), m_timeoutMs);
    req.setRawHeader("Authorization", "Bearer " + m_session->token().toUtf8());
    QNetworkReply *reply = nullptr;
    if (verb == "DELETE")
        reply = m_nam->deleteResource(req);
    else
        reply =
            m_nam->sendCustomRequest(req, verb, QJsonDocument(body).toJson(QJsonDocument::Compact));
    send(reply, false, context, std::move(handler));
}

ApiClient::RawHandler ApiClient::decodeNothing(ApiCallback<Done> done)
{
    return [done = std::move(done)](const QByteArray &, const ApiFailure &failure) {
        ApiResult<Done> r;
        if (failure.kind != ApiFailure::Kind::None)
            r.failure = failure;
        else
            r.value = Done{};
        done(r);
    };
}

void ApiClient::get(const QString &path, const QString &query, QObject *context, RawHandler handler)
{
    QNetworkRequest req = jsonRequest(m_session->restUrl(path, query), m_timeoutMs);
    req.setRawHeader("Authorization", "Bearer " + m_session->token().toUtf8());
    send(m_nam->get(req), false, context, std::move(handler));
}

// GUI thread. Collects TLS errors while the reply runs, then maps the outcome and calls
// the handler if `context` still exists.
void ApiClient::send(QNetworkReply *reply, bool isLogin, QObject *context, RawHandler handler)
{
    // Certificate problems are never ignored: the reply fails, and the user is shown what
    // was wrong with which certificate (subject, issuer, validity, SHA-256 fingerprint).
    auto sslErrors = std::make_shared<QStringList>();
#if QT_CONFIG(ssl)
    connect(reply, &QNetworkReply::sslErrors, this,
            [sslErrors, reply](const QList<QSslError> &errors) {
                sslErrors->append(
                    tlstrust::describeErrors(errors, reply->sslConfiguration().peerCertificate()));
            });
#endif
    QPointer<QObject> ctx(context);
    const bool hadContext = context != nullptr;
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, isLogin, ctx, hadContext, sslErrors, handler = std::move(handler)]() {
                reply->deleteLater();
                const QByteArray body = reply->readAll();
                const ApiFailure failure = failureFor(reply, body, isLogin, *sslErrors);
                if (failure.kind != ApiFailure::Kind::None) {
                    qCInfo(lcClient).noquote()
                        << reply->operation() << reply->url().path() << "failed:" << failure.detail;
                    Q_EMIT requestFailed(failure);
                    if (failure.kind == ApiFailure::Kind::Unauthorized && !isLogin)
                        Q_EMIT sessionExpired();
                } else {
                    Q_EMIT requestSucceeded();
                }
                if (hadContext && !ctx)
                    return;
                handler(body, failure);
            });
}

ApiFailure ApiClient::failureFor(QNetworkReply *reply, const QByteArray &body, bool isLogin,
                                 const QStringList &sslErrors)
{
    using Kind = ApiFailure::Kind;
    ApiFailure f;
    const QVariant statusAttr = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const int status = statusAttr.isValid() ? statusAttr.toInt() : 0;
    f.httpStatus = status;

    if (status >= 200 && status < 300 && reply->error() == QNetworkReply::NoError)
        return f;

    if (status >= 400) {
        // The server answered: use its error envelope when it sent one.
        QString envMessage;
        QString parseError;
        if (const auto obj = parseObject(body, &parseError)) {
            if (obj->value(u"error"_s).isObject()) {
                if (const auto env = ApiError::fromJson(*obj)) {
                    f.code = env->code;
                    envMessage = env->message;
                }
            }
        }
        f.detail = u"HTTP %1 %2: %3"_s.arg(status).arg(f.code, envMessage);
        if (status == 401) {
            if (isLogin) {
                f.kind = Kind::InvalidCredentials;
                f.message = tr("Wrong e-mail address or password.");
            } else {
                f.kind = Kind::Unauthorized;
                f.message = tr("Your session has expired. Please log in again.");
            }
        } else if (status == 403) {
            f.kind = Kind::Forbidden;
            f.message = tr("You are not allowed to do this.");
        } else if (status == 404) {
            f.kind = Kind::NotFound;
            f.message = tr("Not found on the server.");
        } else if (status == 429) {
            f.kind = Kind::RateLimited;
            const int retryAfter = reply->rawHeader("Retry-After").toInt();
            f.message = retryAfter > 0 ? tr("Too many attempts. Try again in %n second(s).",
                                            nullptr, retryAfter)
                                       : tr("Too many attempts. Try again shortly.");
        } else if (status >= 500) {
            f.kind = Kind::Server;
            f.message = envMessage.isEmpty()
                            ? tr("The server had an internal error (HTTP %1).").arg(status)
                            : tr("The server reported an error: %1").arg(envMessage);
        } else {
            f.kind = Kind::BadRequest;
            f.message = envMessage.isEmpty()
                            ? tr("The server rejected the request (HTTP %1).").arg(status)
                            : tr("The server rejected the request: %1").arg(envMessage);
        }
        return f;
    }

    f.detail = reply->errorString();
    switch (reply->error()) {
    case QNetworkReply::NoError:
        // 1xx/3xx without a usable body: not the contract.
        f.kind = Kind::Protocol;
        f.message = tr("The server sent an unexpected answer (HTTP %1).").arg(status);
        return f;
    case QNetworkReply::ConnectionRefusedError:
        f.kind = Kind::Unreachable;
        f.message =
            tr("Cannot reach the server at %1: the connection was refused. Is the server running?")
                .arg(reply->url().authority());
        return f;
    case QNetworkReply::HostNotFoundError:
        f.kind = Kind::Unreachable;
        f.message =
            tr("Cannot reach the server: the host \"%1\" was not found.").arg(reply->url().host());
        return f;
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError: // what a transfer timeout reports on Qt 6.4
        f.kind = Kind::Timeout;
        f.message = tr("The server at %1 did not answer in time.").arg(reply->url().authority());
        return f;
    case QNetworkReply::SslHandshakeFailedError:
    case QNetworkReply::TooManyRedirectsError:
    case QNetworkReply::InsecureRedirectError:
        if (reply->error() == QNetworkReply::SslHandshakeFailedError || !sslErrors.isEmpty()) {
            f.kind = Kind::Tls;
            f.message = sslErrors.isEmpty()
                            ? tr("A secure connection to the server could not be established: %1")
                                  .arg(reply->errorString())
                            : tr("A secure connection to the server could not be established: %1")
                                  .arg(sslErrors.join(u"; "_s));
            return f;
        }
        f.kind = Kind::Protocol;
        f.message = tr("The server redirected the request in an unsafe way.");
        return f;
    default:
        break;
    }
    if (!sslErrors.isEmpty()) {
        f.kind = Kind::Tls;
        f.message = tr("A secure connection to the server could not be established: %1")
                        .arg(sslErrors.join(u"; "_s));
        return f;
    }
    f.kind = Kind::Unreachable;
    f.message = tr("Cannot reach the server: %1").arg(reply->errorString());
    return f;
}

template <typename T> ApiClient::RawHandler ApiClient::decodeObject(ApiCallback<T> done)
{
    return decodeWith<T>(std::move(done), [](const QByteArray &body, QString *err) {
        const auto obj = parseObject(body, err);
        return obj ? T::fromJson(*obj, err) : std::nullopt;
    });
}

template <typename T> ApiClient::RawHandler ApiClient::decodeArray(ApiCallback<QList<T>> done)
{
    return decodeWith<QList<T>>(std::move(done), [](const QByteArray &body, QString *err) {
        const auto arr = parseArray(body, err);
        return arr ? listFromJson<T>(*arr, err) : std::nullopt;
    });
}

} // namespace crewdeck::client
