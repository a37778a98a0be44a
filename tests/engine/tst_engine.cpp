// The live machinery against the real SQLite store and real child processes: event log
// ordering and durability, run queue, crew status signals, cancel, recovery, demo pipelines.
#include "server/engine/crewstatus.h"
#include "server/engine/demopipelines.h"
#include "server/engine/eventlog.h"
#include "server/engine/runqueue.h"
#include "server/runs/sandbox.h"
#include "server/store/sqlitestore.h"
#include "shared/events.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace crewdeck;
using namespace crewdeck::server;
using namespace Qt::StringLiterals;

class TestEngine : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteStore> m_store;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<CrewStatusTracker> m_crews;
    std::unique_ptr<RunQueue> m_queue;
    QList<StoredEventPtr> m_seen;
    QString m_org;
    Crew m_crew;

    void startEngine()
    {
        m_log = std::make_unique<EventLog>(m_store.get(), EventLog::Config{});
        connect(m_log.get(), &EventSource::published, this,
                [this](const StoredEventPtr &e) { m_seen.append(e); });
        m_crews = std::make_unique<CrewStatusTracker>(m_store.get(), m_log.get(), true);
        m_crews->initialise();
        RunQueue::Config qc;
        qc.maxConcurrent = 2;
        qc.executor.workspaceRoot = m_dir->filePath(u"workspaces"_s);
        qc.executor.python = u"/usr/bin/python3"_s;
        qc.executor.graceMs = 1000;
        // Tools run sandboxed as in the product; no sandbox here fails the test loudly.
        const SandboxConfig sc;
        const SandboxProbe probe = Sandbox::probe(sc);
        QVERIFY2(probe.ok, qPrintable(probe.reason));
        qc.executor.sandbox = std::make_shared<const Sandbox>(sc, probe);
        // The demo pipelines clone their own repository (as serve --demo allows).
        QDir().mkpath(m_dir->filePath(u"demo"_s));
        qc.executor.gitLocalRoots = {QFileInfo(m_dir->filePath(u"demo"_s)).canonicalFilePath()};
        m_queue = std::make_unique<RunQueue>(m_store.get(), m_log.get(), m_crews.get(), qc);
    }

    void stopEngine()
    {
        m_queue.reset();
        m_crews.reset();
        m_log.reset();
    }

    QString startRun(const QList<Step> &steps, int timeoutS = 60)
    {
        QJsonArray arr;
        for (Step s : steps) {
            if (!s.agentId)
                s.agentId = m_crew.agents.first().id;
            arr.append(s.toJson());
        }
        const Run r = m_store->createRun(m_org, m_crew.id, arr, timeoutS,
                                         QDateTime::currentMSecsSinceEpoch());
        m_queue->enqueue(r.id);
        return r.id;
    }

    static Step script(const QString &command)
    {
        return Step{std::nullopt, Tools::Script, QJsonObject{{u"command"_s, command}}};
    }

    QString runStatus(const QString &runId) { return m_store->run(m_org, runId)->status; }

    QList<Event> eventsOf(const QString &runId)
    {
        QList<Event> out;
        for (const auto &e : m_store->events(StreamKey{StreamKind::Run, m_org, runId}, 0, 100000))
            out.append(*Event::fromBytes(e->bytes));
        return out;
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_store = std::make_unique<SqliteStore>(m_dir->filePath(u"t.db"_s));
        QString err;
        QVERIFY2(m_store->open(&err), qPrintable(err));
        m_org = m_store->createOrg(u"acme"_s, Micros::fromUnits(1000))->id;
        CreateCrewRequest req;
        req.name = u"Builders"_s;
        req.agents = {Agent{{}, u"Ada"_s, u"coder"_s, Tools::all()}};
        m_crew = m_store->createCrew(m_org, req, QDateTime::currentMSecsSinceEpoch());
        m_crew.ownerOrgId = m_org;
        m_seen.clear();
        startEngine();
    }

    void cleanup()
    {
        stopEngine();
        m_store.reset();
        m_dir.reset();
    }

    void runSucceedsWithOrderedDurableEvents()
    {
        // Every published event is already in the store when it is published.
        bool allDurable = true;
        connect(m_log.get(), &EventSource::published, this,
                [this, &allDurable](const StoredEventPtr &e) {
                    const auto stored = m_store->events(
                        StreamKey{StreamKind::Mission, e->orgId, {}}, e->seq - 1, 1);
                    const auto run = m_store->events(StreamKey{StreamKind::Run, e->orgId, e->runId},
                                                     e->seq - 1, 1);
                    const bool found = (!stored.isEmpty() && stored.first()->seq == e->seq) ||
                                       (!run.isEmpty() && run.first()->seq == e->seq);
                    allDurable = allDurable && found;
                });
        const QString runId =
            startRun({script(u"echo one; echo '::progress 50 half'; echo '::tokens 7'; echo two"_s),
                      script(u"echo '::tokens 5'; exit 0"_s)});
        QTRY_COMPARE_WITH_TIMEOUT(runStatus(runId), RunState::Succeeded, 30000);
        m_log->flush();
        QVERIFY(allDurable);

        const Run run = *m_store->run(m_org, runId);
        QCOMPARE(run.tokens, 12);
        QCOMPARE(run.toolCalls.size(), 2);
        QCOMPARE(run.toolCalls[0].status, CallState::Success);
        QCOMPARE(run.toolCalls[0].exitCode, std::optional<int>(0));

        const QList<Event> events = eventsOf(runId);
        QStringList types;
        qint64 last = 0;
        QString text;
        for (const Event &e : events) {
            QVERIFY(e.seq > last);
            last = e.seq;
            types.append(e.type());
            if (const auto *p = std::get_if<ToolProgressEvent>(&e.body)) {
                if (!p->progress)
                    text += p->message + u'\n';
                else
                    QCOMPARE(*p->progress, 50);
            }
        }
        QCOMPARE(types.first(), EventType::RunStatus);
        QCOMPARE(types.last(), EventType::RunStatus);
        QCOMPARE(types.count(EventType::ToolStart), 2);
        QCOMPARE(types.count(EventType::ToolEnd), 2);
        QVERIFY(text.contains(u"one"_s));
        QVERIFY(text.contains(u"two"_s));
        QVERIFY(!text.contains(u"::tokens"_s));
        // Nothing of a tool call follows its tool_end.
        QSet<QString> ended;
        for (const Event &e : events) {
            if (const auto *p = std::get_if<ToolProgressEvent>(&e.body))
                QVERIFY(!ended.contains(p->toolCallId));
            if (const auto *end = std::get_if<ToolEndEvent>(&e.body))
                ended.insert(end->toolCallId);
        }

        // The crew went busy, then available again, each change a signal on the mission stream.
        QStringList signalStates;
        for (const auto &e : m_store->events(StreamKey{StreamKind::Mission, m_org, {}}, 0, 1000))
            signalStates.append(std::get<SignalEvent>(Event::fromBytes(e->bytes)->body).status);
        QCOMPARE(signalStates.mid(signalStates.size() - 2),
                 (QStringList{CrewStatus::Busy, CrewStatus::Available}));
        QCOMPARE(m_store->crew(m_org, m_crew.id)->status, CrewStatus::Available);
    }

    void failingStepFailsRunAndSkipsTheRest()
    {
        const QString runId = startRun({script(u"exit 3"_s), script(u"echo never"_s)});
        QTRY_COMPARE_WITH_TIMEOUT(runStatus(runId), RunState::Failed, 30000);
        const Run run = *m_store->run(m_org, runId);
        QCOMPARE(run.toolCalls.size(), 1);
        QCOMPARE(run.toolCalls[0].exitCode, std::optional<int>(3));
        QCOMPARE(run.toolCalls[0].status, CallState::Failed);
    }

    void cancelRunningAndQueued()
    {
        const QString running = startRun({script(u"echo started; sleep 30"_s)});
        const QString queued = startRun({script(u"echo never"_s)}); // same crew: waits
        QTRY_VERIFY_WITH_TIMEOUT(!m_store->runningToolCalls(running).isEmpty(), 15000);
        QCOMPARE(runStatus(queued), RunState::Queued);
        QVERIFY(m_queue->cancel(queued));
        QCOMPARE(runStatus(queued), RunState::Cancelled);
        QVERIFY(m_queue->cancel(running));
        QTRY_COMPARE_WITH_TIMEOUT(runStatus(running), RunState::Cancelled, 15000);
        const Run run = *m_store->run(m_org, running);
        QCOMPARE(run.toolCalls[0].status, CallState::Cancelled);
        QVERIFY(!run.toolCalls[0].exitCode);
        QVERIFY(!m_queue->cancel(running)); // already final
    }

    void timeoutEndsToolTimeoutAndRunFailed()
    {
        const QString runId = startRun({script(u"sleep 30"_s)}, 1);
        QTRY_COMPARE_WITH_TIMEOUT(runStatus(runId), RunState::Failed, 20000);
        QCOMPARE(m_store->run(m_org, runId)->toolCalls[0].status, CallState::Timeout);
    }

    void recoveryMarksInterruptedRunsFailed()
    {
        // A run left `running` by a server that died: stored as such, with a running tool call.
        const Run r = m_store->createRun(m_org, m_crew.id,
                                         QJsonArray{Step{m_crew.agents.first().id, Tools::Script,
                                                         QJsonObject{{u"command"_s, u"sleep 1"_s}}}
                                                        .toJson()},
                                         60, QDateTime::currentMSecsSinceEpoch());
        m_store->markRunStarted(r.id, QDateTime::currentMSecsSinceEpoch());
        const ToolCall call = m_store->startToolCall(r.id, m_crew.agents.first().id, Tools::Script,
                                                     {}, QDateTime::currentMSecsSinceEpoch());
        // ...and a queued one that must still run after the restart.
        const Run queued =
            m_store->createRun(m_org, m_crew.id,
                               QJsonArray{Step{m_crew.agents.first().id, Tools::Script,
                                               QJsonObject{{u"command"_s, u"true"_s}}}
                                              .toJson()},
                               60, QDateTime::currentMSecsSinceEpoch());
        stopEngine();
        startEngine();
        m_queue->recover();
        QCOMPARE(runStatus(r.id), RunState::Failed);
        const QList<Event> events = eventsOf(r.id);
        QVERIFY(events.size() >= 2);
        const auto *end = std::get_if<ToolEndEvent>(&events.at(events.size() - 2).body);
        QVERIFY(end);
        QCOMPARE(end->toolCallId, call.id);
        QCOMPARE(end->status, CallState::Failed);
        QCOMPARE(end->message, u"interrupted"_s);
        QCOMPARE(std::get<RunStatusEvent>(events.last().body).status, RunState::Failed);
        QTRY_COMPARE_WITH_TIMEOUT(runStatus(queued.id), RunState::Succeeded, 20000);
    }

    void seqContinuesAcrossRestart()
    {
        const QString a = startRun({script(u"echo a"_s)});
        QTRY_COMPARE_WITH_TIMEOUT(runStatus(a), RunState::Succeeded, 20000);
        const qint64 before = m_store->maxEventSeq();
        stopEngine();
        startEngine();
        const QString b = startRun({script(u"echo b"_s)});
        QTRY_COMPARE_WITH_TIMEOUT(runStatus(b), RunState::Succeeded, 20000);
        QVERIFY(eventsOf(b).first().seq > before);
    }

    // Under write pacing the event log commits just before the gateway's next write pass
    // (EventLog::setDeliveryPace): nothing is stored or published before then, and everything
    // is, in seq order, after it. With no wait there an event goes out on the next pass.
    void batchesWaitForTheDeliveryPace()
    {
        int paceMs = 400; // the next write pass is 400 ms away
        m_log->setDeliveryPace([&paceMs] { return paceMs; });
        const qint64 before = m_store->maxEventSeq();
        m_seen.clear();
        for (int i = 0; i < 3; ++i)
            m_log->append(m_org, SignalEvent{m_crew.id, u"busy"_s});
        QTest::qWait(100); // a quarter of the wait: the timer cannot have fired
        QVERIFY(m_seen.isEmpty());
        QCOMPARE(m_store->maxEventSeq(), before);
        QTRY_COMPARE_WITH_TIMEOUT(m_seen.size(), 3, 10000);
        QCOMPARE(m_store->maxEventSeq(), m_seen.constLast()->seq);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_seen.at(i)->seq, before + 1 + i);

        paceMs = 0; // no wait for the pass: the next event-loop pass
        m_log->append(m_org, SignalEvent{m_crew.id, u"idle"_s});
        QTRY_COMPARE_WITH_TIMEOUT(m_seen.size(), 4, 10000);
        QCOMPARE(m_seen.constLast()->seq, before + 4);
        m_log->setDeliveryPace({});
    }

    void demoPipelinesRunForReal()
    {
        DemoPipelines demo(m_store.get(), m_queue.get(), m_dir->filePath(u"demo"_s), m_org, 60000);
        QVERIFY(QDir().mkpath(m_dir->filePath(u"demo"_s)));
        QString err;
        QVERIFY2(demo.prepare(&err), qPrintable(err));
        QVERIFY2(demo.prepare(&err), qPrintable(err)); // idempotent
        const QStringList runs = demo.launchRound();
        QCOMPARE(runs.size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(RunState::isFinal(runStatus(runs.first())), 90000);
        const Run run = *m_store->run(m_org, runs.first());
        QCOMPARE(run.toolCalls.size(), 3);
        QCOMPARE(run.toolCalls[0].tool, Tools::GitClone);
        QCOMPARE(run.toolCalls[1].tool, Tools::Pytest);
        QCOMPARE(run.status, RunState::Succeeded); // round 0 checks out main, whose tests pass
        QVERIFY(run.tokens > 0);
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
