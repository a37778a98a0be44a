#pragma once
#include <QString>

// --demo: seeds, idempotently, an org "demo" with the user demo@crewdeck.local (admin) and a
// few crews whose agents list the tools, and an org "partners" owning a priced crew so that
// the market has something to rent. No runs are invented: figures come from real executions.
// Thread: main thread, at start-up.
namespace crewdeck::server {

class Store;
struct ServerConfig;

namespace demo {

inline const QString Org = QStringLiteral("demo");
inline const QString PartnerOrg = QStringLiteral("partners");
inline const QString Email = QStringLiteral("demo@crewdeck.local");
inline const QString DefaultPassword = QStringLiteral("demo-password");

// `password`: from CREWDECK_DEMO_PASSWORD or DefaultPassword (the caller decides).
bool seed(Store &store, const ServerConfig &config, const QString &password, QString *error);

} // namespace demo
} // namespace crewdeck::server
