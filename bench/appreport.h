#pragma once
#include "bench/benchutil.h"

#include <QString>
#include <QTextStream>

// What `crewdeck-bench app` reports (the table, the RESULT line that bench/compare reads) and
// when a run counts as failed. Changes when the report or the verdict changes; the
// measurement is in appbench.cpp and appprobes.*. Thread: main thread.
namespace crewdeck::bench {

struct AppFigures
{
    int rate = 0, seconds = 0;
    QString platform;
    // Cold start (AppController::start() -> live dashboard) and one bare login for comparison.
    double coldMs = 0, loginMs = 0;
    qint64 rssAfterStartKb = -1;
    // The flood.
    qint64 stored = -1, storedProgress = 0; // tool events the server stored (-1: unknown)
    qint64 received = 0, graphApplied = 0, toastsApplied = 0;
    bool complete = false; // graph and toasts applied all the server stored
    double windowS = 0, ingestedPerS = 0;
    double maxStallMs = 0, maxStallCpuMs = 0;
    qint64 maxStallEvents = 0, stallsOver16 = 0, busyStallsOver16 = 0;
    double maxStallAtS = 0;
    qint64 maxStallAfter = 0;
    Summary frames, e2p;
    qint64 negativeE2p = 0;
    // Each e2p sample split at the server's stamp (EventLog::append) and the moment the graph
    // applied it: print -> server (runner, event log), server -> applied (gateway, socket,
    // decoding), applied -> painted (the GUI thread). The server stamp has ms resolution.
    Summary e2pServer, e2pDeliver, e2pPaint;
    // The slowest sample: when (s into the flood) and its three parts (ms).
    double worstAtS = 0, worstServerMs = 0, worstDeliverMs = 0, worstPaintMs = 0;
    double appCpuPct = -1, serverCpuPct = -1;
    qint64 rssKb = -1, rssPeakKb = -1;
    int reconnects = 0;
    bool resetSeen = false;
    // How the run ended.
    bool ended = false; // the tool's tool_end arrived
    bool runSucceeded = false;
    QString runStatus; // for the error message
    QString serverLogTail;
};

// The human table and the RESULT line.
void printAppReport(QTextStream &out, const AppFigures &f);
// Empty if the run is valid (every event applied, the run succeeded, e2p samples sane);
// else why not.
QString appVerdict(const AppFigures &f);

} // namespace crewdeck::bench
