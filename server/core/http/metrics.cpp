#include "server/core/http/metrics.h"
#include "server/model/store.h"
#include "shared/types.h"

#include <QCoreApplication>
#include <QFile>
#include <algorithm>
#include <cmath>
#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace crewdeck::server {

using namespace Qt::StringLiterals;

namespace {
constexpr QChar Sep = QChar(0x1f);

QByteArray escapeLabel(const QString &v)
{
    QByteArray out;
    for (const char c : v.toUtf8()) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray number(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        return QByteArray::number(qint64(v));
    return QByteArray::number(v, 'g', 12);
}

std::optional<double> residentBytes()
{
#ifdef Q_OS_LINUX
    QFile f(u"/proc/self/statm"_s);
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QList<QByteArray> parts = f.readAll().simplified().split(' ');
    if (parts.size() < 2)
        return std::nullopt;
    bool ok = false;
    const qint64 pages = parts.at(1).toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    return double(pages) * double(sysconf(_SC_PAGESIZE));
#else
    return std::nullopt;
#endif
}
} // namespace

Metrics::Metrics() = default;

const QList<double> &Metrics::durationBuckets()
{
    static const QList<double> b{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,  0.5,    1,     2.5,  5,     10};
    return b;
}

void Metrics::observeRequest(const QByteArray &method, const QString &route, int status,
                             double seconds)
{
    const QString m = QString::fromLatin1(method);
    QMutexLocker lock(&m_mutex);
    m_requests[m + Sep + route + Sep + QString::number(status)] += 1;
    Histogram &h = m_durations[m + Sep + route];
    if (h.buckets.isEmpty())
        h.buckets.resize(durationBuckets().size(), 0);
    const auto &bounds = durationBuckets();
    for (qsizetype i = 0; i < bounds.size(); ++i) {
        if (seconds <= bounds.at(i)) {
            h.buckets[i] += 1;
            break;
        }
    }
    h.count += 1;
    h.sum += seconds;
}

void Metrics::addGauge(const QString &name, const QString &help, std::function<double()> read)
{
    if (!m_gauges.contains(name))
        m_gaugeOrder.append(name);
    m_gauges.insert(name, Gauge{help, std::move(read)});
}

QByteArray Metrics::render(Store *store) const
{
    QByteArray out;
    out.reserve(8192);
    QMutexLocker lock(&m_mutex);

    out +=
        "# HELP crewdeck_http_requests_total HTTP requests answered, by method, route and status.\n"
        "# TYPE crewdeck_http_requests_total counter\n";
    QStringList keys = m_requests.keys();
    std::sort(keys.begin(), keys.end());
    for (const QString &k : keys) {
        const QStringList p = k.split(Sep);
        out += "crewdeck_http_requests_total{method=\"" + escapeLabel(p.value(0)) + "\",route=\"" +
               escapeLabel(p.value(1)) + "\",status=\"" + escapeLabel(p.value(2)) + "\"} " +
               QByteArray::number(m_requests.value(k)) + '\n';
    }

    out += "# HELP crewdeck_http_request_duration_seconds Time to answer HTTP requests.\n"
           "# TYPE crewdeck_http_request_duration_seconds histogram\n";
    keys = m_durations.keys();
    std::sort(keys.begin(), keys.end());
    const auto &bounds = durationBuckets();
    for (const QString &k : keys) {
        const QStringList p = k.split(Sep);
        const QByteArray labels =
            "method=\"" + escapeLabel(p.value(0)) + "\",route=\"" + escapeLabel(p.value(1)) + '"';
        const Histogram &h = m_durations[k];
        quint64 cumulative = 0;
        for (qsizetype i = 0; i < bounds.size(); ++i) {
            cumulative += h.buckets.value(i);
            out += "crewdeck_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
                   number(bounds.at(i)) + "\"} " + QByteArray::number(cumulative) + '\n';
        }
        out += "crewdeck_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
               QByteArray::number(h.count) + '\n';
        out += "crewdeck_http_request_duration_seconds_sum{" + labels + "} " + number(h.sum) + '\n';
        out += "crewdeck_http_request_duration_seconds_count{" + labels + "} " +
               QByteArray::number(h.count) + '\n';
    }

    lock.unlock();

    if (store) {
        const QHash<QString, qint64> counts = store->runCountsByStatus();
        out += "# HELP crewdeck_runs Runs in the store, by status.\n# TYPE crewdeck_runs gauge\n";
        for (const QString &s : RunState::all())
            out += "crewdeck_runs{status=\"" + escapeLabel(s) + "\"} " +
                   QByteArray::number(counts.value(s)) + '\n';
    }

    for (const QString &name : m_gaugeOrder) {
        const Gauge &g = m_gauges[name];
        const QByteArray n = name.toUtf8();
        out += "# HELP " + n + ' ' + g.help.toUtf8() + "\n# TYPE " + n + " gauge\n";
        out += n + ' ' + number(g.read ? g.read() : 0.0) + '\n';
    }

    if (const auto rss = residentBytes()) {
        out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
               "# TYPE process_resident_memory_bytes gauge\n"
               "process_resident_memory_bytes " +
               number(*rss) + '\n';
    }
    return out;
}

} // namespace crewdeck::server
