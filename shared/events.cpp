#include "shared/events.h"
#include "shared/timeutil.h"
#include "shared/types.h"

#include <QJsonDocument>

namespace crewdeck {

using namespace Qt::StringLiterals;

QJsonObject ToolStartEvent::toJson() const
{
    return QJsonObject{{u"crew_id"_s, crewId},   {u"run_id"_s, runId},
                       {u"agent_id"_s, agentId}, {u"tool_call_id"_s, toolCallId},
                       {u"tool"_s, tool},        {u"params"_s, params}};
}

std::optional<ToolStartEvent> ToolStartEvent::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    ToolStartEvent e;
    r.str(u"crew_id"_s, e.crewId) && r.str(u"run_id"_s, e.runId) &&
        r.str(u"agent_id"_s, e.agentId, true) && r.str(u"tool_call_id"_s, e.toolCallId) &&
        r.str(u"tool"_s, e.tool) && r.object(u"params"_s, e.params);
    return finish(r, std::move(e), error);
}

QJsonObject ToolProgressEvent::toJson() const
{
    return QJsonObject{{u"crew_id"_s, crewId},   {u"run_id"_s, runId},
                       {u"agent_id"_s, agentId}, {u"tool_call_id"_s, toolCallId},
                       {u"message"_s, message},  {u"progress"_s, optToJson(progress)}};
}

std::optional<ToolProgressEvent> ToolProgressEvent::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    ToolProgressEvent e;
    r.str(u"crew_id"_s, e.crewId) && r.str(u"run_id"_s, e.runId) &&
        r.str(u"agent_id"_s, e.agentId, true) && r.str(u"tool_call_id"_s, e.toolCallId) &&
        r.str(u"message"_s, e.message, true) && r.optInt32(u"progress"_s, e.progress);
    if (r.ok() && e.progress && (*e.progress < 0 || *e.progress > 100))
        r.fail(u"progress"_s, u"must be between 0 and 100"_s);
    return finish(r, std::move(e), error);
}

QJsonObject ToolEndEvent::toJson() const
{
    QJsonObject o{{u"crew_id"_s, crewId},   {u"run_id"_s, runId},
                  {u"agent_id"_s, agentId}, {u"tool_call_id"_s, toolCallId},
                  {u"tool"_s, tool},        {u"duration_ms"_s, durationMs},
                  {u"status"_s, status},    {u"exit_code"_s, optToJson(exitCode)}};
    if (!message.isEmpty())
        o.insert(u"message"_s, message);
    return o;
}

std::optional<ToolEndEvent> ToolEndEvent::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    ToolEndEvent e;
    std::optional<QString> message;
    r.str(u"crew_id"_s, e.crewId) && r.str(u"run_id"_s, e.runId) &&
        r.str(u"agent_id"_s, e.agentId, true) && r.str(u"tool_call_id"_s, e.toolCallId) &&
        r.str(u"tool"_s, e.tool) && r.int64(u"duration_ms"_s, e.durationMs) &&
        r.oneOf(u"status"_s, CallState::all(), e.status) &&
        r.optInt32(u"exit_code"_s, e.exitCode) && r.optStr(u"message"_s, message);
    e.message = message.value_or(QString());
    if (r.ok() && !r.has(u"exit_code"_s))
        r.fail(u"exit_code"_s, u"is required"_s);
    return finish(r, std::move(e), error);
}

QJsonObject RunStatusEvent::toJson() const
{
    return QJsonObject{{u"crew_id"_s, crewId}, {u"run_id"_s, runId}, {u"status"_s, status}};
}

std::optional<RunStatusEvent> RunStatusEvent::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    RunStatusEvent e;
    r.str(u"crew_id"_s, e.crewId) && r.str(u"run_id"_s, e.runId) &&
        r.oneOf(u"status"_s, RunState::all(), e.status);
    return finish(r, std::move(e), error);
}

QJsonObject SignalEvent::toJson() const
{
    return QJsonObject{{u"crew_id"_s, crewId}, {u"status"_s, status}};
}

std::optional<SignalEvent> SignalEvent::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    SignalEvent e;
    r.str(u"crew_id"_s, e.crewId) && r.oneOf(u"status"_s, CrewStatus::all(), e.status);
    return finish(r, std::move(e), error);
}

QJsonObject CrewState::toJson() const
{
    return QJsonObject{{u"crew_id"_s, crewId}, {u"status"_s, status}};
}

std::optional<CrewState> CrewState::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    CrewState e;
    r.str(u"crew_id"_s, e.crewId) && r.oneOf(u"status"_s, CrewStatus::all(), e.status);
    return finish(r, std::move(e), error);
}

QJsonObject SnapshotEvent::toJson() const
{
    return QJsonObject{{u"crews"_s, toJsonArray(crews)}};
}

std::optional<SnapshotEvent> SnapshotEvent::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    SnapshotEvent e;
    r.list(u"crews"_s, e.crews);
    return finish(r, std::move(e), error);
}

// ---- Event
QString Event::type() const
{
    return std::visit([](const auto &b) { return std::decay_t<decltype(b)>::type(); }, body);
}

bool Event::isStreamEvent() const
{
    return std::holds_alternative<ToolStartEvent>(body) ||
           std::holds_alternative<ToolProgressEvent>(body) ||
           std::holds_alternative<ToolEndEvent>(body) ||
           std::holds_alternative<RunStatusEvent>(body) ||
           std::holds_alternative<SignalEvent>(body);
}

QString Event::crewId() const
{
    return std::visit(
        [](const auto &b) -> QString {
            if constexpr (requires { b.crewId; })
                return b.crewId;
            else
                return {};
        },
        body);
}

QString Event::runId() const
{
    return std::visit(
        [](const auto &b) -> QString {
            if constexpr (requires { b.runId; })
                return b.runId;
            else
                return {};
        },
        body);
}

QJsonObject Event::toJson() const
{
    QJsonObject o = std::visit([](const auto &b) { return b.toJson(); }, body);
    o.insert(u"type"_s, type());
    o.insert(u"seq"_s, seq);
    o.insert(u"ts"_s, timeToJson(ts.isValid() ? ts : nowUtc()));
    return o;
}

namespace {

// Appends `s` as a JSON string, byte for byte as QJsonDocument's compact writer does (tests
// compare the two). False for a lone surrogate: the caller then uses QJsonDocument.
bool appendJsonString(QByteArray &out, QStringView s)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    const qsizetype n = s.size();
    qsizetype i = 0;
    while (i < n) {
        const char16_t c = s[i].unicode();
        if (c >= 0x80) {
            // A run of non-ASCII text: checked for well-formed surrogate pairs, then UTF-8.
            qsizetype j = i;
            while (j < n && s[j].unicode() >= 0x80) {
                const char16_t u = s[j].unicode();
                if (u >= 0xD800 && u <= 0xDBFF) {
                    if (j + 1 >= n || s[j + 1].unicode() < 0xDC00 || s[j + 1].unicode() > 0xDFFF)
                        return false;
                    j += 2;
                } else if (u >= 0xDC00 && u <= 0xDFFF) {
                    return false;
                } else {
                    ++j;
                }
            }
            out += s.mid(i, j - i).toUtf8();
            i = j;
            continue;
        }
        switch (c) {
        case u'"':
            out += "\\\"";
            break;
        case u'\\':
            out += "\\\\";
            break;
        case u'\b':
            out += "\\b";
            break;
        case u'\f':
            out += "\\f";
            break;
        case u'\n':
            out += "\\n";
            break;
        case u'\r':
            out += "\\r";
            break;
        case u'\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            } else {
                out += char(c);
            }
        }
        ++i;
    }
    out += '"';
    return true;
}

void appendDigits(QByteArray &out, int value, int width)
{
    char buf[8];
    for (int k = width - 1; k >= 0; --k) {
        buf[k] = char('0' + value % 10);
        value /= 10;
    }
    out.append(buf, width);
}

// "yyyy-MM-ddTHH:mm:ss.zzzZ" (toRfc3339) from milliseconds since the epoch, for 1970-9999;
// false otherwise. Civil date from days: H. Hinnant's algorithm.
bool appendRfc3339(QByteArray &out, qint64 ms)
{
    if (ms < 0 || ms >= 253402300800000LL)
        return false;
    const qint64 days = ms / 86400000;
    qint64 rest = ms % 86400000;
    const qint64 z = days + 719468;
    const qint64 era = z / 146097;
    const qint64 doe = z - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const int day = int(doy - (153 * mp + 2) / 5 + 1);
    const int month = int(mp < 10 ? mp + 3 : mp - 9);
    const int year = int(yoe + era * 400 + (month <= 2 ? 1 : 0));
    const int hour = int(rest / 3600000);
    rest %= 3600000;
    const int minute = int(rest / 60000);
    rest %= 60000;
    out += '"';
    appendDigits(out, year, 4);
    out += '-';
    appendDigits(out, month, 2);
    out += '-';
    appendDigits(out, day, 2);
    out += 'T';
    appendDigits(out, hour, 2);
    out += ':';
    appendDigits(out, minute, 2);
    out += ':';
    appendDigits(out, int(rest / 1000), 2);
    out += '.';
    appendDigits(out, int(rest % 1000), 3);
    out += "Z\"";
    return true;
}

// tool_progress is most of a run's events (every output line): written directly, in the
// key order QJsonObject gives (sorted), instead of building a QJsonObject and a document.
std::optional<QByteArray> fastProgressBytes(const ToolProgressEvent &p, qint64 seq,
                                            const QDateTime &ts)
{
    QByteArray out;
    out.reserve(160 + p.message.size() + p.agentId.size() + p.crewId.size() + p.runId.size() +
                p.toolCallId.size());
    out += "{\"agent_id\":";
    if (!appendJsonString(out, p.agentId))
        return std::nullopt;
    out += ",\"crew_id\":";
    if (!appendJsonString(out, p.crewId))
        return std::nullopt;
    out += ",\"message\":";
    if (!appendJsonString(out, p.message))
        return std::nullopt;
    out += ",\"progress\":";
    if (p.progress)
        out += QByteArray::number(*p.progress);
    else
        out += "null";
    out += ",\"run_id\":";
    if (!appendJsonString(out, p.runId))
        return std::nullopt;
    out += ",\"seq\":";
    out += QByteArray::number(seq);
    out += ",\"tool_call_id\":";
    if (!appendJsonString(out, p.toolCallId))
        return std::nullopt;
    out += ",\"ts\":";
    if (!appendRfc3339(out, (ts.isValid() ? ts : nowUtc()).toMSecsSinceEpoch()))
        return std::nullopt;
    out += ",\"type\":\"tool_progress\"}";
    return out;
}

} // namespace

QByteArray Event::toBytes() const
{
    if (const auto *p = std::get_if<ToolProgressEvent>(&body)) {
        if (auto fast = fastProgressBytes(*p, seq, ts))
            return std::move(*fast);
    }
    return QJsonDocument(toJson()).toJson(QJsonDocument::Compact);
}

namespace {
template <typename T>
std::optional<Event> decodeAs(const QJsonObject &o, qint64 seq, const QDateTime &ts, QString *error)
{
    auto b = T::fromJson(o, error);
    if (!b)
        return std::nullopt;
    return Event{seq, ts, EventBody(std::move(*b))};
}
} // namespace

std::optional<Event> Event::fromJson(const QJsonObject &o, QString *error)
{
    JsonReader r(o);
    QString type;
    qint64 seq = 0;
    QDateTime ts;
    r.str(u"type"_s, type) && r.int64(u"seq"_s, seq) && r.time(u"ts"_s, ts);
    if (!r.ok()) {
        if (error)
            *error = r.error();
        return std::nullopt;
    }
    if (type == EventType::ToolStart)
        return decodeAs<ToolStartEvent>(o, seq, ts, error);
    if (type == EventType::ToolProgress)
        return decodeAs<ToolProgressEvent>(o, seq, ts, error);
    if (type == EventType::ToolEnd)
        return decodeAs<ToolEndEvent>(o, seq, ts, error);
    if (type == EventType::RunStatus)
        return decodeAs<RunStatusEvent>(o, seq, ts, error);
    if (type == EventType::Signal)
        return decodeAs<SignalEvent>(o, seq, ts, error);
    if (type == EventType::Snapshot)
        return decodeAs<SnapshotEvent>(o, seq, ts, error);
    if (type == EventType::Heartbeat)
        return decodeAs<HeartbeatEvent>(o, seq, ts, error);
    if (type == EventType::Reset)
        return decodeAs<ResetEvent>(o, seq, ts, error);
    if (type == EventType::Pong)
        return decodeAs<PongEvent>(o, seq, ts, error);
    if (error)
        *error = u"type: unknown event type '"_s + type + u'\'';
    return std::nullopt;
}

std::optional<Event> Event::fromBytes(const QByteArray &json, QString *error)
{
    const auto o = parseObject(json, error);
    if (!o)
        return std::nullopt;
    return fromJson(*o, error);
}

bool isPingMessage(const QString &text)
{
    const auto o = parseObject(text.toUtf8(), nullptr);
    return o && o->size() == 1 && o->value(u"type"_s).toString() == u"ping"_s;
}

} // namespace crewdeck
