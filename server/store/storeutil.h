#pragma once
#include <QString>
#include <QtGlobal>
#include <optional>

// Dialect-independent helpers every SQL store shares. Pure functions; any thread.
namespace crewdeck::server::storeutil {

// An opaque id: `prefix` + '_' + 24 lower-case hex digits from the system CSPRNG,
// e.g. newId(u"crw") -> "crw_5f0c...". 96 random bits: collisions are not a concern.
QString newId(QStringView prefix);

// The run list's keyset position: the last item's (created_at ms, id).
struct RunCursor
{
    qint64 createdMs = 0;
    QString id;
};
// base64url (no padding) of "<created_ms>:<id>". Clients treat it as opaque.
QString encodeRunCursor(const RunCursor &c);
// nullopt for anything encodeRunCursor could not have produced.
std::optional<RunCursor> decodeRunCursor(const QString &text);

// Nearest-rank percentile: the value at 1-based rank ceil(pct/100 * n) of the n values in
// ascending order, i.e. OFFSET ceil(pct*n/100)-1. Returns that 0-based offset (0 for n = 0),
// computed in integers so that 95% of 100 is exactly rank 95.
qint64 nearestRankOffset(qint64 n, int pct);

// Rental length in ms for `hoursMicros` (hours with 6 decimals), rounded half-up.
qint64 hoursToMs(qint64 hoursMicros);

} // namespace crewdeck::server::storeutil
