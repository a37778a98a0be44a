// Crews page: create and delete crews, the market and rentals, with a real in-process server.
#include "app/models/marketmodel.h"
#include "app/models/rentalsmodel.h"
#include "app/ui/appcontroller.h"
#include "app/ui/crews/createcrewdialog.h"
#include "app/ui/crews/crewspage.h"
#include "app/ui/mainwindow.h"
#include "app/ui/theme.h"
#include "tests/gui/guitest.h"
#include "tests/support/testserver.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::ui;

namespace {
const QString Password = u"password123"_s;
void snap(QWidget *w, const QString &name)
{
    const QString dir = qEnvironmentVariable("CREWDECK_SCREENSHOT_DIR");
    if (!dir.isEmpty() && w)
        w->grab().save(dir + u"/crewdeck-"_s + name + u".png"_s);
}
} // namespace

class TestCrews : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void crewsShowStatusAgentsAndTools();
    void createCrewFromDialog();
    void rentWithTooLittleBalanceSaysSo();
    void rentShowsCostAndListsRental();
    void deleteBlockedByActiveRentalSaysSo();
    void memberCannotManageCrews();

private:
    bool login(AppController &ctl, const QString &email);
    std::unique_ptr<testsupport::TestServer> m_server;
    QTemporaryDir m_settingsDir;
    QString m_ownerToken, m_renterToken;
    QString m_pricedCrew;
};

void TestCrews::initTestCase()
{
    QCoreApplication::setOrganizationName(u"CrewDeckTest"_s);
    QCoreApplication::setApplicationName(u"tst_crews"_s);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    testsupport::TestServer::Options o;
    o.startingGrant = Micros::fromUnits(5); // every new org: 5 C7T
    m_server = std::make_unique<testsupport::TestServer>(o);
    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    const auto owner =
        m_server->createUser(u"Owner Inc"_s, u"olga@owner.test"_s, u"admin"_s, Password);
    const auto renter =
        m_server->createUser(u"Renter Ltd"_s, u"rita@renter.test"_s, u"member"_s, Password);
    QVERIFY(!owner.id.isEmpty() && !renter.id.isEmpty());
    QVERIFY(!m_server->createUser(u"Renter Ltd"_s, u"ron@renter.test"_s, u"admin"_s, Password)
                 .id.isEmpty());
    m_ownerToken = m_server->tokenFor(owner);
    m_renterToken = m_server->tokenFor(renter);
    const auto crew = m_server->post(
        u"/crews"_s,
        QJsonObject{{u"name"_s, u"Pricey crew"_s},
                    {u"rental_price_per_hour"_s, 10},
                    {u"agents"_s,
                     QJsonArray{QJsonObject{{u"name"_s, u"Pat"_s},
                                            {u"role"_s, u"tester"_s},
                                            {u"tools"_s, QJsonArray{u"pytest"_s, u"script"_s}}}}}},
        m_ownerToken);
    QCOMPARE(crew.status, 201);
    m_pricedCrew = crew.json().value(u"id"_s).toString();
}

void TestCrews::cleanupTestCase()
{
    if (m_server)
        m_server->stop();
}

void TestCrews::init()
{
    QSettings().clear();
}

bool TestCrews::login(AppController &ctl, const QString &email)
{
    return testsupport::startApp(
        ctl, *m_server, email, Password,
        [&] { return ctl.crewsPage() && ctl.crewsPage()->isLoaded(); },
        /*fastBackoff=*/false);
}

void TestCrews::crewsShowStatusAgentsAndTools()
{
    AppController ctl;
    QVERIFY(login(ctl, u"olga@owner.test"_s));
    ctl.mainWindow()->showPage(u"crews"_s);
    QTreeWidget *tree = ctl.crewsPage()->crewsTree();
    QCOMPARE(tree->topLevelItemCount(), 1);
    QTreeWidgetItem *item = tree->topLevelItem(0);
    QCOMPARE(item->text(0), u"Pricey crew"_s);
    QCOMPARE(item->text(1), u"Available"_s);
    QCOMPARE(item->foreground(1).color(), crewStatusColor(CrewStatus::Available));
    QCOMPARE(item->childCount(), 1);
    QCOMPARE(item->child(0)->text(0), u"Pat"_s);
    QCOMPARE(item->child(0)->text(2), u"pytest, script"_s);
    QVERIFY(item->text(3).contains(u"10"_s));
    // The owner's own crew is not on its market.
    QCOMPARE(ctl.crewsPage()->marketModel()->rowCount(), 0);
    snap(ctl.mainWindow(), u"crews"_s);
}

void TestCrews::createCrewFromDialog()
{
    AppController ctl;
    QVERIFY(login(ctl, u"ron@renter.test"_s));
    CrewsPage *page = ctl.crewsPage();
    QTest::mouseClick(page->findChild<QPushButton *>(u"newCrewButton"_s), Qt::LeftButton);
    auto *dlg = page->findChild<CreateCrewDialog *>();
    QVERIFY(dlg);
    auto *ok = dlg->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QTest::mouseClick(ok, Qt::LeftButton);
    QCOMPARE(dlg->errorText(), u"The crew needs a name."_s);
    QTest::keyClicks(dlg->findChild<QLineEdit *>(u"crewNameEdit"_s), u"Night shift"_s);
    QTableWidget *agents = dlg->agentsTable();
    agents->item(0, 0)->setText(u"Nia"_s);
    agents->item(0, 1)->setText(u"runner"_s);
    agents->item(0, 2 + 2)->setCheckState(Qt::Checked); // script
    QTest::mouseClick(ok, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(page->crewsTree()->topLevelItemCount(), 1, 20000);
    QCOMPARE(page->crewsTree()->topLevelItem(0)->text(0), u"Night shift"_s);
    const auto crews =
        m_server->get(u"/crews"_s, m_server->login(u"ron@renter.test"_s, Password)).jsonArray();
    QCOMPARE(crews.size(), 1);
    const auto crew = Crew::fromJson(crews.at(0).toObject());
    QVERIFY(crew);
    QCOMPARE(crew->agents.size(), 1);
    QCOMPARE(crew->agents.at(0).tools, QStringList{u"script"_s});
    QVERIFY(!crew->rentalPricePerHour);

    // Delete it again (confirm box answered Yes).
    page->crewsTree()->setCurrentItem(page->crewsTree()->topLevelItem(0));
    QTest::mouseClick(page->findChild<QPushButton *>(u"deleteCrewButton"_s), Qt::LeftButton);
    auto *box = page->findChild<QMessageBox *>(u"deleteConfirm"_s);
    QVERIFY(box);
    QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(page->crewsTree()->topLevelItemCount(), 0, 20000);
}

void TestCrews::rentWithTooLittleBalanceSaysSo()
{
    AppController ctl;
    QVERIFY(login(ctl, u"rita@renter.test"_s));
    CrewsPage *page = ctl.crewsPage();
    QCOMPARE(page->marketModel()->rowCount(), 1);
    RentDialog *dlg = page->rentCrew(m_pricedCrew);
    QVERIFY(dlg);
    dlg->setHours(2); // 20 C7T > 5 C7T
    QCOMPARE(dlg->cost(), Micros::fromUnits(20));
    QVERIFY2(dlg->costText().contains(u"20 C7T"_s), qPrintable(dlg->costText()));
    QTest::mouseClick(dlg->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok),
                      Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!dlg->errorText().isEmpty(), 20000);
    QVERIFY2(dlg->errorText().startsWith(u"Insufficient balance"_s), qPrintable(dlg->errorText()));
    QVERIFY(dlg->errorText().contains(u"20 C7T"_s));
    QVERIFY(dlg->isVisible());
    snap(dlg, u"rent-insufficient"_s);
    QCOMPARE(m_server->get(u"/rentals"_s, m_renterToken).jsonArray().size(), 0);
    dlg->reject();
}

void TestCrews::rentShowsCostAndListsRental()
{
    AppController ctl;
    QVERIFY(login(ctl, u"rita@renter.test"_s));
    CrewsPage *page = ctl.crewsPage();
    RentDialog *dlg = page->rentCrew(m_pricedCrew);
    QVERIFY(dlg);
    dlg->setHours(0.25); // 2.5 C7T
    QCOMPARE(dlg->cost(), Micros{2500000});
    QTest::mouseClick(dlg->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok),
                      Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(page->rentalsModel()->rowCount(), 1, 20000);
    QCOMPARE(page->rentalsModel()->index(0, 0).data(client::RentalsModel::IsRenterRole).toBool(),
             true);
    QCOMPARE(page->rentalsModel()->index(0, client::RentalsModel::CrewColumn).data().toString(),
             u"Pricey crew"_s);
    QCOMPARE(page->rentalsModel()->index(0, client::RentalsModel::PriceColumn).data().toString(),
             u"-2.5 C7T"_s);
    const auto rentals = m_server->get(u"/rentals"_s, m_renterToken).jsonArray();
    QCOMPARE(rentals.size(), 1);
    QCOMPARE(Rental::fromJson(rentals.at(0).toObject())->price, Micros{2500000});
}

void TestCrews::deleteBlockedByActiveRentalSaysSo()
{
    // Needs the rental from the previous test when run alone: make sure one exists.
    if (m_server->get(u"/rentals"_s, m_ownerToken).jsonArray().isEmpty())
        QCOMPARE(m_server
                     ->post(u"/rentals"_s,
                            QJsonObject{{u"crew_id"_s, m_pricedCrew}, {u"hours"_s, 0.1}},
                            m_renterToken)
                     .status,
                 201);
    AppController ctl;
    QVERIFY(login(ctl, u"olga@owner.test"_s));
    CrewsPage *page = ctl.crewsPage();
    QVERIFY(page->rentalsModel()->rowCount() >= 1);
    QCOMPARE(page->rentalsModel()->index(0, 0).data(client::RentalsModel::IsRenterRole).toBool(),
             false);
    page->deleteCrewConfirmed(m_pricedCrew);
    QTRY_VERIFY_WITH_TIMEOUT(!page->errorText().isEmpty(), 20000);
    QVERIFY2(page->errorText().contains(u"active rental"_s), qPrintable(page->errorText()));
    QCOMPARE(page->crewsTree()->topLevelItemCount(), 1);
}

void TestCrews::memberCannotManageCrews()
{
    AppController ctl;
    QVERIFY(login(ctl, u"rita@renter.test"_s));
    QVERIFY(ctl.crewsPage()->findChild<QPushButton *>(u"newCrewButton"_s)->isHidden());
    QVERIFY(ctl.crewsPage()->findChild<QPushButton *>(u"deleteCrewButton"_s)->isHidden());
    QVERIFY(!ctl.crewsPage()->findChild<QPushButton *>(u"rentButton"_s)->isHidden());
}

QTEST_MAIN(TestCrews)
#include "tst_crews.moc"
