#pragma once
#include "server/engine/crewstatus.h"
#include "server/model/store.h"
#include "server/model/streams.h"

#include <functional>

namespace crewdeck::server {

// StreamAuthority over the store: who may watch which run or crew. Token verification is
// injected (the HTTP layer owns the JWT secret). Thread: main thread only.
class StoreStreamAuthority : public StreamAuthority
{
public:
    using Verifier = std::function<std::optional<jwt::Claims>(const QByteArray &token)>;

    StoreStreamAuthority(Store *store, CrewStatusTracker *crews, Verifier verify);

    std::optional<jwt::Claims> authenticate(const QByteArray &token) override;
    Access runAccess(const jwt::Claims &claims, const QString &runId, bool *finished) override;
    Access crewAccess(const jwt::Claims &claims, const QString &crewId) override;
    QList<CrewState> crewStates(const jwt::Claims &claims) override;

private:
    Store *m_store;
    CrewStatusTracker *m_crews;
    Verifier m_verify;
};

} // namespace crewdeck::server
