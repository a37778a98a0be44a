#pragma once
#include "shared/json.h"

#include <QDateTime>
#include <QJsonObject>
#include <variant>

// Server -> client WebSocket frames (docs/protocol.md, "WebSockets"). Every frame carries
// `type`, `seq` and `ts`; the body fields depend on the type.
namespace crewdeck {

namespace EventType {
inline const QString ToolStart = QStringLiteral("tool_start");
inline const QString ToolProgress = QStringLiteral("tool_progress");
inline const QString ToolEnd = QStringLiteral("tool_end");
inline const QString RunStatus = QStringLiteral("run_status");
inline const QString Signal = QStringLiteral("signal");
inline const QString Snapshot = QStringLiteral("snapshot");
inline const QString Heartbeat = QStringLiteral("heartbeat");
inline const QString Reset = QStringLiteral("reset");
inline const QString Pong = QStringLiteral("pong");
} // namespace EventType

struct ToolStartEvent
{
    QString crewId, runId, agentId, toolCallId, tool;
    QJsonObject params;
    static QString type() { return EventType::ToolStart; }
    QJsonObject toJson() const;
    static std::optional<ToolStartEvent> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct ToolProgressEvent
{
    QString crewId, runId, agentId, toolCallId, message;
    std::optional<int> progress; // 0..100, null for plain output lines
    static QString type() { return EventType::ToolProgress; }
    QJsonObject toJson() const;
    static std::optional<ToolProgressEvent> fromJson(const QJsonObject &o,
                                                     QString *error = nullptr);
};

struct ToolEndEvent
{
    QString crewId, runId, agentId, toolCallId, tool;
    qint64 durationMs = 0;
    QString status; // success | failed | cancelled | timeout
    std::optional<int> exitCode;
    QString message; // additive: e.g. "interrupted", "worker lost"
    static QString type() { return EventType::ToolEnd; }
    QJsonObject toJson() const;
    static std::optional<ToolEndEvent> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct RunStatusEvent
{
    QString crewId, runId, status;
    static QString type() { return EventType::RunStatus; }
    QJsonObject toJson() const;
    static std::optional<RunStatusEvent> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct SignalEvent
{
    QString crewId, status;
    static QString type() { return EventType::Signal; }
    QJsonObject toJson() const;
    static std::optional<SignalEvent> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct CrewState
{
    QString crewId, status;
    QJsonObject toJson() const;
    static std::optional<CrewState> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct SnapshotEvent
{
    QList<CrewState> crews;
    static QString type() { return EventType::Snapshot; }
    QJsonObject toJson() const;
    static std::optional<SnapshotEvent> fromJson(const QJsonObject &o, QString *error = nullptr);
};

struct HeartbeatEvent
{
    static QString type() { return EventType::Heartbeat; }
    QJsonObject toJson() const { return {}; }
    static std::optional<HeartbeatEvent> fromJson(const QJsonObject &, QString * = nullptr)
    {
        return HeartbeatEvent{};
    }
};

struct ResetEvent
{
    static QString type() { return EventType::Reset; }
    QJsonObject toJson() const { return {}; }
    static std::optional<ResetEvent> fromJson(const QJsonObject &, QString * = nullptr)
    {
        return ResetEvent{};
    }
};

struct PongEvent
{
    static QString type() { return EventType::Pong; }
    QJsonObject toJson() const { return {}; }
    static std::optional<PongEvent> fromJson(const QJsonObject &, QString * = nullptr)
    {
        return PongEvent{};
    }
};

using EventBody = std::variant<ToolStartEvent, ToolProgressEvent, ToolEndEvent, RunStatusEvent,
                               SignalEvent, SnapshotEvent, HeartbeatEvent, ResetEvent, PongEvent>;

// One frame: {"type", "seq", "ts", ...body fields}.
struct Event
{
    qint64 seq = 0;
    QDateTime ts;
    EventBody body;

    QString type() const;
    // True for tool_*, run_status and signal: the frames that advance `seq`.
    bool isStreamEvent() const;
    QString crewId() const; // empty for frames without one
    QString runId() const;

    QJsonObject toJson() const;
    QByteArray toBytes() const; // compact JSON, what goes on the wire
    static std::optional<Event> fromJson(const QJsonObject &o, QString *error = nullptr);
    static std::optional<Event> fromBytes(const QByteArray &json, QString *error = nullptr);
};

// Client -> server: {"type":"ping"} is the only message a client may send.
bool isPingMessage(const QString &text);

} // namespace crewdeck
