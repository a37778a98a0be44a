#include "shared/events.h"
#include "shared/money.h"
#include "shared/timeutil.h"
#include "shared/types.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace crewdeck;
using namespace Qt::StringLiterals;

namespace {
QJsonObject obj(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}
QDateTime t(const char *s)
{
    return *parseRfc3339(QString::fromLatin1(s));
}

// encode -> decode -> encode gives the same JSON: nothing lost or renamed.
template <typename T> void checkRoundTrip(const T &value)
{
    const QJsonObject first = value.toJson();
    QString err;
    const auto decoded = T::fromJson(first, &err);
    QVERIFY2(decoded, qPrintable(err));
    QCOMPARE(decoded->toJson(), first);
}

template <typename T> void checkRejects(const QJsonObject &o, const QString &field)
{
    QString err;
    const auto decoded = T::fromJson(o, &err);
    QVERIFY2(!decoded, "decoder accepted invalid input");
    QVERIFY2(err.startsWith(field), qPrintable(u"error '"_s + err + u"' does not name "_s + field));
}
} // namespace

class TestProtocol : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // tool_progress frames are written without QJsonDocument (the hot path); they must be the
    // very bytes QJsonDocument writes, for any text and any time.
    void progressBytesEqualQJsonDocument()
    {
        QRandomGenerator rng(20261126);
        const char16_t pool[] = {u'a',   u'Z',   u'0',   u' ',   u'"',   u'\\', u'/', 0x01,
                                 0x08,   0x09,   0x0A,   0x0C,   0x0D,   0x1F,  0x7F, 0xE9,
                                 0x20AC, 0x2028, 0xFEFF, 0xFFFD, 0xD83D, 0xDE00};
        const qint64 times[] = {0, 951782400000LL /* 2000-02-29 */,
                                4107542400000LL /* 2100-03-01 */,
                                253402300799999LL /* 9999-12-31T23:59:59.999 */, 1764115200123LL};
        int fallbacks = 0;
        for (int round = 0; round < 3000; ++round) {
            QString text;
            const int len = int(rng.bounded(40));
            for (int i = 0; i < len; ++i)
                text += QChar(pool[rng.bounded(int(std::size(pool)))]);
            if (round % 7 == 0)
                text += QString::fromUtf8("\xF0\x9F\x94\xA7 ok \xE2\x8F\xB3"); // well-formed pairs
            const qint64 ms =
                round < int(std::size(times))
                    ? times[round]
                    : qint64(rng.bounded(253402300799LL)) * 1000 + qint64(rng.bounded(1000));
            ToolProgressEvent p{
                u"crw_1"_s,
                u"run_\"x"_s,
                round % 3 ? u"agt_1"_s : QString(),
                u"tc_1"_s,
                text,
                round % 2 ? std::optional<int>(int(rng.bounded(101))) : std::nullopt};
            const Event e{qint64(rng.bounded(1000000000)) + 1,
                          QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC), p};
            const QByteArray reference = QJsonDocument(e.toJson()).toJson(QJsonDocument::Compact);
            QCOMPARE(e.toBytes(), reference);
            bool lone = false;
            for (qsizetype i = 0; i < text.size(); ++i) {
                if (text.at(i).isHighSurrogate() &&
                    !(i + 1 < text.size() && text.at(i + 1).isLowSurrogate()))
                    lone = true;
                else if (text.at(i).isLowSurrogate() &&
                         !(i > 0 && text.at(i - 1).isHighSurrogate()))
                    lone = true;
            }
            fallbacks += lone ? 1 : 0;
            // And it reads back as the same event.
            const auto back = Event::fromBytes(e.toBytes());
            QVERIFY(back);
            QCOMPARE(back->seq, e.seq);
        }
        QVERIFY(fallbacks > 0); // the lone-surrogate fallback was exercised too
    }

    void micros_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("micros");
        QTest::newRow("int") << u"12"_s << qint64(12000000);
        QTest::newRow("tenth") << u"0.1"_s << qint64(100000);
        QTest::newRow("micro") << u"0.000001"_s << qint64(1);
        QTest::newRow("neg") << u"-3.5"_s << qint64(-3500000);
        QTest::newRow("trailing zeros") << u"1.500000"_s << qint64(1500000);
        QTest::newRow("big")
            << u"900000000.123456"_s
            << qint64(900000000123456); // 15 significant digits: exact through a double
    }
    void micros()
    {
        QFETCH(QString, text);
        QFETCH(qint64, micros);
        const auto m = Micros::fromString(text);
        QVERIFY(m);
        QCOMPARE(m->value, micros);
        // JSON numbers decode exactly too.
        const auto fromJson = Micros::fromJson(QJsonValue(text.toDouble()));
        QVERIFY(fromJson);
        QCOMPARE(fromJson->value, micros);
        // And encode back to the same number.
        QCOMPARE(Micros{micros}.toJson().toDouble(), text.toDouble());
    }

    void microsRejects()
    {
        QVERIFY(!Micros::fromString(u"0.0000001"_s)); // 7 decimals
        QVERIFY(!Micros::fromString(u"abc"_s));
        QVERIFY(!Micros::fromString(u"1e3"_s));
        QVERIFY(!Micros::fromString(u""_s));
        QVERIFY(!Micros::fromJson(QJsonValue(u"1"_s)));
        QVERIFY(!Micros::fromJson(QJsonValue(0.0000001)));
        QVERIFY(!Micros::fromJson(QJsonValue(1e300)));
        QCOMPARE(Micros{1}.toString(), u"0.000001"_s);
        QCOMPARE(Micros{-1500000}.toString(), u"-1.5"_s);
        QCOMPARE(Micros{0}.toString(), u"0"_s);
    }

    void priceRounding()
    {
        // 0.333333 C7T/h x 1.5 h = 0.4999995 -> half-up -> 0.5
        QCOMPARE(
            multiplyRoundHalfUp(*Micros::fromString(u"0.333333"_s), *Micros::fromString(u"1.5"_s))
                .value,
            qint64(500000));
        // 2.5 x 0.000001 h = 0.0000025 -> 0.000003
        QCOMPARE(
            multiplyRoundHalfUp(*Micros::fromString(u"2.5"_s), *Micros::fromString(u"0.000001"_s))
                .value,
            qint64(3));
        // 12 x 0.1 = 1.2 exactly
        QCOMPARE(multiplyRoundHalfUp(Micros::fromUnits(12), *Micros::fromString(u"0.1"_s)).value,
                 qint64(1200000));
        // 0.4 x 0.000001 h = 0.0000004 -> rounds down to 0
        QCOMPARE(
            multiplyRoundHalfUp(*Micros::fromString(u"0.4"_s), *Micros::fromString(u"0.000001"_s))
                .value,
            qint64(0));
        // Large: 1e6 C7T/h x 1000 h
        QCOMPARE(multiplyRoundHalfUp(Micros::fromUnits(1000000), Micros::fromUnits(1000)).value,
                 qint64(1000000000) * Micros::PerUnit);
    }

    void timestamps()
    {
        const QDateTime a = t("2026-11-25T20:31:07.123Z");
        QCOMPARE(toRfc3339(a), u"2026-11-25T20:31:07.123Z"_s);
        QCOMPARE(toRfc3339(t("2026-11-25T21:31:07.123+01:00")), u"2026-11-25T20:31:07.123Z"_s);
        QCOMPARE(toRfc3339(t("2026-11-25T20:31:07Z")), u"2026-11-25T20:31:07.000Z"_s);
        QCOMPARE(toRfc3339(t("2026-11-25T20:31:07.123456Z")), u"2026-11-25T20:31:07.123Z"_s);
        QVERIFY(!parseRfc3339(u"2026-11-25"_s));
        QVERIFY(!parseRfc3339(u"2026-11-25T20:31:07"_s)); // no zone
        QVERIFY(!parseRfc3339(u"yesterday"_s));
        QVERIFY(!parseRfc3339(u"2026-13-45T20:31:07Z"_s));
        // The canonical shape (read without the general parser) agrees with the general one,
        // and out-of-range values in that shape are still refused.
        QCOMPARE(t("2026-11-25T20:31:07.123Z"), t("2026-11-25T20:31:07.1230Z"));
        QCOMPARE(a.timeSpec(), Qt::UTC);
        QCOMPARE(a, QDateTime(QDate(2026, 11, 25), QTime(20, 31, 7, 123), Qt::UTC));
        QCOMPARE(t("2028-02-29T23:59:59.999Z"),
                 QDateTime(QDate(2028, 2, 29), QTime(23, 59, 59, 999), Qt::UTC));
        for (const char *bad :
             {"2026-02-30T20:31:07.123Z", "2026-11-25T20:60:07.123Z", "2026-11-25T20:31:07.12xZ",
              "2026-11-25T20:31:07.123X", "2026-1a-25T20:31:07.123Z"})
            QVERIFY2(!parseRfc3339(QString::fromLatin1(bad)), bad);
    }

    void crewRoundTrip()
    {
        Crew c;
        c.id = u"crw_1"_s;
        c.name = u"Builders"_s;
        c.status = CrewStatus::Busy;
        c.agents = {Agent{u"agt_1"_s, u"Ada"_s, u"coder"_s, {Tools::GitClone, Tools::Pytest}}};
        c.rentalPricePerHour = Micros{2500000};
        c.createdAt = t("2026-11-25T20:31:07.123Z");
        checkRoundTrip(c);
        const QJsonObject j = c.toJson();
        QCOMPARE(j.value(u"rental_price_per_hour"_s).toDouble(), 2.5);
        QCOMPARE(j.value(u"created_at"_s).toString(), u"2026-11-25T20:31:07.123Z"_s);
        c.rentalPricePerHour.reset();
        QVERIFY(c.toJson().value(u"rental_price_per_hour"_s).isNull());
        checkRoundTrip(c);
    }

    void crewRejects()
    {
        checkRejects<Crew>(
            obj(R"({"name":"x","status":"busy","agents":[],"rental_price_per_hour":null,"created_at":"2026-11-25T20:31:07.123Z"})"),
            u"id"_s);
        checkRejects<Crew>(
            obj(R"({"id":"c","name":"x","status":"sleepy","agents":[],"rental_price_per_hour":null,"created_at":"2026-11-25T20:31:07.123Z"})"),
            u"status"_s);
        checkRejects<Crew>(
            obj(R"({"id":"c","name":"x","status":"busy","agents":[{"name":"a","role":"r","tools":"git_clone"}],"rental_price_per_hour":null,"created_at":"2026-11-25T20:31:07.123Z"})"),
            u"agents[0].tools"_s);
        checkRejects<Crew>(
            obj(R"({"id":"c","name":"x","status":"busy","agents":[],"rental_price_per_hour":"5","created_at":"2026-11-25T20:31:07.123Z"})"),
            u"rental_price_per_hour"_s);
        checkRejects<Crew>(
            obj(R"({"id":"c","name":"x","status":"busy","agents":[],"rental_price_per_hour":null,"created_at":"tuesday"})"),
            u"created_at"_s);
    }

    void createCrewRequest()
    {
        QString err;
        auto r = CreateCrewRequest::fromJson(
            obj(R"({"name":"n","agents":[{"name":"a","role":"r","tools":["script"]}]})"), &err);
        QVERIFY2(r, qPrintable(err));
        QVERIFY(!r->rentalPricePerHour);
        checkRejects<CreateCrewRequest>(
            obj(R"({"name":"n","agents":[{"name":"a","role":"r","tools":["rm_rf"]}]})"),
            u"agents[0].tools[0]"_s);
        checkRejects<CreateCrewRequest>(obj(R"({"name":"n","agents":[]})"), u"agents"_s);
        checkRejects<CreateCrewRequest>(obj(R"({"agents":[{"name":"a","role":"r","tools":[]}]})"),
                                        u"name"_s);
        checkRejects<CreateCrewRequest>(
            obj(R"({"name":"n","agents":[{"name":"a","role":"r","tools":[]}],"rental_price_per_hour":-1})"),
            u"rental_price_per_hour"_s);
        checkRejects<CreateCrewRequest>(
            obj(R"({"name":"n","agents":[{"name":"a","role":"r","tools":[]}],"rental_price_per_hour":1.0000001})"),
            u"rental_price_per_hour"_s);
    }

    void steps()
    {
        QString err;
        auto s = StartRunRequest::fromJson(
            obj(R"({"steps":[{"tool":"git_clone","params":{"url":"/tmp/r.git","ref":"main"}},{"agent_id":"agt_1","tool":"pytest","params":{"args":["-q"]}},{"tool":"script","params":{"command":"echo hi"}}],"timeout_s":60})"),
            &err);
        QVERIFY2(s, qPrintable(err));
        QCOMPARE(s->steps.size(), 3);
        QCOMPARE(s->steps[1].agentId, std::optional<QString>(u"agt_1"_s));
        QCOMPARE(s->timeoutS, std::optional<int>(60));
        checkRoundTrip(*s);
        checkRejects<StartRunRequest>(obj(R"({"steps":[{"tool":"rm","params":{}}]})"),
                                      u"steps[0].tool"_s);
        checkRejects<StartRunRequest>(obj(R"({"steps":[{"tool":"git_clone","params":{}}]})"),
                                      u"steps[0].params.url"_s);
        checkRejects<StartRunRequest>(
            obj(R"({"steps":[{"tool":"git_clone","params":{"url":"--upload-pack=evil"}}]})"),
            u"steps[0].params.url"_s);
        checkRejects<StartRunRequest>(
            obj(R"({"steps":[{"tool":"script","params":{"command":5}}]})"),
            u"steps[0].params.command"_s);
        checkRejects<StartRunRequest>(obj(R"({"steps":[{"tool":"pytest","params":{"args":[1]}}]})"),
                                      u"steps[0].params.args[0]"_s);
        checkRejects<StartRunRequest>(obj(R"({"steps":[]})"), u"steps"_s);
        checkRejects<StartRunRequest>(obj(R"({"steps":"all"})"), u"steps"_s);
        checkRejects<StartRunRequest>(
            obj(R"({"steps":[{"tool":"script","params":{"command":"x"}}],"timeout_s":1.5})"),
            u"timeout_s"_s);
        checkRejects<StartRunRequest>(
            obj(R"({"steps":[{"tool":"script","params":{"command":"x"}}],"timeout_s":0})"),
            u"timeout_s"_s);
    }

    void runRoundTrip()
    {
        Run r;
        r.id = u"run_1"_s;
        r.crewId = u"crw_1"_s;
        r.status = RunState::Failed;
        r.createdAt = t("2026-11-25T20:31:07.123Z");
        r.startedAt = t("2026-11-25T20:31:08.000Z");
        r.finishedAt = t("2026-11-25T20:31:09.500Z");
        r.durationMs = 1500;
        r.tokens = 42;
        ToolCall c;
        c.id = u"tc_1"_s;
        c.agentId = u"agt_1"_s;
        c.tool = Tools::Script;
        c.params = QJsonObject{{u"command"_s, u"false"_s}};
        c.status = CallState::Failed;
        c.exitCode = 1;
        c.startedAt = r.startedAt;
        c.durationMs = 12;
        r.toolCalls = {c};
        checkRoundTrip(r);
        r.withToolCalls = false;
        QVERIFY(!r.toJson().contains(u"tool_calls"_s));
        checkRoundTrip(r);
        // A queued run has nulls.
        Run q;
        q.id = u"run_2"_s;
        q.crewId = u"crw_1"_s;
        q.createdAt = r.createdAt;
        const QJsonObject j = q.toJson();
        QVERIFY(j.value(u"started_at"_s).isNull());
        QVERIFY(j.value(u"duration_ms"_s).isNull());
        checkRoundTrip(q);
        RunPage page{{r, q}, u"abc"_s};
        checkRoundTrip(page);
        QVERIFY(RunPage{}.toJson().value(u"next_cursor"_s).isNull());
    }

    // timeout_s is additive: written only when set, accepted missing or null, type-checked.
    void runTimeout()
    {
        Run r;
        r.id = u"run_1"_s;
        r.crewId = u"crw_1"_s;
        r.createdAt = t("2026-11-25T20:31:07.123Z");
        QVERIFY(!r.toJson().contains(u"timeout_s"_s));
        r.timeoutS = 45;
        const QJsonObject j = r.toJson();
        QCOMPARE(j.value(u"timeout_s"_s).toInt(), 45);
        checkRoundTrip(r);
        const auto back = Run::fromJson(j);
        QVERIFY(back);
        QCOMPARE(back->timeoutS, std::optional<int>(45));
        QJsonObject missing = j;
        missing.remove(u"timeout_s"_s);
        const auto old = Run::fromJson(missing);
        QVERIFY(old);
        QVERIFY(!old->timeoutS);
        QJsonObject null = j;
        null.insert(u"timeout_s"_s, QJsonValue::Null);
        const auto nulled = Run::fromJson(null);
        QVERIFY(nulled);
        QVERIFY(!nulled->timeoutS);
        QJsonObject bad = j;
        bad.insert(u"timeout_s"_s, u"45"_s);
        checkRejects<Run>(bad, u"timeout_s"_s);
        RunPage page{{r}, std::nullopt};
        checkRoundTrip(page);
    }

    void stats()
    {
        DashboardStats d;
        d.totalRuns = 10;
        d.successRate = 0.7;
        d.avgLatencyMs = 123.5;
        d.p50LatencyMs = 100;
        d.p95LatencyMs = 300;
        d.totalTokens = 999;
        d.activeCrews = 2;
        checkRoundTrip(d);
        TokenStats ts{u"C7T"_s, Micros{1000000000}, Micros{2500000}, Micros{0}, Micros{1}};
        checkRoundTrip(ts);
        QCOMPARE(ts.toJson().value(u"pending_rewards"_s).toDouble(), 0.000001);
        RentalStats rs;
        rs.activeRentals = 1;
        rs.totalRentals = 3;
        rs.revenue = Micros{5000000};
        rs.utilization = 0.5;
        rs.topCrews = {TopCrew{u"crw_1"_s, u"A"_s, 3, Micros{5000000}}};
        checkRoundTrip(rs);
        checkRejects<DashboardStats>(obj(R"({"total_runs":"10"})"), u"total_runs"_s);
        checkRejects<TokenStats>(obj(R"({"symbol":"C7T","balance":1,"spent":1,"earned":1})"),
                                 u"pending_rewards"_s);
    }

    void rentalsAndUsers()
    {
        Rental r{u"rnt_1"_s,
                 u"crw_1"_s,
                 u"org_a"_s,
                 u"org_b"_s,
                 *Micros::fromString(u"1.5"_s),
                 Micros{3000000},
                 t("2026-11-25T20:00:00.000Z"),
                 t("2026-11-25T21:30:00.000Z"),
                 u"active"_s};
        checkRoundTrip(r);
        checkRoundTrip(
            MarketCrew{u"crw_1"_s, u"A"_s, u"org_b"_s, Micros{2000000}, CrewStatus::Available});
        checkRejects<RentRequest>(obj(R"({"crew_id":"c","hours":0})"), u"hours"_s);
        checkRejects<RentRequest>(obj(R"({"crew_id":"c","hours":-1})"), u"hours"_s);
        checkRejects<RentRequest>(obj(R"({"crew_id":"c","hours":"2"})"), u"hours"_s);
        checkRejects<RentRequest>(obj(R"({"hours":2})"), u"crew_id"_s);
        QString err;
        auto rr = RentRequest::fromJson(obj(R"({"crew_id":"c","hours":0.25})"), &err);
        QVERIFY2(rr, qPrintable(err));
        QCOMPARE(rr->hours.value, qint64(250000));

        LoginResponse l{u"tok"_s, u"bearer"_s, 3600,
                        User{u"usr_1"_s, u"a@b.c"_s, u"org_1"_s, Roles::Admin}};
        checkRoundTrip(l);
        QCOMPARE(l.toJson().value(u"user"_s).toObject().value(u"org_id"_s).toString(), u"org_1"_s);
        checkRejects<LoginRequest>(obj(R"({"email":"a@b.c"})"), u"password"_s);
        checkRejects<LoginRequest>(obj(R"({"email":5,"password":"x"})"), u"email"_s);
        checkRejects<CreateUserRequest>(
            obj(R"({"email":"a@b.c","password":"short","role":"admin"})"), u"password"_s);
        checkRejects<CreateUserRequest>(
            obj(R"({"email":"a@b.c","password":"long enough","role":"root"})"), u"role"_s);
        checkRejects<CreateUserRequest>(
            obj(R"({"email":"nope","password":"long enough","role":"admin"})"), u"email"_s);
        checkRejects<LoginResponse>(
            obj(R"({"access_token":"t","token_type":"bearer","expires_in":3600,"user":{"id":"u","email":"e","role":"god"}})"),
            u"user.role"_s);
    }

    void errorEnvelope()
    {
        ApiError e{u"not_found"_s, u"no such crew"_s};
        QCOMPARE(e.toJson(), obj(R"({"error":{"code":"not_found","message":"no such crew"}})"));
        checkRoundTrip(e);
    }

    void events_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("tool_start") << QByteArray(
            R"({"type":"tool_start","seq":1,"ts":"2026-11-25T20:31:07.123Z","crew_id":"c","run_id":"r","agent_id":"a","tool_call_id":"t","tool":"script","params":{"command":"ls"}})");
        QTest::newRow("tool_progress") << QByteArray(
            R"({"type":"tool_progress","seq":2,"ts":"2026-11-25T20:31:07.123Z","crew_id":"c","run_id":"r","agent_id":"a","tool_call_id":"t","message":"half","progress":50})");
        QTest::newRow("tool_progress null") << QByteArray(
            R"({"type":"tool_progress","seq":3,"ts":"2026-11-25T20:31:07.123Z","crew_id":"c","run_id":"r","agent_id":"a","tool_call_id":"t","message":"line\nline","progress":null})");
        QTest::newRow("tool_end") << QByteArray(
            R"({"type":"tool_end","seq":4,"ts":"2026-11-25T20:31:07.123Z","crew_id":"c","run_id":"r","agent_id":"a","tool_call_id":"t","tool":"script","duration_ms":12,"status":"cancelled","exit_code":null})");
        QTest::newRow("run_status") << QByteArray(
            R"({"type":"run_status","seq":5,"ts":"2026-11-25T20:31:07.123Z","crew_id":"c","run_id":"r","status":"running"})");
        QTest::newRow("signal") << QByteArray(
            R"({"type":"signal","seq":6,"ts":"2026-11-25T20:31:07.123Z","crew_id":"c","status":"busy"})");
        QTest::newRow("snapshot") << QByteArray(
            R"({"type":"snapshot","seq":6,"ts":"2026-11-25T20:31:07.123Z","crews":[{"crew_id":"c","status":"busy"}]})");
        QTest::newRow("heartbeat")
            << QByteArray(R"({"type":"heartbeat","seq":6,"ts":"2026-11-25T20:31:07.123Z"})");
        QTest::newRow("reset") << QByteArray(
            R"({"type":"reset","seq":6,"ts":"2026-11-25T20:31:07.123Z"})");
        QTest::newRow("pong") << QByteArray(
            R"({"type":"pong","seq":6,"ts":"2026-11-25T20:31:07.123Z"})");
    }
    void events()
    {
        QFETCH(QByteArray, json);
        QString err;
        const auto e = Event::fromBytes(json, &err);
        QVERIFY2(e, qPrintable(err));
        QCOMPARE(e->toJson(), obj(json.constData()));
        QCOMPARE(e->type(), obj(json.constData()).value(u"type"_s).toString());
        const bool stream = QStringList{u"tool_start"_s, u"tool_progress"_s, u"tool_end"_s,
                                        u"run_status"_s, u"signal"_s}
                                .contains(e->type());
        QCOMPARE(e->isStreamEvent(), stream);
    }

    void eventRejects()
    {
        QString err;
        QVERIFY(!Event::fromBytes(
            R"({"type":"tool_end","seq":4,"ts":"2026-11-25T20:31:07.123Z","crew_id":"c","run_id":"r","agent_id":"a","tool_call_id":"t","tool":"script","duration_ms":12,"status":"cancelled"})",
            &err));
        QVERIFY(err.startsWith(u"exit_code"_s));
        QVERIFY(!Event::fromBytes(
            R"({"type":"tool_progress","seq":2,"ts":"2026-11-25T20:31:07.123Z","crew_id":"c","run_id":"r","agent_id":"a","tool_call_id":"t","message":"x","progress":101})",
            &err));
        QVERIFY(err.startsWith(u"progress"_s));
        QVERIFY(!Event::fromBytes(R"({"type":"gossip","seq":2,"ts":"2026-11-25T20:31:07.123Z"})",
                                  &err));
        QVERIFY(err.startsWith(u"type"_s));
        QVERIFY(!Event::fromBytes(
            R"({"type":"signal","ts":"2026-11-25T20:31:07.123Z","crew_id":"c","status":"busy"})",
            &err));
        QVERIFY(err.startsWith(u"seq"_s));
        QVERIFY(!Event::fromBytes("not json", &err));
    }

    void ping()
    {
        QVERIFY(isPingMessage(u"{\"type\":\"ping\"}"_s));
        QVERIFY(!isPingMessage(u"{\"type\":\"pong\"}"_s));
        QVERIFY(!isPingMessage(u"{\"type\":\"ping\",\"x\":1}"_s));
        QVERIFY(!isPingMessage(u"ping"_s));
    }

    void bodyParsing()
    {
        QString err;
        QVERIFY(!parseObject("{\"a\":", &err));
        QVERIFY(err.startsWith(u"body"_s));
        QVERIFY(!parseObject("[1]", &err));
        QVERIFY(!parseObject("{\"a\":\"\xff\xfe\"}", &err));
        QVERIFY(err.contains(u"UTF-8"_s));
        // Overlong, surrogate, truncated: refused; a 4-byte character is fine.
        for (const char *bad : {"{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
                                "{\"a\":\"\xe2\x82\"}", "{\"a\":\"\xf4\x90\x80\x80\"}"}) {
            QVERIFY2(!parseObject(bad, &err), bad);
            QVERIFY(err.contains(u"UTF-8"_s));
        }
        const auto emoji = parseObject("{\"a\":\"\xf0\x9f\x98\x80\"}", &err);
        QVERIFY2(emoji, qPrintable(err));
        QCOMPARE(emoji->value(u"a"_s).toString(), QString::fromUtf8("\xf0\x9f\x98\x80"));
        const QByteArray injection = "{\"name\":\"\x27; DROP TABLE crews; --\"}";
        const auto parsed = parseObject(injection, &err);
        QVERIFY(parsed);
        QCOMPARE(parsed->value(u"name"_s).toString(), u"\x27; DROP TABLE crews; --"_s);
    }
};

QTEST_GUILESS_MAIN(TestProtocol)
#include "tst_protocol.moc"
