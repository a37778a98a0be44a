#include "app/ui/crews/crewspage.h"
#include "app/models/marketmodel.h"
#include "app/models/rentalsmodel.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/net/livesocket.h"
#include "app/ui/crews/createcrewdialog.h"
#include "app/ui/errorlabel.h"
#include "app/ui/format.h"
#include "app/ui/theme.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <cmath>

using namespace Qt::StringLiterals;
using namespace crewdeck::client;

namespace crewdeck::ui {

namespace {

// Market status column: a coloured dot and the translated status.
class CrewStatusDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        if (index.column() == MarketModel::StatusColumn) {
            const QString status = index.data(MarketModel::StatusRole).toString();
            option->text = crewStatusText(status);
            option->icon = crewStatusDot(status);
            option->features |= QStyleOptionViewItem::HasDecoration;
            option->palette.setColor(QPalette::Text, crewStatusColor(status));
        }
    }
};

// A read-only table of whole rows without a grid, row numbers or edits; `stretch` takes the
// spare width.
QTableView *rowTable(QWidget *parent, const QString &objectName, QAbstractItemModel *model,
                     int stretch)
{
    auto *view = new QTableView(parent);
    view->setObjectName(objectName);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->setVisible(false);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setSectionResizeMode(stretch, QHeaderView::Stretch);
    view->setShowGrid(false);
    return view;
}
} // namespace

// ---------------------------------------------------------------- RentDialog

RentDialog::RentDialog(ApiClient *api, const MarketCrew &crew, QWidget *parent)
    : FormDialog(tr("Rent"), parent), m_api(api), m_crew(crew)
{
    setObjectName(u"rentDialog"_s);
    setWindowTitle(tr("Rent %1").arg(crew.name));
    setMinimumWidth(fontMetrics().height() * 26);
    auto *v = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    form->addRow(tr("Crew:"), new QLabel(crew.name, this));
    form->addRow(tr("Price:"),
                 new QLabel(tr("%1 per hour").arg(formatC7T(crew.rentalPricePerHour)), this));
    m_hours = new QDoubleSpinBox(this);
    m_hours->setObjectName(u"hoursSpin"_s);
    m_hours->setDecimals(2);
    m_hours->setRange(0.25, 720);
    m_hours->setSingleStep(0.5);
    m_hours->setValue(1);
    m_hours->setSuffix(tr(" h"));
    form->addRow(tr("Hours:"), m_hours);
    m_cost = new QLabel(this);
    m_cost->setObjectName(u"costLabel"_s);
    QFont cf = m_cost->font();
    cf.setWeight(QFont::DemiBold);
    m_cost->setFont(cf);
    form->addRow(tr("Cost:"), m_cost);
    m_balance = new QLabel(tr("Loading\u2026"), this);
    m_balance->setObjectName(u"balanceLabel"_s);
    form->addRow(tr("Your balance:"), m_balance);
    v->addLayout(form);
    addFooter(v);
    connect(m_hours, &QDoubleSpinBox::valueChanged, this, &RentDialog::updateCost);
    updateCost();
    m_api->tokenStats(this, [this](const ApiResult<TokenStats> &r) {
        m_balance->setText(r.ok() ? formatC7T(r.value->balance, r.value->symbol)
                                  : r.failure.message);
    });
}

void RentDialog::setHours(double hours)
{
    m_hours->setValue(hours);
}

Micros RentDialog::hours() const
{
    return Micros{qint64(std::llround(m_hours->value() * double(Micros::PerUnit)))};
}

Micros RentDialog::cost() const
{
    return multiplyRoundHalfUp(m_crew.rentalPricePerHour, hours());
}

QString RentDialog::costText() const
{
    return m_cost->text();
}

void RentDialog::updateCost()
{
    m_cost->setText(tr("%1 (%2 \u00d7 %3 h)")
                        .arg(formatC7T(cost()), formatC7T(m_crew.rentalPricePerHour),
                             QLocale().toString(m_hours->value(), 'f', 2)));
}

void RentDialog::showError(const QString &text)
{
    FormDialog::showError(text);
    // Grow for the (wrapped) message instead of squeezing the form.
    resize(width(), qMax(height(), sizeHint().height()));
}

bool RentDialog::submit(QString *error)
{
    RentRequest req{m_crew.id, hours()};
    QString invalid;
    if (!RentRequest::fromJson(req.toJson(), &invalid)) {
        *error = tr("The rental is not valid: %1").arg(invalid);
        return false;
    }
    m_api->rent(req, this,
                replyHandler<Rental>([this](const Rental &rental) { Q_EMIT rented(rental); }));
    return true;
}

QString RentDialog::failureText(const ApiFailure &failure) const
{
    if (failure.code == u"insufficient_balance"_s)
        return tr("Insufficient balance: this rental costs %1, more than your "
                  "organisation's C7T balance. "
                  "Choose fewer hours or earn C7T first.")
            .arg(formatC7T(cost()));
    return FormDialog::failureText(failure);
}

// ---------------------------------------------------------------- CrewsPage

CrewsPage::CrewsPage(ApiClient *api, AuthSession *session, LiveSocket *mission, QWidget *parent)
    : QWidget(parent), m_api(api), m_session(session), m_mission(mission),
      m_market(new MarketModel(this)), m_rentals(new RentalsModel(this))
{
    setObjectName(u"crewsPage"_s);
    const int em = fontMetrics().height();
    const QString role = session->user().role;
    const bool isAdmin = role == Roles::Admin;
    const bool isMember = Roles::rank(role) >= Roles::rank(Roles::Member);
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(em, em, em, em);

    m_error = new ErrorLabel(this);
    m_error->setObjectName(u"crewsError"_s);
    v->addWidget(m_error);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(u"crewsTabs"_s);
    v->addWidget(m_tabs, 1);

    // My crews
    auto *mine = new QWidget(m_tabs);
    auto *mv = new QVBoxLayout(mine);
    auto *mineBar = new QHBoxLayout;
    m_create = new QPushButton(icon(u"crew"_s), tr("New crew"), mine);
    m_create->setObjectName(u"newCrewButton"_s);
    m_create->setVisible(isAdmin);
    m_delete = new QPushButton(tr("Delete crew"), mine);
    m_delete->setObjectName(u"deleteCrewButton"_s);
    m_delete->setVisible(isAdmin);
    m_delete->setEnabled(false);
    auto *refreshButton = new QPushButton(tr("Refresh"), mine);
    mineBar->addWidget(m_create);
    mineBar->addWidget(m_delete);
    mineBar->addStretch(1);
    mineBar->addWidget(refreshButton);
    mv->addLayout(mineBar);
    m_tree = new QTreeWidget(mine);
    m_tree->setObjectName(u"crewsTree"_s);
    m_tree->setColumnCount(4);
    m_tree->setHeaderLabels(
        {tr("Crew / agent"), tr("Status / role"), tr("Tools"), tr("Rental price")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->header()->resizeSection(1, em * 9);
    m_tree->header()->resizeSection(2, em * 14);
    m_tree->setAlternatingRowColors(true);
    mv->addWidget(m_tree, 1);
    m_tabs->addTab(mine, tr("My crews"));

    // Market
    auto *market = new QWidget(m_tabs);
    auto *kv = new QVBoxLayout(market);
    auto *marketBar = new QHBoxLayout;
    m_rent = new QPushButton(icon(u"rental"_s), tr("Rent\u2026"), market);
    m_rent->setObjectName(u"rentButton"_s);
    m_rent->setVisible(isMember);
    m_rent->setEnabled(false);
    m_balance = new QLabel(market);
    m_balance->setObjectName(u"marketBalance"_s);
    marketBar->addWidget(m_balance);
    marketBar->addStretch(1);
    marketBar->addWidget(m_rent);
    kv->addLayout(marketBar);
    m_marketView = rowTable(market, u"marketTable"_s, m_market, MarketModel::NameColumn);
    m_marketView->setItemDelegate(new CrewStatusDelegate(m_marketView));
    m_marketView->setSelectionMode(QAbstractItemView::SingleSelection);
    kv->addWidget(m_marketView, 1);
    m_tabs->addTab(market, tr("Market"));

    // Rentals
    auto *rentals = new QWidget(m_tabs);
    auto *rv = new QVBoxLayout(rentals);
    m_rentalsView = rowTable(rentals, u"rentalsTable"_s, m_rentals, RentalsModel::CrewColumn);
    rv->addWidget(m_rentalsView, 1);
    m_tabs->addTab(rentals, tr("My rentals"));

    connect(refreshButton, &QPushButton::clicked, this, &CrewsPage::refresh);
    connect(m_create, &QPushButton::clicked, this, &CrewsPage::openCreateDialog);
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const QString id = selectedCrewId();
        if (!id.isEmpty())
            deleteCrew(id);
    });
    connect(m_tree, &QTreeWidget::currentItemChanged, this,
            [this] { m_delete->setEnabled(!selectedCrewId().isEmpty()); });
    connect(m_marketView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this] { m_rent->setEnabled(!selectedMarketCrewId().isEmpty()); });
    connect(m_market, &QAbstractItemModel::modelReset, this,
            [this] { m_rent->setEnabled(!selectedMarketCrewId().isEmpty()); });
    connect(m_rent, &QPushButton::clicked, this, [this] {
        const QString id = selectedMarketCrewId();
        if (!id.isEmpty())
            rentCrew(id);
    });
    connect(m_marketView, &QTableView::doubleClicked, this, [this](const QModelIndex &idx) {
        if (m_rent->isVisible())
            rentCrew(idx.data(MarketModel::CrewIdRole).toString());
    });
    if (m_mission)
        connect(m_mission, &LiveSocket::eventReceived, this, &CrewsPage::applyEvent);
    refresh();
}

void CrewsPage::refresh()
{
    m_api->crews(this, [this](const ApiResult<QList<Crew>> &r) {
        if (!r.ok()) {
            showError(r.failure.message);
        } else {
            m_crews = *r.value;
            rebuildTree();
        }
        m_crewsLoaded = true;
        checkLoaded();
    });
    m_api->marketCrews(this, [this](const ApiResult<QList<MarketCrew>> &r) {
        if (!r.ok())
            showError(r.failure.message);
        else
            m_market->setCrews(*r.value);
        QHash<QString, QString> names;
        for (const Crew &c : std::as_const(m_crews))
            names.insert(c.id, c.name);
        for (const MarketCrew &c : m_market->crews())
            names.insert(c.id, c.name);
        m_rentals->setCrewNames(names);
        m_marketLoaded = true;
        checkLoaded();
    });
    m_api->rentals(this, [this](const ApiResult<QList<Rental>> &r) {
        if (!r.ok())
            showError(r.failure.message);
        else
            m_rentals->setRentals(*r.value, m_session->user().orgId);
        m_rentalsLoaded = true;
        checkLoaded();
    });
    m_api->tokenStats(this, [this](const ApiResult<TokenStats> &r) {
        m_balance->setText(r.ok()
                               ? tr("Balance: %1").arg(formatC7T(r.value->balance, r.value->symbol))
                               : QString());
    });
}

void CrewsPage::checkLoaded()
{
    if (!m_announced && isLoaded()) {
        m_announced = true;
        Q_EMIT loaded();
    }
}

void CrewsPage::rebuildTree()
{
    const QString selected = selectedCrewId();
    m_tree->clear();
    for (const Crew &c : std::as_const(m_crews)) {
        auto *item = new QTreeWidgetItem(m_tree);
        item->setText(0, c.name);
        item->setData(0, Qt::UserRole, c.id);
        item->setIcon(1, crewStatusDot(c.status));
        item->setText(1, crewStatusText(c.status));
        item->setForeground(1, crewStatusColor(c.status));
        item->setText(2, tr("%n agent(s)", nullptr, int(c.agents.size())));
        item->setText(3, c.rentalPricePerHour
                             ? tr("%1 per hour").arg(formatC7T(*c.rentalPricePerHour))
                             : tr("Not offered"));
        QFont f = item->font(0);
        f.setWeight(QFont::DemiBold);
        item->setFont(0, f);
        for (const Agent &a : c.agents) {
            auto *ai = new QTreeWidgetItem(item);
            ai->setText(0, a.name);
            ai->setText(1, a.role);
            ai->setText(2, a.tools.join(u", "_s));
        }
        item->setExpanded(true);
        if (c.id == selected)
            m_tree->setCurrentItem(item);
    }
    m_delete->setEnabled(!selectedCrewId().isEmpty());
    Q_EMIT crewsChanged();
}

void CrewsPage::applyEvent(const Event &event)
{
    auto setStatus = [this](const QString &crewId, const QString &status) {
        for (Crew &c : m_crews) {
            if (c.id == crewId)
                c.status = status;
        }
        for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
            QTreeWidgetItem *item = m_tree->topLevelItem(i);
            if (item->data(0, Qt::UserRole).toString() == crewId) {
                item->setIcon(1, crewStatusDot(status));
                item->setText(1, crewStatusText(status));
                item->setForeground(1, crewStatusColor(status));
            }
        }
    };
    if (const auto *s = std::get_if<SignalEvent>(&event.body)) {
        setStatus(s->crewId, s->status);
    } else if (const auto *snap = std::get_if<SnapshotEvent>(&event.body)) {
        for (const CrewState &cs : snap->crews)
            setStatus(cs.crewId, cs.status);
    }
}

QString CrewsPage::selectedCrewId() const
{
    QTreeWidgetItem *item = m_tree->currentItem();
    while (item && item->parent())
        item = item->parent();
    return item ? item->data(0, Qt::UserRole).toString() : QString();
}

QString CrewsPage::selectedMarketCrewId() const
{
    const QModelIndex idx = m_marketView->currentIndex();
    return idx.isValid() ? idx.data(MarketModel::CrewIdRole).toString() : QString();
}

QString CrewsPage::errorText() const
{
    return m_error->shownText();
}

void CrewsPage::showError(const QString &text)
{
    m_error->showError(text);
}

void CrewsPage::openCreateDialog()
{
    auto *dlg = new CreateCrewDialog(m_api, this);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    connect(dlg, &CreateCrewDialog::crewCreated, this, [this] {
        showError({});
        refresh();
    });
    dlg->open();
}

void CrewsPage::deleteCrew(const QString &crewId)
{
    QString name = crewId;
    for (const Crew &c : std::as_const(m_crews)) {
        if (c.id == crewId)
            name = c.name;
    }
    auto *box = new QMessageBox(
        QMessageBox::Warning, tr("Delete crew"),
        tr("Delete the crew \"%1\" and its agents? This cannot be undone.").arg(name),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(u"deleteConfirm"_s);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, crewId](int result) {
        if (result == QMessageBox::Yes)
            deleteCrewConfirmed(crewId);
    });
    box->open();
}

void CrewsPage::deleteCrewConfirmed(const QString &crewId)
{
    m_api->deleteCrew(crewId, this, [this](const ApiResult<Done> &r) {
        if (!r.ok()) {
            if (r.failure.httpStatus == 409)
                showError(
                    tr("This crew cannot be deleted: it has a running run or an active rental. "
                       "Wait for the run or the rental to end, then try again."));
            else
                showError(r.failure.message);
            return;
        }
        showError({});
        refresh();
    });
}

RentDialog *CrewsPage::rentCrew(const QString &crewId)
{
    for (const MarketCrew &c : m_market->crews()) {
        if (c.id != crewId)
            continue;
        auto *dlg = new RentDialog(m_api, c, this);
        dlg->setAttribute(Qt::WA_DeleteOnClose);
        connect(dlg, &RentDialog::rented, this, [this] {
            refresh();
            m_tabs->setCurrentIndex(2);
        });
        dlg->open();
        return dlg;
    }
    return nullptr;
}

} // namespace crewdeck::ui
