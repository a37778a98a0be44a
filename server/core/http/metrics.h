#pragma once
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QString>
#include <functional>

// Prometheus text exposition (version 0.0.4) for GET /metrics: request counters by method,
// route and status, a request-duration histogram per route, runs by status from the store,
// process RSS, plus gauges that other parts register (open WebSockets, queue length...).
// Thread: observeRequest() from any thread (locked); the rest on the main thread.
namespace crewdeck::server {

class Store;

class Metrics
{
public:
    Metrics();

    // `route` is the pattern ("/crews/{id}"), never the concrete path, to bound the label set.
    void observeRequest(const QByteArray &method, const QString &route, int status, double seconds);
    // A gauge read at scrape time, e.g. addGauge("crewdeck_websockets_open", "...", fn).
    // Registering a name again replaces the reader.
    void addGauge(const QString &name, const QString &help, std::function<double()> read);

    // The whole exposition; `store` may be null (no run figures then).
    QByteArray render(Store *store) const;

    static const QList<double> &durationBuckets();

private:
    struct Histogram
    {
        QList<quint64> buckets; // cumulative counts are built at render time
        quint64 count = 0;
        double sum = 0;
    };
    struct Gauge
    {
        QString help;
        std::function<double()> read;
    };

    mutable QMutex m_mutex;                // guards m_requests and m_durations
    QHash<QString, quint64> m_requests;    // key: method \x1f route \x1f status
    QHash<QString, Histogram> m_durations; // key: method \x1f route
    QList<QString> m_gaugeOrder;
    QHash<QString, Gauge> m_gauges;
};

} // namespace crewdeck::server
