#pragma once
#include "app/models/dashboarddata.h"

#include <QHash>
#include <QTimer>
#include <QWidget>

class QLabel;
class QPushButton;
class QFrame;
class QVBoxLayout;

namespace crewdeck::ui {

class Card;
class StatCard;
class ResponsiveGrid;

// The dashboard: stat cards, C7T cards, rentals, the last three runs and the crews with
// their live status, in a grid that reflows from 1 to 4 columns; a banner on top while the
// server cannot be reached. Reads everything from a DashboardData. GUI thread.
class DashboardPage : public QWidget
{
    Q_OBJECT
public:
    explicit DashboardPage(client::DashboardData *controller, QWidget *parent = nullptr);

    ResponsiveGrid *grid() const { return m_grid; }
    // Cards by key: total_runs, success_rate, latency, tokens, active_crews, c7t_balance,
    // c7t_spent, c7t_earned, c7t_pending, rentals, recent_runs, crews.
    Card *card(const QString &key) const { return m_cards.value(key); }
    StatCard *statCard(const QString &key) const;
    QFrame *errorBanner() const { return m_banner; }
    QString bannerText() const;
    // Agent shown for crew `crewId` right now (rotates through its members).
    QString shownAgent(const QString &crewId) const;
    void setAgentRotationInterval(int ms) { m_rotation.setInterval(ms); }
    // Offline (cached values): the cards are greyed and take no clicks (retry, open a run);
    // the window's offline notice says how old they are.
    void setOffline(bool offline);
    bool isOffline() const { return m_offline; }

Q_SIGNALS:
    void runActivated(const QString &runId);

private:
    void updateCard(client::DashboardData::Card card);
    void updateStats();
    void updateTokens();
    void updateRentals();
    void rebuildRecentRuns();
    void rebuildCrews();
    void rotateAgents();
    void showAgents();
    void updateBanner(const QString &message);

    client::DashboardData *m_controller;
    ResponsiveGrid *m_grid;
    QHash<QString, Card *> m_cards;
    QFrame *m_banner;
    QLabel *m_bannerText;
    QWidget *m_runsList;
    QVBoxLayout *m_runsLayout;
    QWidget *m_crewsList;
    QVBoxLayout *m_crewsLayout;
    QHash<QString, QLabel *> m_agentLabels; // crew id -> label
    QTimer m_rotation;
    int m_rotationStep = 0;
    bool m_offline = false;
};

} // namespace crewdeck::ui
