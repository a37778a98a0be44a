#include "app/models/dashboarddata.h"
#include "shared/logging.h"

using namespace Qt::StringLiterals;

namespace crewdeck::client {

DashboardData::DashboardData(ApiClient *api, QObject *parent)
    : QObject(parent), m_api(api), m_crews(new CrewsModel(this)),
      m_recent(new RecentRunsModel(this))
{
    m_refreshTimer.setInterval(30000);
    m_debounce.setInterval(500);
    m_debounce.setSingleShot(true);
    connect(&m_refreshTimer, &QTimer::timeout, this, &DashboardData::refresh);
    connect(&m_debounce, &QTimer::timeout, this, &DashboardData::refresh);
}

CardState DashboardData::cardState(Card card) const
{
    return m_state[int(card)];
}

bool DashboardData::isSettled() const
{
    for (const CardState &s : m_state)
        if (s.status == CardState::Status::Loading)
            return false;
    return true;
}

void DashboardData::setRefreshInterval(int ms)
{
    m_refreshTimer.setInterval(std::max(ms, 1000));
}

void DashboardData::start()
{
    m_refreshTimer.start();
    refresh();
}

void DashboardData::stop()
{
    m_refreshTimer.stop();
    m_debounce.stop();
}

void DashboardData::refresh()
{
    m_debounce.stop();
    ++m_refreshCount;
    Q_EMIT refreshStarted();
    refreshCard(Card::Stats); // also feeds RecentRuns
    refreshCard(Card::Tokens);
    refreshCard(Card::Rentals);
    refreshCard(Card::Crews);
}

void DashboardData::setCard(Card card, const CardState &state)
{
    if (m_state[int(card)] == state)
        return;
    m_state[int(card)] = state;
    Q_EMIT cardChanged(card);
}

void DashboardData::noteSuccess()
{
    if (m_pageError.isEmpty())
        return;
    m_pageError.clear();
    Q_EMIT pageErrorChanged(m_pageError);
}

bool DashboardData::answered(Card card, bool ok, const ApiFailure &failure)
{
    m_inFlight[int(card)] = false;
    if (!ok) {
        noteFailure(card, failure);
        return false;
    }
    noteSuccess();
    m_have[int(card)] = m_fresh[int(card)] = true;
    return true;
}

void DashboardData::showCard(Card card, bool empty)
{
    m_state[int(card)] = {};
    setCard(card, empty ? CardState::empty() : CardState::ready());
}

// A card that already shows data keeps it (slightly stale beats a blank card); the page
// banner tells that the server cannot be reached. A card without data shows the error.
void DashboardData::noteFailure(Card card, const ApiFailure &failure)
{
    // Connectivity details go to the page banner once; the cards just say they are not loaded.
    if (!m_have[int(card)])
        setCard(card, CardState::error(failure.isConnectivity()
                                           ? tr("Not loaded: the server cannot be reached.")
                                           : failure.message));
    if (failure.isConnectivity() && m_pageError != failure.message) {
        m_pageError = failure.message;
        Q_EMIT pageErrorChanged(m_pageError);
    }
}

void DashboardData::refreshCard(Card card)
{
    if (card == Card::RecentRuns)
        card = Card::Stats; // both come from GET /dashboard/stats
    const int i = int(card);
    if (m_inFlight[i])
        return;
    m_inFlight[i] = true;
    if (!m_have[i]) {
        setCard(card, CardState::loading());
        if (card == Card::Stats)
            setCard(Card::RecentRuns, CardState::loading());
    }
    switch (card) {
    case Card::Stats:
        m_api->dashboardStats(m_statsFrom, m_statsTo, this,
                              [this](const ApiResult<DashboardStats> &r) {
                                  if (!answered(Card::Stats, r.ok(), r.failure))
                                      return noteFailure(Card::RecentRuns, r.failure);
                                  m_stats = *r.value;
                                  m_have[int(Card::RecentRuns)] = true;
                                  m_recent->setRuns(m_stats.recentRuns);
                                  showCard(Card::Stats, m_stats.totalRuns == 0);
                                  showCard(Card::RecentRuns, m_stats.recentRuns.isEmpty());
                              });
        break;
    case Card::Tokens:
        m_api->tokenStats(this, [this](const ApiResult<TokenStats> &r) {
            if (!answered(Card::Tokens, r.ok(), r.failure))
                return;
            m_tokens = *r.value;
            showCard(Card::Tokens, false);
        });
        break;
    case Card::Rentals:
        m_api->rentalStats(this, [this](const ApiResult<RentalStats> &r) {
            if (!answered(Card::Rentals, r.ok(), r.failure))
                return;
            m_rentals = *r.value;
            showCard(Card::Rentals, m_rentals.totalRentals == 0 && m_rentals.activeRentals == 0);
        });
        break;
    case Card::Crews:
        m_api->crews(this, [this](const ApiResult<QList<Crew>> &r) {
            if (!answered(Card::Crews, r.ok(), r.failure))
                return;
            m_crews->setCrews(*r.value);
            QHash<QString, QString> names;
            for (const Crew &c : *r.value)
                names.insert(c.id, c.name);
            m_recent->setCrewNames(names);
            showCard(Card::Crews, r.value->isEmpty());
        });
        break;
    case Card::RecentRuns:
        break;
    }
}

void DashboardData::restore(const CachedState &state, bool markMissing)
{
    if (state.stats) {
        m_stats = *state.stats;
        m_have[int(Card::Stats)] = m_have[int(Card::RecentRuns)] = true;
        m_recent->setRuns(m_stats.recentRuns);
        setCard(Card::Stats, m_stats.totalRuns == 0 ? CardState::empty() : CardState::ready());
        setCard(Card::RecentRuns,
                m_stats.recentRuns.isEmpty() ? CardState::empty() : CardState::ready());
    }
    if (state.tokens) {
        m_tokens = *state.tokens;
        m_have[int(Card::Tokens)] = true;
        setCard(Card::Tokens, CardState::ready());
    }
    if (state.rentals) {
        m_rentals = *state.rentals;
        m_have[int(Card::Rentals)] = true;
        setCard(Card::Rentals, m_rentals.totalRentals == 0 && m_rentals.activeRentals == 0
                                   ? CardState::empty()
                                   : CardState::ready());
    }
    if (state.crews) {
        m_crews->setCrews(*state.crews);
        QHash<QString, QString> names;
        for (const Crew &c : *state.crews)
            names.insert(c.id, c.name);
        m_recent->setCrewNames(names);
        m_have[int(Card::Crews)] = true;
        setCard(Card::Crews, state.crews->isEmpty() ? CardState::empty() : CardState::ready());
    }
    for (Card c : {Card::Stats, Card::Tokens, Card::Rentals, Card::Crews, Card::RecentRuns}) {
        if (markMissing && !m_have[int(c)])
            setCard(c, CardState::error(tr("Not loaded: the server cannot be reached.")));
    }
}

void DashboardData::fillCache(CachedState &state) const
{
    if (m_have[int(Card::Stats)])
        state.stats = m_stats;
    if (m_have[int(Card::Tokens)])
        state.tokens = m_tokens;
    if (m_have[int(Card::Rentals)])
        state.rentals = m_rentals;
    if (m_have[int(Card::Crews)])
        state.crews = m_crews->crews();
}

void DashboardData::scheduleRefresh()
{
    // Not restarted on every event: under a steady flood the refresh still happens once
    // per debounce interval instead of never.
    if (!m_debounce.isActive())
        m_debounce.start();
}

void DashboardData::handleEvent(const Event &event)
{
    if (const auto *snap = std::get_if<SnapshotEvent>(&event.body)) {
        m_crews->applySnapshot(*snap);
        return;
    }
    if (const auto *sig = std::get_if<SignalEvent>(&event.body)) {
        m_crews->applySignal(*sig);
        scheduleRefresh(); // active_crews and the crew list may have changed
        return;
    }
    if (const auto *rs = std::get_if<RunStatusEvent>(&event.body)) {
        m_recent->applyRunStatus(*rs);
        scheduleRefresh();
        return;
    }
}

void DashboardData::handleReset()
{
    m_crews->clearLiveStatus();
    refresh();
}

void DashboardData::setStatsRange(const QDateTime &from, const QDateTime &to)
{
    if (from == m_statsFrom && to == m_statsTo)
        return;
    m_statsFrom = from;
    m_statsTo = to;
    refreshCard(Card::Stats);
}

} // namespace crewdeck::client
