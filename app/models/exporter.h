#pragma once
#include "app/models/analyticsdata.h"
#include "shared/types.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>

namespace crewdeck::client {

class ApiClient;

// One export to one file: start() does the work (network calls, writing) and emits
// finished(ok, message) exactly once, with the file name on success and a translated reason
// otherwise; cancel() ends it early with "Cancelled.". progress() counts what was collected so
// far (runs) for a progress dialog. GUI thread; every answer arrives through the event loop.
class Exporter : public QObject
{
    Q_OBJECT
public:
    explicit Exporter(QString fileName, QObject *parent = nullptr);

    QString fileName() const { return m_fileName; }
    bool isFinished() const { return m_finished; }
    virtual void start() = 0;
    virtual void cancel();

    // Writes `bytes` to `fileName` atomically (QSaveFile: a failed export leaves no half file);
    // false with a translated reason in *error.
    static bool writeFile(const QString &fileName, const QByteArray &bytes, QString *error);

Q_SIGNALS:
    void progress(int collected);
    void finished(bool ok, const QString &message);

protected:
    // Emits finished() once; later calls are ignored (a cancel racing an answer).
    void finish(bool ok, const QString &message);

private:
    QString m_fileName;
    bool m_finished = false;
};

// Every run created in the range as CSV (csv::runs), with crew names (a failed crew list leaves
// the column empty).
class RunsCsvExporter : public Exporter
{
    Q_OBJECT
public:
    RunsCsvExporter(ApiClient *api, const DateRange &range, const QString &fileName,
                    QObject *parent = nullptr);
    void start() override;
    void cancel() override;

private:
    ApiClient *m_api;
    DateRange m_range;
    QPointer<RunsCollector> m_collector;
};

// The C7T ledger timeseries as CSV (csv::ledger), from data the page already holds.
class LedgerCsvExporter : public Exporter
{
    Q_OBJECT
public:
    LedgerCsvExporter(Timeseries c7t, const QString &fileName, QObject *parent = nullptr);
    void start() override;
    // The same, synchronously: for callers that need no signal.
    static bool write(const Timeseries &c7t, const QString &fileName, QString *error);

private:
    Timeseries m_c7t;
};

} // namespace crewdeck::client
