#pragma once
#include <QtGlobal>

#include <limits>

// When the gateway's next write pass for *new* frames may run (docs/architecture.md, "One
// event's path"). Every socket costs one sendmsg per pass, and on a busy fan-out that per-call
// cost, not the bytes, is most of the server's CPU (perf: the TCP path per call; on loopback
// also the receiver's half). So after a pass that took C, new frames wait up to
// factor x C before the next one: write passes then take at most 1 / (1 + factor) of the
// thread, a busy stream's frames go out several per call, and a stream to a few sockets
// (cheap passes) still goes out on the next event-loop pass. The wait never exceeds the cap
// (`--ws-coalesce-ms`; 0: every pass at once). A socket continuing a backlog, or one whose
// kernel buffer just drained, is not paced by this: only frames that arrive to a caught-up
// socket wait for company.
// Busy streams wait longer (`--ws-coalesce-busy-ms`), the way a NIC's adaptive interrupt
// moderation does. A socket write is busy when its frames arrived at kBusyRate per second or
// more since the previous pass began (kCalmRate once busy: hysteresis); when at least half
// of a pass's writes are busy, the cap after it is the busy cap. Such streams are bulk
// flows: a tool printing thousands of lines a second, which a person sees as a scroll (the
// app repaints at most 60 times a second: 65 new lines per repaint at 4,000/s, where a few
// ms more change nothing on screen); the server's thread is then mostly in sendmsg, and
// frames per call are what set its CPU. Slower streams keep the short cap. Half of the
// writes, not the mean: one reader catching up on history writes thousands of frames at a
// time and must not make every other socket wait longer. A rate, not a frame count: a
// longer wait puts more frames in each write by itself and must not keep the mode on.
// Pure arithmetic on monotonic nanoseconds (the gateway's clock): tested in tst_writepacer.
// Thread: the gateway's.
namespace crewdeck::server {

class WritePacer
{
public:
    // Frames per second per socket write from which a stream is busy, and below which a
    // busy one is calm again.
    static constexpr int kBusyRate = 4000;
    static constexpr int kCalmRate = 3000;

    explicit WritePacer(int capMs = 0, int busyCapMs = 0, int factor = 9)
        : m_capNs(qMax(0, capMs) * 1'000'000LL),
          m_busyCapNs(qMax(0, qMax(capMs, busyCapMs)) * 1'000'000LL), m_factor(qMax(0, factor))
    {
    }

    // How long new frames that arrive at `nowNs` wait before their pass (0: the next pass).
    qint64 delayNs(qint64 nowNs) const
    {
        return m_passes == 0 ? 0 : qMax<qint64>(0, m_lastEndNs + m_gapNs - nowNs);
    }
    // The same, rounded up to whole milliseconds for a timer.
    int delayMs(qint64 nowNs) const { return int((delayNs(nowNs) + 999'999) / 1'000'000); }

    // For a pass starting at `startNs`: how many frames a socket write must carry to be busy
    // (the frames arrived since the last pass began at the busy rate).
    qint64 busyFrames(qint64 startNs) const
    {
        if (m_passes == 0 || !busyCapApplies())
            return std::numeric_limits<qint64>::max();
        const qint64 rate = m_busy ? kCalmRate : kBusyRate;
        return qMax<qint64>(1, (rate * qMax<qint64>(0, startNs - m_lastStartNs) + 999'999'999) /
                                   1'000'000'000);
    }

    // A pass ran from `startNs` to `endNs` and made `writes` socket writes of event frames,
    // `busyWrites` of them with busyFrames(startNs) frames or more.
    void passDone(qint64 startNs, qint64 endNs, qint64 writes = 0, qint64 busyWrites = 0)
    {
        ++m_passes;
        m_lastStartNs = startNs;
        m_lastEndNs = endNs;
        m_busy = busyCapApplies() && writes > 0 && 2 * busyWrites >= writes;
        if (m_busy)
            ++m_busyPasses;
        m_gapNs = qMin(m_busy ? m_busyCapNs : m_capNs, qMax<qint64>(0, endNs - startNs) * m_factor);
    }

    // The wait after the last pass (for /metrics).
    qint64 gapNs() const { return m_gapNs; }
    qint64 passes() const { return m_passes; }
    qint64 busyPasses() const { return m_busyPasses; } // passes followed by the busy cap
    bool busy() const { return m_busy; }
    int capMs() const { return int(m_capNs / 1'000'000); }
    int busyCapMs() const { return int(m_busyCapNs / 1'000'000); }

private:
    // Pacing is on (cap 0 turns it off, the busy cap with it) and the busy cap is longer.
    bool busyCapApplies() const { return m_capNs > 0 && m_busyCapNs > m_capNs; }

    qint64 m_capNs;
    qint64 m_busyCapNs; // never below m_capNs
    int m_factor;
    qint64 m_lastStartNs = 0;
    qint64 m_lastEndNs = 0;
    qint64 m_gapNs = 0;
    qint64 m_passes = 0;
    qint64 m_busyPasses = 0;
    bool m_busy = false;
};

} // namespace crewdeck::server
