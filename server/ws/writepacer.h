#pragma once
#include <QtGlobal>

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
// moderation does: when the last pass's writes carried `busyFrames` or more frames each on
// average, the streams are bulk flows (a tool printing thousands of lines a second, which
// a reader sees as a scroll, not line by line), the server is spending most of its thread on
// sendmsg, and frames per call are what set its CPU; the cap is then the busy cap. Streams
// below that (interactive ones: a few frames per pass) keep the short cap. The hysteresis is
// built in: the longer wait itself puts more frames in each write, so a stream leaves the
// busy mode only when its rate falls to well below the rate that entered it.
// Pure arithmetic on monotonic nanoseconds (the gateway's clock): tested in tst_writepacer.
// Thread: the gateway's.
namespace crewdeck::server {

class WritePacer
{
public:
    explicit WritePacer(int capMs = 0, int busyCapMs = 0, int busyFrames = 16, int factor = 9)
        : m_capNs(qMax(0, capMs) * 1'000'000LL),
          m_busyCapNs(qMax(0, qMax(capMs, busyCapMs)) * 1'000'000LL),
          m_busyFrames(qMax(1, busyFrames)), m_factor(qMax(0, factor))
    {
    }

    // How long new frames that arrive at `nowNs` wait before their pass (0: the next pass).
    qint64 delayNs(qint64 nowNs) const
    {
        return m_passes == 0 ? 0 : qMax<qint64>(0, m_lastEndNs + m_gapNs - nowNs);
    }
    // The same, rounded up to whole milliseconds for a timer.
    int delayMs(qint64 nowNs) const { return int((delayNs(nowNs) + 999'999) / 1'000'000); }

    // A pass ran from `startNs` to `endNs` and made `writes` socket writes carrying `frames`
    // frames in all.
    void passDone(qint64 startNs, qint64 endNs, qint64 frames = 0, qint64 writes = 0)
    {
        ++m_passes;
        m_lastEndNs = endNs;
        m_busy = m_capNs > 0 && writes > 0 && frames >= writes * m_busyFrames;
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
    qint64 m_capNs;
    qint64 m_busyCapNs; // never below m_capNs
    int m_busyFrames;
    int m_factor;
    qint64 m_lastEndNs = 0;
    qint64 m_gapNs = 0;
    qint64 m_passes = 0;
    qint64 m_busyPasses = 0;
    bool m_busy = false;
};

} // namespace crewdeck::server
