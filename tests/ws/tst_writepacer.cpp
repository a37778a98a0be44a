// The gateway's WritePacer (server/ws/writepacer.h): when new frames may be written after a
// write pass, as arithmetic on given times (no clock, no sockets).
#include "server/ws/writepacer.h"

#include <QtTest>

using crewdeck::server::WritePacer;

namespace {
constexpr qint64 kMs = 1'000'000; // ns
}

class TestWritePacer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void firstFramesGoAtOnce()
    {
        const WritePacer pacer(8);
        QCOMPARE(pacer.delayNs(0), qint64(0));
        QCOMPARE(pacer.delayNs(123 * kMs), qint64(0));
        QCOMPARE(pacer.passes(), qint64(0));
    }

    // A pass of 0.5 ms is followed by a wait of 9 x 0.5 = 4.5 ms (passes take a tenth of
    // the thread), counted from the end of the pass.
    void waitIsNineTimesTheLastPass()
    {
        WritePacer pacer(8);
        pacer.passDone(100 * kMs, 100 * kMs + kMs / 2);
        QCOMPARE(pacer.passes(), qint64(1));
        QCOMPARE(pacer.gapNs(), 9 * kMs / 2);
        QCOMPARE(pacer.delayNs(100 * kMs + kMs / 2), 9 * kMs / 2);
        QCOMPARE(pacer.delayNs(102 * kMs), 3 * kMs);
        QCOMPARE(pacer.delayMs(102 * kMs), 3);
        QCOMPARE(pacer.delayMs(102 * kMs + 1), 3); // rounded up: never early
        QCOMPARE(pacer.delayMs(102 * kMs - 1), 4);
        QCOMPARE(pacer.delayNs(105 * kMs), qint64(0));
        QCOMPARE(pacer.delayNs(200 * kMs), qint64(0)); // after a quiet spell: at once
    }

    // Cheap passes (a few sockets): new frames go out on the next pass.
    void cheapPassesDoNotWait()
    {
        WritePacer pacer(8);
        pacer.passDone(10 * kMs, 10 * kMs + 20'000); // 20 us
        QCOMPARE(pacer.gapNs(), qint64(180'000));
        QCOMPARE(pacer.delayMs(10 * kMs + 20'000), 1);
        QCOMPARE(pacer.delayMs(10 * kMs + 200'000), 0);
    }

    // A costly pass (hundreds of sockets) waits at most the cap.
    void waitIsCapped()
    {
        WritePacer pacer(8);
        pacer.passDone(0, 5 * kMs);
        QCOMPARE(pacer.gapNs(), 8 * kMs);
        QCOMPARE(pacer.delayMs(5 * kMs), 8);
        pacer.passDone(20 * kMs, 20 * kMs + kMs / 10); // then a cheap one: the wait shrinks
        QCOMPARE(pacer.gapNs(), 9 * kMs / 10);
    }

    // --ws-coalesce-ms 0: never waits, however costly the passes.
    void capZeroNeverWaits()
    {
        WritePacer pacer(0);
        pacer.passDone(0, 50 * kMs);
        QCOMPARE(pacer.gapNs(), qint64(0));
        QCOMPARE(pacer.delayNs(50 * kMs), qint64(0));
        QCOMPARE(pacer.capMs(), 0);
    }

    // A write is busy when its frames arrived at 4,000/s or more since the last pass began
    // (3,000/s once busy); when at least half of a pass's writes are busy the next wait is
    // capped by the busy cap.
    void busyStreamsWaitUpToTheBusyCap()
    {
        QCOMPARE(WritePacer::kBusyRate, 4000);
        QCOMPARE(WritePacer::kCalmRate, 3000);
        WritePacer pacer(3, 8);
        QCOMPARE(pacer.busyCapMs(), 8);
        QCOMPARE(pacer.busyFrames(0), std::numeric_limits<qint64>::max()); // no pass yet
        pacer.passDone(0, 2 * kMs, 200, 0);
        QVERIFY(!pacer.busy());
        QCOMPARE(pacer.gapNs(), 3 * kMs);
        QCOMPARE(pacer.busyFrames(10 * kMs), qint64(40));     // 10 ms at 4,000/s
        QCOMPARE(pacer.busyFrames(10 * kMs + 1), qint64(41)); // rounded up
        pacer.passDone(10 * kMs, 12 * kMs, 200, 100);         // half of the writes busy
        QVERIFY(pacer.busy());
        QCOMPARE(pacer.gapNs(), 8 * kMs);
        QCOMPARE(pacer.delayMs(12 * kMs), 8);
        QCOMPARE(pacer.busyPasses(), qint64(1));
        // Busy now: 3,000/s keeps it so. The longer wait alone (more frames per write at the
        // same rate) does not.
        QCOMPARE(pacer.busyFrames(30 * kMs), qint64(60));
        pacer.passDone(30 * kMs, 32 * kMs, 200, 99); // just under half
        QVERIFY(!pacer.busy());
        QCOMPARE(pacer.gapNs(), 3 * kMs);
        QCOMPARE(pacer.busyPasses(), qint64(1));
        QCOMPARE(pacer.busyFrames(40 * kMs), qint64(40));
        // One reader catching up (thousands of frames per write) among calm ones: not busy,
        // the others keep the short wait.
        pacer.passDone(40 * kMs, 42 * kMs, 200, 1);
        QVERIFY(!pacer.busy());
        QCOMPARE(pacer.gapNs(), 3 * kMs);
        // Busy or not, the wait is still nine times the pass: a cheap pass does not wait long.
        pacer.passDone(50 * kMs, 50 * kMs + kMs / 10, 5, 5);
        QVERIFY(pacer.busy());
        QCOMPARE(pacer.gapNs(), 9 * kMs / 10);
        // A pass that wrote nothing is not busy.
        pacer.passDone(60 * kMs, 65 * kMs, 0, 0);
        QVERIFY(!pacer.busy());
        QCOMPARE(pacer.gapNs(), 3 * kMs);
    }

    // The busy cap is never below the cap; equal caps mean no busy mode at all.
    void busyCapIsNeverBelowTheCap()
    {
        WritePacer pacer(5, 2);
        QCOMPARE(pacer.busyCapMs(), 5);
        pacer.passDone(0, 2 * kMs, 10, 0);
        QCOMPARE(pacer.busyFrames(10 * kMs), std::numeric_limits<qint64>::max());
        pacer.passDone(10 * kMs, 12 * kMs, 10, 10);
        QVERIFY(!pacer.busy());
        QCOMPARE(pacer.busyPasses(), qint64(0));
        QCOMPARE(pacer.gapNs(), 5 * kMs);
        const WritePacer same(3); // no busy cap given: the cap
        QCOMPARE(same.busyCapMs(), 3);
    }

    // --ws-coalesce-ms 0 turns pacing off, the busy cap with it.
    void capZeroTurnsTheBusyCapOff()
    {
        WritePacer pacer(0, 8);
        pacer.passDone(0, 5 * kMs, 100, 0);
        QCOMPARE(pacer.busyFrames(10 * kMs), std::numeric_limits<qint64>::max());
        pacer.passDone(10 * kMs, 15 * kMs, 100, 100);
        QVERIFY(!pacer.busy());
        QCOMPARE(pacer.gapNs(), qint64(0));
        QCOMPARE(pacer.busyPasses(), qint64(0));
    }

    // A pass that seems to end before it began (a clock that must not run backwards) gives
    // no negative wait.
    void noNegativeTimes()
    {
        WritePacer pacer(8);
        pacer.passDone(10 * kMs, 9 * kMs);
        QCOMPARE(pacer.gapNs(), qint64(0));
        QCOMPARE(pacer.delayNs(9 * kMs), qint64(0));
        QCOMPARE(pacer.delayNs(11 * kMs), qint64(0));
    }
};

QTEST_APPLESS_MAIN(TestWritePacer)
#include "tst_writepacer.moc"
