#include "app/ui/crews/createcrewdialog.h"
#include "app/net/apiclient.h"
#include "app/ui/theme.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

using namespace Qt::StringLiterals;
using namespace crewdeck::client;

namespace crewdeck::ui {

namespace {
constexpr int NameCol = 0;
constexpr int RoleCol = 1;
constexpr int FirstToolCol = 2;
} // namespace

CreateCrewDialog::CreateCrewDialog(ApiClient *api, QWidget *parent)
    : FormDialog(tr("Create crew"), parent), m_api(api)
{
    setObjectName(u"createCrewDialog"_s);
    setWindowTitle(tr("New crew"));
    const int em = fontMetrics().height();
    auto *v = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_name = new QLineEdit(this);
    m_name->setObjectName(u"crewNameEdit"_s);
    form->addRow(tr("Name:"), m_name);
    auto *priceRow = new QHBoxLayout;
    m_priced = new QCheckBox(tr("Offer on the market for"), this);
    m_priced->setObjectName(u"pricedCheck"_s);
    m_price = new QDoubleSpinBox(this);
    m_price->setObjectName(u"priceSpin"_s);
    m_price->setDecimals(6);
    m_price->setRange(0.000001, 1000000);
    m_price->setValue(10);
    m_price->setSuffix(tr(" C7T/h"));
    m_price->setEnabled(false);
    connect(m_priced, &QCheckBox::toggled, m_price, &QWidget::setEnabled);
    priceRow->addWidget(m_priced);
    priceRow->addWidget(m_price);
    priceRow->addStretch(1);
    form->addRow(tr("Rental:"), priceRow);
    v->addLayout(form);

    v->addWidget(new QLabel(tr("Agents:"), this));
    m_agents = new QTableWidget(0, FirstToolCol + int(Tools::all().size()), this);
    m_agents->setObjectName(u"agentsTable"_s);
    QStringList headers{tr("Name"), tr("Role")};
    headers.append(Tools::all());
    m_agents->setHorizontalHeaderLabels(headers);
    m_agents->horizontalHeader()->setSectionResizeMode(NameCol, QHeaderView::Stretch);
    m_agents->horizontalHeader()->setSectionResizeMode(RoleCol, QHeaderView::Stretch);
    m_agents->verticalHeader()->setVisible(false);
    v->addWidget(m_agents, 1);
    auto *agentButtons = new QHBoxLayout;
    auto *add = new QPushButton(tr("Add agent"), this);
    add->setObjectName(u"addAgentButton"_s);
    auto *remove = new QPushButton(tr("Remove agent"), this);
    remove->setObjectName(u"removeAgentButton"_s);
    connect(add, &QPushButton::clicked, this, [this] { addAgent(); });
    connect(remove, &QPushButton::clicked, this, [this] {
        const int row =
            m_agents->currentRow() >= 0 ? m_agents->currentRow() : m_agents->rowCount() - 1;
        if (row >= 0)
            m_agents->removeRow(row);
    });
    agentButtons->addWidget(add);
    agentButtons->addWidget(remove);
    agentButtons->addStretch(1);
    v->addLayout(agentButtons);

    addFooter(v);
    resize(em * 36, em * 22);
    addAgent();
}

void CreateCrewDialog::setName(const QString &name)
{
    m_name->setText(name);
}

int CreateCrewDialog::addAgent(const QString &name, const QString &role, const QStringList &tools)
{
    const int row = m_agents->rowCount();
    m_agents->insertRow(row);
    m_agents->setItem(row, NameCol, new QTableWidgetItem(name));
    m_agents->setItem(row, RoleCol, new QTableWidgetItem(role));
    const QStringList all = Tools::all();
    for (int i = 0; i < all.size(); ++i) {
        auto *item = new QTableWidgetItem;
        item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        item->setCheckState(tools.contains(all.at(i)) ? Qt::Checked : Qt::Unchecked);
        m_agents->setItem(row, FirstToolCol + i, item);
    }
    return row;
}

void CreateCrewDialog::setPrice(std::optional<double> pricePerHour)
{
    m_priced->setChecked(pricePerHour.has_value());
    if (pricePerHour)
        m_price->setValue(*pricePerHour);
}

std::optional<CreateCrewRequest> CreateCrewDialog::request(QString *error) const
{
    if (m_name->text().trimmed().isEmpty()) {
        *error = tr("The crew needs a name.");
        return std::nullopt;
    }
    QJsonArray agents;
    const QStringList all = Tools::all();
    for (int row = 0; row < m_agents->rowCount(); ++row) {
        const QString name = m_agents->item(row, NameCol)
                                 ? m_agents->item(row, NameCol)->text().trimmed()
                                 : QString();
        const QString role = m_agents->item(row, RoleCol)
                                 ? m_agents->item(row, RoleCol)->text().trimmed()
                                 : QString();
        QJsonArray tools;
        for (int i = 0; i < all.size(); ++i) {
            if (m_agents->item(row, FirstToolCol + i)->checkState() == Qt::Checked)
                tools.append(all.at(i));
        }
        if (name.isEmpty()) {
            *error = tr("Agent %1 needs a name.").arg(row + 1);
            return std::nullopt;
        }
        agents.append(QJsonObject{{u"name"_s, name}, {u"role"_s, role}, {u"tools"_s, tools}});
    }
    if (agents.isEmpty()) {
        *error = tr("Add at least one agent.");
        return std::nullopt;
    }
    QJsonObject body{{u"name"_s, m_name->text().trimmed()}, {u"agents"_s, agents}};
    if (m_priced->isChecked()) {
        // Exact micro-units from the spin box's 6 decimals.
        body.insert(u"rental_price_per_hour"_s,
                    Micros{qint64(std::llround(m_price->value() * 1e6))}.toJson());
    } else {
        body.insert(u"rental_price_per_hour"_s, QJsonValue::Null);
    }
    QString err;
    auto req = CreateCrewRequest::fromJson(body, &err);
    if (!req) {
        *error = tr("The crew is not valid: %1").arg(err);
        return std::nullopt;
    }
    return req;
}

bool CreateCrewDialog::submit(QString *error)
{
    const auto req = request(error);
    if (!req)
        return false;
    m_api->createCrew(*req, this,
                      replyHandler<Crew>([this](const Crew &c) { Q_EMIT crewCreated(c); }));
    return true;
}

} // namespace crewdeck::ui
