#include "app/models/exporter.h"
#include "app/models/csvwriter.h"
#include "app/net/apiclient.h"

#include <QSaveFile>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace crewdeck::client {

Exporter::Exporter(QString fileName, QObject *parent)
    : QObject(parent), m_fileName(std::move(fileName))
{
}

void Exporter::cancel()
{
    finish(false, tr("Cancelled."));
}

void Exporter::finish(bool ok, const QString &message)
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT finished(ok, message);
}

bool Exporter::writeFile(const QString &fileName, const QByteArray &bytes, QString *error)
{
    QSaveFile f(fileName);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        if (error)
            *error = tr("Cannot write %1: %2").arg(fileName, f.errorString());
        return false;
    }
    return true;
}

RunsCsvExporter::RunsCsvExporter(ApiClient *api, const DateRange &range, const QString &fileName,
                                 QObject *parent)
    : Exporter(fileName, parent), m_api(api), m_range(range)
{
}

void RunsCsvExporter::start()
{
    auto *collector = new RunsCollector(m_api, m_range.from, m_range.to, this);
    m_collector = collector;
    connect(collector, &RunsCollector::progress, this, &Exporter::progress);
    connect(collector, &RunsCollector::failed, this,
            [this](const ApiFailure &f) { finish(false, f.message); });
    // Crew names make the file readable; a failure leaves the column empty.
    m_api->crews(collector, [this, collector](const ApiResult<QList<Crew>> &cr) {
        if (isFinished())
            return; // cancelled meanwhile (start() would un-cancel the collector)
        QHash<QString, QString> names;
        if (cr.ok()) {
            for (const Crew &c : *cr.value)
                names.insert(c.id, c.name);
        }
        connect(collector, &RunsCollector::finished, this, [this, names](const QList<Run> &runs) {
            if (isFinished())
                return;
            QString err;
            const bool ok = writeFile(fileName(), csv::runs(runs, names), &err);
            finish(ok, ok ? fileName() : err);
        });
        collector->start();
    });
}

void RunsCsvExporter::cancel()
{
    if (m_collector)
        m_collector->cancel();
    Exporter::cancel();
}

LedgerCsvExporter::LedgerCsvExporter(Timeseries c7t, const QString &fileName, QObject *parent)
    : Exporter(fileName, parent), m_c7t(std::move(c7t))
{
}

bool LedgerCsvExporter::write(const Timeseries &c7t, const QString &fileName, QString *error)
{
    return writeFile(fileName, csv::ledger(c7t), error);
}

void LedgerCsvExporter::start()
{
    // Queued, so that finished() never arrives inside start() (callers connect first).
    QTimer::singleShot(0, this, [this] {
        QString err;
        const bool ok = write(m_c7t, fileName(), &err);
        finish(ok, ok ? fileName() : err);
    });
}

} // namespace crewdeck::client
