#pragma once
#include "shared/events.h"
#include "shared/types.h"

#include <QObject>
#include <QPointer>
#include <QUrl>
#include <functional>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace crewdeck::client {

class AuthSession;

// Why a REST call failed, with a message fit for the user (translated) and the technical
// detail for the log. `kind` decides how the UI reacts (login again, banner, retry button).
struct ApiFailure
{
    enum class Kind {
        None,
        InvalidCredentials, // 401 invalid_credentials on login
        Unauthorized,       // 401 on an authenticated call: the session is over
        Forbidden,          // 403
        NotFound,           // 404
        RateLimited,        // 429
        BadRequest,         // other 4xx
        Server,             // 5xx
        Unreachable,        // connection refused, host not found, network down
        Timeout,            // no answer in time
        Tls,                // certificate or handshake problems
        Protocol,           // the server answered something that is not the contract
    };
    Kind kind = Kind::None;
    int httpStatus = 0;
    QString code;    // the error envelope's code, when there was one
    QString message; // for the user
    QString detail;  // for the log (never contains tokens)

    // The server could not be talked to at all (as opposed to: it answered "no").
    bool isConnectivity() const
    {
        return kind == Kind::Unreachable || kind == Kind::Timeout || kind == Kind::Tls;
    }
    // No answer at all (or none in time): the offline view may stand in for the server. A
    // certificate problem is not that: it is shown as such, never hidden behind the cache.
    bool isUnreachable() const { return kind == Kind::Unreachable || kind == Kind::Timeout; }
};

template <typename T> struct ApiResult
{
    std::optional<T> value;
    ApiFailure failure;
    bool ok() const { return value.has_value(); }
};

template <typename T> using ApiCallback = std::function<void(const ApiResult<T> &)>;

struct RunQuery
{
    QString crewId;
    QString status;
    int limit = 0; // 0: the server's default
    QString cursor;
    QDateTime from; // on created_at, inclusive; invalid: open
    QDateTime to;   // exclusive; invalid: open
};

// The answer of a call whose success carries no body (202/204).
struct Done
{
};

// Asynchronous client for the REST API (docs/protocol.md). Lives on the GUI thread; every
// call returns at once and later invokes its callback on the same thread, but only while
// `context` is still alive (so a closed page never receives late answers).
class ApiClient : public QObject
{
    Q_OBJECT
public:
    explicit ApiClient(AuthSession *session, QObject *parent = nullptr);
    ~ApiClient() override;

    AuthSession *session() const { return m_session; }
    QNetworkAccessManager *networkManager() const { return m_nam; }

    // Gives up on a request after this long without progress (default 15 s).
    void setTimeout(int ms) { m_timeoutMs = ms; }
    int timeout() const { return m_timeoutMs; }

    // POST /auth/login against `server`. On success the session is started (server URL,
    // token, user) before the callback runs.
    void login(const QUrl &server, const QString &email, const QString &password, QObject *context,
               ApiCallback<LoginResponse> done);

    void dashboardStats(QObject *context, ApiCallback<DashboardStats> done);
    // GET /dashboard/stats?from=&to= (invalid bounds are left out: open).
    void dashboardStats(const QDateTime &from, const QDateTime &to, QObject *context,
                        ApiCallback<DashboardStats> done);
    // GET /dashboard/timeseries?metric=&bucket=&from=&to= (invalid bounds: the server's default).
    void timeseries(const QString &metric, const QString &bucket, const QDateTime &from,
                    const QDateTime &to, QObject *context, ApiCallback<Timeseries> done);
    void tokenStats(QObject *context, ApiCallback<TokenStats> done);
    void rentalStats(QObject *context, ApiCallback<RentalStats> done);
    void crews(QObject *context, ApiCallback<QList<Crew>> done);
    void runs(const RunQuery &query, QObject *context, ApiCallback<RunPage> done);
    void run(const QString &runId, QObject *context, ApiCallback<Run> done);
    // POST /crews/{id}/runs -> the queued run.
    void startRun(const QString &crewId, const StartRunRequest &request, QObject *context,
                  ApiCallback<Run> done);
    // POST /runs/{id}/cancel (202).
    void cancelRun(const QString &runId, QObject *context, ApiCallback<Done> done);
    // GET /runs/{id}/events?since= (since < 0: from the first event).
    void runEvents(const QString &runId, qint64 since, QObject *context,
                   ApiCallback<QList<Event>> done);
    // POST /crews (admin) -> 201 Crew; DELETE /crews/{id} (admin) -> 204.
    void createCrew(const CreateCrewRequest &request, QObject *context, ApiCallback<Crew> done);
    void deleteCrew(const QString &crewId, QObject *context, ApiCallback<Done> done);
    // GET /market/crews, POST /rentals, GET /rentals.
    void marketCrews(QObject *context, ApiCallback<QList<MarketCrew>> done);
    void rent(const RentRequest &request, QObject *context, ApiCallback<Rental> done);
    void rentals(QObject *context, ApiCallback<QList<Rental>> done);

    // Maps a finished reply to a failure (Kind::None when it succeeded). Public for tests.
    static ApiFailure failureFor(QNetworkReply *reply, const QByteArray &body, bool isLogin,
                                 const QStringList &sslErrors = {});

Q_SIGNALS:
    // A call with the session's token got 401: the token expired or was revoked.
    void sessionExpired();
    // Every failed / succeeded call, so that the UI can show or hide a connectivity banner.
    void requestFailed(const crewdeck::client::ApiFailure &failure);
    void requestSucceeded();

private:
    using RawHandler = std::function<void(const QByteArray &body, const ApiFailure &failure)>;
    void get(const QString &path, const QString &query, QObject *context, RawHandler handler);
    void sendJson(const QByteArray &verb, const QString &path, const QJsonObject &body,
                  QObject *context, RawHandler handler);
    void send(QNetworkReply *reply, bool isLogin, QObject *context, RawHandler handler);

    template <typename T> static RawHandler decodeObject(ApiCallback<T> done);
    template <typename T> static RawHandler decodeArray(ApiCallback<QList<T>> done);
    static RawHandler decodeNothing(ApiCallback<Done> done);

    AuthSession *m_session;
    QNetworkAccessManager *m_nam;
    int m_timeoutMs = 15000;
};

} // namespace crewdeck::client

Q_DECLARE_METATYPE(crewdeck::client::ApiFailure)
