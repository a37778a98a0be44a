#include "bench/benchutil.h"

#include "server/store/sqlitestore.h"
#include "server/store/storeutil.h"
#include "shared/types.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTextStream>
#include <QTimer>
#include <functional>
#include <memory>

using namespace Qt::StringLiterals;

// `rest`: seeds the store with N finished runs (rows written directly, before the server
// starts), starts the server, then drives GET /dashboard/stats and GET /runs with C
// keep-alive HTTP/1.1 connections, one request in flight each. Thread: main thread only.
namespace crewdeck::bench {
namespace {

// Writes `count` finished runs of the bench org's one crew in a few large transactions.
// Creates the org's crew through SqliteStore (which also applies the migrations) and the
// runs with one prepared INSERT, which is what makes a million rows take seconds, not hours.
bool seedRuns(const QString &dbPath, const QString &orgName, qint64 count, qint64 spanDays,
              QString *error)
{
    QString orgId, crewId;
    {
        server::SqliteStore store(dbPath);
        if (!store.open(error))
            return false;
        const auto org = store.orgByName(orgName);
        if (!org) {
            *error = u"seed: org %1 not found"_s.arg(orgName);
            return false;
        }
        orgId = org->id;
        CreateCrewRequest req;
        req.name = u"bench-rest"_s;
        Agent a;
        a.name = u"worker"_s;
        a.role = u"bench"_s;
        a.tools = {u"script"_s};
        req.agents = {a};
        crewId = store.createCrew(orgId, req, QDateTime::currentMSecsSinceEpoch()).id;
        if (crewId.isEmpty()) {
            *error = u"seed: createCrew failed"_s;
            return false;
        }
    }
    const QString conn = u"crewdeck-bench-seed"_s;
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, conn);
        db.setDatabaseName(dbPath);
        if (!db.open()) {
            *error = u"seed: cannot open %1: %2"_s.arg(dbPath, db.lastError().text());
            return false;
        }
        QSqlQuery pragma(db);
        pragma.exec(u"PRAGMA synchronous=OFF"_s);
        const QString steps = u"[{\"tool\":\"script\",\"params\":{\"command\":\"true\"}}]"_s;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // Created evenly over the last `spanDays` days (30 for `rest`, 365 for `timeseries`).
        const qint64 span = std::max<qint64>(spanDays, 1) * 24 * 3600 * 1000;
        QRandomGenerator rng(42);
        QSqlQuery ins(db);
        ins.prepare(u"INSERT INTO runs (id, org_id, crew_id, status, steps, timeout_s, created_at,"
                    " started_at, finished_at, duration_ms, tokens)"
                    " VALUES (?, ?, ?, ?, ?, 600, ?, ?, ?, ?, ?)"_s);
        const qint64 chunk = 50000;
        for (qint64 done = 0; done < count && ok;) {
            db.transaction();
            const qint64 end = std::min(count, done + chunk);
            for (; done < end; ++done) {
                const int roll = int(rng.bounded(100));
                const QString status = roll < 90   ? u"succeeded"_s
                                       : roll < 98 ? u"failed"_s
                                                   : u"cancelled"_s;
                const qint64 created = now - span + (span * done) / std::max<qint64>(count, 1);
                // Durations from 0.2 s to ~60 s, most of them short.
                const qint64 duration = 200 + qint64(rng.bounded(1000)) * qint64(rng.bounded(60));
                ins.bindValue(0, server::storeutil::newId(u"run"));
                ins.bindValue(1, orgId);
                ins.bindValue(2, crewId);
                ins.bindValue(3, status);
                ins.bindValue(4, steps);
                ins.bindValue(5, created);
                ins.bindValue(6, created + 50);
                ins.bindValue(7, created + 50 + duration);
                ins.bindValue(8, duration);
                ins.bindValue(9, qint64(rng.bounded(5000)));
                if (!ins.exec()) {
                    *error = u"seed: insert failed: %1"_s.arg(ins.lastError().text());
                    ok = false;
                    break;
                }
            }
            db.commit();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(conn);
    if (!ok)
        return false;
    // The rows bypassed the store: recompute its maintained run aggregates (what
    // createRun/markRunFinished keep current) in one pass, then refresh the planner's stats.
    server::SqliteStore store(dbPath);
    if (!store.open(error))
        return false;
    if (!store.rebuildRunStats()) {
        *error = u"seed: rebuilding the run aggregates failed"_s;
        return false;
    }
    store.ping();
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, conn);
        db.setDatabaseName(dbPath);
        if (db.open())
            QSqlQuery(db).exec(u"ANALYZE"_s);
        db.close();
    }
    QSqlDatabase::removeDatabase(conn);
    return ok;
}

// One keep-alive connection with one request in flight; records each response's latency.
struct HttpConn
{
    QTcpSocket *socket = nullptr;
    QByteArray buffer;
    qint64 sentAt = 0;
    qint64 headerEnd = -1;
    qint64 bodyLength = -1;
    int status = 0;
    bool writer = false; // the --writes connection: POST /crews, not measured
};

// Values of every `--name VALUE` occurrence in args (repeatable options).
QStringList argValues(const QStringList &args, const QString &name)
{
    QStringList values;
    for (qsizetype i = 0; i + 1 < args.size(); ++i) {
        if (args.at(i) == name)
            values.append(args.at(++i));
    }
    return values;
}

// RFC 3339 UTC with milliseconds, as the server's query parser expects.
QString rfc3339(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

class RestBench
{
public:
    enum class Mode { Rest, Timeseries };
    RestBench(Mode mode, const QStringList &args) : m_mode(mode), m_args(args) {}

    int run()
    {
        QTextStream err(stderr);
        QTextStream out(stdout);
        raiseFileLimit();
        const bool ts = m_mode == Mode::Timeseries;
        const int connections = argInt(m_args, u"--connections"_s, ts ? 10 : 50);
        const int seconds = argInt(m_args, u"--seconds"_s, ts ? 3 : 10);
        m_runsArg = argValue(m_args, u"--runs"_s, ts ? u"1000000"_s : u"100000"_s);
        const qint64 runs = m_runsArg.toLongLong();
        const int spanDays = argInt(m_args, u"--span-days"_s, ts ? 365 : 30);
        m_writesPerS = argInt(m_args, u"--writes"_s, 0);
        if (connections < 1 || seconds < 1 || runs < 0 || spanDays < 1) {
            err << "rest: --connections, --seconds and --span-days must be positive, --runs not "
                   "negative\n";
            return 2;
        }
        QString error;
        m_server.setTls(hasFlag(m_args, u"--tls"_s));
        if (!m_server.prepare(BenchServer::findServerBinary(m_args), &error)) {
            err << "rest: " << error << "\n";
            return 1;
        }
        QElapsedTimer seedTimer;
        seedTimer.start();
        if (!seedRuns(m_server.dbPath(), m_server.orgName(), runs, spanDays, &error)) {
            err << "rest: " << error << "\n";
            return 1;
        }
        const double seedS = seedTimer.elapsed() / 1000.0;
        if (!m_server.launch(2, hasFlag(m_args, u"--server-no-glib"_s), &error)) {
            err << "rest: " << error << "\n";
            return 1;
        }
        m_port = quint16(QUrl(m_server.baseUrl()).port());
        // --after S: let the server run S seconds first (its analytics warm-up starts 5 s
        // after start and fills the latency memo in the background).
        if (const int after = argInt(m_args, u"--after"_s, 0); after > 0)
            waitUntil([] { return false; }, after * 1000);
        out << QString::asprintf(
            "%s: %lld runs over %d days seeded in %.1f s, %d connections, %d s per route\n",
            ts ? "timeseries" : "rest", runs, spanDays, seedS, connections, seconds);
        if (m_server.tls())
            out << "over TLS (https, TLS 1.2+ as negotiated, ECDSA P-256 certificate)\n";
        out.flush();

        int rc = 0;
        if (!ts) {
            QStringList routes = argValues(m_args, u"--route"_s);
            if (routes.isEmpty())
                routes = {u"/dashboard/stats"_s, u"/runs"_s};
            for (const QString &route : routes) {
                if (!drive(route, connections, seconds,
                           "RESULT rest route=" + route.toUtf8() +
                               " connections=" + QByteArray::number(connections) +
                               (m_server.tls() ? " tls=1" : " tls=0")))
                    rc = 1;
            }
        } else if (!driveTimeseries(connections, seconds)) {
            rc = 1;
        }
        m_server.stop();
        return rc;
    }

private:
    // GET /dashboard/timeseries for each metric over two ranges ending now: a year by day and
    // 30 days by hour (--metric / --range narrow it down), each with one connection (latency)
    // and then `connections` (throughput).
    bool driveTimeseries(int connections, int seconds)
    {
        QStringList metrics = argValues(m_args, u"--metric"_s);
        if (metrics.isEmpty())
            metrics = {u"runs"_s, u"success_rate"_s, u"latency"_s, u"tokens"_s, u"c7t"_s};
        struct Range
        {
            const char *name;
            int days;
            const char *bucket;
        };
        QList<Range> ranges;
        const QStringList wanted = argValues(m_args, u"--range"_s);
        for (const Range &r : {Range{"365d", 365, "day"}, Range{"30d", 30, "hour"}}) {
            if (wanted.isEmpty() || wanted.contains(QLatin1String(r.name)))
                ranges.append(r);
        }
        // Every seeded run lies before `to` (the seeding finished before this point).
        const qint64 to = QDateTime::currentMSecsSinceEpoch() + 60000;
        bool ok = true;
        for (const Range &r : ranges) {
            const QString from = rfc3339(to - qint64(r.days) * 86400000LL);
            for (const QString &metric : metrics) {
                const QString route =
                    u"/dashboard/timeseries?metric=%1&bucket=%2&from=%3&to=%4"_s.arg(
                        metric, QLatin1String(r.bucket), from, rfc3339(to));
                QList<int> conns{1};
                if (connections != 1)
                    conns.append(connections);
                // The first answer for a range may do work the later ones reuse (latency
                // percentiles of closed buckets are memoised): timed on its own.
                const qint64 t0 = monoNs();
                const HttpResult first =
                    httpCall("GET", m_server.baseUrl() + route, m_server.token(), {}, 600000);
                const double firstMs = (monoNs() - t0) / 1e6;
                if (first.status != 200) {
                    QTextStream(stderr)
                        << "timeseries: first " << route << " answered " << first.status << "\n";
                    ok = false;
                }
                QTextStream(stdout) << QString::asprintf("  %s %s: first answer %.1f ms\n",
                                                         qPrintable(metric), r.name, firstMs);
                for (int c : conns) {
                    const QByteArray label = "RESULT timeseries metric=" + metric.toUtf8() +
                                             " range=" + r.name + " bucket=" + r.bucket +
                                             " connections=" + QByteArray::number(c) +
                                             " first_ms=" + QByteArray::number(firstMs, 'f', 1);
                    if (!drive(route, c, seconds, label))
                        ok = false;
                }
            }
        }
        return ok;
    }

    bool drive(const QString &route, int connections, int seconds, const QByteArray &label)
    {
        QTextStream out(stdout);
        m_request = "GET " + route.toUtf8() +
                    " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(m_port) +
                    "\r\nAuthorization: Bearer " + m_server.token().toUtf8() +
                    "\r\nConnection: keep-alive\r\n\r\n";
        m_samples.clear();
        m_errors = 0;
        m_done = 0;
        m_measuring = false;
        m_running = true;
        QObject owner;
        std::vector<std::unique_ptr<HttpConn>> conns;
        int connected = 0;
        for (int i = 0; i < connections; ++i) {
            auto c = std::make_unique<HttpConn>();
            c->socket = dialClient(m_port, m_server.tls(), &owner, [&connected] { ++connected; });
            HttpConn *cp = c.get();
            QObject::connect(cp->socket, &QTcpSocket::readyRead, &owner,
                             [this, cp] { onReadyRead(cp); });
            QObject::connect(cp->socket, &QTcpSocket::disconnected, &owner, [this] {
                if (m_running)
                    ++m_errors;
            });
            conns.push_back(std::move(c));
        }
        // --writes W: W POST /crews per second on one more connection, each a write that
        // invalidates the server's read caches (the figure with writes going on).
        HttpConn *writer = nullptr;
        QTimer writeTimer;
        if (m_writesPerS > 0) {
            auto c = std::make_unique<HttpConn>();
            c->writer = true;
            c->socket = dialClient(m_port, m_server.tls(), &owner, [&connected] { ++connected; });
            writer = c.get();
            QObject::connect(writer->socket, &QTcpSocket::readyRead, &owner,
                             [this, writer] { onReadyRead(writer); });
            conns.push_back(std::move(c));
            ++connections; // waited for below like the others
            writeTimer.setInterval(std::max(1, 1000 / m_writesPerS));
            QObject::connect(&writeTimer, &QTimer::timeout, &owner, [this, writer] {
                if (m_running && writer->sentAt == 0 &&
                    writer->socket->state() == QAbstractSocket::ConnectedState)
                    send(writer);
            });
        }
        waitUntil([&] { return connected >= connections; }, 30000);
        if (writer) {
            --connections;
            writeTimer.start();
        }
        if (connected < connections + (writer ? 1 : 0)) {
            QTextStream(stderr) << "rest: only " << connected << " of " << connections
                                << " connected\n";
            return false;
        }
        // Half a second of warm-up (caches, first allocations), then the measured window.
        for (auto &c : conns) {
            if (!c->writer)
                send(c.get());
        }
        waitUntil([] { return false; }, 500);
        const qint64 writes0 = m_writesDone;
        const double cpu0 = cpuSeconds(m_server.pid());
        const qint64 t0 = monoNs();
        m_measuring = true;
        waitUntil([] { return false; }, seconds * 1000);
        // A route slower than the window still gets a figure: measure until one answer came.
        waitUntil([this] { return m_done > 0 || m_errors > 0; }, 120000);
        m_measuring = false;
        const double wall = (monoNs() - t0) / 1e9;
        const double cpu1 = cpuSeconds(m_server.pid());
        const qint64 writes = m_writesDone - writes0;
        m_running = false;
        writeTimer.stop();
        // Let the requests in flight finish so that the next route starts on an idle server.
        waitUntil(
            [&] {
                for (auto &c : conns) {
                    if (c->sentAt != 0 && c->socket->state() == QAbstractSocket::ConnectedState)
                        return false;
                }
                return true;
            },
            120000);
        for (auto &c : conns)
            c->socket->abort();

        const qint64 done = m_done;
        const Summary s = summarize(m_samples);
        const double rps = done / wall;
        const double cpuPct = 100.0 * (cpu1 - cpu0) / wall;
        const QString shown = m_mode == Mode::Timeseries ? QString::fromUtf8(label.mid(18)) : route;
        out << QString::asprintf("  %-18s %10.0f req/s  p50 %.2f  p95 %.2f  p99 %.2f  max %.2f ms"
                                 "  (%lld requests, %lld errors, server CPU %.0f %%)\n",
                                 qPrintable(shown), rps, s.p50Ms, s.p95Ms, s.p99Ms, s.maxMs, done,
                                 m_errors, cpuPct);
        if (writer)
            out << QString::asprintf("  with %.1f writes/s (POST /crews), %lld write errors\n",
                                     writes / wall, m_writeErrors);
        const QByteArray writesField =
            writer ? " writes_per_s=" + QByteArray::number(writes / wall, 'f', 1) : QByteArray();
        out << QString::asprintf(
            "%s%s req_per_s=%.*f p50_ms=%.2f "
            "p95_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%lld cpu_pct=%.1f runs=%s\n",
            label.constData(), writesField.constData(), rps < 10 ? 2 : 0, rps, s.p50Ms, s.p95Ms,
            s.p99Ms, s.maxMs, m_errors, cpuPct, qPrintable(m_runsArg));
        out.flush();
        return done > 0 && m_errors == 0;
    }

    void send(HttpConn *c)
    {
        c->buffer.clear();
        c->headerEnd = -1;
        c->bodyLength = -1;
        c->status = 0;
        c->sentAt = monoNs();
        if (!c->writer) {
            c->socket->write(m_request);
            return;
        }
        const QByteArray body =
            "{\"name\":\"bench-w" + QByteArray::number(++m_writeSeq) +
            "\",\"agents\":[{\"name\":\"a\",\"role\":\"r\",\"tools\":[\"script\"]}]}";
        c->socket->write("POST /crews HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(m_port) +
                         "\r\nAuthorization: Bearer " + m_server.token().toUtf8() +
                         "\r\nContent-Type: application/json\r\nContent-Length: " +
                         QByteArray::number(body.size()) + "\r\nConnection: keep-alive\r\n\r\n" +
                         body);
    }

    // Thread: main. Minimal HTTP/1.1 response framing: Content-Length bodies only (what
    // QHttpServer sends for these routes).
    void onReadyRead(HttpConn *c)
    {
        c->buffer += c->socket->readAll();
        if (c->headerEnd < 0) {
            const qsizetype end = c->buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            c->headerEnd = end + 4;
            const QByteArray head = c->buffer.left(end).toLower();
            c->status = head.mid(9, 3).toInt();
            const qsizetype cl = head.indexOf("\r\ncontent-length:");
            if (cl < 0) {
                // Not something this client can frame: count it and drop the connection.
                ++m_errors;
                c->socket->abort();
                return;
            }
            const qsizetype eol = head.indexOf("\r\n", cl + 2);
            c->bodyLength =
                head.mid(cl + 17, (eol < 0 ? head.size() : eol) - cl - 17).trimmed().toLongLong();
        }
        if (c->buffer.size() < c->headerEnd + c->bodyLength)
            return;
        if (c->writer) {
            if (c->status == 201)
                ++m_writesDone;
            else
                ++m_writeErrors;
            c->sentAt = 0;
            return;
        }
        if (m_measuring) {
            const qint64 us = (monoNs() - c->sentAt) / 1000;
            m_samples.push_back(quint32(us));
            ++m_done;
            if (c->status != 200)
                ++m_errors;
        }
        c->sentAt = 0;
        if (m_running)
            send(c);
    }

    Mode m_mode;
    QStringList m_args;
    QString m_runsArg;
    BenchServer m_server;
    quint16 m_port = 0;
    QByteArray m_request;
    std::vector<quint32> m_samples;
    qint64 m_errors = 0;
    qint64 m_done = 0;
    int m_writesPerS = 0;
    qint64 m_writesDone = 0;
    qint64 m_writeErrors = 0;
    qint64 m_writeSeq = 0;
    bool m_measuring = false;
    bool m_running = false;
};

} // namespace

int runRestCommand(const QStringList &args)
{
    if (hasFlag(args, u"--compare-tls"_s))
        return runPlainThenTls(
            args, [](const QStringList &a) { return RestBench(RestBench::Mode::Rest, a).run(); });
    return RestBench(RestBench::Mode::Rest, args).run();
}

int runTimeseriesCommand(const QStringList &args)
{
    return RestBench(RestBench::Mode::Timeseries, args).run();
}

} // namespace crewdeck::bench
