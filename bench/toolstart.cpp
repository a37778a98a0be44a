// crewdeck-bench toolstart: what the tool sandbox costs a run. Two servers side by side (the
// default, every tool in bubblewrap; and --unsafe-tools with a bubblewrap that does not
// exist, so tools run unsandboxed), one /ws/graph client each; runs of one `script` step that
// prints one line are started one after another, alternating between the servers, and the
// bench times POST /crews/{id}/runs -> the tool_start frame and -> the first tool_progress
// frame. Thread: the main thread's event loop.
#include "benchutil.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QTextStream>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace crewdeck::bench {

namespace {

struct Side
{
    QString name;
    QStringList extraArgs;
    BenchServer server;
    QString crew;
    std::unique_ptr<QWebSocket> socket;
    qint64 postedNs = 0;
    qint64 startNs = 0;
    qint64 firstLineNs = 0;
    std::vector<quint32> toStartUs, toFirstLineUs;
};

bool setUp(Side &side, const QString &bin, QString *error)
{
    if (!side.server.prepare(bin, error) || !side.server.launch(1, false, error, side.extraArgs))
        return false;
    side.crew = createCrew(side.server.baseUrl(), side.server.token(), u"toolstart"_s, error);
    if (side.crew.isEmpty())
        return false;
    side.socket = std::make_unique<QWebSocket>();
    QWebSocketHandshakeOptions opts;
    opts.setSubprotocols({u"crewdeck.v1"_s, u"bearer."_s + side.server.token()});
    Side *s = &side;
    QObject::connect(side.socket.get(), &QWebSocket::textMessageReceived, side.socket.get(),
                     [s](const QString &text) {
                         const qint64 now = monoNs();
                         const QJsonObject f = QJsonDocument::fromJson(text.toUtf8()).object();
                         const QString type = f.value(u"type"_s).toString();
                         if (type == u"tool_start"_s && s->startNs == 0)
                             s->startNs = now;
                         else if (type == u"tool_progress"_s && s->firstLineNs == 0)
                             s->firstLineNs = now;
                     });
    bool connected = false;
    QObject::connect(side.socket.get(), &QWebSocket::connected, side.socket.get(),
                     [&connected] { connected = true; });
    side.socket->open(
        QNetworkRequest(QUrl(side.server.wsUrl() + u"/ws/graph?crew_id="_s + side.crew)), opts);
    if (!waitUntil([&] { return connected; }, 10000)) {
        *error = u"%1: the graph socket did not connect"_s.arg(side.name);
        return false;
    }
    return true;
}

// One run; false on a timeout.
bool measureOne(Side &side)
{
    side.startNs = side.firstLineNs = 0;
    const QJsonObject body{
        {u"steps"_s, QJsonArray{QJsonObject{
                         {u"tool"_s, u"script"_s},
                         {u"params"_s, QJsonObject{{u"command"_s, u"echo first-line"_s}}}}}}};
    side.postedNs = monoNs();
    const HttpResult r =
        httpCall("POST", side.server.baseUrl() + u"/crews/%1/runs"_s.arg(side.crew),
                 side.server.token(), QJsonDocument(body).toJson(QJsonDocument::Compact));
    if (r.status != 202)
        return false;
    if (!waitUntil([&] { return side.firstLineNs != 0; }, 30000, 1))
        return false;
    side.toStartUs.push_back(quint32((side.startNs - side.postedNs) / 1000));
    side.toFirstLineUs.push_back(quint32((side.firstLineNs - side.postedNs) / 1000));
    // Let the run finish (its run_status), so runs never overlap.
    return waitUntil(
        [&] {
            const HttpResult list =
                httpCall("GET", side.server.baseUrl() + u"/runs?limit=1"_s, side.server.token());
            const QJsonArray items = list.json().object().value(u"items"_s).toArray();
            return !items.isEmpty() &&
                   items.first().toObject().value(u"status"_s).toString() == u"succeeded"_s;
        },
        30000, 5);
}

} // namespace

int runToolStartCommand(const QStringList &args)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    const int runs = argInt(args, u"--runs"_s, 40);
    const QString bin = BenchServer::findServerBinary(args);
    Side sandboxed{u"sandboxed"_s, {}, {}, {}, {}, 0, 0, 0, {}, {}};
    Side unsandboxed{u"unsandboxed"_s,
                     {u"--bwrap"_s, u"/nonexistent/bwrap"_s, u"--unsafe-tools"_s},
                     {},
                     {},
                     {},
                     0,
                     0,
                     0,
                     {},
                     {}};
    QString error;
    for (Side *s : {&sandboxed, &unsandboxed}) {
        if (!setUp(*s, bin, &error)) {
            err << "toolstart: " << s->name << ": " << error << "\n";
            return 1;
        }
    }
    // Warm-up, then alternate so that both sides see the same machine.
    measureOne(sandboxed);
    measureOne(unsandboxed);
    sandboxed.toStartUs.clear();
    sandboxed.toFirstLineUs.clear();
    unsandboxed.toStartUs.clear();
    unsandboxed.toFirstLineUs.clear();
    for (int i = 0; i < runs; ++i) {
        for (Side *s : {&sandboxed, &unsandboxed}) {
            if (!measureOne(*s)) {
                err << "toolstart: " << s->name << ": a run did not finish in time\n"
                    << s->server.logTail() << "\n";
                return 1;
            }
        }
    }
    out << "toolstart: " << runs
        << " runs of one script step per side, POST /runs -> frame on /ws/graph\n";
    out << QStringLiteral("%1 %2 %3 %4 %5\n")
               .arg(u"side"_s, -12)
               .arg(u"to"_s, -12)
               .arg(u"p50 ms"_s, 8)
               .arg(u"p95 ms"_s, 8)
               .arg(u"max ms"_s, 8);
    double p50[2][2] = {};
    int si = 0;
    for (Side *s : {&sandboxed, &unsandboxed}) {
        int ti = 0;
        for (auto *samples : {&s->toStartUs, &s->toFirstLineUs}) {
            const Summary sum = summarize(*samples);
            const QString to = ti == 0 ? u"tool_start"_s : u"first line"_s;
            out << QStringLiteral("%1 %2 %3 %4 %5\n")
                       .arg(s->name, -12)
                       .arg(to, -12)
                       .arg(sum.p50Ms, 8, 'f', 2)
                       .arg(sum.p95Ms, 8, 'f', 2)
                       .arg(sum.maxMs, 8, 'f', 2);
            out << "RESULT side=" << s->name << " to=" << (ti == 0 ? "tool_start" : "first_line")
                << " p50_ms=" << sum.p50Ms << " p95_ms=" << sum.p95Ms << " max_ms=" << sum.maxMs
                << "\n";
            p50[si][ti] = sum.p50Ms;
            ++ti;
        }
        ++si;
    }
    out << "RESULT sandbox_cost_p50_ms tool_start=" << (p50[0][0] - p50[1][0])
        << " first_line=" << (p50[0][1] - p50[1][1]) << "\n";
    sandboxed.socket.reset();
    unsandboxed.socket.reset();
    sandboxed.server.stop();
    unsandboxed.server.stop();
    return 0;
}

} // namespace crewdeck::bench
