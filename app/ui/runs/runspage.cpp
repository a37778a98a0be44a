#include "app/ui/runs/runspage.h"
#include "app/models/runsmodel.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/ui/runs/runsdelegate.h"
#include "app/ui/runs/startrundialog.h"
#include "app/ui/runs/statuspill.h"
#include "app/ui/theme.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace crewdeck::client;

namespace crewdeck::ui {

RunsPage::RunsPage(ApiClient *api, AuthSession *session, QWidget *parent)
    : QWidget(parent), m_api(api), m_session(session), m_model(new RunsModel(api, this)),
      m_proxy(new QSortFilterProxyModel(this))
{
    setObjectName(u"runsPage"_s);
    const int em = fontMetrics().height();
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(em, em, em, em);

    auto *bar = new QHBoxLayout;
    m_crewCombo = new QComboBox(this);
    m_crewCombo->setObjectName(u"crewFilter"_s);
    m_crewCombo->addItem(tr("All crews"), QString());
    m_crewCombo->setMinimumContentsLength(12);
    m_statusCombo = new QComboBox(this);
    m_statusCombo->setObjectName(u"statusFilter"_s);
    m_statusCombo->addItem(tr("All statuses"), QString());
    for (const QString &s : RunState::all())
        m_statusCombo->addItem(runStatusText(s), s);
    m_rangeCombo = new QComboBox(this);
    m_rangeCombo->setObjectName(u"rangeFilter"_s);
    m_rangeCombo->addItem(tr("All time"), int(Range::All));
    m_rangeCombo->addItem(tr("Last 24 hours"), int(Range::Day));
    m_rangeCombo->addItem(tr("Last 7 days"), int(Range::Week));
    m_rangeCombo->addItem(tr("Last 30 days"), int(Range::Month));
    m_rangeCombo->addItem(tr("Custom range"), int(Range::Custom));
    m_fromEdit = new QDateTimeEdit(QDateTime::currentDateTime().addDays(-7), this);
    m_fromEdit->setObjectName(u"fromEdit"_s);
    m_fromEdit->setCalendarPopup(true);
    m_toEdit = new QDateTimeEdit(QDateTime::currentDateTime().addDays(1), this);
    m_toEdit->setObjectName(u"toEdit"_s);
    m_toEdit->setCalendarPopup(true);
    m_fromEdit->setEnabled(false);
    m_toEdit->setEnabled(false);
    m_newRun = new QPushButton(icon(u"run"_s), tr("New run"), this);
    m_newRun->setObjectName(u"newRunButton"_s);
    m_newRun->setVisible(Roles::rank(session->user().role) >= Roles::rank(Roles::Member));
    auto *refreshButton = new QPushButton(tr("Refresh"), this);
    refreshButton->setObjectName(u"refreshButton"_s);
    bar->addWidget(new QLabel(tr("Crew:"), this));
    bar->addWidget(m_crewCombo);
    bar->addWidget(new QLabel(tr("Status:"), this));
    bar->addWidget(m_statusCombo);
    bar->addWidget(new QLabel(tr("Created:"), this));
    bar->addWidget(m_rangeCombo);
    bar->addWidget(m_fromEdit);
    bar->addWidget(new QLabel(u"\u2013"_s, this));
    bar->addWidget(m_toEdit);
    bar->addStretch(1);
    bar->addWidget(refreshButton);
    bar->addWidget(m_newRun);
    v->addLayout(bar);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(Qt::EditRole);
    m_view = new QTableView(this);
    m_view->setObjectName(u"runsTable"_s);
    m_view->setModel(m_proxy);
    m_view->setItemDelegate(new RunsDelegate(m_view));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(RunsModel::CreatedColumn, Qt::DescendingOrder);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->verticalHeader()->setVisible(false);
    m_view->verticalHeader()->setDefaultSectionSize(em * 2);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->resizeSection(RunsModel::CreatedColumn, em * 10);
    m_view->horizontalHeader()->resizeSection(RunsModel::CrewColumn, em * 10);
    m_view->horizontalHeader()->resizeSection(RunsModel::StatusColumn, em * 8);
    m_view->horizontalHeader()->resizeSection(RunsModel::DurationColumn, em * 7);
    m_view->horizontalHeader()->resizeSection(RunsModel::TokensColumn, em * 6);
    v->addWidget(m_view, 1);

    m_statusLine = new QLabel(this);
    m_statusLine->setObjectName(u"runsStatusLine"_s);
    m_statusLine->setWordWrap(true);
    v->addWidget(m_statusLine);

    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex &idx) {
        const QString id = idx.data(RunsModel::RunIdRole).toString();
        if (!id.isEmpty())
            Q_EMIT runActivated(id);
    });
    connect(m_crewCombo, &QComboBox::currentIndexChanged, this, &RunsPage::applyFilter);
    connect(m_statusCombo, &QComboBox::currentIndexChanged, this, &RunsPage::applyFilter);
    connect(m_rangeCombo, &QComboBox::currentIndexChanged, this, [this] {
        const bool custom = Range(m_rangeCombo->currentData().toInt()) == Range::Custom;
        m_fromEdit->setEnabled(custom);
        m_toEdit->setEnabled(custom);
        applyFilter();
    });
    connect(m_fromEdit, &QDateTimeEdit::dateTimeChanged, this, [this] {
        if (m_fromEdit->isEnabled())
            applyFilter();
    });
    connect(m_toEdit, &QDateTimeEdit::dateTimeChanged, this, [this] {
        if (m_toEdit->isEnabled())
            applyFilter();
    });
    connect(refreshButton, &QPushButton::clicked, this, &RunsPage::refresh);
    connect(m_newRun, &QPushButton::clicked, this, &RunsPage::openStartRunDialog);
    connect(m_model, &RunsModel::loadingChanged, this, &RunsPage::updateStatusLine);
    connect(m_model, &RunsModel::pageLoaded, this, [this] {
        updateStatusLine();
        // A short first page leaves no scroll bar to trigger fetchMore: ask while the view
        // still has room.
        if (m_model->canFetchMore({}) && m_view->verticalScrollBar()->maximum() == 0)
            m_model->fetchMore({});
        if (!m_announced && isLoaded()) {
            m_announced = true;
            Q_EMIT loaded();
        }
    });
    connect(m_model, &RunsModel::loadFailed, this, &RunsPage::updateStatusLine);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &RunsPage::updateStatusLine);

    // Running rows count their duration up.
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, [this] {
        if (!m_model->hasRunningRows())
            return;
        m_view->viewport()->update();
        // The end of a run comes without a graph event (the last tool_end precedes the
        // final status; /ws/graph carries no run_status): poll the unfinished rows every
        // few seconds.
        if (++m_ticks % 3 == 0) {
            for (int r = 0; r < m_model->rowCount(); ++r) {
                const Run *run = m_model->runAt(r);
                if (run && !RunState::isFinal(run->status))
                    m_model->refreshRun(run->id);
            }
        }
    });
    m_tick.start();

    loadCrews();
    applyFilter();
}

RunsPage::~RunsPage() = default;

bool RunsPage::isLoaded() const
{
    return m_crewsLoaded && m_model->hasLoaded() && !m_model->isLoading();
}

void RunsPage::setRange(Range range)
{
    const int i = m_rangeCombo->findData(int(range));
    if (i >= 0)
        m_rangeCombo->setCurrentIndex(i);
}

void RunsPage::refresh()
{
    loadCrews();
    m_model->reload();
}

void RunsPage::applyFilter()
{
    RunQuery q;
    q.crewId = m_crewCombo->currentData().toString();
    q.status = m_statusCombo->currentData().toString();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    switch (Range(m_rangeCombo->currentData().toInt())) {
    case Range::All:
        break;
    case Range::Day:
        q.from = now.addDays(-1);
        break;
    case Range::Week:
        q.from = now.addDays(-7);
        break;
    case Range::Month:
        q.from = now.addDays(-30);
        break;
    case Range::Custom:
        q.from = m_fromEdit->dateTime().toUTC();
        q.to = m_toEdit->dateTime().toUTC();
        break;
    }
    m_model->setFilter(q);
    updateStatusLine();
}

void RunsPage::loadCrews()
{
    m_api->crews(this, [this](const ApiResult<QList<Crew>> &r) {
        if (!r.ok()) {
            m_statusLine->setText(r.failure.message);
            return;
        }
        m_crews = *r.value;
        QHash<QString, QString> names;
        const QString selected = m_crewCombo->currentData().toString();
        {
            const QSignalBlocker block(m_crewCombo);
            while (m_crewCombo->count() > 1)
                m_crewCombo->removeItem(1);
            for (const Crew &c : m_crews) {
                names.insert(c.id, c.name);
                m_crewCombo->addItem(c.name, c.id);
            }
            const int i = m_crewCombo->findData(selected);
            m_crewCombo->setCurrentIndex(i >= 0 ? i : 0);
        }
        m_model->setCrewNames(names);
        m_crewsLoaded = true;
        if (!m_announced && isLoaded()) {
            m_announced = true;
            Q_EMIT loaded();
        }
    });
}

void RunsPage::updateStatusLine()
{
    if (m_model->isLoading()) {
        m_statusLine->setText(tr("Loading runs\u2026"));
        return;
    }
    if (m_model->lastFailure().kind != ApiFailure::Kind::None) {
        m_statusLine->setText(m_model->lastFailure().message);
        return;
    }
    if (m_model->hasLoaded() && m_model->rowCount() == 0) {
        m_statusLine->setText(tr("No runs match the filter."));
        return;
    }
    m_statusLine->setText(m_model->hasMore()
                              ? tr("%n run(s) shown, scroll for more", nullptr, m_model->rowCount())
                              : tr("%n run(s)", nullptr, m_model->rowCount()));
}

void RunsPage::openStartRunDialog()
{
    auto *dlg = new StartRunDialog(m_api, this);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    dlg->setCrewId(m_crewCombo->currentData().toString());
    connect(dlg, &StartRunDialog::runStarted, this, [this](const Run &run) {
        m_model->refreshRun(run.id);
        Q_EMIT runActivated(run.id);
    });
    dlg->open();
}

} // namespace crewdeck::ui
