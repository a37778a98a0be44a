#pragma once
#include "shared/events.h"
#include "shared/types.h"

#include "app/ui/formdialog.h"
#include <QPointer>
#include <QWidget>

class QDoubleSpinBox;
class QDialogButtonBox;
class QLabel;
class QPushButton;
class QTabWidget;
class QTableView;
class QTreeWidget;

namespace crewdeck::client {
class ApiClient;
class LiveSocket;
class MarketModel;
class RentalsModel;
class AuthSession;
} // namespace crewdeck::client

namespace crewdeck::ui {

class ErrorLabel;

// "Rent a crew": hours, the cost in C7T (price x hours, exact, rounded half-up like the
// server) shown before confirming, then POST /rentals. A 409 insufficient_balance stays in
// the dialog as a clear message. GUI thread.
class RentDialog : public FormDialog
{
    Q_OBJECT
public:
    RentDialog(client::ApiClient *api, const MarketCrew &crew, QWidget *parent = nullptr);

    void setHours(double hours);
    Micros hours() const;
    Micros cost() const;
    QString costText() const;

Q_SIGNALS:
    void rented(const crewdeck::Rental &rental);

protected:
    bool submit(QString *error) override;
    QString failureText(const client::ApiFailure &failure) const override;
    // Grows the dialog for a wrapped message instead of squeezing the form.
    void showError(const QString &text) override;

private:
    void updateCost();

    client::ApiClient *m_api;
    MarketCrew m_crew;
    QDoubleSpinBox *m_hours;
    QLabel *m_cost;
    QLabel *m_balance;
};

// "Crews": the org's crews (status colour, agents and their tools, price) with create and
// delete for admins; the market of other orgs' priced crews with Rent; the org's rentals on
// both sides. Crew statuses follow the mission socket's snapshot/signal events. GUI thread.
class CrewsPage : public QWidget
{
    Q_OBJECT
public:
    CrewsPage(client::ApiClient *api, client::AuthSession *session, client::LiveSocket *mission,
              QWidget *parent = nullptr);

    QTreeWidget *crewsTree() const { return m_tree; }
    QTableView *marketView() const { return m_marketView; }
    QTableView *rentalsView() const { return m_rentalsView; }
    client::MarketModel *marketModel() const { return m_market; }
    client::RentalsModel *rentalsModel() const { return m_rentals; }
    QTabWidget *tabs() const { return m_tabs; }
    QString errorText() const;
    const QList<Crew> &crews() const { return m_crews; }
    bool isLoaded() const { return m_crewsLoaded && m_marketLoaded && m_rentalsLoaded; }

public Q_SLOTS:
    void refresh();
    void openCreateDialog();
    // Asks for confirmation, then DELETE /crews/{id}.
    void deleteCrew(const QString &crewId);
    void deleteCrewConfirmed(const QString &crewId);
    // Opens the rent dialog for a market crew.
    RentDialog *rentCrew(const QString &crewId);

Q_SIGNALS:
    void loaded();
    void crewsChanged();

private:
    void applyEvent(const Event &event);
    void rebuildTree();
    void showError(const QString &text);
    void checkLoaded();
    QString selectedCrewId() const;
    QString selectedMarketCrewId() const;

    client::ApiClient *m_api;
    client::AuthSession *m_session;
    QPointer<client::LiveSocket> m_mission;
    QTabWidget *m_tabs;
    QTreeWidget *m_tree;
    QTableView *m_marketView;
    QTableView *m_rentalsView;
    client::MarketModel *m_market;
    client::RentalsModel *m_rentals;
    ErrorLabel *m_error;
    QLabel *m_balance;
    QPushButton *m_create;
    QPushButton *m_delete;
    QPushButton *m_rent;
    QList<Crew> m_crews;
    bool m_crewsLoaded = false;
    bool m_marketLoaded = false;
    bool m_rentalsLoaded = false;
    bool m_announced = false;
};

} // namespace crewdeck::ui
