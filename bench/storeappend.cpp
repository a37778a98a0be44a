// crewdeck-bench store-append: what the event store costs per appended event, in this process
// (no server, no sockets): the real EventLog (local mode, the server's defaults: a batch at
// most every 1 ms) over a real SqliteStore file with its background checkpointer, fed
// tool_progress events at a steady rate the way a busy tool's output reaches it. Then, on the
// same store, the reads that must stay indexed: a page of a run's events (GET
// /runs/{id}/events, resume), a graph and a mission page, the latest seq of each, and one
// prune with the default retention, in steps on the event loop as the server runs it. --prefill N
// writes N older events first (direct batches over 20 crews in 4 orgs, one long run each, a signal
// every 500 events, stamped over the 8 days before now), so the reads and the prune run on a store
// of that size. Thread: the main thread's event loop; the store's checkpointer runs on its own
// thread and its CPU is counted (the process's utime + stime).
#include "benchutil.h"
#include "server/engine/eventlog.h"
#include "server/store/sqlitestore.h"
#include "shared/timeutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>
#include <algorithm>
#include <vector>

using namespace Qt::StringLiterals;

namespace crewdeck::bench {

namespace {

constexpr int Orgs = 4, CrewsPerOrg = 5, Runs = 20; // one long run per crew
constexpr qint64 DayMs = 24LL * 3600 * 1000;

// All of this process's threads (the checkpointer's too).
double processCpuSeconds()
{
    return cpuSeconds(QCoreApplication::applicationPid());
}

double threadCpuSeconds()
{
    return double(threadCpuNs()) / 1e9;
}

QString orgOf(int run)
{
    return u"org_%1"_s.arg(run % Orgs);
}
QString crewOf(int run)
{
    return u"crw_%1"_s.arg(run % (Orgs * CrewsPerOrg));
}
QString runOf(int run)
{
    return u"run_%1"_s.arg(run, 4, 10, QChar(u'0'));
}

// Older history, written directly in large batches (not part of the measurement).
bool prefill(server::SqliteStore &store, qint64 count, qint64 nowMs)
{
    const qint64 start = nowMs - 8 * DayMs;
    QList<server::StoredEventPtr> batch;
    for (qint64 i = 0; i < count; ++i) {
        const int run = int((i / 2000) % Runs); // runs take turns, 2,000 events at a time
        auto e = std::make_shared<server::StoredEvent>();
        e->seq = i + 1;
        e->orgId = orgOf(run);
        e->crewId = crewOf(run);
        const bool signal = i % 500 == 499;
        e->runId = signal ? QString() : runOf(run);
        e->type = signal ? EventType::Signal : EventType::ToolProgress;
        e->tsMs = start + (8 * DayMs - 60000) * i / qMax<qint64>(1, count);
        e->bytes = R"({"seq":)" + QByteArray::number(e->seq) + R"(,"type":")" + e->type.toUtf8() +
                   R"(","message":")" + QByteArray(160, 'x') + R"("})";
        batch.append(std::move(e));
        if (batch.size() == 10000 || i + 1 == count) {
            if (!store.appendEvents(batch))
                return false;
            batch.clear();
        }
    }
    return true;
}

// Median wall time of `repeat` calls, in microseconds.
template <typename F> double medianUs(int repeat, F &&f)
{
    std::vector<double> us;
    for (int i = 0; i < repeat; ++i) {
        const qint64 t = monoNs();
        f();
        us.push_back(double(monoNs() - t) / 1000.0);
    }
    std::sort(us.begin(), us.end());
    return us[us.size() / 2];
}

} // namespace

int runStoreAppendCommand(const QStringList &args)
{
    QTextStream out(stdout);
    const int rate = argInt(args, u"--rate"_s, 5000);
    const int seconds = argInt(args, u"--seconds"_s, 10);
    const qint64 prefillCount = argValue(args, u"--prefill"_s, u"0"_s).toLongLong();
    QTemporaryDir tmp(argValue(args, u"--dir"_s, QDir::tempPath()) + u"/crewdeck-bench-XXXXXX"_s);
    if (!tmp.isValid() || rate <= 0 || seconds <= 0) {
        QTextStream(stderr) << "store-append: bad arguments or no temporary directory\n";
        return 2;
    }
    server::SqliteStore store(tmp.filePath(u"events.db"_s));
    QString error;
    if (!store.open(&error)) {
        QTextStream(stderr) << "store-append: cannot open the store: " << error << '\n';
        return 1;
    }
    const qint64 nowMs = toMs(nowUtc());
    if (prefillCount > 0 && !prefill(store, prefillCount, nowMs)) {
        QTextStream(stderr) << "store-append: prefill failed\n";
        return 1;
    }

    // The measured part: the event log's append path at `rate` events/s. A 1 ms timer hands
    // over what is due, like a tool's output reaching RunContext; the log batches on its own.
    server::EventLog log(&store, server::EventLog::Config{});
    const qint64 total = qint64(rate) * (seconds + 1); // the first second warms up
    qint64 appended = 0;
    double cpu0 = 0, thread0 = 0;
    qint64 wall0 = 0, measuredFrom = -1;
    QElapsedTimer clock;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(1);
    QObject::connect(&tick, &QTimer::timeout, &tick, [&] {
        const qint64 due = std::min(total, clock.elapsed() * rate / 1000);
        for (; appended < due; ++appended) {
            if (appended == rate) { // the warm-up second is over: measure from here
                measuredFrom = appended;
                cpu0 = processCpuSeconds();
                thread0 = threadCpuSeconds();
                wall0 = monoNs();
            }
            const int run = int(appended / 50 % Runs);
            log.append(orgOf(run),
                       ToolProgressEvent{crewOf(run), runOf(run), u"agt_bench"_s,
                                         u"tc_"_s + runOf(run), u"line %1"_s.arg(appended), 40});
        }
    });
    clock.start();
    tick.start();
    waitUntil([&] { return appended >= total; }, (seconds + 30) * 1000, 1);
    tick.stop();
    log.flush();
    const double cpu = processCpuSeconds() - cpu0;
    const double mainCpu = threadCpuSeconds() - thread0;
    const double wallS = double(monoNs() - wall0) / 1e9;
    const qint64 measured = appended - measuredFrom;

    // Reads on the same store: pages from the middle of the history, as a resume would ask.
    const qint64 maxSeq = store.maxEventSeq();
    const server::StreamKey runKey{server::StreamKind::Run, orgOf(Runs / 2), runOf(Runs / 2)};
    const server::StreamKey graphKey{server::StreamKind::Graph, orgOf(Runs / 2), crewOf(Runs / 2)};
    const server::StreamKey missionKey{server::StreamKind::Mission, orgOf(Runs / 2), QString()};
    const qint64 since = maxSeq / 2;
    qsizetype runPage = 0;
    const double runPageUs =
        medianUs(50, [&] { runPage = store.events(runKey, since, 1000).size(); });
    const double graphPageUs = medianUs(50, [&] { (void)store.events(graphKey, since, 1000); });
    const double missionPageUs = medianUs(50, [&] { (void)store.events(missionKey, since, 1000); });
    const double latestUs = medianUs(50, [&] {
        (void)store.latestSeq(runKey);
        (void)store.latestSeq(graphKey);
        (void)store.latestSeq(missionKey);
    });
    // The hourly prune as the server runs it (the log's defaults: 7 days, keep 10,000): one
    // short step per event-loop pass. Its total time from start to end, the time its steps
    // held this thread, and the longest step (what every socket of a server would wait).
    std::vector<double> stepMs;
    QObject::connect(&log, &server::EventLog::pruneStepped, &log,
                     [&] { stepMs.push_back(double(log.pruneStats().lastStepNs) / 1e6); });
    const qint64 p0 = monoNs();
    log.prune(toMs(nowUtc()));
    stepMs.push_back(double(log.pruneStats().lastStepNs) / 1e6); // its start (the search)
    waitUntil([&] { return !log.isPruning(); }, 600 * 1000, 1);
    const double pruneMs = double(monoNs() - p0) / 1e6;
    const server::EventLog::PruneStats &ps = log.pruneStats();
    const double pruneBusyMs = double(ps.lastBusyNs) / 1e6;
    std::sort(stepMs.begin(), stepMs.end());
    const auto stepAt = [&](double q) { return stepMs[size_t(q * double(stepMs.size() - 1))]; };
    const double pruneStepMaxMs = stepMs.back();
    const qint64 horizon = log.historyHorizon(runKey);
    const qint64 fileBytes = QFileInfo(tmp.filePath(u"events.db"_s)).size();

    const double perEventUs = measured > 0 ? cpu * 1e6 / double(measured) : 0;
    const double mainPerEventUs = measured > 0 ? mainCpu * 1e6 / double(measured) : 0;
    out << "store-append: " << measured << " events at " << rate << "/s over " << wallS
        << " s after a 1 s warm-up; " << prefillCount << " prefilled, schema v"
        << store.schemaVersion() << "\n"
        << "  CPU per appended event: " << perEventUs << " us (main thread " << mainPerEventUs
        << " us, checkpointer and other threads " << (perEventUs - mainPerEventUs) << " us)\n"
        << "  run page (" << runPage << " events): " << runPageUs << " us, graph page "
        << graphPageUs << " us, mission page " << missionPageUs << " us, 3x latest seq " << latestUs
        << " us (medians of 50)\n"
        << "  prune (7 days, keep 10,000 per stream): " << ps.events << " events in " << pruneMs
        << " ms (" << ps.steps << " steps, busy " << pruneBusyMs << " ms; step p50 " << stepAt(0.5)
        << " ms, p99 " << stepAt(0.99) << " ms, longest " << pruneStepMaxMs << " ms), horizon "
        << horizon << "; database file " << fileBytes / (1024 * 1024) << " MiB\n";
    out << "RESULT mode=store-append rate=" << rate << " events=" << measured
        << " prefill=" << prefillCount << " schema=" << store.schemaVersion()
        << " cpu_us_per_event=" << perEventUs << " main_cpu_us_per_event=" << mainPerEventUs
        << " run_page_us=" << runPageUs << " graph_page_us=" << graphPageUs
        << " mission_page_us=" << missionPageUs << " latest3_us=" << latestUs
        << " prune_ms=" << pruneMs << " prune_busy_ms=" << pruneBusyMs
        << " prune_step_p50_ms=" << stepAt(0.5) << " prune_step_p99_ms=" << stepAt(0.99)
        << " prune_step_max_ms=" << pruneStepMaxMs << " prune_steps=" << ps.steps
        << " pruned=" << ps.events << " prune_horizon=" << horizon << '\n';
    return 0;
}

} // namespace crewdeck::bench
