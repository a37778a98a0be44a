// CSV export (RFC 4180, exact bytes) and the min/max downsampling used by the charts.
#include "app/models/analyticsdata.h"
#include "app/models/csvwriter.h"
#include "app/models/downsample.h"
#include "app/models/timeaxis.h"
#include "shared/timeutil.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::client;

class TestExport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fieldQuoting_data();
    void fieldQuoting();
    void recordsEndWithCrlfAndHaveNoBom();
    void formulaCellsAreNeutralized_data();
    void formulaCellsAreNeutralized();
    void runsCsvNeutralizesCrewNames();
    void runsCsvExactBytes();
    void ledgerCsvExactBytes();
    void downsampleKeepsExtremes();
    void downsampleLeavesSmallSeries();
    void presetsPickBuckets();
    void timeTicksAreRound();
};

void TestExport::fieldQuoting_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("plain") << u"abc"_s << QByteArray("abc");
    QTest::newRow("empty") << QString() << QByteArray("");
    QTest::newRow("comma") << u"a,b"_s << QByteArray("\"a,b\"");
    QTest::newRow("quote") << u"say \"hi\""_s << QByteArray("\"say \"\"hi\"\"\"");
    QTest::newRow("lf") << u"line1\nline2"_s << QByteArray("\"line1\nline2\"");
    QTest::newRow("cr") << u"a\rb"_s << QByteArray("\"a\rb\"");
    QTest::newRow("crlf") << u"a\r\nb"_s << QByteArray("\"a\r\nb\"");
    QTest::newRow("spaces kept") << u" a "_s << QByteArray(" a ");
    // U+00FC, U+20AC, U+1F680: UTF-8 bytes, not quoted.
    QTest::newRow("non-ascii") << QString::fromUtf8("M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x9a\x80")
                               << QByteArray("M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x9a\x80");
    QTest::newRow("non-ascii with comma")
        << QString::fromUtf8("K\xc3\xb6ln, DE") << QByteArray("\"K\xc3\xb6ln, DE\"");
}

void TestExport::fieldQuoting()
{
    QFETCH(QString, value);
    QFETCH(QByteArray, expected);
    QCOMPARE(csv::field(value), expected);
}

// OWASP CSV injection: =, +, -, @, tab and CR at the start of a cell get a leading '; plain
// numbers keep their sign; the prefix comes before RFC 4180 quoting.
void TestExport::formulaCellsAreNeutralized_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("equals") << u"=1+2"_s << QByteArray("'=1+2");
    QTest::newRow("hyperlink") << u"=HYPERLINK(\"http://evil.test\",\"x\")"_s
                               << QByteArray("\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\"");
    QTest::newRow("plus") << u"+cmd"_s << QByteArray("'+cmd");
    QTest::newRow("minus") << u"-2+3"_s << QByteArray("'-2+3");
    QTest::newRow("at") << u"@SUM(A1)"_s << QByteArray("'@SUM(A1)");
    QTest::newRow("tab") << u"\tx"_s << QByteArray("'\tx");
    QTest::newRow("cr") << u"\rx"_s << QByteArray("\"'\rx\"");
    QTest::newRow("comma after equals") << u"=a,b"_s << QByteArray("\"'=a,b\"");
    QTest::newRow("inside is fine") << u"a=b"_s << QByteArray("a=b");
    QTest::newRow("negative number") << u"-5"_s << QByteArray("-5");
    QTest::newRow("negative decimal") << u"-987.654321"_s << QByteArray("-987.654321");
    QTest::newRow("exponent") << u"1e-07"_s << QByteArray("1e-07");
    QTest::newRow("signed exponent") << u"+1.5E+3"_s << QByteArray("+1.5E+3");
    QTest::newRow("lone minus") << u"-"_s << QByteArray("'-");
}

void TestExport::formulaCellsAreNeutralized()
{
    QFETCH(QString, value);
    QFETCH(QByteArray, expected);
    QCOMPARE(csv::field(value), expected);
}

void TestExport::runsCsvNeutralizesCrewNames()
{
    Run a;
    a.id = u"run_1"_s;
    a.crewId = u"crw_1"_s;
    a.status = u"failed"_s;
    a.createdAt = *parseRfc3339(u"2026-01-02T03:04:05Z"_s);
    a.tokens = 7;
    const QByteArray out = csv::runs({a}, {{u"crw_1"_s, u"@evil"_s}});
    QCOMPARE(out, QByteArray("id,crew_id,crew,status,created_at,started_at,finished_at,"
                             "duration_ms,tokens\r\n"
                             "run_1,crw_1,'@evil,failed,2026-01-02T03:04:05.000Z,,,,7\r\n"));
}

void TestExport::recordsEndWithCrlfAndHaveNoBom()
{
    const QByteArray doc = csv::document(
        {u"a"_s, u"b"_s}, {{u"1"_s, u"x,y"_s}, {QString::fromUtf8("\xc3\xa9"), u""_s}});
    QCOMPARE(doc, QByteArray("a,b\r\n1,\"x,y\"\r\n\xc3\xa9,\r\n"));
    QVERIFY(!doc.startsWith("\xef\xbb\xbf"));
}

void TestExport::runsCsvExactBytes()
{
    Run a;
    a.id = u"run_1"_s;
    a.crewId = u"crw_1"_s;
    a.status = u"succeeded"_s;
    a.createdAt = *parseRfc3339(u"2026-01-02T03:04:05.000Z"_s);
    a.startedAt = *parseRfc3339(u"2026-01-02T03:04:06.000Z"_s);
    a.finishedAt = *parseRfc3339(u"2026-01-02T03:04:07.500Z"_s);
    a.durationMs = 1500;
    a.tokens = 42;
    Run b;
    b.id = u"run_2"_s;
    b.crewId = u"crw_2"_s;
    b.status = u"cancelled"_s;
    b.createdAt = *parseRfc3339(u"2026-01-02T05:00:00Z"_s);
    const QHash<QString, QString> names{
        {u"crw_1"_s, QString::fromUtf8("Alpha, \"the\" \xc3\xbc\ncrew")}};
    const QByteArray expected =
        "id,crew_id,crew,status,created_at,started_at,finished_at,duration_ms,tokens\r\n"
        "run_1,crw_1,\"Alpha, \"\"the\"\" \xc3\xbc\ncrew\",succeeded,2026-01-02T03:04:05.000Z,"
        "2026-01-02T03:04:06.000Z,2026-01-02T03:04:07.500Z,1500,42\r\n"
        "run_2,crw_2,,cancelled,2026-01-02T05:00:00.000Z,,,,0\r\n";
    QCOMPARE(csv::runs({a, b}, names), expected);
}

void TestExport::ledgerCsvExactBytes()
{
    Timeseries ts;
    ts.metric = u"c7t"_s;
    ts.bucket = u"day"_s;
    TimeseriesPoint p1;
    p1.t = *parseRfc3339(u"2026-01-01T00:00:00Z"_s);
    p1.value = 1000;
    p1.extra = QJsonObject{{u"spent"_s, 0}, {u"earned"_s, 0}};
    TimeseriesPoint p2;
    p2.t = *parseRfc3339(u"2026-01-02T00:00:00Z"_s);
    p2.value = 987.654321;
    p2.extra = QJsonObject{{u"spent"_s, 12.345679}, {u"earned"_s, 0.5}};
    TimeseriesPoint p3;
    p3.t = *parseRfc3339(u"2026-01-03T00:00:00Z"_s);
    ts.points = {p1, p2, p3};
    const QByteArray expected = "t,balance,spent,earned\r\n"
                                "2026-01-01T00:00:00.000Z,1000,0,0\r\n"
                                "2026-01-02T00:00:00.000Z,987.654321,12.345679,0.5\r\n"
                                "2026-01-03T00:00:00.000Z,,,\r\n";
    QCOMPARE(csv::ledger(ts), expected);
}

void TestExport::downsampleKeepsExtremes()
{
    QList<QPointF> pts;
    for (int i = 0; i < 10000; ++i)
        pts.append({double(i), (i == 4321) ? 500.0 : (i == 777 ? -20.0 : double(i % 7))});
    const QList<QPointF> out = downsampleMinMax(pts, 100);
    QVERIFY(out.size() <= 200);
    QVERIFY(out.size() >= 100);
    double maxY = -1e9, minY = 1e9;
    for (int i = 0; i < out.size(); ++i) {
        maxY = std::max(maxY, out.at(i).y());
        minY = std::min(minY, out.at(i).y());
        if (i > 0)
            QVERIFY(out.at(i).x() > out.at(i - 1).x()); // still ordered by x
    }
    QCOMPARE(maxY, 500.0);
    QCOMPARE(minY, -20.0);
    QCOMPARE(out.first().x(), 0.0);
}

void TestExport::downsampleLeavesSmallSeries()
{
    const QList<QPointF> pts{{0, 1}, {1, 2}, {2, 3}};
    QCOMPARE(downsampleMinMax(pts, 10), pts);
}

void TestExport::presetsPickBuckets()
{
    const QDateTime now = *parseRfc3339(u"2026-03-10T12:00:00Z"_s);
    QCOMPARE(DateRange::forPreset(u"24h"_s, now).bucket, u"hour"_s);
    QCOMPARE(DateRange::forPreset(u"24h"_s, now).from, now.addDays(-1));
    QCOMPARE(DateRange::forPreset(u"7d"_s, now).bucket, u"hour"_s);
    QCOMPARE(DateRange::forPreset(u"7d"_s, now, u"day"_s).bucket, u"day"_s);
    QCOMPARE(DateRange::forPreset(u"30d"_s, now).bucket, u"day"_s);
    QCOMPARE(DateRange::forPreset(u"30d"_s, now, u"hour"_s).bucket, u"day"_s); // not allowed
    QCOMPARE(DateRange::forPreset(u"90d"_s, now).bucket, u"day"_s);
    QCOMPARE(DateRange::forPreset(u"90d"_s, now, u"week"_s).bucket, u"week"_s);
    // Custom: hours only while the server accepts the bucket count.
    QCOMPARE(DateRange::custom(now.addDays(-3), now).bucket, u"hour"_s);
    QCOMPARE(DateRange::custom(now.addDays(-60), now).bucket, u"day"_s);
    QCOMPARE(DateRange::custom(now.addDays(-2000), now).bucket, u"week"_s);
}

// Axis ticks on round local times, at most six intervals: a day every 6 hours, a week every
// 2 days, a month weekly, a quarter every 28 days; the first tick at or before the range,
// the last at or after it.
void TestExport::timeTicksAreRound()
{
    using client::roundTimeTicks;
    const auto at = [](int day, int h, int m) {
        return QDateTime(QDate(2026, 12, day), QTime(h, m)); // local time
    };
    client::TimeTicks t = roundTimeTicks(at(6, 15, 54), at(7, 15, 54));
    QCOMPARE(t.from, at(6, 12, 0));
    QCOMPARE(t.to, at(7, 18, 0));
    QCOMPARE(t.tickCount, 6); // 12:00, 18:00, ..., 18:00: 5 steps of 6 h
    QVERIFY(!t.daily);

    t = roundTimeTicks(at(6, 9, 10), at(6, 10, 40)); // 90 minutes: hourly
    QCOMPARE(t.from, at(6, 9, 0));
    QCOMPARE(t.to, at(6, 11, 0));
    QCOMPARE(t.tickCount, 3);

    t = roundTimeTicks(at(1, 15, 54), at(8, 15, 54)); // 7 days: every 2 days from midnight
    QCOMPARE(t.from, at(1, 0, 0));
    QCOMPARE(t.to, at(9, 0, 0));
    QCOMPARE(t.tickCount, 5);
    QVERIFY(t.daily);

    const QDateTime end = at(7, 15, 54);
    t = roundTimeTicks(end.addDays(-30), end); // 30 days: weekly
    QCOMPARE(t.from, QDateTime(QDate(2026, 11, 7), QTime(0, 0)));
    QCOMPARE(t.from.daysTo(t.to), qint64(35));
    QCOMPARE(t.tickCount, 6);
    t = roundTimeTicks(end.addDays(-90), end); // 90 days: every 28 days
    QCOMPARE(t.from.daysTo(t.to), qint64(112));
    QCOMPARE(t.tickCount, 5);
    QVERIFY(t.from <= end.addDays(-90) && t.to >= end);

    t = roundTimeTicks(end, end); // an empty range still gets one step
    QCOMPARE(t.from, at(7, 15, 0));
    QCOMPARE(t.to, at(7, 16, 0));
    QCOMPARE(t.tickCount, 2);
}

QTEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
