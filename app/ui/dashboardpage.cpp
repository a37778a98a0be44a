#include "app/ui/dashboardpage.h"
#include "app/ui/card.h"
#include "app/ui/format.h"
#include "app/ui/iconview.h"
#include "app/ui/responsivegrid.h"
#include "app/ui/theme.h"
#include "shared/types.h"

#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using crewdeck::client::CardState;
using crewdeck::client::CrewsModel;
using crewdeck::client::DashboardData;
using crewdeck::client::RecentRunsModel;

namespace crewdeck::ui {

namespace {

// A status dot in a meaning colour, sized from the font.
class StatusDot : public QWidget
{
public:
    StatusDot(const QColor &color, QWidget *parent) : QWidget(parent), m_color(color)
    {
        setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
        setProperty("dotColor", color); // what is drawn, for tests
    }
    QSize sizeHint() const override
    {
        const int s = fontMetrics().height() * 2 / 3;
        return {s, s};
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(m_color);
        const qreal d = qMin(width(), height()) * 0.8;
        p.drawEllipse(QRectF((width() - d) / 2, (height() - d) / 2, d, d));
    }

private:
    QColor m_color;
};

void clearLayout(QVBoxLayout *layout)
{
    while (QLayoutItem *item = layout->takeAt(0)) {
        if (QWidget *w = item->widget()) {
            w->hide(); // gone from the picture (and from findChildren users that skip hidden) now
            w->deleteLater();
        }
        delete item;
    }
}

QLabel *coloredLabel(const QString &text, const QColor &color, QWidget *parent)
{
    auto *l = new QLabel(text, parent);
    QPalette p = l->palette();
    p.setColor(QPalette::WindowText, color);
    l->setPalette(p);
    return l;
}

} // namespace

DashboardPage::DashboardPage(DashboardData *controller, QWidget *parent)
    : QWidget(parent), m_controller(controller)
{
    setObjectName(u"dashboardPage"_s);
    const int em = fontMetrics().height();
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);

    // Page-level banner: shown while the server cannot be reached.
    m_banner = new QFrame(this);
    m_banner->setObjectName(u"errorBanner"_s);
    m_banner->setAutoFillBackground(true);
    {
        QPalette p = m_banner->palette();
        QColor bg = StatusColors::error();
        bg.setAlphaF(0.15);
        p.setColor(QPalette::Window, bg);
        m_banner->setPalette(p);
    }
    auto *bl = new QHBoxLayout(m_banner);
    bl->setContentsMargins(em, em / 2, em, em / 2);
    bl->addWidget(new IconView(icon(u"warning"_s), 1.0, m_banner));
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setWordWrap(true);
    bl->addWidget(m_bannerText, 1);
    auto *bretry = new QPushButton(tr("Retry"), m_banner);
    bretry->setObjectName(u"bannerRetry"_s);
    connect(bretry, &QPushButton::clicked, controller, &DashboardData::refresh);
    bl->addWidget(bretry);
    m_banner->hide();
    outer->addWidget(m_banner);

    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *inner = new QWidget(scroll);
    auto *il = new QVBoxLayout(inner);
    il->setContentsMargins(em, em, em, em);
    m_grid = new ResponsiveGrid(inner);
    m_grid->setObjectName(u"dashboardGrid"_s);
    il->addWidget(m_grid);
    il->addStretch(1);
    scroll->setWidget(inner);
    outer->addWidget(scroll, 1);

    auto addStat = [this](const QString &key, const QString &title, const QString &iconName,
                          DashboardData::Card source, const QString &emptyText) {
        auto *c = new StatCard(title, iconName, m_grid);
        c->setObjectName(u"card_"_s + key);
        c->setEmptyText(emptyText);
        connect(c, &Card::retryRequested, m_controller,
                [this, source] { m_controller->refreshCard(source); });
        m_cards.insert(key, c);
        m_grid->addWidget(c);
    };
    using C = DashboardData::Card;
    const QString noRuns =
        tr("No runs yet. Start a run on one of your crews to see statistics here.");
    addStat(u"total_runs"_s, tr("Total runs"), u"run"_s, C::Stats, noRuns);
    addStat(u"success_rate"_s, tr("Success rate"), u"run"_s, C::Stats, tr("No finished runs yet."));
    addStat(u"latency"_s, tr("Avg latency"), u"run"_s, C::Stats, tr("No finished runs yet."));
    addStat(u"tokens"_s, tr("Tokens"), u"run"_s, C::Stats, tr("No tokens used yet."));
    addStat(u"active_crews"_s, tr("Active crews"), u"crew"_s, C::Stats, tr("No crew is online."));
    addStat(u"c7t_balance"_s, tr("C7T balance"), u"token"_s, C::Tokens, {});
    addStat(u"c7t_spent"_s, tr("C7T spent"), u"token"_s, C::Tokens, {});
    addStat(u"c7t_earned"_s, tr("C7T earned"), u"token"_s, C::Tokens, {});
    addStat(u"c7t_pending"_s, tr("Pending rewards"), u"token"_s, C::Tokens, {});

    // Rentals: active count big, revenue and utilisation below.
    addStat(u"rentals"_s, tr("Rentals"), u"rental"_s, C::Rentals,
            tr("No rentals yet. Offer a crew on the market or rent one to see rentals here."));

    // Recent runs: the last three, clickable.
    {
        auto *c = new Card(tr("Recent runs"), u"run"_s, m_grid);
        c->setObjectName(u"card_recent_runs"_s);
        c->setEmptyText(tr("No runs yet. Runs you start appear here."));
        m_runsList = new QWidget(c);
        m_runsLayout = new QVBoxLayout(m_runsList);
        m_runsLayout->setContentsMargins(0, 0, 0, 0);
        m_runsLayout->setSpacing(0);
        c->setContent(m_runsList);
        connect(c, &Card::retryRequested, m_controller,
                [this] { m_controller->refreshCard(C::Stats); });
        m_cards.insert(u"recent_runs"_s, c);
        m_grid->addWidget(c, 2);
    }
    // Crews with live status; each shows its agents in turn.
    {
        auto *c = new Card(tr("Crews"), u"crew"_s, m_grid);
        c->setObjectName(u"card_crews"_s);
        c->setEmptyText(
            tr("No crews yet. An administrator can create crews for your organisation."));
        m_crewsList = new QWidget(c);
        m_crewsLayout = new QVBoxLayout(m_crewsList);
        m_crewsLayout->setContentsMargins(0, 0, 0, 0);
        c->setContent(m_crewsList);
        connect(c, &Card::retryRequested, m_controller,
                [this] { m_controller->refreshCard(C::Crews); });
        m_cards.insert(u"crews"_s, c);
        m_grid->addWidget(c, 2);
    }

    connect(controller, &DashboardData::cardChanged, this, &DashboardPage::updateCard);
    connect(controller, &DashboardData::pageErrorChanged, this, &DashboardPage::updateBanner);
    CrewsModel *crews = controller->crewsModel();
    connect(crews, &QAbstractItemModel::modelReset, this, &DashboardPage::rebuildCrews);
    connect(crews, &QAbstractItemModel::dataChanged, this, &DashboardPage::rebuildCrews);
    RecentRunsModel *runs = controller->recentRunsModel();
    connect(runs, &QAbstractItemModel::modelReset, this, &DashboardPage::rebuildRecentRuns);
    connect(runs, &QAbstractItemModel::dataChanged, this, &DashboardPage::rebuildRecentRuns);

    m_rotation.setInterval(3000);
    connect(&m_rotation, &QTimer::timeout, this, &DashboardPage::rotateAgents);
    m_rotation.start();

    for (C c : {C::Stats, C::Tokens, C::Rentals, C::Crews, C::RecentRuns})
        updateCard(c);
    rebuildCrews();
    rebuildRecentRuns();
    updateBanner(controller->pageError());
}

StatCard *DashboardPage::statCard(const QString &key) const
{
    return qobject_cast<StatCard *>(m_cards.value(key));
}

QString DashboardPage::bannerText() const
{
    return m_banner->isVisibleTo(this) ? m_bannerText->text() : QString();
}

void DashboardPage::setOffline(bool offline)
{
    const bool changed = offline != m_offline;
    m_offline = offline;
    if (changed) { // the status colours say "live" only while live
        rebuildCrews();
        rebuildRecentRuns();
    }
    // Disabled widgets draw with the palette's Disabled group: the greyed look, and no
    // retry buttons or run links that would need the server.
    m_grid->setEnabled(!offline);
    if (offline)
        m_banner->hide();
    else
        updateBanner(m_controller->pageError());
}

void DashboardPage::updateBanner(const QString &message)
{
    if (m_offline)
        return; // the window's offline notice says it
    m_bannerText->setText(message.isEmpty() ? QString()
                                            : tr("The server cannot be reached. %1").arg(message));
    m_banner->setVisible(!message.isEmpty());
}

void DashboardPage::updateCard(DashboardData::Card card)
{
    using C = DashboardData::Card;
    const CardState state = m_controller->cardState(card);
    switch (card) {
    case C::Stats: {
        // Counting cards show 0 as a value; rates and latencies of nothing are "empty".
        const CardState countState =
            state.status == CardState::Status::Empty ? CardState::ready() : state;
        m_cards.value(u"total_runs"_s)->setState(countState);
        m_cards.value(u"tokens"_s)->setState(countState);
        m_cards.value(u"success_rate"_s)->setState(state);
        m_cards.value(u"latency"_s)->setState(state);
        CardState active = countState;
        m_cards.value(u"active_crews"_s)->setState(active);
        if (state.status == CardState::Status::Ready || state.status == CardState::Status::Empty)
            updateStats();
        break;
    }
    case C::Tokens:
        for (const char *k : {"c7t_balance", "c7t_spent", "c7t_earned", "c7t_pending"})
            m_cards.value(QLatin1String(k))->setState(state);
        if (state.status == CardState::Status::Ready)
            updateTokens();
        break;
    case C::Rentals:
        m_cards.value(u"rentals"_s)->setState(state);
        if (state.status == CardState::Status::Ready)
            updateRentals();
        break;
    case C::Crews:
        m_cards.value(u"crews"_s)->setState(state);
        break;
    case C::RecentRuns:
        m_cards.value(u"recent_runs"_s)->setState(state);
        break;
    }
}

void DashboardPage::updateStats()
{
    const DashboardStats &s = m_controller->stats();
    statCard(u"total_runs"_s)->setValue(formatCount(s.totalRuns));
    statCard(u"success_rate"_s)->setValue(formatPercent(s.successRate));
    statCard(u"latency"_s)
        ->setValue(formatMs(s.avgLatencyMs),
                   tr("p50 %1 · p95 %2")
                       .arg(formatMs(double(s.p50LatencyMs)), formatMs(double(s.p95LatencyMs))));
    statCard(u"tokens"_s)->setValue(formatCount(s.totalTokens));
    statCard(u"active_crews"_s)->setValue(formatCount(s.activeCrews));
}

void DashboardPage::updateTokens()
{
    const TokenStats &t = m_controller->tokens();
    statCard(u"c7t_balance"_s)->setValue(formatC7T(t.balance, t.symbol));
    statCard(u"c7t_spent"_s)->setValue(formatC7T(t.spent, t.symbol));
    statCard(u"c7t_earned"_s)->setValue(formatC7T(t.earned, t.symbol));
    statCard(u"c7t_pending"_s)->setValue(formatC7T(t.pendingRewards, t.symbol));
}

void DashboardPage::updateRentals()
{
    const RentalStats &r = m_controller->rentals();
    statCard(u"rentals"_s)
        ->setValue(
            tr("%n active", nullptr, int(r.activeRentals)),
            tr("Revenue %1 · utilisation %2 · %n rental(s) in total", nullptr, int(r.totalRentals))
                .arg(formatC7T(r.revenue, m_controller->tokens().symbol),
                     formatPercent(r.utilization)));
}

void DashboardPage::rebuildRecentRuns()
{
    clearLayout(m_runsLayout);
    const RecentRunsModel *model = m_controller->recentRunsModel();
    const int em = fontMetrics().height();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex i = model->index(row, 0);
        const QString runId = i.data(RecentRunsModel::RunIdRole).toString();
        const QString status = i.data(RecentRunsModel::StatusRole).toString();
        const QString crew = i.data(Qt::DisplayRole).toString();
        const QVariant dur = i.data(RecentRunsModel::DurationMsRole);

        auto *b = new QPushButton(m_runsList);
        b->setFlat(true);
        b->setObjectName(u"run_"_s + runId);
        b->setProperty("runId", runId);
        b->setToolTip(tr("Open run %1").arg(runId));
        b->setCursor(Qt::PointingHandCursor);
        b->setMinimumHeight(em * 2);
        auto *l = new QHBoxLayout(b);
        l->setContentsMargins(em / 2, 0, em / 2, 0);
        // Offline, a queued or running run is only its last known state (a finished one is a
        // fact): neutral, like the crews' statuses.
        const bool lastKnown =
            m_offline && (status == RunState::Queued || status == RunState::Running);
        const QColor color = lastKnown ? palette().color(QPalette::Disabled, QPalette::WindowText)
                                       : runStatusColor(status);
        if (lastKnown)
            b->setToolTip(tr("Last known: %1").arg(runStatusText(status)));
        auto *dot = new StatusDot(color, b);
        dot->setObjectName(u"runDot"_s);
        l->addWidget(dot);
        auto *name = new QLabel(crew, b);
        l->addWidget(name, 1);
        l->addWidget(coloredLabel(runStatusText(status), color, b));
        l->addWidget(new QLabel(
            dur.isValid() ? RecentRunsModel::formatDuration(dur.toLongLong()) : QString(), b));
        for (QLabel *lab : b->findChildren<QLabel *>())
            lab->setAttribute(Qt::WA_TransparentForMouseEvents);
        connect(b, &QPushButton::clicked, this, [this, runId] { Q_EMIT runActivated(runId); });
        m_runsLayout->addWidget(b);
    }
}

void DashboardPage::rebuildCrews()
{
    clearLayout(m_crewsLayout);
    m_agentLabels.clear();
    const CrewsModel *model = m_controller->crewsModel();
    // Busy crews first, then available, then offline: what is happening comes first.
    QList<int> rows;
    for (int r = 0; r < model->rowCount(); ++r)
        rows << r;
    auto rank = [model](int r) {
        const QString s = model->index(r).data(CrewsModel::StatusRole).toString();
        return s == CrewStatus::Busy ? 0 : s == CrewStatus::Available ? 1 : 2;
    };
    std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) { return rank(a) < rank(b); });
    for (int r : std::as_const(rows)) {
        const QModelIndex i = model->index(r);
        const QString id = i.data(CrewsModel::IdRole).toString();
        const QString status = i.data(CrewsModel::StatusRole).toString();
        auto *row = new QWidget(m_crewsList);
        row->setObjectName(u"crew_"_s + id);
        row->setProperty("crewStatus", status);
        // Offline, a crew's status is what it was when the cache was written: drawn neutral
        // (no green "Available" for a crew nobody can see now), the last known value in the
        // tooltip.
        const QColor color = m_offline ? palette().color(QPalette::Disabled, QPalette::WindowText)
                                       : crewStatusColor(status);
        if (m_offline)
            row->setToolTip(tr("Last known: %1").arg(crewStatusText(status)));
        auto *l = new QHBoxLayout(row);
        l->setContentsMargins(0, 0, 0, 0);
        auto *dot = new StatusDot(color, row);
        dot->setObjectName(u"crewDot"_s);
        l->addWidget(dot);
        auto *name = new QLabel(i.data(CrewsModel::NameRole).toString(), row);
        QFont f = name->font();
        f.setWeight(QFont::DemiBold);
        name->setFont(f);
        l->addWidget(name);
        auto *st = coloredLabel(crewStatusText(status), color, row);
        st->setObjectName(u"crewStatus"_s);
        l->addWidget(st);
        auto *agent = new QLabel(row);
        agent->setObjectName(u"crewAgent"_s);
        agent->setForegroundRole(QPalette::PlaceholderText);
        agent->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        l->addWidget(agent, 1);
        m_agentLabels.insert(id, agent);
        m_crewsLayout->addWidget(row);
    }
    showAgents();
}

QString DashboardPage::shownAgent(const QString &crewId) const
{
    const QLabel *l = m_agentLabels.value(crewId);
    return l ? l->text() : QString();
}

void DashboardPage::rotateAgents()
{
    ++m_rotationStep;
    showAgents();
}

void DashboardPage::showAgents()
{
    const CrewsModel *model = m_controller->crewsModel();
    for (int r = 0; r < model->rowCount(); ++r) {
        const QModelIndex i = model->index(r);
        QLabel *label = m_agentLabels.value(i.data(CrewsModel::IdRole).toString());
        if (!label)
            continue;
        const QStringList names = i.data(CrewsModel::AgentNamesRole).toStringList();
        const QStringList roles = i.data(CrewsModel::AgentRolesRole).toStringList();
        if (names.isEmpty()) {
            label->setText(tr("no agents"));
            continue;
        }
        const int k = m_rotationStep % int(names.size());
        label->setText(roles.value(k).isEmpty() ? names.at(k)
                                                : tr("%1 · %2").arg(names.at(k), roles.at(k)));
    }
}

} // namespace crewdeck::ui
