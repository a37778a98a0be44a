#pragma once
#include "shared/json.h"
#include "shared/money.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

// The REST resources of the CrewDeck wire protocol v1 (docs/protocol.md). One plain struct
// per contract object; toJson() writes exactly the contract's fields, fromJson() rejects a
// wrong type or a missing field with a message that names the field.
namespace crewdeck {

namespace Tools {
inline const QString GitClone = QStringLiteral("git_clone");
inline const QString Pytest = QStringLiteral("pytest");
inline const QString Script = QStringLiteral("script");
inline QStringList all()
{
    return {GitClone, Pytest, Script};
}
} // namespace Tools

namespace Roles {
inline const QString Admin = QStringLiteral("admin");
inline const QString Member = QStringLiteral("member");
inline const QString Viewer = QStringLiteral("viewer");
inline QStringList all()
{
    return {Admin, Member, Viewer};
}
// admin > member > viewer
inline int rank(const QString &role)
{
    return role == Admin ? 3 : role == Member ? 2 : role == Viewer ? 1 : 0;
}
} // namespace Roles

namespace CrewStatus {
inline const QString Offline = QStringLiteral("offline");
inline const QString Available = QStringLiteral("available");
inline const QString Busy = QStringLiteral("busy");
inline QStringList all()
{
    return {Offline, Available, Busy};
}
} // namespace CrewStatus

namespace RunState {
inline const QString Queued = QStringLiteral("queued");
inline const QString Running = QStringLiteral("running");
inline const QString Succeeded = QStringLiteral("succeeded");
inline const QString Failed = QStringLiteral("failed");
inline const QString Cancelled = QStringLiteral("cancelled");
inline QStringList all()
{
    return {Queued, Running, Succeeded, Failed, Cancelled};
}
inline bool isFinal(const QString &s)
{
    return s == Succeeded || s == Failed || s == Cancelled;
}
} // namespace RunState

namespace CallState {
inline const QString Running = QStringLiteral("running");
inline const QString Success = QStringLiteral("success");
inline const QString Failed = QStringLiteral("failed");
inline const QString Cancelled = QStringLiteral("cancelled");
inline const QString Timeout = QStringLiteral("timeout");
inline QStringList all()
{
    return {Running, Success, Failed, Cancelled, Timeout};
}
} // namespace CallState

struct ApiError
{
    QString code;
    QString message;
    QJsonObject toJson() const; // {"error":{"code","message"}}
    static std::optional<ApiError> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct Agent
{
    QString id; // empty in a create request
    QString name;
    QString role;
    QStringList tools;
    QJsonObject toJson() const;
    static std::optional<Agent> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct Crew
{
    QString id;
    QString name;
    QString status = CrewStatus::Offline;
    QList<Agent> agents;
    std::optional<Micros> rentalPricePerHour;
    QDateTime createdAt;
    QString ownerOrgId; // additive: "owner_org_id"
    QJsonObject toJson() const;
    static std::optional<Crew> fromJson(const QJsonObject &o, QString *error = nullptr);
};

// POST /crews body
struct CreateCrewRequest
{
    QString name;
    QList<Agent> agents; // ids ignored
    std::optional<Micros> rentalPricePerHour;
    QJsonObject toJson() const;
    static std::optional<CreateCrewRequest> fromJson(const QJsonObject &o,
                                                     QString *error = nullptr);
};

struct Step
{
    std::optional<QString> agentId;
    QString tool;
    QJsonObject params;
    QJsonObject toJson() const;
    // Checks the tool name and its params (git_clone needs a url, script a command, ...).
    static std::optional<Step> fromJson(const QJsonObject &o, QString *error = nullptr);
};

// POST /crews/{id}/runs body
struct StartRunRequest
{
    QList<Step> steps;
    std::optional<int> timeoutS;
    QJsonObject toJson() const;
    static std::optional<StartRunRequest> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct ToolCall
{
    QString id;
    QString agentId;
    QString tool;
    QJsonObject params;
    QString status = CallState::Running;
    std::optional<int> exitCode;
    QDateTime startedAt;
    std::optional<qint64> durationMs;
    QJsonObject toJson() const;
    static std::optional<ToolCall> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct Run
{
    QString id;
    QString crewId;
    QString status = RunState::Queued;
    QDateTime createdAt;
    QDateTime startedAt;  // invalid -> null
    QDateTime finishedAt; // invalid -> null
    std::optional<qint64> durationMs;
    qint64 tokens = 0;
    // The run's time limit as started (additive field): toJson() writes "timeout_s" only
    // when set, fromJson() accepts it missing or null.
    std::optional<int> timeoutS;
    QList<ToolCall> toolCalls;
    bool withToolCalls = true; // toJson() writes "tool_calls" only when set
    QJsonObject toJson() const;
    static std::optional<Run> fromJson(const QJsonObject &o, QString *error = nullptr);
};

// GET /runs
struct RunPage
{
    QList<Run> items;
    std::optional<QString> nextCursor;
    QJsonObject toJson() const;
    static std::optional<RunPage> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct DashboardStats
{
    qint64 totalRuns = 0;
    double successRate = 0;
    double avgLatencyMs = 0;
    qint64 p50LatencyMs = 0;
    qint64 p95LatencyMs = 0;
    qint64 totalTokens = 0;
    qint64 activeCrews = 0;
    QList<Run> recentRuns; // without tool_calls
    QJsonObject toJson() const;
    static std::optional<DashboardStats> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct TokenStats
{
    QString symbol = QStringLiteral("C7T");
    Micros balance;
    Micros spent;
    Micros earned;
    Micros pendingRewards;
    QJsonObject toJson() const;
    static std::optional<TokenStats> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct TopCrew
{
    QString crewId;
    QString name;
    qint64 rentals = 0;
    Micros revenue;
    QJsonObject toJson() const;
    static std::optional<TopCrew> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct RentalStats
{
    qint64 activeRentals = 0;
    qint64 totalRentals = 0;
    Micros revenue;
    Micros spend;
    double utilization = 0;
    QList<TopCrew> topCrews;
    QJsonObject toJson() const;
    static std::optional<RentalStats> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct Rental
{
    QString id;
    QString crewId;
    QString renterOrgId;
    QString ownerOrgId;
    Micros hours; // fixed point, 6 decimals
    Micros price;
    QDateTime startsAt;
    QDateTime endsAt;
    QString status = QStringLiteral("active"); // active | ended
    QJsonObject toJson() const;
    static std::optional<Rental> fromJson(const QJsonObject &o, QString *error = nullptr);
};

// POST /rentals body
struct RentRequest
{
    QString crewId;
    Micros hours; // > 0, at most 6 decimals
    QJsonObject toJson() const;
    static std::optional<RentRequest> fromJson(const QJsonObject &o, QString *error = nullptr);
};

// GET /market/crews item
struct MarketCrew
{
    QString id;
    QString name;
    QString ownerOrgId;
    Micros rentalPricePerHour;
    QString status = CrewStatus::Offline;
    QJsonObject toJson() const;
    static std::optional<MarketCrew> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct User
{
    QString id;
    QString email;
    QString orgId; // written only when set (login response); GET /users omits it
    QString role;
    QJsonObject toJson() const;
    static std::optional<User> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct LoginRequest
{
    QString email;
    QString password;
    QJsonObject toJson() const;
    static std::optional<LoginRequest> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct LoginResponse
{
    QString accessToken;
    QString tokenType = QStringLiteral("bearer");
    qint64 expiresIn = 3600;
    User user;
    QJsonObject toJson() const;
    static std::optional<LoginResponse> fromJson(const QJsonObject &o, QString *error = nullptr);
};

// POST /users body
struct CreateUserRequest
{
    QString email;
    QString password; // >= 8 characters
    QString role;
    QJsonObject toJson() const;
    static std::optional<CreateUserRequest> fromJson(const QJsonObject &o,
                                                     QString *error = nullptr);
};

struct TimeseriesPoint
{
    QDateTime t;
    std::optional<double> value; // null when the bucket has no data (rates, latency)
    QJsonObject extra;           // metric-specific fields: succeeded, failed, p95, spent, earned
    QJsonObject toJson() const;
    static std::optional<TimeseriesPoint> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct Timeseries
{
    QString metric;
    QString bucket;
    QList<TimeseriesPoint> points;
    QJsonObject toJson() const;
    static std::optional<Timeseries> fromJson(const QJsonObject &o, QString *error = nullptr);
};

// Encodes/decodes JSON arrays of any of the types above.
template <typename T> QJsonArray toJsonArray(const QList<T> &items)
{
    QJsonArray a;
    for (const auto &i : items)
        a.append(i.toJson());
    return a;
}

template <typename T>
std::optional<QList<T>> listFromJson(const QJsonArray &arr, QString *error = nullptr)
{
    QList<T> out;
    out.reserve(arr.size());
    for (qsizetype i = 0; i < arr.size(); ++i) {
        QString err;
        std::optional<T> item;
        if (arr.at(i).isObject())
            item = T::fromJson(arr.at(i).toObject(), &err);
        else
            err = QStringLiteral("expected an object");
        if (!item) {
            if (error)
                *error = QLatin1Char('[') + QString::number(i) + QStringLiteral("].") + err;
            return std::nullopt;
        }
        out.append(std::move(*item));
    }
    return out;
}

} // namespace crewdeck
