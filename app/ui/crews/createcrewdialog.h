#pragma once
#include "shared/types.h"

#include "app/ui/formdialog.h"

#include <optional>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace crewdeck::client {
class ApiClient;
}

namespace crewdeck::ui {

// "New crew" (admins): a name, agents (name, role, tools as checkboxes) and an optional
// rental price per hour. Validated with CreateCrewRequest::fromJson, then POST /crews;
// crewCreated() carries the new crew. GUI thread.
class CreateCrewDialog : public FormDialog
{
    Q_OBJECT
public:
    explicit CreateCrewDialog(client::ApiClient *api, QWidget *parent = nullptr);

    void setName(const QString &name);
    // Adds an agent row; returns its row.
    int addAgent(const QString &name = {}, const QString &role = {}, const QStringList &tools = {});
    void setPrice(std::optional<double> pricePerHour);
    std::optional<CreateCrewRequest> request(QString *error) const;
    QTableWidget *agentsTable() const { return m_agents; }

Q_SIGNALS:
    void crewCreated(const crewdeck::Crew &crew);

protected:
    bool submit(QString *error) override;

private:
    client::ApiClient *m_api;
    QLineEdit *m_name;
    QTableWidget *m_agents;
    QCheckBox *m_priced;
    QDoubleSpinBox *m_price;
};

} // namespace crewdeck::ui
