#include "app/ui/runs/rundetailpage.h"
#include "app/models/recentrunsmodel.h"
#include "app/models/toolcallsmodel.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/net/livesocket.h"
#include "app/net/livestreams.h"
#include "app/ui/errorlabel.h"
#include "app/ui/runs/logview.h"
#include "app/ui/runs/statuspill.h"
#include "app/ui/runs/timelinewidget.h"
#include "app/ui/theme.h"
#include "shared/logging.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace crewdeck::client;

namespace crewdeck::ui {

RunDetailPage::RunDetailPage(ApiClient *api, AuthSession *session, LiveStreams *streams,
                             QWidget *parent)
    : QWidget(parent), m_api(api), m_session(session), m_streams(streams),
      m_model(new ToolCallsModel(this))
{
    setObjectName(u"runDetailPage"_s);
    const int em = fontMetrics().height();
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(em, em, em, em);

    auto *head = new QHBoxLayout;
    auto *back = new QPushButton(tr("\u2190 Runs"), this);
    back->setObjectName(u"backButton"_s);
    back->setFlat(true);
    connect(back, &QPushButton::clicked, this, &RunDetailPage::backRequested);
    head->addWidget(back);
    m_title = new QLabel(this);
    m_title->setObjectName(u"runTitle"_s);
    QFont tf = m_title->font();
    tf.setPointSizeF(tf.pointSizeF() * 1.25);
    tf.setWeight(QFont::DemiBold);
    m_title->setFont(tf);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    head->addWidget(m_title);
    m_pill = new StatusPill(this);
    m_pill->setObjectName(u"runStatusPill"_s);
    head->addWidget(m_pill);
    head->addStretch(1);
    m_cancel = new QPushButton(tr("Cancel run"), this);
    m_cancel->setObjectName(u"cancelRunButton"_s);
    m_rerun = new QPushButton(tr("Re-run"), this);
    m_rerun->setObjectName(u"rerunButton"_s);
    head->addWidget(m_cancel);
    head->addWidget(m_rerun);
    v->addLayout(head);

    auto *facts = new QHBoxLayout;
    auto fact = [this, facts](const QString &name, const QString &caption) {
        auto *cap = new QLabel(caption, this);
        cap->setForegroundRole(QPalette::PlaceholderText);
        auto *val = new QLabel(this);
        val->setObjectName(name);
        val->setTextInteractionFlags(Qt::TextSelectableByMouse);
        facts->addWidget(cap);
        facts->addWidget(val);
        facts->addSpacing(fontMetrics().height());
        return val;
    };
    m_crew = fact(u"runCrew"_s, tr("Crew:"));
    m_started = fact(u"runStarted"_s, tr("Started:"));
    m_duration = fact(u"runDuration"_s, tr("Duration:"));
    m_tokens = fact(u"runTokens"_s, tr("Tokens:"));
    facts->addStretch(1);
    v->addLayout(facts);

    m_error = new ErrorLabel(this);
    m_error->setObjectName(u"runError"_s);
    v->addWidget(m_error);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_timeline = new TimelineWidget(m_model, split);
    auto *scroll = new QScrollArea(split);
    scroll->setWidget(m_timeline);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::StyledPanel);
    m_log = new LogView(split);
    m_log->setObjectName(u"logView"_s);
    split->addWidget(scroll);
    split->addWidget(m_log);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    v->addWidget(split, 1);

    const bool canAct = Roles::rank(session->user().role) >= Roles::rank(Roles::Member);
    m_cancel->setVisible(false);
    m_rerun->setVisible(canAct);
    connect(m_cancel, &QPushButton::clicked, this, &RunDetailPage::cancelRun);
    connect(m_rerun, &QPushButton::clicked, this, &RunDetailPage::rerun);

    connect(m_model, &ToolCallsModel::runChanged, this, &RunDetailPage::updateHeader);
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) {
                // Follow the newest call unless the user picked one.
                if (!m_userPicked || m_timeline->selectedToolCall().isEmpty()) {
                    const QString id = m_model->toolCalls().at(last).id;
                    Q_UNUSED(first);
                    const QSignalBlocker block(m_timeline);
                    m_timeline->setSelectedToolCall(id);
                    showLogOf(id);
                }
            });
    connect(m_model, &ToolCallsModel::logAppended, this,
            [this](const QString &callId, const QString &text) {
                if (callId == m_timeline->selectedToolCall())
                    m_log->appendText(text);
            });
    connect(m_timeline, &TimelineWidget::toolCallSelected, this, [this](const QString &id) {
        m_userPicked = true;
        showLogOf(id);
    });

    m_tick.setInterval(500);
    connect(&m_tick, &QTimer::timeout, this, [this] {
        if (!RunState::isFinal(m_model->run().status))
            updateHeader();
    });
    m_tick.start();
    updateHeader();
}

RunDetailPage::~RunDetailPage()
{
    releaseSocket();
}

void RunDetailPage::releaseSocket()
{
    if (m_socket)
        m_socket->disconnect(this);
    m_socket = nullptr;
    if (m_streams) {
        m_streams->disconnect(this);
        if (!m_heldRunId.isEmpty())
            m_streams->releaseRun(m_heldRunId);
    }
    m_heldRunId.clear();
}

void RunDetailPage::openRun(const QString &runId)
{
    ++m_generation;
    m_runId = runId;
    m_restLoaded = false;
    m_eventsLoaded = false;
    m_announced = false;
    m_userPicked = false;
    showError({});
    m_log->clear();
    m_log->setTitle({});
    m_model->clear();
    {
        const QSignalBlocker block(m_timeline);
        m_timeline->setSelectedToolCall({});
    }
    releaseSocket();
    m_title->setText(tr("Run %1").arg(runId));
    fetchRun();
    openSocket();
    Q_EMIT runOpened(runId);
}

void RunDetailPage::fetchRun()
{
    const quint64 generation = m_generation;
    m_api->run(m_runId, this, [this, generation](const ApiResult<Run> &r) {
        if (generation != m_generation)
            return;
        if (!r.ok()) {
            showError(r.failure.message);
            return;
        }
        m_model->setRun(*r.value);
        if (!m_restLoaded) {
            m_restLoaded = true;
            // Crew name for the header.
            const QString crewId = r.value->crewId;
            m_crew->setText(crewId);
            m_api->crews(this, [this, generation, crewId](const ApiResult<QList<Crew>> &cr) {
                if (generation != m_generation || !cr.ok())
                    return;
                for (const Crew &c : *cr.value) {
                    if (c.id == crewId)
                        m_crew->setText(c.name);
                }
            });
        }
        updateHeader();
        checkLoaded();
    });
}

void RunDetailPage::openSocket()
{
    if (!m_streams)
        return;
    LiveSocket *s = m_streams->acquireRun(m_runId);
    if (!s)
        return;
    m_heldRunId = m_runId;
    m_socket = s;
    const QString runId = m_runId;
    connect(m_streams, &LiveStreams::runEvent, this,
            [this, runId](const QString &id, const Event &e) {
                if (id != runId)
                    return;
                m_model->applyEvent(e);
                // Tokens, duration and final timestamps are REST fields.
                if (const auto *rs = std::get_if<RunStatusEvent>(&e.body);
                    rs && RunState::isFinal(rs->status))
                    fetchRun();
                else if (std::holds_alternative<ToolEndEvent>(e.body))
                    fetchRun();
            });
    connect(s, &LiveSocket::stateChanged, this, [this](LiveSocket::State st) {
        if (st == LiveSocket::State::Live && !m_eventsLoaded) {
            m_eventsLoaded = true;
            checkLoaded();
        }
    });
    connect(m_streams, &LiveStreams::runReset, this, [this, runId](const QString &id) {
        if (id != runId)
            return;
        // The run's history is gone from the socket: start over from REST.
        m_model->clear();
        m_log->clear();
        fetchRun();
        fetchEventsOverRest();
    });
    connect(s, &LiveSocket::closedPermanently, this, [this](int code, const QString &reason) {
        if (code == 1000) {
            // The run's stream ended normally. Catch up from REST after the last seq we
            // have: normally nothing is new. A server before the fix for streams of
            // just-finished runs (closed when the run's row turned final, before the event
            // log had written the tail) could end the stream early; this keeps the tail.
            fetchEventsOverRest();
            return;
        }
        qCInfo(lcUi) << "run socket closed" << code << reason << "- replaying over REST";
        fetchEventsOverRest();
    });
}

void RunDetailPage::fetchEventsOverRest()
{
    const quint64 generation = m_generation;
    const qint64 since = m_socket && m_socket->hasResumePoint() ? m_socket->lastSeq() : -1;
    m_api->runEvents(m_runId, since, this, [this, generation](const ApiResult<QList<Event>> &r) {
        if (generation != m_generation)
            return;
        if (!r.ok()) {
            showError(r.failure.message);
            return;
        }
        for (const Event &e : *r.value)
            m_model->applyEvent(e);
        if (m_socket && !r.value->isEmpty())
            m_socket->setResumePoint(r.value->last().seq);
        m_eventsLoaded = true;
        fetchRun();
        checkLoaded();
    });
}

void RunDetailPage::checkLoaded()
{
    if (!m_announced && isLoaded()) {
        m_announced = true;
        Q_EMIT loaded();
    }
}

void RunDetailPage::updateHeader()
{
    const Run &run = m_model->run();
    m_pill->setStatus(run.status);
    m_pill->setVisible(!run.id.isEmpty());
    const bool canAct = Roles::rank(m_session->user().role) >= Roles::rank(Roles::Member);
    m_cancel->setVisible(canAct && !run.id.isEmpty() && !RunState::isFinal(run.status));
    m_rerun->setVisible(canAct);
    // Re-run repeats the steps with the same time limit: wait for the REST detail.
    m_rerun->setEnabled(!run.id.isEmpty() && !m_model->toolCalls().isEmpty() &&
                        m_model->hasDetails());
    if (run.durationMs)
        m_duration->setText(RecentRunsModel::formatDuration(*run.durationMs));
    else if (run.startedAt.isValid() && !RunState::isFinal(run.status))
        m_duration->setText(RecentRunsModel::formatDuration(
            qMax<qint64>(0, run.startedAt.msecsTo(QDateTime::currentDateTimeUtc()))));
    else
        m_duration->setText(u"\u2013"_s);
    m_tokens->setText(QLocale().toString(run.tokens));
    m_started->setText(run.startedAt.isValid()
                           ? QLocale().toString(run.startedAt.toLocalTime(), QLocale::ShortFormat)
                           : u"\u2013"_s);
}

void RunDetailPage::showLogOf(const QString &toolCallId)
{
    const int row = m_model->rowOf(toolCallId);
    if (row < 0) {
        m_log->setTitle({});
        m_log->setText({});
        return;
    }
    const ToolCall &c = m_model->toolCalls().at(row);
    m_log->setTitle(tr("Output of step %1: %2").arg(row + 1).arg(c.tool));
    m_log->setText(m_model->logOf(toolCallId));
}

QString RunDetailPage::errorText() const
{
    return m_error->shownText();
}

void RunDetailPage::showError(const QString &text)
{
    m_error->showError(text);
}

void RunDetailPage::cancelRun()
{
    if (m_runId.isEmpty())
        return;
    m_cancel->setEnabled(false);
    const quint64 generation = m_generation;
    m_api->cancelRun(m_runId, this, [this, generation](const ApiResult<Done> &r) {
        if (generation != m_generation)
            return;
        m_cancel->setEnabled(true);
        if (!r.ok()) {
            showError(r.failure.httpStatus == 409 ? tr("The run has already finished.")
                                                  : r.failure.message);
            fetchRun();
            return;
        }
        showError({});
        // The run's run_status event ends it; REST catches up in case the socket is late.
        fetchRun();
    });
}

void RunDetailPage::rerun()
{
    const Run &run = m_model->run();
    StartRunRequest req;
    req.steps = m_model->steps();
    // The same time limit as the original run (servers without timeout_s: their default).
    req.timeoutS = run.timeoutS;
    QString err;
    if (req.steps.isEmpty() || !StartRunRequest::fromJson(req.toJson(), &err)) {
        showError(req.steps.isEmpty() ? tr("This run has no steps to repeat.")
                                      : tr("The run cannot be repeated: %1").arg(err));
        return;
    }
    m_rerun->setEnabled(false);
    const quint64 generation = m_generation;
    m_api->startRun(run.crewId, req, this, [this, generation](const ApiResult<Run> &r) {
        if (generation != m_generation)
            return;
        m_rerun->setEnabled(true);
        if (!r.ok()) {
            showError(r.failure.message);
            return;
        }
        openRun(r.value->id);
    });
}

} // namespace crewdeck::ui
