#pragma once
#include "shared/types.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QLabel;
class QPushButton;

namespace crewdeck::client {
class ApiClient;
class AuthSession;
class LiveSocket;
class LiveStreams;
class ToolCallsModel;
} // namespace crewdeck::client

namespace crewdeck::ui {

class ErrorLabel;

class LogView;
class StatusPill;
class TimelineWidget;

// One run: a header (status pill, crew, duration, tokens), the tool-call timeline and the
// selected call's live log. GET /runs/{id} gives the header and calls; /ws/runs/{id} (from
// its first event, ending with the server's 1000 close; LiveStreams owns the socket, the
// page holds a reference while it shows the run) gives every tool event, live for a running
// run and as a replay for a finished one; when the socket cannot deliver, the events come
// from GET /runs/{id}/events. Cancel and Re-run for members and admins. GUI thread.
class RunDetailPage : public QWidget
{
    Q_OBJECT
public:
    RunDetailPage(client::ApiClient *api, client::AuthSession *session,
                  client::LiveStreams *streams, QWidget *parent = nullptr);
    ~RunDetailPage() override;

    void openRun(const QString &runId);
    QString runId() const { return m_runId; }
    client::ToolCallsModel *model() const { return m_model; }
    TimelineWidget *timeline() const { return m_timeline; }
    LogView *logView() const { return m_log; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *rerunButton() const { return m_rerun; }
    // The shown run's socket (owned by LiveStreams).
    client::LiveSocket *socket() const { return m_socket; }
    QString errorText() const;
    // REST answered and the events are flowing (socket Live or the replay finished).
    bool isLoaded() const { return m_restLoaded && m_eventsLoaded; }

public Q_SLOTS:
    void cancelRun();
    void rerun();

Q_SIGNALS:
    void loaded();
    void backRequested();
    void runOpened(const QString &runId);

private:
    void fetchRun();
    void openSocket();
    void releaseSocket();
    void fetchEventsOverRest();
    void updateHeader();
    void showLogOf(const QString &toolCallId);
    void checkLoaded();
    void showError(const QString &text);

    client::ApiClient *m_api;
    client::AuthSession *m_session;
    QPointer<client::LiveStreams> m_streams;
    client::ToolCallsModel *m_model;
    QPointer<client::LiveSocket> m_socket;
    QString m_heldRunId; // the run this page holds a LiveStreams reference on
    QString m_runId;
    quint64 m_generation = 0;
    bool m_restLoaded = false;
    bool m_eventsLoaded = false;
    bool m_announced = false;
    bool m_userPicked = false; // the user chose a tool call: do not jump to the running one

    QLabel *m_title;
    StatusPill *m_pill;
    QLabel *m_crew;
    QLabel *m_duration;
    QLabel *m_tokens;
    QLabel *m_started;
    ErrorLabel *m_error;
    QPushButton *m_cancel;
    QPushButton *m_rerun;
    TimelineWidget *m_timeline;
    LogView *m_log;
    QTimer m_tick;
};

} // namespace crewdeck::ui
