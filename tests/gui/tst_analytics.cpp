// The analytics page against a real crewdeck server in this process (TestServer): runs seeded
// through the store at known times; the charts must show exactly the REST points, presets
// switch the buckets, and the CSV / PDF exports hold the runs of the range.
#include "app/models/analyticsdata.h"
#include "app/models/dashboarddata.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/ui/analytics/analyticspage.h"
#include "app/ui/analytics/pdfreport.h"
#include "shared/timeutil.h"
#include "tests/support/apilogin.h"
#include "tests/support/testserver.h"

#include <QApplication>
#include <QChartView>
#include <QComboBox>
#include <QFile>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QProcess>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>
#include <QValueAxis>
#include <QXYSeries>
#include <cmath>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::client;
using namespace crewdeck::ui;

namespace {
constexpr int SeededRuns = 70;
constexpr qint64 HourMs = 3600LL * 1000;
} // namespace

class TestAnalytics : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void seriesEqualRestPoints();
    void presetSwitchingChangesBucket();
    void rangeScopesDashboardStats();
    void runsCsvHasEveryRunOfTheRange();
    void ledgerCsvMatchesC7tPoints();
    void pdfHasPagesAndText();
    void axisLabelsFitAtNarrowSizes();

private:
    Timeseries rest(const QString &metric, const DateRange &r);
    bool waitLoaded(AnalyticsPage &page);
    std::unique_ptr<testsupport::TestServer> m_server;
    QString m_token;
    AuthSession *m_session = nullptr;
    ApiClient *m_api = nullptr;
    QTemporaryDir m_out;
};

void TestAnalytics::initTestCase()
{
    m_server = std::make_unique<testsupport::TestServer>();
    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    const auto user =
        m_server->createUser(u"Acme"_s, u"ann@acme.test"_s, u"admin"_s, u"password123"_s);
    QVERIFY(!user.id.isEmpty());
    m_token = m_server->login(u"ann@acme.test"_s, u"password123"_s);
    QVERIFY(!m_token.isEmpty());
    const QString crewId = m_server->createCrew(m_token, u"Alpha, \"A\" crew"_s);
    QVERIFY(!crewId.isEmpty());

    // Runs spread over the last 20 hours; every third fails; durations differ.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < SeededRuns; ++i) {
        const qint64 created = now - (i % 20 + 1) * HourMs - 60000;
        const Run run =
            m_server->seedRun(user.orgId, crewId,
                              {.createdMs = created,
                               .startedMs = created + 100,
                               .finishedMs = created + 100 + 500 + 37 * i,
                               .state = i % 3 == 0 ? RunState::Failed : RunState::Succeeded,
                               .tokens = 10 + i});
        QVERIFY(!run.id.isEmpty());
    }

    m_session = new AuthSession(this);
    m_api = new ApiClient(m_session, this);
    QVERIFY(testsupport::loginApi(*m_api, *m_server, u"ann@acme.test"_s, u"password123"_s));
    QVERIFY(m_out.isValid());
}

void TestAnalytics::cleanupTestCase()
{
    if (m_server)
        m_server->stop();
}

Timeseries TestAnalytics::rest(const QString &metric, const DateRange &r)
{
    QUrlQuery q;
    q.addQueryItem(u"metric"_s, metric);
    q.addQueryItem(u"bucket"_s, r.bucket);
    q.addQueryItem(u"from"_s, toRfc3339(r.from));
    q.addQueryItem(u"to"_s, toRfc3339(r.to));
    const auto resp =
        m_server->get(u"/dashboard/timeseries?"_s + q.toString(QUrl::FullyEncoded), m_token);
    if (resp.status != 200)
        return {};
    return Timeseries::fromJson(resp.json()).value_or(Timeseries{});
}

bool TestAnalytics::waitLoaded(AnalyticsPage &page)
{
    return QTest::qWaitFor([&] { return page.isLoaded(); }, 20000);
}

static QList<QPointF> pointsOf(QXYSeries *s)
{
    return s ? s->points() : QList<QPointF>{};
}

void TestAnalytics::seriesEqualRestPoints()
{
    AnalyticsPage page(m_api);
    page.resize(1400, 1000);
    page.show();
    QVERIFY(page.setPreset(u"24h"_s));
    QVERIFY(waitLoaded(page));
    QVERIFY(page.data()->error().isEmpty());
    const DateRange r = page.range();
    QCOMPARE(r.bucket, u"hour"_s);

    const Timeseries runs = rest(u"runs"_s, r);
    QVERIFY(runs.points.size() >= 24);
    const QList<QPointF> succ = pointsOf(page.series(u"runs.succeeded"_s));
    const QList<QPointF> total = pointsOf(page.series(u"runs.total"_s));
    QCOMPARE(succ.size(), runs.points.size());
    QCOMPARE(total.size(), runs.points.size());
    double sum = 0;
    for (qsizetype i = 0; i < runs.points.size(); ++i) {
        const TimeseriesPoint &p = runs.points.at(i);
        QCOMPARE(qint64(succ.at(i).x()), p.t.toMSecsSinceEpoch());
        QCOMPARE(succ.at(i).y(), p.extra.value(u"succeeded"_s).toDouble());
        QCOMPARE(total.at(i).y() - succ.at(i).y(), p.extra.value(u"failed"_s).toDouble());
        sum += total.at(i).y();
    }
    QCOMPARE(sum, double(SeededRuns));

    // Rates in percent, null buckets left out.
    const Timeseries rate = rest(u"success_rate"_s, r);
    QList<QPointF> expectedRate;
    for (const TimeseriesPoint &p : rate.points) {
        if (p.value)
            expectedRate.append({double(p.t.toMSecsSinceEpoch()), *p.value * 100});
    }
    QCOMPARE(expectedRate.size(), 20); // one bucket per seeded hour
    const QList<QPointF> gotRate = pointsOf(page.series(u"success_rate"_s));
    QCOMPARE(gotRate.size(), expectedRate.size());
    for (qsizetype i = 0; i < gotRate.size(); ++i) {
        QCOMPARE(gotRate.at(i).x(), expectedRate.at(i).x());
        QVERIFY(qFuzzyCompare(gotRate.at(i).y(), expectedRate.at(i).y()));
    }

    const Timeseries lat = rest(u"latency"_s, r);
    QList<double> p50, p95;
    for (const TimeseriesPoint &p : lat.points) {
        if (p.value)
            p50.append(*p.value);
        if (p.extra.value(u"p95"_s).isDouble())
            p95.append(p.extra.value(u"p95"_s).toDouble());
    }
    const QList<QPointF> g50 = pointsOf(page.series(u"latency.p50"_s));
    const QList<QPointF> g95 = pointsOf(page.series(u"latency.p95"_s));
    QCOMPARE(g50.size(), p50.size());
    QCOMPARE(g95.size(), p95.size());
    for (qsizetype i = 0; i < g50.size(); ++i) {
        QCOMPARE(g50.at(i).y(), p50.at(i));
        QCOMPARE(g95.at(i).y(), p95.at(i));
    }

    const Timeseries tok = rest(u"tokens"_s, r);
    const QList<QPointF> gt = pointsOf(page.series(u"tokens"_s));
    QCOMPARE(gt.size(), tok.points.size());
    double tokSum = 0;
    for (qsizetype i = 0; i < gt.size(); ++i) {
        QCOMPARE(gt.at(i).y(), tok.points.at(i).value.value_or(0));
        tokSum += gt.at(i).y();
    }
    QCOMPARE(tokSum, double(SeededRuns * 10 + SeededRuns * (SeededRuns - 1) / 2));

    const Timeseries c7t = rest(u"c7t"_s, r);
    const QList<QPointF> gb = pointsOf(page.series(u"c7t.balance"_s));
    QCOMPARE(gb.size(), c7t.points.size());
    QCOMPARE(gb.last().y(), c7t.points.last().value.value_or(-1));

    // The hover text names the bucket's figures.
    const TimeseriesPoint &busiest =
        *std::max_element(runs.points.cbegin(), runs.points.cend(),
                          [](const TimeseriesPoint &a, const TimeseriesPoint &b) {
                              return a.value.value_or(0) < b.value.value_or(0);
                          });
    const QString tip = page.tooltipText(u"runs"_s, busiest.t.toMSecsSinceEpoch() + 1000);
    QVERIFY2(tip.contains(QString::number(qint64(busiest.extra.value(u"succeeded"_s).toDouble())) +
                          u" succeeded"_s),
             qPrintable(tip));
}

void TestAnalytics::presetSwitchingChangesBucket()
{
    AnalyticsPage page(m_api);
    page.resize(1200, 900);
    page.show();
    QVERIFY(waitLoaded(page));
    QCOMPARE(page.range().preset, u"7d"_s);

    // Through the range bar, as a user would.
    QComboBox *preset = page.presetBox();
    preset->setCurrentIndex(preset->findData(u"30d"_s));
    QVERIFY(waitLoaded(page));
    QCOMPARE(page.range().bucket, u"day"_s);
    QCOMPARE(page.data()->series(u"runs"_s).bucket, u"day"_s);
    QCOMPARE(page.series(u"runs.total"_s)->count(), rest(u"runs"_s, page.range()).points.size());
    QVERIFY(page.series(u"runs.total"_s)->count() >= 30 &&
            page.series(u"runs.total"_s)->count() <= 32);

    preset->setCurrentIndex(preset->findData(u"90d"_s));
    QVERIFY(waitLoaded(page));
    QCOMPARE(page.range().bucket, u"day"_s);
    QComboBox *bucket = page.bucketBox();
    QCOMPARE(bucket->count(), 2);
    bucket->setCurrentIndex(bucket->findData(u"week"_s));
    QVERIFY(waitLoaded(page));
    QCOMPARE(page.range().bucket, u"week"_s);
    QCOMPARE(page.data()->series(u"runs"_s).bucket, u"week"_s);
    const int weeks = int(page.series(u"runs.total"_s)->count());
    QVERIFY2(weeks >= 13 && weeks <= 15, qPrintable(QString::number(weeks)));

    preset->setCurrentIndex(preset->findData(u"24h"_s));
    QVERIFY(waitLoaded(page));
    QCOMPARE(page.range().bucket, u"hour"_s);
    QCOMPARE(bucket->count(), 1);
    QVERIFY(!page.setPreset(u"12y"_s));
}

void TestAnalytics::rangeScopesDashboardStats()
{
    DashboardData dashboard(m_api);
    AnalyticsPage page(m_api);
    connect(&page, &AnalyticsPage::rangeChanged, &dashboard, &DashboardData::setStatsRange);
    QVERIFY(waitLoaded(page));
    QVERIFY(!dashboard.statsFrom().isValid()); // the default range does not scope the dashboard
    // A range that excludes the seeded runs (all in the last 21 hours).
    const QDateTime to = QDateTime::currentDateTimeUtc().addDays(-2);
    page.setCustomRange(to.addDays(-3), to);
    QVERIFY(waitLoaded(page));
    QCOMPARE(page.range().preset, u"custom"_s);
    QCOMPARE(page.range().bucket, u"hour"_s);
    QTRY_COMPARE_WITH_TIMEOUT(dashboard.statsTo(), page.range().to, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(dashboard.cardState(DashboardData::Card::Stats).status !=
                                 CardState::Status::Loading,
                             10000);
    QCOMPARE(dashboard.stats().totalRuns, 0);
    QVERIFY(page.setPreset(u"24h"_s));
    QVERIFY(waitLoaded(page));
    QTRY_COMPARE_WITH_TIMEOUT(dashboard.stats().totalRuns, qint64(SeededRuns), 10000);
}

void TestAnalytics::runsCsvHasEveryRunOfTheRange()
{
    AnalyticsPage page(m_api);
    QVERIFY(page.setPreset(u"24h"_s));
    QVERIFY(waitLoaded(page));
    const QString file = m_out.filePath(u"runs.csv"_s);
    bool finished = false, ok = false;
    QString message;
    page.exportRunsCsv(file, [&](bool o, const QString &m) {
        finished = true;
        ok = o;
        message = m;
    });
    QTRY_VERIFY_WITH_TIMEOUT(finished, 20000);
    QVERIFY2(ok, qPrintable(message));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY(!bytes.startsWith("\xef\xbb\xbf"));
    QVERIFY(bytes.endsWith("\r\n"));
    const QList<QByteArray> lines = bytes.split('\n');
    // Header + one per run + the empty piece after the last CRLF; the crew name is quoted.
    QCOMPARE(lines.size(), SeededRuns + 2);
    QVERIFY(lines.first().startsWith("id,crew_id,crew,status,"));
    QVERIFY(lines.at(1).contains(",\"Alpha, \"\"A\"\" crew\","));
    QCOMPARE(bytes.count("failed"), qsizetype((SeededRuns + 2) / 3));
}

void TestAnalytics::ledgerCsvMatchesC7tPoints()
{
    AnalyticsPage page(m_api);
    QVERIFY(page.setPreset(u"24h"_s));
    QVERIFY(waitLoaded(page));
    const QString file = m_out.filePath(u"ledger.csv"_s);
    QString err;
    QVERIFY2(page.exportLedgerCsv(file, &err), qPrintable(err));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    QCOMPARE(lines.size(), page.data()->series(u"c7t"_s).points.size() + 2);
    QCOMPARE(lines.first(), QByteArray("t,balance,spent,earned\r"));
    QVERIFY(
        lines.at(lines.size() - 2).contains(",1000,0,0\r")); // the starting grant, nothing spent
}

void TestAnalytics::pdfHasPagesAndText()
{
    AnalyticsPage page(m_api);
    page.resize(1200, 900);
    page.show();
    QVERIFY(page.setPreset(u"24h"_s));
    QVERIFY(waitLoaded(page));
    const QString file = m_out.filePath(u"report.pdf"_s);
    bool finished = false, ok = false;
    QString message;
    page.exportPdf(file, [&](bool o, const QString &m) {
        finished = true;
        ok = o;
        message = m;
    });
    QTRY_VERIFY_WITH_TIMEOUT(finished, 30000);
    QVERIFY2(ok, qPrintable(message));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.readAll().startsWith("%PDF"));
    const int expectedPages = PdfReport::pageCountFor(SeededRuns);
    QCOMPARE(expectedPages,
             1 + (SeededRuns + PdfReport::rowsPerPage() - 1) / PdfReport::rowsPerPage());
    QVERIFY(expectedPages >= 3); // more than one table page: the pagination is exercised

    const QString pdftotext = QStandardPaths::findExecutable(u"pdftotext"_s);
    if (pdftotext.isEmpty())
        QSKIP("pdftotext (poppler-utils) is not installed");
    QProcess p;
    p.start(pdftotext, {u"-layout"_s, file, u"-"_s});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QString text = QString::fromUtf8(p.readAllStandardOutput());
    QCOMPARE(int(text.count(QLatin1Char('\f'))), expectedPages);
    QVERIFY(text.contains(u"CrewDeck analytics"_s));
    QVERIFY(text.contains(u"Total runs"_s));
    QVERIFY(text.contains(u"Success rate"_s));
    QVERIFY2(text.contains(u"Runs 1 to %1 of %2"_s.arg(PdfReport::rowsPerPage()).arg(SeededRuns)),
             qPrintable(text.left(3000)));
    QVERIFY(text.contains(u"Page %1 of %1"_s.arg(expectedPages)));
    QVERIFY(text.contains(u"Alpha"_s));
    if (!qEnvironmentVariableIsEmpty("CREWDECK_SCREENSHOT_DIR")) {
        const QString copy =
            qEnvironmentVariable("CREWDECK_SCREENSHOT_DIR") + u"/crewdeck-report.pdf"_s;
        QFile::remove(copy);
        QFile::copy(file, copy);
    }
}

// Every axis label is drawn whole: Qt Charts replaces a label that does not fit its share of
// the axis (the axis width, or its height over the tick count) with "...". Like in the app,
// the page loads behind another page of a stack and is shown when its data are in (its charts
// were laid out before the data widened their labels); then at the README's screenshot size
// and narrower, every chart's labels must read as numbers and times, each value once.
void TestAnalytics::axisLabelsFitAtNarrowSizes()
{
    QStackedWidget stack;
    auto *first = new QWidget(&stack);
    stack.addWidget(first);
    auto *page = new AnalyticsPage(m_api, &stack);
    stack.addWidget(page);
    stack.resize(800, 560);
    stack.show();
    QVERIFY(page->setPreset(u"24h"_s));
    QVERIFY(waitLoaded(*page));
    stack.setCurrentWidget(page);
    for (const QSize size : {QSize(800, 560), QSize(640, 480), QSize(1400, 1000)}) {
        stack.resize(size);
        // The resize resamples the charts on a timer; the charts lay out on the next passes.
        QTest::qWait(400);
        if (qEnvironmentVariableIsSet("CREWDECK_SCREENSHOT_DIR"))
            page->grab().save(qEnvironmentVariable("CREWDECK_SCREENSHOT_DIR") +
                              u"/analytics-%1x%2.png"_s.arg(size.width()).arg(size.height()));
        for (const QString &metric : AnalyticsData::metrics()) {
            QChartView *view = page->chartView(metric);
            QVERIFY(view);
            const QString where = u"%1 at %2x%3"_s.arg(metric).arg(size.width()).arg(size.height());
            for (QGraphicsItem *item : view->scene()->items()) {
                auto *text = dynamic_cast<QGraphicsTextItem *>(item);
                if (!text || !text->isVisible())
                    continue;
                const QString shown = text->toPlainText();
                QVERIFY2(!shown.contains(u"..."_s), qPrintable(where + u": \""_s + shown + u'"'));
            }
            // Each tick of a value axis a different label ("0 0 0 1 1 1" on a 0..1 axis of
            // six ticks reads as nonsense).
            for (QAbstractAxis *a : view->chart()->axes(Qt::Vertical)) {
                auto *axis = qobject_cast<QValueAxis *>(a);
                QVERIFY(axis);
                QStringList ticks;
                for (int i = 0; i < axis->tickCount(); ++i) {
                    const double v =
                        axis->min() + i * (axis->max() - axis->min()) / (axis->tickCount() - 1);
                    ticks.append(QString::asprintf(axis->labelFormat().toUtf8().constData(), v));
                }
                const QString all = where + u": "_s + ticks.join(u' ');
                QVERIFY2(ticks.removeDuplicates() == 0, qPrintable(all));
            }
        }
    }
}

QTEST_MAIN(TestAnalytics)
#include "tst_analytics.moc"
