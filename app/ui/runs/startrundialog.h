#pragma once
#include "shared/types.h"

#include "app/ui/formdialog.h"

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;
class QToolButton;
class QVBoxLayout;

namespace crewdeck::client {
class ApiClient;
}

namespace crewdeck::ui {

// One step of the start-run dialog: tool, its parameters, an optional agent, and buttons to
// move it up/down or remove it. GUI thread.
class StepEditor : public QWidget
{
    Q_OBJECT
public:
    explicit StepEditor(QWidget *parent = nullptr);

    void setAgents(const QList<Agent> &agents);
    void setStep(const Step &step);
    // The step as JSON, as the server will see it (only non-empty params).
    QJsonObject toJson() const;

    QComboBox *toolCombo() const { return m_tool; }
    QComboBox *agentCombo() const { return m_agent; }
    QLineEdit *urlEdit() const { return m_url; }
    QLineEdit *refEdit() const { return m_ref; }
    QLineEdit *argsEdit() const { return m_args; }
    QLineEdit *pathEdit() const { return m_path; }
    QLineEdit *commandEdit() const { return m_command; }
    QToolButton *upButton() const { return m_up; }
    QToolButton *downButton() const { return m_down; }
    QToolButton *removeButton() const { return m_remove; }

Q_SIGNALS:
    void moveUpRequested();
    void moveDownRequested();
    void removeRequested();

private:
    QComboBox *m_tool;
    QStackedWidget *m_params;
    QLineEdit *m_url;
    QLineEdit *m_ref;
    QLineEdit *m_args;
    QLineEdit *m_path;
    QLineEdit *m_command;
    QComboBox *m_agent;
    QToolButton *m_up;
    QToolButton *m_down;
    QToolButton *m_remove;
};

// "New run": pick a crew, compose steps, set a timeout. The request is validated with the
// protocol's own StartRunRequest::fromJson before it is sent (the field error is shown);
// then POST /crews/{id}/runs, and runStarted() carries the queued run. GUI thread.
class StartRunDialog : public FormDialog
{
    Q_OBJECT
public:
    explicit StartRunDialog(client::ApiClient *api, QWidget *parent = nullptr);

    // Preselects a crew (once the crews are loaded).
    void setCrewId(const QString &crewId);
    QString crewId() const;
    QList<StepEditor *> steps() const;
    StepEditor *addStep();
    void moveStep(int from, int to);
    void removeStep(int index);
    void setTimeoutSeconds(int seconds);

    // The request the dialog would send, or nullopt with the field error in *error.
    std::optional<StartRunRequest> request(QString *error) const;
    bool crewsLoaded() const { return m_crewsLoaded; }

    QComboBox *crewCombo() const { return m_crew; }

Q_SIGNALS:
    void runStarted(const crewdeck::Run &run);
    void crewsReady();

protected:
    // Validates, sends, and closes only when the server accepted the run.
    bool submit(QString *error) override;

private:
    void crewChanged();
    void renumber();

    client::ApiClient *m_api;
    QComboBox *m_crew;
    QVBoxLayout *m_stepsLayout;
    QList<StepEditor *> m_steps;
    QSpinBox *m_timeout;
    QList<Crew> m_crews;
    QString m_wantedCrew;
    bool m_crewsLoaded = false;
};

} // namespace crewdeck::ui
