#include "app/ui/runs/startrundialog.h"
#include "app/net/apiclient.h"
#include "app/ui/theme.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace crewdeck::client;

namespace crewdeck::ui {

StepEditor::StepEditor(QWidget *parent) : QWidget(parent)
{
    setObjectName(u"stepEditor"_s);
    auto *h = new QHBoxLayout(this);
    h->setContentsMargins(0, 0, 0, 0);
    m_tool = new QComboBox(this);
    m_tool->setObjectName(u"toolCombo"_s);
    m_tool->addItem(tr("Clone (git_clone)"), Tools::GitClone);
    m_tool->addItem(tr("Tests (pytest)"), Tools::Pytest);
    m_tool->addItem(tr("Script"), Tools::Script);
    h->addWidget(m_tool);

    m_params = new QStackedWidget(this);
    // One panel of parameter fields per tool, in the tool combo's order; the first field
    // takes the room (stretch 3 against 1).
    auto panel = [this](const QList<QLineEdit **> &fields, const QStringList &names,
                        const QStringList &placeholders) {
        auto *w = new QWidget(m_params);
        auto *l = new QHBoxLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        for (qsizetype i = 0; i < fields.size(); ++i) {
            auto *e = new QLineEdit(w);
            e->setObjectName(names.at(i));
            e->setPlaceholderText(placeholders.at(i));
            l->addWidget(e, fields.size() > 1 ? (i == 0 ? 3 : 1) : 0);
            *fields.at(i) = e;
        }
        m_params->addWidget(w);
    };
    panel({&m_url, &m_ref}, {u"urlEdit"_s, u"refEdit"_s},
          {tr("Repository URL"), tr("Ref (optional)")});
    panel({&m_args, &m_path}, {u"argsEdit"_s, u"pathEdit"_s},
          {tr("Arguments, e.g. -q -k \"fast and not slow\""), tr("Path (optional)")});
    panel({&m_command}, {u"commandEdit"_s}, {tr("Shell command")});
    h->addWidget(m_params, 1);

    m_agent = new QComboBox(this);
    m_agent->setObjectName(u"agentCombo"_s);
    m_agent->addItem(tr("Any agent"), QString());
    h->addWidget(m_agent);

    auto makeButton = [this, h](const QString &name, const QString &text, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setObjectName(name);
        b->setText(text);
        b->setToolTip(tip);
        b->setAccessibleName(tip);
        h->addWidget(b);
        return b;
    };
    m_up = makeButton(u"upButton"_s, u"\u2191"_s, tr("Move up"));
    m_down = makeButton(u"downButton"_s, u"\u2193"_s, tr("Move down"));
    m_remove = makeButton(u"removeButton"_s, u"\u2715"_s, tr("Remove step"));
    connect(m_up, &QToolButton::clicked, this, &StepEditor::moveUpRequested);
    connect(m_down, &QToolButton::clicked, this, &StepEditor::moveDownRequested);
    connect(m_remove, &QToolButton::clicked, this, &StepEditor::removeRequested);
    connect(m_tool, &QComboBox::currentIndexChanged, m_params, &QStackedWidget::setCurrentIndex);
    m_tool->setCurrentIndex(2); // script: the most common ad-hoc step
}

void StepEditor::setAgents(const QList<Agent> &agents)
{
    const QString selected = m_agent->currentData().toString();
    while (m_agent->count() > 1)
        m_agent->removeItem(1);
    for (const Agent &a : agents)
        m_agent->addItem(tr("%1 (%2)").arg(a.name, a.role), a.id);
    const int i = m_agent->findData(selected);
    m_agent->setCurrentIndex(i >= 0 ? i : 0);
}

void StepEditor::setStep(const Step &step)
{
    m_tool->setCurrentIndex(qMax(0, m_tool->findData(step.tool)));
    m_url->setText(step.params.value(u"url"_s).toString());
    m_ref->setText(step.params.value(u"ref"_s).toString());
    QStringList args;
    for (const QJsonValue &a : step.params.value(u"args"_s).toArray())
        args.append(a.toString().contains(u' ') ? u'"' + a.toString() + u'"' : a.toString());
    m_args->setText(args.join(u' '));
    m_path->setText(step.params.value(u"path"_s).toString());
    m_command->setText(step.params.value(u"command"_s).toString());
    if (step.agentId) {
        const int i = m_agent->findData(*step.agentId);
        if (i >= 0)
            m_agent->setCurrentIndex(i);
    }
}

QJsonObject StepEditor::toJson() const
{
    const QString tool = m_tool->currentData().toString();
    QJsonObject params;
    if (tool == Tools::GitClone) {
        params.insert(u"url"_s, m_url->text().trimmed());
        if (!m_ref->text().trimmed().isEmpty())
            params.insert(u"ref"_s, m_ref->text().trimmed());
    } else if (tool == Tools::Pytest) {
        // Shell-like split: quotes group words ("a b" is one argument).
        const QStringList args = QProcess::splitCommand(m_args->text());
        if (!args.isEmpty())
            params.insert(u"args"_s, QJsonArray::fromStringList(args));
        if (!m_path->text().trimmed().isEmpty())
            params.insert(u"path"_s, m_path->text().trimmed());
    } else {
        params.insert(u"command"_s, m_command->text());
    }
    QJsonObject o{{u"tool"_s, tool}, {u"params"_s, params}};
    const QString agent = m_agent->currentData().toString();
    if (!agent.isEmpty())
        o.insert(u"agent_id"_s, agent);
    return o;
}

StartRunDialog::StartRunDialog(ApiClient *api, QWidget *parent)
    : FormDialog(tr("Start run"), parent), m_api(api)
{
    setObjectName(u"startRunDialog"_s);
    setWindowTitle(tr("New run"));
    const int em = fontMetrics().height();
    auto *v = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_crew = new QComboBox(this);
    m_crew->setObjectName(u"crewCombo"_s);
    m_crew->setPlaceholderText(tr("Loading crews\u2026"));
    form->addRow(tr("Crew:"), m_crew);
    m_timeout = new QSpinBox(this);
    m_timeout->setObjectName(u"timeoutSpin"_s);
    m_timeout->setRange(1, 86400);
    m_timeout->setValue(600);
    m_timeout->setSuffix(tr(" s"));
    form->addRow(tr("Timeout:"), m_timeout);
    v->addLayout(form);

    v->addWidget(new QLabel(tr("Steps (run in order; a failing step ends the run):"), this));
    auto *holder = new QWidget(this);
    m_stepsLayout = new QVBoxLayout(holder);
    m_stepsLayout->setContentsMargins(0, 0, 0, 0);
    m_stepsLayout->addStretch(1);
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(holder);
    scroll->setMinimumHeight(em * 8);
    v->addWidget(scroll, 1);
    auto *add = new QPushButton(tr("Add step"), this);
    add->setObjectName(u"addStepButton"_s);
    connect(add, &QPushButton::clicked, this, [this] { addStep(); });
    auto *addRow = new QHBoxLayout;
    addRow->addWidget(add);
    addRow->addStretch(1);
    v->addLayout(addRow);

    buttons()->button(QDialogButtonBox::Ok)->setEnabled(false); // until the crews are loaded
    addFooter(v);
    resize(em * 50, em * 24);

    connect(m_crew, &QComboBox::currentIndexChanged, this, &StartRunDialog::crewChanged);
    addStep();

    m_api->crews(this, [this](const ApiResult<QList<Crew>> &r) {
        if (!r.ok()) {
            showError(r.failure.message);
            return;
        }
        m_crews = *r.value;
        m_crew->setPlaceholderText(m_crews.isEmpty() ? tr("No crews yet") : QString());
        for (const Crew &c : m_crews)
            m_crew->addItem(tr("%1 (%2)").arg(c.name, crewStatusText(c.status)), c.id);
        if (!m_wantedCrew.isEmpty())
            setCrewId(m_wantedCrew);
        else if (!m_crews.isEmpty())
            m_crew->setCurrentIndex(0);
        m_crewsLoaded = true;
        buttons()->button(QDialogButtonBox::Ok)->setEnabled(!m_crews.isEmpty());
        Q_EMIT crewsReady();
    });
}

void StartRunDialog::setCrewId(const QString &crewId)
{
    m_wantedCrew = crewId;
    const int i = m_crew->findData(crewId);
    if (i >= 0)
        m_crew->setCurrentIndex(i);
}

QString StartRunDialog::crewId() const
{
    return m_crew->currentData().toString();
}

QList<StepEditor *> StartRunDialog::steps() const
{
    return m_steps;
}

StepEditor *StartRunDialog::addStep()
{
    auto *s = new StepEditor(this);
    for (const Crew &c : m_crews) {
        if (c.id == crewId())
            s->setAgents(c.agents);
    }
    connect(s, &StepEditor::moveUpRequested, this, [this, s] {
        const int i = int(m_steps.indexOf(s));
        moveStep(i, i - 1);
    });
    connect(s, &StepEditor::moveDownRequested, this, [this, s] {
        const int i = int(m_steps.indexOf(s));
        moveStep(i, i + 1);
    });
    connect(s, &StepEditor::removeRequested, this,
            [this, s] { removeStep(int(m_steps.indexOf(s))); });
    m_steps.append(s);
    m_stepsLayout->insertWidget(m_stepsLayout->count() - 1, s);
    renumber();
    return s;
}

void StartRunDialog::moveStep(int from, int to)
{
    if (from < 0 || from >= m_steps.size() || to < 0 || to >= m_steps.size() || from == to)
        return;
    StepEditor *s = m_steps.takeAt(from);
    m_steps.insert(to, s);
    m_stepsLayout->removeWidget(s);
    m_stepsLayout->insertWidget(to, s);
    renumber();
}

void StartRunDialog::removeStep(int index)
{
    if (index < 0 || index >= m_steps.size())
        return;
    StepEditor *s = m_steps.takeAt(index);
    m_stepsLayout->removeWidget(s);
    s->deleteLater();
    renumber();
}

void StartRunDialog::setTimeoutSeconds(int seconds)
{
    m_timeout->setValue(seconds);
}

void StartRunDialog::renumber()
{
    for (int i = 0; i < m_steps.size(); ++i) {
        m_steps.at(i)->upButton()->setEnabled(i > 0);
        m_steps.at(i)->downButton()->setEnabled(i + 1 < m_steps.size());
    }
}

void StartRunDialog::crewChanged()
{
    for (const Crew &c : m_crews) {
        if (c.id == crewId()) {
            for (StepEditor *s : m_steps)
                s->setAgents(c.agents);
        }
    }
}

std::optional<StartRunRequest> StartRunDialog::request(QString *error) const
{
    if (crewId().isEmpty()) {
        *error = tr("Pick a crew.");
        return std::nullopt;
    }
    QJsonArray steps;
    for (int i = 0; i < m_steps.size(); ++i) {
        const QJsonObject s = m_steps.at(i)->toJson();
        // The protocol accepts empty strings; a run with them would only fail later.
        const QJsonObject params = s.value(u"params"_s).toObject();
        const QString tool = s.value(u"tool"_s).toString();
        if (tool == Tools::GitClone && params.value(u"url"_s).toString().isEmpty()) {
            *error = tr("Step %1: the repository URL is missing (steps[%2].params.url).")
                         .arg(i + 1)
                         .arg(i);
            return std::nullopt;
        }
        if (tool == Tools::Script && params.value(u"command"_s).toString().trimmed().isEmpty()) {
            *error =
                tr("Step %1: the command is missing (steps[%2].params.command).").arg(i + 1).arg(i);
            return std::nullopt;
        }
        steps.append(s);
    }
    const QJsonObject body{{u"steps"_s, steps}, {u"timeout_s"_s, m_timeout->value()}};
    QString err;
    auto req = StartRunRequest::fromJson(body, &err);
    if (!req) {
        *error = tr("The run is not valid: %1").arg(err);
        return std::nullopt;
    }
    // The same check the server makes, on what will actually be sent.
    if (!StartRunRequest::fromJson(req->toJson(), &err)) {
        *error = tr("The run is not valid: %1").arg(err);
        return std::nullopt;
    }
    return req;
}

bool StartRunDialog::submit(QString *error)
{
    const auto req = request(error);
    if (!req)
        return false;
    m_api->startRun(crewId(), *req, this,
                    replyHandler<Run>([this](const Run &run) { Q_EMIT runStarted(run); }));
    return true;
}

} // namespace crewdeck::ui
