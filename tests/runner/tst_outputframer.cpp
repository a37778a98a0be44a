// OutputFramer without any process: bytes in, events out. Chunk boundaries, `::progress` and
// `::tokens` parsing, the 64 KiB line and event caps (UTF-8 safe), coalescing and its rate
// limit, the stored tail, and the end of the output. No timing assertions: finish() flushes.
#include "server/runs/outputframer.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace crewdeck::server;

namespace {

struct Recorder
{
    explicit Recorder(OutputFramer &f)
    {
        QObject::connect(&f, &OutputFramer::output, &f,
                         [this](const QString &t) { events << u"O:"_s + t; });
        QObject::connect(&f, &OutputFramer::progress, &f,
                         [this](int p, const QString &m) { events << u"P%1:%2"_s.arg(p).arg(m); });
        QObject::connect(&f, &OutputFramer::tokens, &f,
                         [this](qint64 n) { events << u"T%1"_s.arg(n); });
    }
    QStringList events;
    QStringList outputs() const
    {
        QStringList o;
        for (const QString &e : events)
            if (e.startsWith(u"O:"_s))
                o << e.mid(2);
        return o;
    }
};

void feed(OutputFramer &f, const QByteArray &bytes, qsizetype chunk)
{
    for (qsizetype i = 0; i < bytes.size(); i += chunk)
        f.consume(bytes.constData() + i, qMin(chunk, bytes.size() - i));
}

} // namespace

class TestOutputFramer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void linesProgressAndTokensAtAnyChunking_data()
    {
        QTest::addColumn<int>("chunk");
        for (int c : {1, 2, 3, 7, 64, 4096})
            QTest::newRow(qPrintable(QString::number(c))) << c;
    }
    void linesProgressAndTokensAtAnyChunking()
    {
        QFETCH(int, chunk);
        OutputFramer f(1024 * 1024, 50);
        Recorder r(f);
        feed(f,
             "a\n::progress 10 start\nb\r\nc\n::tokens 5\n::progress 50 half way\n::tokens 7\n"
             "::progress 150 bad\n::tokens x\n::progressive 3\n::progress\t100\tdone\nlast",
             chunk);
        f.finish();
        QCOMPARE(r.events,
                 (QStringList{u"O:a"_s, u"P10:start"_s, u"T5"_s, u"O:b\nc"_s, u"P50:half way"_s,
                              u"T7"_s, u"O:::progress 150 bad\n::tokens x\n::progressive 3"_s,
                              u"P100:done"_s, u"O:last"_s}));
    }

    void tokensDoNotBreakTheOrderOfOutput()
    {
        // A ::tokens line produces no event and does not flush: the first line goes out at
        // once (leading edge), the one after the tokens line waits for the window.
        OutputFramer f(1024, 50);
        Recorder r(f);
        const QByteArray in = "x\n::tokens 3\ny\n";
        f.consume(in.constData(), in.size());
        QCOMPARE(r.events, (QStringList{u"O:x"_s, u"T3"_s}));
        f.finish();
        QCOMPARE(r.events, (QStringList{u"O:x"_s, u"T3"_s, u"O:y"_s}));
    }

    void longLineIsCutOnAUtf8Boundary()
    {
        OutputFramer f(1024 * 1024, 50);
        Recorder r(f);
        // 40,000 two-byte characters (80,000 bytes) in one line, then a normal line.
        QByteArray line;
        for (int i = 0; i < 40000; ++i)
            line += "\xC3\xA9";
        feed(f, line + "\nnext\n", 1000);
        f.finish();
        // The cut line fills one event; "next" comes in the following one.
        const QStringList out = r.outputs();
        QCOMPARE(out.size(), 2);
        const QStringList lines = out.join(u'\n').split(u'\n');
        QCOMPARE(lines.size(), 2);
        const QByteArray cut = lines.at(0).toUtf8();
        QVERIFY(cut.size() <= OutputFramer::MaxEventBytes);
        QVERIFY(cut.endsWith(OutputFramer::truncatedMarker()));
        // Only whole characters before the marker.
        const QByteArray body = cut.left(cut.size() - OutputFramer::truncatedMarker().size());
        QCOMPARE(body.size() % 2, 0);
        QCOMPARE(QString::fromUtf8(body), QString(body.size() / 2, QChar(0xE9)));
        QCOMPARE(lines.at(1), u"next"_s);
    }

    void burstBeyondTheRateDropsOldestLinesButKeepsTheLast()
    {
        // One event per second allowed (coalesceMs 1000): a 1 MB burst cannot go out whole.
        OutputFramer f(256 * 1024, 1000);
        Recorder r(f);
        QByteArray burst;
        for (int i = 0; i < 50000; ++i)
            burst += "line " + QByteArray::number(i) + '\n';
        feed(f, burst + "::progress 100 done\nthe-last-line\n", 65536);
        f.finish();
        const QStringList out = r.outputs();
        QVERIFY(!out.isEmpty());
        for (const QString &o : out)
            QVERIFY(o.toUtf8().size() <= OutputFramer::MaxEventBytes);
        // The progress line is never dropped, and comes after the burst's event(s).
        QVERIFY(r.events.contains(u"P100:done"_s));
        QCOMPARE(r.events.last(), u"O:the-last-line"_s);
        const QString beforeProgress = r.events.at(r.events.indexOf(u"P100:done"_s) - 1);
        QVERIFY(beforeProgress.startsWith(u"O:"_s +
                                          QString::fromUtf8(OutputFramer::truncatedMarker())));
        QVERIFY(beforeProgress.endsWith(u"line 49999"_s));
        // The stored tail keeps the end of the raw output, cut at a line boundary.
        const QByteArray tail = f.tail();
        QVERIFY(tail.size() <= 256 * 1024);
        QVERIFY(tail.startsWith(QByteArray(OutputFramer::truncatedMarker() + "\nline ")));
        QVERIFY(tail.endsWith("::progress 100 done\nthe-last-line\n"));
    }

    void burstWithinTheRateGoesOutInFullEvents()
    {
        // Enough rate (coalesceMs 1 -> up to 1000 events/s): 200 KB of lines arrive complete,
        // in events of at most 64 KiB, in order.
        OutputFramer f(1024 * 1024, 1);
        Recorder r(f);
        QByteArray burst;
        for (int i = 0; i < 20000; ++i)
            burst += QByteArray::number(i) + '\n';
        feed(f, burst, 4096);
        f.finish();
        QStringList lines;
        for (const QString &o : r.outputs()) {
            QVERIFY(o.toUtf8().size() <= OutputFramer::MaxEventBytes);
            lines += o.split(u'\n');
        }
        QCOMPARE(lines.size(), 20000);
        for (int i = 0; i < 20000; ++i)
            QCOMPARE(lines.at(i), QString::number(i));
    }

    void tailUncutWhenSmall()
    {
        OutputFramer f(1024, 50);
        const QByteArray in = "one\ntwo";
        f.consume(in.constData(), in.size());
        f.finish();
        QCOMPARE(f.tail(), in);
    }

    void nothingAfterFinish()
    {
        OutputFramer f(1024, 50);
        Recorder r(f);
        f.consume("a\nb", 3);
        f.finish();
        f.finish();
        f.consume("c\n", 2);
        QCOMPARE(r.events,
                 (QStringList{u"O:a"_s, u"O:b"_s})); // a at once, b (unterminated) at the end
        QCOMPARE(f.tail(), QByteArray("a\nb"));
    }

    void coalescingWindowFlushesOnItsOwn()
    {
        // After a quiet spell the first line goes out at once; the lines right behind it wait
        // for the window and then go out together, without finish().
        OutputFramer f(1024, 20);
        QSignalSpy out(&f, &OutputFramer::output);
        f.consume("p\nq\nr\n", 6);
        QCOMPARE(out.count(), 1);
        QCOMPARE(out.first().first().toString(), u"p"_s);
        QVERIFY(out.wait(5000));
        QCOMPARE(out.count(), 2);
        QCOMPARE(out.at(1).first().toString(), u"q\nr"_s);
    }
};

QTEST_GUILESS_MAIN(TestOutputFramer)
#include "tst_outputframer.moc"
