// The analytics exporters (client::RunsCsvExporter, LedgerCsvExporter) on their own, against a
// real crewdeck server in this process: the file holds every run of the range with crew names
// neutralised against CSV injection; finished() comes once, asynchronously; cancel and an
// unwritable file say why and leave no file.
#include "app/models/csvwriter.h"
#include "app/models/exporter.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "shared/timeutil.h"
#include "tests/support/apilogin.h"
#include "tests/support/testserver.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::client;

namespace {
const QString EvilName = u"=HYPERLINK(\"http://evil.test\",\"x\")"_s;
constexpr int Runs = 5;
} // namespace

class TestExporters : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void runsCsvHasTheRunsAndNeutralisedNames();
    void runsCsvCancelFinishesOnceWithoutFile();
    void ledgerCsvExactBytesAndAsyncFinish();
    void unwritableFileSaysWhy();

private:
    std::unique_ptr<testsupport::TestServer> m_server;
    AuthSession *m_session = nullptr;
    ApiClient *m_api = nullptr;
    QTemporaryDir m_out;
    QString m_crewId;
};

void TestExporters::initTestCase()
{
    m_server = std::make_unique<testsupport::TestServer>();
    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    const auto user =
        m_server->createUser(u"Acme"_s, u"ann@acme.test"_s, u"admin"_s, u"password123"_s);
    const QString token = m_server->login(u"ann@acme.test"_s, u"password123"_s);
    m_crewId = m_server->createCrew(token, EvilName);
    QVERIFY(!m_crewId.isEmpty());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < Runs; ++i) {
        const qint64 created = now - (i + 1) * 60000;
        // Finished straight from the queue: never started.
        const Run run = m_server->seedRun(user.orgId, m_crewId,
                                          {.createdMs = created, .finishedMs = created + 1000});
        QVERIFY(!run.id.isEmpty());
    }
    m_session = new AuthSession(this);
    m_api = new ApiClient(m_session, this);
    QVERIFY(testsupport::loginApi(*m_api, *m_server, u"ann@acme.test"_s, u"password123"_s));
}

void TestExporters::cleanupTestCase()
{
    if (m_server)
        m_server->stop();
}

void TestExporters::runsCsvHasTheRunsAndNeutralisedNames()
{
    const QString file = m_out.filePath(u"runs.csv"_s);
    RunsCsvExporter ex(m_api, DateRange::forPreset(u"24h"_s, QDateTime::currentDateTimeUtc()),
                       file);
    QSignalSpy finished(&ex, &Exporter::finished);
    QSignalSpy progress(&ex, &Exporter::progress);
    ex.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(finished.first().at(1).toString(), file);
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last().at(0).toInt(), Runs);
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    QCOMPARE(lines.size(), Runs + 2);
    // The formula is text now: a leading ', then RFC 4180 quoting for the commas and quotes.
    const QByteArray cell = "\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\"";
    for (int i = 1; i <= Runs; ++i)
        QVERIFY2(
            lines.at(i).contains(QByteArray("," + m_crewId.toUtf8() + "," + cell + ",succeeded,")),
            lines.at(i).constData());
    QVERIFY(!lines.at(1).contains(",=HYPERLINK"));
}

void TestExporters::runsCsvCancelFinishesOnceWithoutFile()
{
    const QString file = m_out.filePath(u"cancelled.csv"_s);
    RunsCsvExporter ex(m_api, DateRange::forPreset(u"24h"_s, QDateTime::currentDateTimeUtc()),
                       file);
    QSignalSpy finished(&ex, &Exporter::finished);
    ex.start();
    ex.cancel();
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toBool(), false);
    QCOMPARE(finished.first().at(1).toString(), u"Cancelled."_s);
    QTest::qWait(300); // answers still arriving must not finish it again
    QCOMPARE(finished.size(), 1);
    QVERIFY(!QFile::exists(file));
}

void TestExporters::ledgerCsvExactBytesAndAsyncFinish()
{
    Timeseries ts;
    ts.metric = u"c7t"_s;
    ts.bucket = u"day"_s;
    TimeseriesPoint p;
    p.t = *parseRfc3339(u"2026-01-01T00:00:00Z"_s);
    p.value = -12.5; // an overdrawn balance stays a number
    p.extra = QJsonObject{{u"spent"_s, 12.5}, {u"earned"_s, 0}};
    ts.points = {p};
    const QString file = m_out.filePath(u"ledger.csv"_s);
    LedgerCsvExporter ex(ts, file);
    QSignalSpy finished(&ex, &Exporter::finished);
    ex.start();
    QCOMPARE(finished.size(), 0); // never inside start()
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY(finished.first().at(0).toBool());
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("t,balance,spent,earned\r\n"
                                     "2026-01-01T00:00:00.000Z,-12.5,12.5,0\r\n"));
}

void TestExporters::unwritableFileSaysWhy()
{
    const QString file = m_out.filePath(u"no/such/dir/ledger.csv"_s);
    LedgerCsvExporter ex(Timeseries{}, file);
    QSignalSpy finished(&ex, &Exporter::finished);
    ex.start();
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY2(finished.first().at(1).toString().startsWith(u"Cannot write "_s + file),
             qPrintable(finished.first().at(1).toString()));
    QVERIFY(!QFile::exists(file));
}

QTEST_GUILESS_MAIN(TestExporters)
#include "tst_exporters.moc"
