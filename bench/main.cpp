#include <QCoreApplication>
#include <QTextStream>

// crewdeck-bench: measures a real crewdeck-server from the outside (docs/benchmarks.md).
// Thread: everything runs on the main thread's event loop.
namespace crewdeck::bench {
int runFanoutCommand(const QStringList &args);
int runRestCommand(const QStringList &args);
int runTimeseriesCommand(const QStringList &args);
int runToolStartCommand(const QStringList &args);
int runClusterCommand(const QStringList &args);
int runStoreAppendCommand(const QStringList &args);
#ifdef CREWDECK_BENCH_APP
// Creates the QApplication itself (widgets; offscreen unless --visible or QT_QPA_PLATFORM).
int runAppCommand(int &argc, char **argv);
#endif
} // namespace crewdeck::bench

namespace {

const char *usage =
    "usage: crewdeck-bench fanout [--clients N] [--rate LINES_PER_S] [--seconds S] [--burst N]\n"
    "                             [--raw-clients] (default: every client a full QWebSocket)\n"
    "                             [--server URL --token T --crew-id C] [--python PATH]\n"
    "       crewdeck-bench fanout --idle N\n"
    "       crewdeck-bench rest [--connections C] [--seconds S] [--runs N] [--span-days D]\n"
    "                           [--route PATH]...  (default: /dashboard/stats, /runs)\n"
    "                           [--writes W]  (W POST /crews per second alongside: cache misses)\n"
    "       crewdeck-bench timeseries [--connections C] [--seconds S] [--runs N] [--span-days D]\n"
    "                           [--metric M]... [--range 365d|30d]... [--after S]\n"
    "                           (defaults: 10 connections, 3 s, 1000000 runs over 365 days)\n"
    "       crewdeck-bench app [--rate EVENTS_PER_S] [--seconds S] [--visible] [--python PATH]\n"
    "                           (the real app widgets, offscreen unless --visible; defaults:\n"
    "                           20000 events/s for 5 s; needs a build with the app)\n"
    "       crewdeck-bench toolstart [--runs N]  (what the tool sandbox costs: POST /runs ->\n"
    "                           tool_start and -> first output line, sandboxed vs --unsafe-tools)\n"
    "       crewdeck-bench cluster [--rates R1,R2] [--seconds S] [--repeat N]  (a tool's print\n"
    "                           on a worker node -> a client on an API node: PostgreSQL, Redis,\n"
    "                           one API and one worker node; defaults: 1000,10000 lines/s, 10 s)\n"
    "       crewdeck-bench store-append [--rate EVENTS_PER_S] [--seconds S] [--prefill N]\n"
    "                           [--dir D]  (in this process: CPU per event through the event log\n"
    "                           into SQLite, then page reads and a prune on that store;\n"
    "                           defaults: 5000 events/s, 10 s, no prefill)\n"
    "fanout and rest: [--tls] (the server speaks TLS only: https/wss, a self-signed\n"
    "        certificate made with openssl) or [--compare-tls] (plain, then TLS, in one run)\n"
    "common: [--server-bin PATH] (default: $CREWDECK_SERVER_BIN, else next to crewdeck-bench)\n"
    "        [--server-no-glib] (start the server with QT_NO_GLIB=1)\n"
    "Each mode prints a table and RESULT lines (key=value) for scripts.\n";

} // namespace

int main(int argc, char **argv)
{
    // `app` drives the desktop app's widgets: a QApplication, built before any other app
    // object, and the event dispatcher the app really runs with (no QT_NO_GLIB).
    if (argc > 1 && qstrcmp(argv[1], "app") == 0) {
#ifdef CREWDECK_BENCH_APP
        return crewdeck::bench::runAppCommand(argc, argv);
#else
        QTextStream(stderr) << "crewdeck-bench app: this build has no app (configured with "
                               "-DCREWDECK_BUILD_APP=OFF)\n";
        return 2;
#endif
    }
    // The client side should cost as little as possible: the glib-free dispatcher is cheaper
    // per socket event (docs/benchmarks.md). Must be set before the application object.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    const QString mode = args.value(0);
    args = args.mid(1);
    if (mode == QLatin1String("fanout"))
        return crewdeck::bench::runFanoutCommand(args);
    if (mode == QLatin1String("rest"))
        return crewdeck::bench::runRestCommand(args);
    if (mode == QLatin1String("timeseries"))
        return crewdeck::bench::runTimeseriesCommand(args);
    if (mode == QLatin1String("toolstart"))
        return crewdeck::bench::runToolStartCommand(args);
    if (mode == QLatin1String("cluster"))
        return crewdeck::bench::runClusterCommand(args);
    if (mode == QLatin1String("store-append"))
        return crewdeck::bench::runStoreAppendCommand(args);
    QTextStream(mode.isEmpty() || mode == QLatin1String("--help") ? stdout : stderr) << usage;
    return mode == QLatin1String("--help") ? 0 : 2;
}
