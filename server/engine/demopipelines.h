#pragma once
#include "server/model/runscheduler.h"
#include "server/model/store.h"

#include <QObject>
#include <QTimer>

namespace crewdeck::server {

// Demo mode's real work: a local bare git repository holding a small Python project with
// tests, and a schedule that has the demo org's crews run a real pipeline against it
// (git_clone from file://, pytest, a script that reports ::progress and ::tokens). About one
// pipeline in five checks out a branch whose tests fail, so failures are real too.
// Thread: main thread only.
class DemoPipelines : public QObject
{
    Q_OBJECT
public:
    DemoPipelines(Store *store, RunScheduler *scheduler, QString demoDir, QString orgId,
                  int intervalMs = 20000, QObject *parent = nullptr);

    // Creates (or reuses) the bare repository. False with a message when git fails.
    bool prepare(QString *error);
    void start();
    void stop();
    // Starts one pipeline on each demo crew that is not already working; returns run ids.
    QStringList launchRound();

    QString repositoryUrl() const;

private:
    QJsonArray pipelineFor(const Crew &crew, bool failing) const;

    Store *m_store;
    RunScheduler *m_scheduler;
    QString m_dir;
    QString m_orgId;
    QTimer m_timer;
    quint64 m_round = 0;
};

// Runs `git` with args in `dir` synchronously (setup only); false with output on failure.
bool runGit(const QStringList &args, const QString &dir, QString *error);

} // namespace crewdeck::server
