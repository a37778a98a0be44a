#include "bench/appreport.h"

using namespace Qt::StringLiterals;

namespace crewdeck::bench {

void printAppReport(QTextStream &out, const AppFigures &f)
{
    out << "app: real app widgets (" << f.platform << "), printer " << f.rate << " lines/s for "
        << f.seconds << " s, server in its own process\n";
    const auto row = [&out](const char *what, const QString &value) {
        out << QString::asprintf("  %-38s ", what) << value << "\n";
    };
    const double coldNoLoginMs = f.coldMs - f.loginMs;
    row("cold start -> live dashboard", QString::asprintf("%.1f ms", f.coldMs));
    row("  one bare POST /auth/login", QString::asprintf("%.1f ms", f.loginMs));
    row("  cold start without the login", QString::asprintf("%.1f ms", coldNoLoginMs));
    row("RSS after the cold start", QString::asprintf("%lld kB", f.rssAfterStartKb));
    row("tool events stored by the server",
        QString::asprintf("%lld (%lld progress)", f.stored, f.storedProgress));
    row("received by the graph page", QString::asprintf("%lld", f.received));
    row("applied: graph scene / toasts",
        QString::asprintf("%lld / %lld", f.graphApplied, f.toastsApplied));
    row("ingestion window (first -> last)", QString::asprintf("%.3f s", f.windowS));
    row("ingested", QString::asprintf("%.0f events/s", f.ingestedPerS));
    row("event-loop stall (1 ms probe)",
        QString::asprintf(
            "max %.2f ms (%.2f ms of it on CPU, %lld events applied), %lld over 16 ms",
            f.maxStallMs, f.maxStallCpuMs, f.maxStallEvents, f.stallsOver16));
    row("  the longest one ended", QString::asprintf("%.3f s into the flood, after %lld events",
                                                     f.maxStallAtS, f.maxStallAfter));
    row("  stalls over 16 ms mostly on CPU",
        QString::asprintf("%lld (the rest: GUI thread not running)", f.busyStallsOver16));
    row("graph viewport frames",
        QString::asprintf("%lld: p50 %.2f  p99 %.2f  max %.2f ms", f.frames.count, f.frames.p50Ms,
                          f.frames.p99Ms, f.frames.maxMs));
    row("event-to-pixel (print -> node painted)",
        QString::asprintf("%lld samples: p50 %.2f  p95 %.2f  max %.2f ms", f.e2p.count, f.e2p.p50Ms,
                          f.e2p.p95Ms, f.e2p.maxMs));
    const auto part = [&row](const char *what, const Summary &s) {
        row(what, QString::asprintf("p50 %.2f  p95 %.2f  max %.2f ms", s.p50Ms, s.p95Ms, s.maxMs));
    };
    part("  print -> server stamp", f.e2pServer);
    part("  server stamp -> applied by the app", f.e2pDeliver);
    part("  applied -> painted", f.e2pPaint);
    row("  the slowest sample",
        QString::asprintf("%.3f s into the flood: %.1f + %.1f + %.1f ms", f.worstAtS,
                          f.worstServerMs, f.worstDeliverMs, f.worstPaintMs));
    row("app CPU over the flood (100% = 1 core)", QString::asprintf("%.1f %%", f.appCpuPct));
    row("server CPU over the flood", QString::asprintf("%.1f %%", f.serverCpuPct));
    row("app RSS at the end", QString::asprintf("%lld kB (peak %lld kB)", f.rssKb, f.rssPeakKb));
    row("graph socket left Live / reset",
        QString::asprintf("%d / %s", f.reconnects, f.resetSeen ? "yes" : "no"));
    out << QString::asprintf(
        "RESULT app rate=%d seconds=%d events=%lld ingested_per_s=%.0f graph_applied=%lld "
        "toasts_applied=%lld "
        "max_stall_ms=%.2f stalls_over_16ms=%lld frames=%lld frame_p50_ms=%.2f "
        "frame_p99_ms=%.2f "
        "frame_max_ms=%.2f e2p_p50_ms=%.2f e2p_p95_ms=%.2f e2p_max_ms=%.2f cold_start_ms=%.1f "
        "cold_start_no_login_ms=%.1f rss_kb=%lld rss_peak_kb=%lld rss_after_start_kb=%lld\n",
        f.rate, f.seconds, f.stored, f.ingestedPerS, f.graphApplied, f.toastsApplied, f.maxStallMs,
        f.stallsOver16, f.frames.count, f.frames.p50Ms, f.frames.p99Ms, f.frames.maxMs, f.e2p.p50Ms,
        f.e2p.p95Ms, f.e2p.maxMs, f.coldMs, coldNoLoginMs, f.rssKb, f.rssPeakKb, f.rssAfterStartKb);
    out.flush();
}

QString appVerdict(const AppFigures &f)
{
    if (!f.ended)
        return u"the run's tool did not end within %1 s"_s.arg(f.seconds + 120);
    if (!f.runSucceeded)
        return u"the run did not succeed (status %1): %2"_s.arg(f.runStatus, f.serverLogTail);
    if (f.stored < 0)
        return u"GET /runs/{id}/events failed"_s;
    if (f.storedProgress != qint64(f.rate) * f.seconds) {
        return u"the server stored %1 progress events, the printer wrote %2"_s.arg(f.storedProgress)
            .arg(qint64(f.rate) * f.seconds);
    }
    if (!f.complete || f.graphApplied != f.stored || f.toastsApplied != f.stored ||
        f.received != f.stored) {
        return u"events lost: server stored %1 tool events; graph page received %2, scene "
               u"applied %3, toasts applied %4"_s.arg(f.stored)
                   .arg(f.received)
                   .arg(f.graphApplied)
                   .arg(f.toastsApplied);
    }
    if (f.e2p.count == 0 || f.negativeE2p > 0) {
        return u"event-to-pixel: %1 samples, %2 painted before their print time (clock problem)"_s
            .arg(f.e2p.count)
            .arg(f.negativeE2p);
    }
    return {};
}

} // namespace crewdeck::bench
