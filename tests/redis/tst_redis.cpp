// Tests for crewdeck_redis against a real redis-server child process (tests/support).
#include "server/redis/rediscommands.h"
#include "server/redis/redisconnection.h"
#include "server/redis/redissubscriber.h"
#include "tests/support/redisserver.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;
using crewdeck::server::RedisClientBase;
using crewdeck::server::RedisConnection;
using crewdeck::server::RedisReply;
using crewdeck::server::RedisSubscriber;
using crewdeck::testsupport::RedisServer;
namespace rediscmd = crewdeck::server::rediscmd;

namespace {

constexpr int kWait = 15000;

// Runs a real event loop until `done` or the deadline. (QTest::qWait sleeps 10 ms between
// event batches, which would distort the latency figures and slow the bulk tests.)
template <typename Pred> bool spinUntil(Pred done, int timeoutMs = kWait)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(1);
    const QDeadlineTimer deadline(timeoutMs);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done() || deadline.hasExpired())
            loop.quit();
    });
    poll.start();
    loop.exec();
    return done();
}

RedisReply exec(RedisConnection &c, const QList<QByteArray> &argv)
{
    std::optional<RedisReply> out;
    c.command(argv, [&out](const RedisReply &r) { out = r; });
    if (!spinUntil([&] { return out.has_value(); }))
        return RedisReply::makeError("TEST no reply within the test timeout");
    return *out;
}

template <typename T, typename Call> rediscmd::Result<T> await(Call call)
{
    std::optional<rediscmd::Result<T>> out;
    call([&out](const rediscmd::Result<T> &r) { out = r; });
    if (!spinUntil([&] { return out.has_value(); })) {
        rediscmd::Result<T> timeout;
        timeout.error = "TEST no reply within the test timeout";
        return timeout;
    }
    return *out;
}

bool hasState(const QSignalSpy &spy, RedisClientBase::State s)
{
    for (const QList<QVariant> &args : spy)
        if (args.at(0).value<RedisClientBase::State>() == s)
            return true;
    return false;
}

} // namespace

class TestRedis : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void badUrl_data();
    void badUrl();
    void urlParts();
    void commandsAndBinaryValues();
    void databaseSelection();
    void commandWhileDisconnectedFailsFast();
    void pubsubOrder10k();
    void patternSubscription();
    void streamsRoundTrip();
    void blockingReadOnDedicatedConnection();
    void serverKilledThenRestarted();
    void connectionRefusedThenAvailable();
    void stalledServerDetectedByPing();
    void destroyedWithPendingCommands();
    void deletedFromInsideCallback();
    void publishLatency();

private:
    RedisServer m_redis; // shared by the tests that do not stop their server
};

void TestRedis::initTestCase()
{
    if (!RedisServer::isAvailable())
        QSKIP(qPrintable(RedisServer::unavailableReason()));
    QVERIFY2(m_redis.start(), qPrintable(m_redis.errorString()));
}

void TestRedis::badUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("empty") << QString();
    QTest::newRow("wrong scheme") << u"http://127.0.0.1:6379"_s;
    QTest::newRow("no host") << u"redis://:6379/0"_s;
    QTest::newRow("bad port") << u"redis://127.0.0.1:99999"_s;
    QTest::newRow("bad db") << u"redis://127.0.0.1:6379/abc"_s;
    QTest::newRow("negative db") << u"redis://127.0.0.1:6379/-1"_s;
    QTest::newRow("nested path") << u"redis://127.0.0.1:6379/1/2"_s;
    QTest::newRow("garbage") << u"not a url at all"_s;
}

void TestRedis::badUrl()
{
    QFETCH(QString, url);
    RedisConnection c(url);
    QVERIFY(!c.isValid());
    QVERIFY2(c.errorString().contains(u"invalid Redis URL"_s), qPrintable(c.errorString()));
    QVERIFY(!c.open());
    QCOMPARE(c.state(), RedisClientBase::State::Disconnected);
    RedisSubscriber s(url);
    QVERIFY(!s.isValid());
    QVERIFY(!s.open());
}

void TestRedis::urlParts()
{
    RedisConnection a(u"redis://localhost"_s);
    QVERIFY2(a.isValid(), qPrintable(a.errorString()));
    QCOMPARE(a.host(), u"localhost"_s);
    QCOMPARE(a.port(), quint16(6379));
    QCOMPARE(a.database(), 0);
    RedisConnection b(u"redis://:secret@10.1.2.3:7000/5"_s);
    QVERIFY2(b.isValid(), qPrintable(b.errorString()));
    QCOMPARE(b.port(), quint16(7000));
    QCOMPARE(b.database(), 5);
    QVERIFY(!b.displayUrl().contains(u"secret"_s));
}

void TestRedis::commandsAndBinaryValues()
{
    RedisConnection c(m_redis.url());
    QSignalSpy readySpy(&c, &RedisConnection::ready);
    QVERIFY(c.open());
    QVERIFY(readySpy.wait(kWait));
    QCOMPARE(c.state(), RedisClientBase::State::Ready);

    QByteArray binary("a\0b\r\n$3\r\n*\xff\xfe", 13);
    for (int i = 0; i < 256; ++i)
        binary.append(char(i));
    const QByteArray key("bin\0key", 7);
    QVERIFY(exec(c, {"SET", key, binary}).isStatus("OK"));
    const RedisReply got = exec(c, {"GET", key});
    QCOMPARE(got.type, RedisReply::Type::String);
    QCOMPARE(got.str, binary);
    QVERIFY(exec(c, {"GET", "missing-key"}).isNil());
    QVERIFY(exec(c, {"SET", "empty", ""}).isStatus("OK"));
    QCOMPARE(exec(c, {"GET", "empty"}).type, RedisReply::Type::String);

    const RedisReply incr = exec(c, {"INCRBY", "counter", "41"});
    QCOMPARE(incr.type, RedisReply::Type::Integer);
    QCOMPARE(incr.integer, 41);
    const RedisReply notInt = exec(c, {"INCRBY", key, "1"});
    QVERIFY(notInt.isError());
    QVERIFY2(notInt.isErrorCode("ERR"), qPrintable(notInt.toDebugString()));

    QCOMPARE(exec(c, {"RPUSH", "list", "x", QByteArray("\0", 1), "z"}).integer, 3);
    const RedisReply range = exec(c, {"LRANGE", "list", "0", "-1"});
    QCOMPARE(range.type, RedisReply::Type::Array);
    QCOMPARE(range.elements.size(), 3);
    QCOMPARE(range.elements[1].str, QByteArray("\0", 1));

    // Typed helpers.
    auto s = await<bool>([&](auto done) { rediscmd::set(c, "ttl-key", "v", 60000, done); });
    QVERIFY2(s.ok() && s.value, s.error.constData());
    s = await<bool>([&](auto done) {
        rediscmd::set(c, "ttl-key", "w", 0, done, rediscmd::SetCondition::IfNotExists);
    });
    QVERIFY(s.ok());
    QVERIFY(!s.value);
    const qint64 pttl = exec(c, {"PTTL", "ttl-key"}).integer;
    QVERIFY2(pttl > 0 && pttl <= 60000, QByteArray::number(pttl).constData());
    auto g =
        await<std::optional<QByteArray>>([&](auto done) { rediscmd::get(c, "ttl-key", done); });
    QVERIFY(g.ok());
    QCOMPARE(g.value.value_or("?"), QByteArray("v"));
    g = await<std::optional<QByteArray>>([&](auto done) { rediscmd::get(c, "nope", done); });
    QVERIFY(g.ok());
    QVERIFY(!g.value.has_value());
    auto n = await<qint64>([&](auto done) { rediscmd::incrBy(c, "counter", -1, done); });
    QCOMPARE(n.value, 40);
    n = await<qint64>([&](auto done) { rediscmd::del(c, {"counter", "ttl-key", "nope"}, done); });
    QCOMPARE(n.value, 2);
    n = await<qint64>([&](auto done) { rediscmd::publish(c, "nobody-listens", "x", done); });
    QVERIFY(n.ok());
    QCOMPARE(n.value, 0);
    n = await<qint64>([&](auto done) { rediscmd::incrBy(c, key, 1, done); });
    QVERIFY(!n.ok());

    // Pub/sub commands are refused on a command connection.
    const RedisReply sub = exec(c, {"SUBSCRIBE", "x"});
    QVERIFY(sub.isError());
    QVERIFY(sub.str.contains("RedisSubscriber"));
    QCOMPARE(c.state(), RedisClientBase::State::Ready);
    QCOMPARE(c.pendingCount(), 0);
}

void TestRedis::databaseSelection()
{
    RedisConnection db3(m_redis.url(3));
    RedisConnection db0(m_redis.url(0));
    QSignalSpy r3(&db3, &RedisConnection::ready);
    QSignalSpy r0(&db0, &RedisConnection::ready);
    db3.open();
    db0.open();
    QVERIFY(r3.count() || r3.wait(kWait));
    QVERIFY(r0.count() || r0.wait(kWait));
    QVERIFY(exec(db3, {"SET", "only-in-3", "yes"}).isStatus("OK"));
    QCOMPARE(exec(db3, {"GET", "only-in-3"}).str, QByteArray("yes"));
    QVERIFY(exec(db0, {"GET", "only-in-3"}).isNil());

    RedisConnection bad(u"redis://127.0.0.1:%1/999"_s.arg(m_redis.port()));
    QSignalSpy states(&bad, &RedisConnection::stateChanged);
    bad.open();
    QTRY_VERIFY_WITH_TIMEOUT(bad.errorString().contains(u"SELECT 999"_s), kWait);
    QVERIFY(!hasState(states, RedisClientBase::State::Ready));
}

void TestRedis::commandWhileDisconnectedFailsFast()
{
    RedisConnection c(m_redis.url()); // never opened
    int calls = 0;
    RedisReply reply;
    QVERIFY(!c.command({"PING"}, [&](const RedisReply &r) {
        ++calls;
        reply = r;
    }));
    QCOMPARE(calls, 0); // never from inside command()
    QTRY_COMPARE_WITH_TIMEOUT(calls, 1, kWait);
    QVERIFY(reply.isError());
    QVERIFY2(reply.str.contains("not connected"), reply.str.constData());
    QTest::qWait(50);
    QCOMPARE(calls, 1);
}

void TestRedis::pubsubOrder10k()
{
    RedisConnection pub(m_redis.url());
    RedisSubscriber sub(m_redis.url());
    QSignalSpy pubReady(&pub, &RedisConnection::ready);
    QSignalSpy subscribed(&sub, &RedisSubscriber::subscribed);
    sub.subscribe("orders");
    pub.open();
    sub.open();
    QVERIFY(subscribed.count() || subscribed.wait(kWait));
    QCOMPARE(subscribed.at(0).at(0).toByteArray(), QByteArray("orders"));
    QVERIFY(pubReady.count() || pubReady.wait(kWait));

    constexpr int kCount = 10000;
    QList<QByteArray> received;
    received.reserve(kCount);
    bool wrongChannel = false;
    connect(&sub, &RedisSubscriber::message, this,
            [&](const QByteArray &channel, const QByteArray &payload) {
                wrongChannel |= channel != "orders";
                received.append(payload);
            });
    int published = 0;
    for (int i = 0; i < kCount; ++i) {
        pub.command(
            {"PUBLISH", "orders", QByteArray::number(i) + QByteArray("\0\r\n", 3)},
            [&published](const RedisReply &r) { published += r.isInteger() && r.integer == 1; });
    }
    QVERIFY(spinUntil([&] { return received.size() == kCount; }, 60000));
    QCOMPARE(received.size(), kCount);
    QTRY_COMPARE_WITH_TIMEOUT(published, kCount, kWait);
    QVERIFY(!wrongChannel);
    for (int i = 0; i < kCount; ++i)
        QCOMPARE(received.at(i), QByteArray::number(i) + QByteArray("\0\r\n", 3));

    // Unsubscribed channels stop delivering.
    sub.unsubscribe("orders");
    QTRY_COMPARE_WITH_TIMEOUT(exec(pub, {"PUBSUB", "NUMSUB", "orders"}).elements.value(1).integer,
                              0, kWait);
    QCOMPARE(exec(pub, {"PUBLISH", "orders", "late"}).integer, 0);
    QTest::qWait(100);
    QCOMPARE(received.size(), kCount);
}

void TestRedis::patternSubscription()
{
    RedisConnection pub(m_redis.url());
    RedisSubscriber sub(m_redis.url());
    QSignalSpy psubscribed(&sub, &RedisSubscriber::psubscribed);
    QSignalSpy pmsg(&sub, &RedisSubscriber::patternMessage);
    QSignalSpy msg(&sub, &RedisSubscriber::message);
    QSignalSpy pubReady(&pub, &RedisConnection::ready);
    sub.psubscribe("crew.*");
    sub.open();
    pub.open();
    QVERIFY(psubscribed.count() || psubscribed.wait(kWait));
    QVERIFY(pubReady.count() || pubReady.wait(kWait));
    QCOMPARE(exec(pub, {"PUBLISH", "crew.42", "hello"}).integer, 1);
    QCOMPARE(exec(pub, {"PUBLISH", "other", "no"}).integer, 0);
    QVERIFY(pmsg.count() || pmsg.wait(kWait));
    QCOMPARE(pmsg.count(), 1);
    QCOMPARE(pmsg.at(0).at(0).toByteArray(), QByteArray("crew.*"));
    QCOMPARE(pmsg.at(0).at(1).toByteArray(), QByteArray("crew.42"));
    QCOMPARE(pmsg.at(0).at(2).toByteArray(), QByteArray("hello"));
    QCOMPARE(msg.count(), 0);
}

void TestRedis::streamsRoundTrip()
{
    RedisConnection c(m_redis.url());
    QSignalSpy readySpy(&c, &RedisConnection::ready);
    c.open();
    QVERIFY(readySpy.wait(kWait));
    const QByteArray key = "runs:queue";
    const QByteArray group = "workers";

    auto created = await<bool>([&](auto done) { rediscmd::xgroupCreate(c, key, group, done); });
    QVERIFY2(created.ok(), created.error.constData());
    QVERIFY(created.value);
    created = await<bool>([&](auto done) { rediscmd::xgroupCreate(c, key, group, done); });
    QVERIFY2(created.ok(), created.error.constData()); // BUSYGROUP is not an error
    QVERIFY(!created.value);

    QList<QByteArray> ids;
    for (int i = 0; i < 3; ++i) {
        auto id = await<QByteArray>([&](auto done) {
            rediscmd::xadd(c, key,
                           {{"run", QByteArray::number(i)}, {"blob", QByteArray("\0\1", 2)}}, done);
        });
        QVERIFY2(id.ok(), id.error.constData());
        QVERIFY(id.value.contains('-'));
        ids << id.value;
    }

    auto read = await<QList<rediscmd::StreamEntry>>(
        [&](auto done) { rediscmd::xreadgroup(c, key, group, "alice", 10, -1, done); });
    QVERIFY2(read.ok(), read.error.constData());
    QCOMPARE(read.value.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(read.value[i].id, ids[i]);
        QCOMPARE(read.value[i].fields.value("run"), QByteArray::number(i));
        QCOMPARE(read.value[i].fields.value("blob"), QByteArray("\0\1", 2));
    }
    // Nothing new for the group.
    read = await<QList<rediscmd::StreamEntry>>(
        [&](auto done) { rediscmd::xreadgroup(c, key, group, "alice", 10, -1, done); });
    QVERIFY(read.ok());
    QVERIFY(read.value.isEmpty());

    auto pending = await<rediscmd::PendingSummary>(
        [&](auto done) { rediscmd::xpendingSummary(c, key, group, done); });
    QVERIFY2(pending.ok(), pending.error.constData());
    QCOMPARE(pending.value.count, 3);
    QCOMPARE(pending.value.smallestId, ids[0]);
    QCOMPARE(pending.value.largestId, ids[2]);
    QCOMPARE(pending.value.consumers.size(), 1);
    QCOMPARE(pending.value.consumers[0].first, QByteArray("alice"));
    QCOMPARE(pending.value.consumers[0].second, 3);

    auto acked = await<qint64>([&](auto done) { rediscmd::xack(c, key, group, {ids[0]}, done); });
    QVERIFY(acked.ok());
    QCOMPARE(acked.value, 1);

    // Alice "died": bob claims what she left pending.
    auto claim = await<rediscmd::AutoClaim>(
        [&](auto done) { rediscmd::xautoclaim(c, key, group, "bob", 0, "0-0", 10, done); });
    QVERIFY2(claim.ok(), claim.error.constData());
    QCOMPARE(claim.value.nextStart, QByteArray("0-0"));
    QCOMPARE(claim.value.entries.size(), 2);
    QCOMPARE(claim.value.entries[0].id, ids[1]);
    QCOMPARE(claim.value.entries[1].fields.value("run"), QByteArray("2"));
    QVERIFY(claim.value.deletedIds.isEmpty());

    // An entry deleted while pending is reported in deletedIds (Redis 7).
    QCOMPARE(exec(c, {"XDEL", key, ids[2]}).integer, 1);
    claim = await<rediscmd::AutoClaim>(
        [&](auto done) { rediscmd::xautoclaim(c, key, group, "carol", 0, "0-0", 10, done); });
    QVERIFY2(claim.ok(), claim.error.constData());
    QCOMPARE(claim.value.entries.size(), 1);
    QCOMPARE(claim.value.entries[0].id, ids[1]);
    QCOMPARE(claim.value.deletedIds, QList<QByteArray>{ids[2]});

    pending = await<rediscmd::PendingSummary>(
        [&](auto done) { rediscmd::xpendingSummary(c, key, group, done); });
    QCOMPARE(pending.value.count, 1);
    QCOMPARE(pending.value.consumers.size(), 1);
    QCOMPARE(pending.value.consumers[0].first, QByteArray("carol"));

    acked = await<qint64>([&](auto done) { rediscmd::xack(c, key, group, {ids[1]}, done); });
    QCOMPARE(acked.value, 1);
    pending = await<rediscmd::PendingSummary>(
        [&](auto done) { rediscmd::xpendingSummary(c, key, group, done); });
    QCOMPARE(pending.value.count, 0);
    QVERIFY(pending.value.smallestId.isEmpty());

    // Errors are reported, not swallowed.
    auto missing = await<QList<rediscmd::StreamEntry>>(
        [&](auto done) { rediscmd::xreadgroup(c, "no-such-stream", group, "alice", 1, -1, done); });
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error.startsWith("NOGROUP"), missing.error.constData());
}

void TestRedis::blockingReadOnDedicatedConnection()
{
    RedisConnection writer(m_redis.url());
    RedisConnection reader(m_redis.url());
    QSignalSpy w(&writer, &RedisConnection::ready);
    QSignalSpy r(&reader, &RedisConnection::ready);
    writer.open();
    reader.open();
    QVERIFY(w.count() || w.wait(kWait));
    QVERIFY(r.count() || r.wait(kWait));
    const QByteArray key = "blocking:queue";
    QVERIFY(await<bool>([&](auto done) { rediscmd::xgroupCreate(writer, key, "g", done); }).ok());

    // A read that blocks longer than the 3 s pong timeout must not be mistaken for a dead link.
    std::optional<rediscmd::Result<QList<rediscmd::StreamEntry>>> got;
    rediscmd::xreadgroup(
        reader, key, "g", "c1", 5, 4500,
        [&](const rediscmd::Result<QList<rediscmd::StreamEntry>> &res) { got = res; });
    QSignalSpy lost(&reader, &RedisConnection::lost);
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWait);
    QVERIFY2(got->ok(), got->error.constData());
    QVERIFY(got->value.isEmpty()); // timed out on the server
    QCOMPARE(lost.count(), 0);

    // And it returns as soon as something arrives.
    got.reset();
    rediscmd::xreadgroup(
        reader, key, "g", "c1", 5, 10000,
        [&](const rediscmd::Result<QList<rediscmd::StreamEntry>> &res) { got = res; });
    QTest::qWait(100);
    QVERIFY(!got.has_value());
    QVERIFY(await<QByteArray>([&](auto done) {
                rediscmd::xadd(writer, key, {{"k", "v"}}, done);
            }).ok());
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWait);
    QVERIFY2(got->ok(), got->error.constData());
    QCOMPARE(got->value.size(), 1);
    QCOMPARE(got->value[0].fields.value("k"), QByteArray("v"));
    QCOMPARE(reader.state(), RedisClientBase::State::Ready);
}

void TestRedis::serverKilledThenRestarted()
{
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    RedisConnection c(server.url());
    RedisSubscriber sub(server.url());
    RedisConnection pub(server.url());
    QSignalSpy ready(&c, &RedisConnection::ready);
    QSignalSpy subReady(&sub, &RedisSubscriber::ready);
    QSignalSpy pubReady(&pub, &RedisConnection::ready);
    sub.subscribe("events");
    c.open();
    sub.open();
    pub.open();
    QTRY_VERIFY_WITH_TIMEOUT(ready.count() && subReady.count() && pubReady.count(), kWait);

    QSignalSpy states(&c, &RedisConnection::stateChanged);
    QSignalSpy lost(&c, &RedisConnection::lost);
    QSignalSpy resubscribed(&sub, &RedisSubscriber::resubscribed);
    QSignalSpy messages(&sub, &RedisSubscriber::message);

    // Two commands pending on the server when it dies.
    int calls1 = 0;
    int calls2 = 0;
    RedisReply r1;
    c.blockingCommand({"BLPOP", "never", "30"}, 30000, [&](const RedisReply &r) {
        ++calls1;
        r1 = r;
    });
    c.command({"PING"}, [&](const RedisReply &) { ++calls2; });
    QTest::qWait(100);
    QCOMPARE(calls1, 0);
    QCOMPARE(c.pendingCount(), 2);

    server.kill();
    QTRY_COMPARE_WITH_TIMEOUT(calls1, 1, kWait);
    QTRY_COMPARE_WITH_TIMEOUT(calls2, 1, kWait);
    QVERIFY(r1.isError());
    QVERIFY2(r1.str.startsWith("connection lost"), r1.str.constData());
    QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, kWait);
    QVERIFY(hasState(states, RedisClientBase::State::Disconnected));
    QTRY_VERIFY_WITH_TIMEOUT(hasState(states, RedisClientBase::State::Connecting), kWait);
    QVERIFY(c.state() != RedisClientBase::State::Ready);

    // Commands while down fail fast.
    const RedisReply down = exec(c, {"PING"});
    QVERIFY(down.isError());

    QVERIFY2(server.start(), qPrintable(server.errorString())); // same port
    QTRY_COMPARE_WITH_TIMEOUT(c.state(), RedisClientBase::State::Ready, kWait);
    QTRY_COMPARE_WITH_TIMEOUT(resubscribed.count(), 1, kWait);
    QTRY_COMPARE_WITH_TIMEOUT(pub.state(), RedisClientBase::State::Ready, kWait);
    QCOMPARE(exec(c, {"PING"}).str, QByteArray("PONG"));
    QCOMPARE(exec(pub, {"PUBLISH", "events", "after-restart"}).integer, 1);
    QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 1, kWait);
    QCOMPARE(messages.at(0).at(1).toByteArray(), QByteArray("after-restart"));
    // Exactly once.
    QCOMPARE(calls1, 1);
    QCOMPARE(calls2, 1);
    QCOMPARE(c.pendingCount(), 0);
}

void TestRedis::connectionRefusedThenAvailable()
{
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    server.stop(); // keeps the port for the next start()

    RedisConnection c(server.url());
    QSignalSpy states(&c, &RedisConnection::stateChanged);
    QSignalSpy ready(&c, &RedisConnection::ready);
    QVERIFY(c.open());
    // Several refused attempts: Connecting <-> Disconnected, never Ready.
    QTRY_VERIFY_WITH_TIMEOUT(states.count() >= 4, kWait);
    QVERIFY(hasState(states, RedisClientBase::State::Connecting));
    QVERIFY(hasState(states, RedisClientBase::State::Disconnected));
    QCOMPARE(ready.count(), 0);
    QVERIFY2(c.errorString().contains(u"refused"_s, Qt::CaseInsensitive),
             qPrintable(c.errorString()));
    QVERIFY(exec(c, {"PING"}).isError());

    QVERIFY2(server.start(), qPrintable(server.errorString()));
    QVERIFY(ready.wait(kWait));
    QCOMPARE(exec(c, {"PING"}).str, QByteArray("PONG"));
}

void TestRedis::stalledServerDetectedByPing()
{
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    RedisConnection c(server.url());
    RedisSubscriber sub(server.url());
    QSignalSpy ready(&c, &RedisConnection::ready);
    QSignalSpy subReady(&sub, &RedisSubscriber::ready);
    c.open();
    sub.open();
    QTRY_VERIFY_WITH_TIMEOUT(ready.count() && subReady.count(), kWait);
    QSignalSpy lost(&c, &RedisConnection::lost);
    QSignalSpy subLost(&sub, &RedisSubscriber::lost);

    // The TCP link stays open but nothing answers: only the ping can tell.
    server.pause();
    QTRY_VERIFY_WITH_TIMEOUT(lost.count() == 1 && subLost.count() == 1, kWait);
    QVERIFY2(c.errorString().contains(u"PING"_s), qPrintable(c.errorString()));
    server.resume();
    QTRY_VERIFY_WITH_TIMEOUT(c.isReady() && sub.isReady(), kWait);
    QCOMPARE(exec(c, {"PING"}).str, QByteArray("PONG"));

    // A healthy idle link stays up across several ping rounds.
    QTest::qWait(5000);
    QCOMPARE(lost.count(), 1);
    QCOMPARE(subLost.count(), 1);
}

void TestRedis::destroyedWithPendingCommands()
{
    int calls = 0;
    {
        auto *c = new RedisConnection(m_redis.url());
        QSignalSpy ready(c, &RedisConnection::ready);
        c->open();
        QVERIFY(ready.wait(kWait));
        c->blockingCommand({"BLPOP", "never-destroyed", "30"}, 30000,
                           [&calls](const RedisReply &) { ++calls; });
        for (int i = 0; i < 100; ++i)
            c->command({"SET", "k" + QByteArray::number(i), "v"},
                       [&calls](const RedisReply &) { ++calls; });
        QTest::qWait(50);
        delete c;
    }
    QTest::qWait(200);
    // Destroying drops pending callbacks (documented). The SETs were queued behind the
    // BLPOP on the server, so none was answered either.
    QCOMPARE(calls, 0);
    // The server is unaffected.
    QCOMPARE(m_redis.rawCommand("PING").trimmed(), QByteArray("+PONG"));

    // Destroyed while the connect is still in progress, and right after open().
    auto *early = new RedisConnection(m_redis.url());
    early->open();
    delete early;
    auto *sub = new RedisSubscriber(m_redis.url());
    sub->subscribe("x");
    sub->open();
    QTest::qWait(1);
    delete sub;
    QTest::qWait(100);
}

void TestRedis::deletedFromInsideCallback()
{
    RedisServer server;
    QVERIFY2(server.start(), qPrintable(server.errorString()));

    // 1) From a normal reply callback, with further commands pending.
    {
        QPointer<RedisConnection> c = new RedisConnection(server.url());
        QSignalSpy ready(c.data(), &RedisConnection::ready);
        c->open();
        QVERIFY(ready.wait(kWait));
        int after = 0;
        c->command({"PING"}, [c](const RedisReply &) { delete c.data(); });
        c->command({"PING"}, [&after](const RedisReply &) { ++after; });
        QTRY_VERIFY_WITH_TIMEOUT(c.isNull(), kWait);
        QTest::qWait(100);
        QCOMPARE(after, 0);
    }
    // 2) From a "connection lost" callback while the server dies.
    {
        QPointer<RedisConnection> c = new RedisConnection(server.url());
        QSignalSpy ready(c.data(), &RedisConnection::ready);
        c->open();
        QVERIFY(ready.wait(kWait));
        int lostCalls = 0;
        c->blockingCommand({"BLPOP", "a", "30"}, 30000, [c, &lostCalls](const RedisReply &r) {
            ++lostCalls;
            QVERIFY(r.isError());
            delete c.data();
        });
        c->blockingCommand({"BLPOP", "b", "30"}, 30000,
                           [&lostCalls](const RedisReply &) { ++lostCalls; });
        QTest::qWait(100);
        server.kill();
        QTRY_VERIFY_WITH_TIMEOUT(c.isNull(), kWait);
        QTest::qWait(100);
        QCOMPARE(lostCalls, 1);
    }
    // 3) A subscriber deleted from its message signal.
    QVERIFY2(server.start(), qPrintable(server.errorString()));
    {
        QPointer<RedisSubscriber> sub = new RedisSubscriber(server.url());
        RedisConnection pub(server.url());
        QSignalSpy subscribed(sub.data(), &RedisSubscriber::subscribed);
        QSignalSpy pubReady(&pub, &RedisConnection::ready);
        connect(sub.data(), &RedisSubscriber::message, this, [sub] { delete sub.data(); });
        sub->subscribe("bye");
        sub->open();
        pub.open();
        QVERIFY(subscribed.wait(kWait));
        QVERIFY(pubReady.count() || pubReady.wait(kWait));
        exec(pub, {"PUBLISH", "bye", "1"});
        exec(pub, {"PUBLISH", "bye", "2"});
        QTRY_VERIFY_WITH_TIMEOUT(sub.isNull(), kWait);
        QCOMPARE(exec(pub, {"PING"}).str, QByteArray("PONG"));
    }
}

void TestRedis::publishLatency()
{
    RedisConnection pub(m_redis.url());
    RedisSubscriber sub(m_redis.url());
    QSignalSpy pubReady(&pub, &RedisConnection::ready);
    QSignalSpy subscribed(&sub, &RedisSubscriber::subscribed);
    sub.subscribe("latency");
    sub.open();
    pub.open();
    QVERIFY(subscribed.count() || subscribed.wait(kWait));
    QVERIFY(pubReady.count() || pubReady.wait(kWait));

    constexpr int kCount = 10000;
    constexpr int kPerTick = 10; // 10 messages per 1 ms tick: about 10k msg/s
    QElapsedTimer clock;
    clock.start();
    QList<qint64> latencies;
    latencies.reserve(kCount);
    connect(&sub, &RedisSubscriber::message, this,
            [&](const QByteArray &, const QByteArray &payload) {
                latencies.append(clock.nsecsElapsed() - payload.toLongLong());
            });
    int sent = 0;
    const qint64 startNs = clock.nsecsElapsed();
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(1);
    connect(&ticker, &QTimer::timeout, this, [&] {
        // Paced on the clock, not on tick count: a late tick catches up with a small burst.
        const int due = int(
            qMin<qint64>(kCount, (clock.nsecsElapsed() - startNs) / 1000000 * kPerTick + kPerTick));
        for (; sent < due; ++sent)
            pub.command({"PUBLISH", "latency", QByteArray::number(clock.nsecsElapsed())});
        if (sent == kCount)
            ticker.stop();
    });
    ticker.start();
    QVERIFY(spinUntil([&] { return latencies.size() == kCount; }, 60000));
    const double seconds = double(clock.nsecsElapsed() - startNs) / 1e9;
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) {
        return double(latencies.at(qMin(kCount - 1, int(p * kCount)))) / 1000.0;
    };
    qInfo("PUBLISH->message latency over %d messages (%.0f msg/s achieved): p50 %.0f us, p99 %.0f "
          "us, max %.0f us",
          kCount, kCount / seconds, pct(0.50), pct(0.99), double(latencies.last()) / 1000.0);
}

QTEST_GUILESS_MAIN(TestRedis)
#include "tst_redis.moc"
