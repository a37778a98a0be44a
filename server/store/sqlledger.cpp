#include "server/store/sqlstore_p.h"
#include "server/store/storeutil.h"

// SqlStore: rentals and the token ledger they move (payment, pending reward, settlement).

using namespace Qt::StringLiterals;

namespace crewdeck::server {

using namespace sqlstore;
using storeutil::newId;

std::optional<Rental> SqlStore::rent(const QString &renterOrgId, const QString &crewId,
                                     Micros hours, qint64 nowMs, StoreError *err)
{
    StoreError dummy;
    StoreError &e = err ? *err : dummy;
    e = StoreError::Unavailable;
    if (hours.value <= 0) {
        e = StoreError::BadRequest;
        return std::nullopt;
    }

    // One write transaction (BEGIN IMMEDIATE): the balance read and the debit cannot be
    // interleaved with another rent of the same org, even from another process.
    Transaction tx(*this);
    if (!tx.ok())
        return std::nullopt;
    auto c =
        exec("rent crew", u"SELECT org_id, price_micros FROM crews WHERE id = ?"_s, {text(crewId)});
    if (!c)
        return std::nullopt;
    if (!c->next()) {
        e = StoreError::NotFound;
        return std::nullopt;
    }
    const QString ownerOrgId = c->value(0).toString();
    if (ownerOrgId == renterOrgId) {
        e = StoreError::BadRequest;
        return std::nullopt;
    }
    if (c->value(1).isNull()) {
        e = StoreError::NotFound;
        return std::nullopt;
    }
    const Micros pricePerHour{SqlStore::int64Of(c->value(1))};
    // Keep the exact integer product far from 64-bit overflow: a price beyond 2^53 micros is
    // not a valid amount anyway (and an overflow must never turn into a credit).
    if (pricePerHour.value < 0 ||
        double(pricePerHour.value) * double(hours.value) / double(Micros::PerUnit) >
            9007199254740992.0) {
        e = StoreError::BadRequest;
        return std::nullopt;
    }
    const Micros price = multiplyRoundHalfUp(pricePerHour, hours);

    auto b = exec(
        "rent balance",
        u"SELECT COALESCE(SUM(amount_micros), 0) FROM ledger WHERE org_id = ? AND state = 'settled'"_s,
        {text(renterOrgId)});
    if (!b || !b->next())
        return std::nullopt;
    if (SqlStore::int64Of(b->value(0)) < price.value) {
        e = StoreError::InsufficientBalance;
        return std::nullopt;
    }

    Rental r;
    r.id = newId(u"rnt");
    r.crewId = crewId;
    r.renterOrgId = renterOrgId;
    r.ownerOrgId = ownerOrgId;
    r.hours = hours;
    r.price = price;
    r.startsAt = fromMs(nowMs);
    r.endsAt = fromMs(nowMs + storeutil::hoursToMs(hours.value));
    r.status = u"active"_s;
    if (!exec("rent insert",
              u"INSERT INTO rentals (id, crew_id, renter_org_id, owner_org_id, hours_micros, "
              u"price_micros,"
              " starts_at, ends_at, settled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)"_s,
              {r.id, text(crewId), text(renterOrgId), ownerOrgId, hours.value, price.value, nowMs,
               toMs(r.endsAt)}))
        return std::nullopt;
    const QString ledgerSql =
        u"INSERT INTO ledger (id, org_id, kind, amount_micros, state, rental_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"_s;
    if (!exec("rent payment", ledgerSql,
              {newId(u"led"), text(renterOrgId), u"rental_payment"_s, -price.value, u"settled"_s,
               r.id, nowMs}))
        return std::nullopt;
    if (!exec("rent reward", ledgerSql,
              {newId(u"led"), ownerOrgId, u"rental_reward"_s, price.value, u"pending"_s, r.id,
               nowMs}))
        return std::nullopt;
    if (!tx.commit())
        return std::nullopt;
    e = StoreError::None;
    return r;
}

QList<Rental> SqlStore::loadRentals(const char *what, const QString &sqlTail,
                                    const QVariantList &binds, qint64 nowMs)
{
    return collect(exec(what,
                        u"SELECT id, crew_id, renter_org_id, owner_org_id, hours_micros,"
                        " price_micros, starts_at, ends_at FROM rentals "_s +
                            sqlTail,
                        binds),
                   [nowMs](const Row &row) {
                       Rental r;
                       r.id = row.str(0);
                       r.crewId = row.str(1);
                       r.renterOrgId = row.str(2);
                       r.ownerOrgId = row.str(3);
                       r.hours = Micros{row.i64(4)};
                       r.price = Micros{row.i64(5)};
                       r.startsAt = row.time(6);
                       const qint64 ends = row.i64(7);
                       r.endsAt = fromMs(ends);
                       r.status = ends > nowMs ? u"active"_s : u"ended"_s;
                       return r;
                   });
}

QList<Rental> SqlStore::rentals(const QString &orgId, qint64 nowMs)
{
    settleRentals(nowMs);
    return loadRentals(
        "rentals",
        u"WHERE renter_org_id = ? OR owner_org_id = ? ORDER BY starts_at DESC, id DESC"_s,
        {text(orgId), text(orgId)}, nowMs);
}

int SqlStore::settleRentals(qint64 nowMs)
{
    // Cheap check first so that read paths do not take the write lock for nothing.
    auto due = exec("settle check",
                    u"SELECT 1 FROM rentals WHERE settled = 0 AND ends_at <= ? LIMIT 1"_s, {nowMs});
    if (!due || !due->next())
        return 0;
    due.reset();

    Transaction tx(*this);
    if (!tx.ok())
        return 0;
    if (!exec("settle rewards",
              u"UPDATE ledger SET state = 'settled' WHERE kind = 'rental_reward' AND state = "
              u"'pending'"
              " AND rental_id IN (SELECT id FROM rentals WHERE settled = 0 AND ends_at <= ?)"_s,
              {nowMs}))
        return 0;
    auto q = exec("settle rentals",
                  u"UPDATE rentals SET settled = 1 WHERE settled = 0 AND ends_at <= ?"_s, {nowMs});
    if (!q)
        return 0;
    const int n = q->numRowsAffected();
    q.reset();
    if (!tx.commit())
        return 0;
    return n;
}

bool SqlStore::hasActiveRental(const QString &renterOrgId, const QString &crewId, qint64 nowMs)
{
    auto q = exec("has active rental",
                  u"SELECT 1 FROM rentals WHERE crew_id = ? AND renter_org_id = ? AND starts_at <= "
                  u"? AND ends_at > ?"
                  " LIMIT 1"_s,
                  {text(crewId), text(renterOrgId), nowMs, nowMs});
    return q && q->next();
}

} // namespace crewdeck::server
