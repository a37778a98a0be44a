#pragma once
#include "app/models/cardstate.h"
#include "app/models/crewsmodel.h"
#include "app/models/offlinecache.h"
#include "app/models/recentrunsmodel.h"
#include "app/net/apiclient.h"

#include <QObject>
#include <QTimer>

namespace crewdeck::client {

// Holds what the dashboard shows (stats, C7T, rentals, crews, recent runs) with a load
// state per card. Refreshes every refreshInterval() and, debounced, whenever a run_status or
// signal event arrives, so that a flood of events costs one refresh. GUI thread.
// (DashboardData: the server's DashboardController is the /dashboard route handler.)
class DashboardData : public QObject
{
    Q_OBJECT
public:
    enum class Card { Stats, Tokens, Rentals, Crews, RecentRuns };
    Q_ENUM(Card)

    explicit DashboardData(ApiClient *api, QObject *parent = nullptr);

    CrewsModel *crewsModel() const { return m_crews; }
    RecentRunsModel *recentRunsModel() const { return m_recent; }
    const DashboardStats &stats() const { return m_stats; }
    const TokenStats &tokens() const { return m_tokens; }
    const RentalStats &rentals() const { return m_rentals; }

    CardState cardState(Card card) const;
    // Every card has an answer (data, empty or error).
    bool isSettled() const;
    // Set while the server cannot be reached; cleared by the next answer. Other failures
    // (5xx, 403, ...) show on the card concerned only.
    QString pageError() const { return m_pageError; }

    void setRefreshInterval(int ms);
    int refreshInterval() const { return m_refreshTimer.interval(); }
    void setDebounceInterval(int ms) { m_debounce.setInterval(ms); }
    int debounceInterval() const { return m_debounce.interval(); }
    int refreshCount() const { return m_refreshCount; }

    // Scopes the stats card (and recent runs) to created_at in [from, to) (the analytics
    // page's date range); invalid bounds: open. Reloads the stats when it changes.
    void setStatsRange(const QDateTime &from, const QDateTime &to);
    QDateTime statsFrom() const { return m_statsFrom; }
    QDateTime statsTo() const { return m_statsTo; }

    // Shows what an earlier session cached (offline start): every part the cache has becomes
    // Ready (or Empty); with `markMissing`, a part it lacks says "not loaded". Does not call
    // the server.
    void restore(const CachedState &state, bool markMissing);
    // The card shows an answer of the server (not only cached values) since start().
    bool isFresh(Card card) const
    {
        return m_fresh[int(card == Card::RecentRuns ? Card::Stats : card)];
    }
    // Copies what the cards hold (the parts that loaded) into `state`.
    void fillCache(CachedState &state) const;

    // Loads everything now and then periodically.
    void start();
    void stop();
    bool isRunning() const { return m_refreshTimer.isActive(); }

public Q_SLOTS:
    void refresh();
    void refreshCard(crewdeck::client::DashboardData::Card card);
    // LiveStreams feeds events here: the mission's snapshot and signals, and run_status from
    // an open run's socket (/ws/graph carries tool events only).
    void handleEvent(const crewdeck::Event &event);
    // The socket's history was reset: live statuses are unreliable, refetch all.
    void handleReset();

Q_SIGNALS:
    void cardChanged(crewdeck::client::DashboardData::Card card);
    void pageErrorChanged(const QString &message);
    void refreshStarted();

private:
    void setCard(Card card, const CardState &state);
    void noteFailure(Card card, const ApiFailure &failure);
    void noteSuccess();
    // One card's answer: no longer in flight; a failure is noted (false); a success is noted
    // and the card marked as loaded and fresh (true: the caller stores the value).
    bool answered(Card card, bool ok, const ApiFailure &failure);
    // A card's new values are in: Empty or Ready, emitted even when the state stays Ready.
    void showCard(Card card, bool empty);
    void scheduleRefresh();

    ApiClient *m_api;
    CrewsModel *m_crews;
    RecentRunsModel *m_recent;
    DashboardStats m_stats;
    TokenStats m_tokens;
    RentalStats m_rentals;
    bool m_have[5] = {false, false, false, false, false};
    bool m_inFlight[5] = {false, false, false, false, false};
    bool m_fresh[5] = {false, false, false, false, false};
    CardState m_state[5];
    QString m_pageError;
    QTimer m_refreshTimer;
    QTimer m_debounce;
    int m_refreshCount = 0;
    QDateTime m_statsFrom;
    QDateTime m_statsTo;
};

} // namespace crewdeck::client
