#include "server/engine/streamauthority.h"

#include <QDateTime>

namespace crewdeck::server {

StoreStreamAuthority::StoreStreamAuthority(Store *store, CrewStatusTracker *crews, Verifier verify)
    : m_store(store), m_crews(crews), m_verify(std::move(verify))
{
}

std::optional<jwt::Claims> StoreStreamAuthority::authenticate(const QByteArray &token)
{
    auto claims = m_verify(token);
    if (!claims)
        return std::nullopt;
    // A deleted user's token stops working even before it expires.
    const auto user = m_store->userById(claims->sub);
    if (!user || user->orgId != claims->org)
        return std::nullopt;
    return claims;
}

StreamAuthority::Access StoreStreamAuthority::runAccess(const jwt::Claims &claims,
                                                        const QString &runId, bool *finished)
{
    const auto run = m_store->run(claims.org, runId);
    if (!run)
        return Access::NotFound; // unknown, or another org's: never reveal which
    if (finished)
        *finished = RunState::isFinal(run->status);
    return Access::Ok;
}

StreamAuthority::Access StoreStreamAuthority::crewAccess(const jwt::Claims &claims,
                                                         const QString &crewId)
{
    if (m_store->crew(claims.org, crewId))
        return Access::Ok;
    if (m_store->hasActiveRental(claims.org, crewId, QDateTime::currentMSecsSinceEpoch()))
        return Access::Ok;
    return Access::Forbidden;
}

QList<CrewState> StoreStreamAuthority::crewStates(const jwt::Claims &claims)
{
    QList<CrewState> out;
    // The store's status is the one every node writes (compare-and-set) and shares: a crew
    // created or moved through another node shows the same here.
    for (const Crew &c : m_store->crews(claims.org))
        out.append(CrewState{c.id, c.status});
    return out;
}

} // namespace crewdeck::server
