#include "server/store/sqlstore_p.h"
#include "server/store/storeutil.h"

#include <QHash>

// SqlStore: orgs, users and crews (with their agents): the tenants and what they own.

using namespace Qt::StringLiterals;

namespace crewdeck::server {

using namespace sqlstore;
using storeutil::newId;

namespace {

// Case-insensitive e-mail identity, computed here so every dialect agrees.
QString normalizeEmail(const QString &email)
{
    return email.toCaseFolded();
}

} // namespace

// ---------------------------------------------------------------- orgs and users

std::optional<OrgRecord> SqlStore::orgByName(const QString &name)
{
    return firstOf(
        collect(exec("org by name", u"SELECT id, name, created_at FROM orgs WHERE name = ?"_s,
                     {text(name)}),
                [](const Row &r) {
                    return OrgRecord{r.str(0), r.str(1), r.time(2)};
                }));
}

std::optional<OrgRecord> SqlStore::createOrg(const QString &name, Micros startingGrant)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    OrgRecord org{newId(u"org"), name, fromMs(now)};
    Transaction tx(*this);
    if (!tx.ok())
        return std::nullopt;
    if (!exec("create org", u"INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)"_s,
              {org.id, text(name), now}))
        return std::nullopt;
    if (!exec("org grant",
              u"INSERT INTO ledger (id, org_id, kind, amount_micros, state, rental_id, created_at)"
              " VALUES (?, ?, 'grant', ?, 'settled', NULL, ?)"_s,
              {newId(u"led"), org.id, startingGrant.value, now}))
        return std::nullopt;
    if (!tx.commit())
        return std::nullopt;
    return org;
}

QList<UserRecord> SqlStore::loadUsers(const char *what, const QString &sqlTail,
                                      const QVariantList &binds)
{
    return collect(
        exec(what,
             u"SELECT id, org_id, email, role, password_hash, created_at FROM users "_s + sqlTail,
             binds),
        [](const Row &r) {
            return UserRecord{r.str(0), r.str(1), r.str(2), r.str(3), r.str(4).toUtf8(), r.time(5)};
        });
}

std::optional<UserRecord> SqlStore::userByEmail(const QString &email)
{
    return firstOf(
        loadUsers("user by email", u"WHERE email_norm = ?"_s, {text(normalizeEmail(email))}));
}

std::optional<UserRecord> SqlStore::userById(const QString &id)
{
    return firstOf(loadUsers("user by id", u"WHERE id = ?"_s, {text(id)}));
}

QList<UserRecord> SqlStore::users(const QString &orgId)
{
    return loadUsers("users", u"WHERE org_id = ? ORDER BY created_at, id"_s, {text(orgId)});
}

std::optional<UserRecord> SqlStore::createUser(const QString &orgId, const QString &email,
                                               const QString &role, const QByteArray &hash,
                                               StoreError *err)
{
    StoreError dummy;
    StoreError &e = err ? *err : dummy;
    e = StoreError::Unavailable;
    const QString norm = normalizeEmail(email);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    UserRecord u{newId(u"usr"), orgId, email, role, hash, fromMs(now)};

    Transaction tx(*this);
    if (!tx.ok())
        return std::nullopt;
    auto org = exec("user org", u"SELECT 1 FROM orgs WHERE id = ?"_s, {text(orgId)});
    if (!org)
        return std::nullopt;
    if (!org->next()) {
        e = StoreError::NotFound;
        return std::nullopt;
    }
    auto dup = exec("user duplicate", u"SELECT 1 FROM users WHERE email_norm = ?"_s, {text(norm)});
    if (!dup)
        return std::nullopt;
    if (dup->next()) {
        e = StoreError::Conflict;
        return std::nullopt;
    }
    if (!exec("create user",
              u"INSERT INTO users (id, org_id, email, email_norm, role, password_hash, created_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?)"_s,
              {u.id, text(orgId), text(email), text(norm), text(role),
               text(QString::fromUtf8(hash)), now}))
        return std::nullopt;
    if (!tx.commit())
        return std::nullopt;
    e = StoreError::None;
    return u;
}

qint64 SqlStore::userCount()
{
    return scalar("user count", u"SELECT COUNT(*) FROM users"_s, {});
}

// ---------------------------------------------------------------- crews

QList<Crew> SqlStore::loadCrews(const char *what, const QString &whereSql,
                                const QVariantList &binds)
{
    QList<Crew> out = collect(
        exec(
            what,
            u"SELECT c.id, c.org_id, c.name, c.status, c.price_micros, c.created_at FROM crews c "_s +
                whereSql + u" ORDER BY c.created_at, c.id"_s,
            binds),
        [](const Row &r) {
            Crew c;
            c.id = r.str(0);
            c.ownerOrgId = r.str(1);
            c.name = r.str(2);
            c.status = r.str(3);
            if (!r.isNull(4))
                c.rentalPricePerHour = Micros{r.i64(4)};
            c.createdAt = r.time(5);
            return c;
        });
    if (out.isEmpty())
        return out;
    QHash<QString, qsizetype> index;
    for (qsizetype i = 0; i < out.size(); ++i)
        index.insert(out.at(i).id, i);
    auto a = exec(what,
                  u"SELECT a.crew_id, a.id, a.name, a.role, a.tools FROM agents a"
                  " JOIN crews c ON c.id = a.crew_id "_s +
                      whereSql + u" ORDER BY a.crew_id, a.position"_s,
                  binds);
    if (!a)
        return {};
    while (a->next()) {
        const auto it = index.constFind(a->value(0).toString());
        if (it == index.constEnd())
            continue;
        Agent agent;
        agent.id = a->value(1).toString();
        agent.name = a->value(2).toString();
        agent.role = a->value(3).toString();
        for (const auto &t : parseArray(a->value(4).toString()))
            agent.tools.append(t.toString());
        out[*it].agents.append(std::move(agent));
    }
    return out;
}

QList<Crew> SqlStore::crews(const QString &orgId)
{
    return loadCrews("crews", u"WHERE c.org_id = ?"_s, {text(orgId)});
}

std::optional<Crew> SqlStore::crew(const QString &orgId, const QString &crewId)
{
    return firstOf(
        loadCrews("crew", u"WHERE c.org_id = ? AND c.id = ?"_s, {text(orgId), text(crewId)}));
}

std::optional<Crew> SqlStore::crewById(const QString &crewId)
{
    return firstOf(loadCrews("crew by id", u"WHERE c.id = ?"_s, {text(crewId)}));
}

QList<Crew> SqlStore::allCrews()
{
    return loadCrews("all crews", QString(), {});
}

Crew SqlStore::createCrew(const QString &orgId, const CreateCrewRequest &req, qint64 nowMs)
{
    Crew c;
    c.id = newId(u"crw");
    c.name = req.name;
    c.status = CrewStatus::Available;
    c.rentalPricePerHour = req.rentalPricePerHour;
    c.createdAt = fromMs(nowMs);
    c.ownerOrgId = orgId;
    for (const Agent &a : req.agents) {
        Agent agent = a;
        agent.id = newId(u"agt");
        c.agents.append(std::move(agent));
    }

    Transaction tx(*this);
    if (!tx.ok())
        return Crew{};
    if (!exec(
            "create crew",
            u"INSERT INTO crews (id, org_id, name, status, price_micros, created_at) VALUES (?, ?, ?, ?, ?, ?)"_s,
            {c.id, text(orgId), text(c.name), c.status,
             intOrNull(c.rentalPricePerHour ? std::optional<qint64>(c.rentalPricePerHour->value)
                                            : std::nullopt),
             nowMs}))
        return Crew{};
    for (qsizetype i = 0; i < c.agents.size(); ++i) {
        const Agent &a = c.agents.at(i);
        if (!exec(
                "create agent",
                u"INSERT INTO agents (id, crew_id, position, name, role, tools) VALUES (?, ?, ?, ?, ?, ?)"_s,
                {a.id, c.id, qint64(i), text(a.name), text(a.role),
                 compactJson(QJsonArray::fromStringList(a.tools))}))
            return Crew{};
    }
    if (!tx.commit())
        return Crew{};
    return c;
}

StoreError SqlStore::deleteCrew(const QString &orgId, const QString &crewId, qint64 nowMs)
{
    Transaction tx(*this);
    if (!tx.ok())
        return StoreError::Unavailable;
    auto q = exec("delete crew lookup", u"SELECT 1 FROM crews WHERE id = ? AND org_id = ?"_s,
                  {text(crewId), text(orgId)});
    if (!q)
        return StoreError::Unavailable;
    if (!q->next())
        return StoreError::NotFound;
    auto busy =
        exec("delete crew runs",
             u"SELECT 1 FROM runs WHERE crew_id = ? AND status IN ('queued', 'running') LIMIT 1"_s,
             {text(crewId)});
    if (!busy)
        return StoreError::Unavailable;
    if (busy->next())
        return StoreError::Conflict;
    auto rented = exec(
        "delete crew rentals",
        u"SELECT 1 FROM rentals WHERE crew_id = ? AND starts_at <= ? AND ends_at > ? LIMIT 1"_s,
        {text(crewId), nowMs, nowMs});
    if (!rented)
        return StoreError::Unavailable;
    if (rented->next())
        return StoreError::Conflict;
    // Runs, rentals and events keep the crew id as plain text: history survives the crew.
    if (!exec("delete agents", u"DELETE FROM agents WHERE crew_id = ?"_s, {text(crewId)}) ||
        !exec("delete crew", u"DELETE FROM crews WHERE id = ? AND org_id = ?"_s,
              {text(crewId), text(orgId)}))
        return StoreError::Unavailable;
    return tx.commit() ? StoreError::None : StoreError::Unavailable;
}

void SqlStore::setCrewStatus(const QString &crewId, const QString &status)
{
    exec("set crew status",
         u"UPDATE crews SET status = ?, status_version = status_version + 1 WHERE id = ?"_s,
         {text(status), text(crewId)});
}

QList<Store::CrewStatusRow> SqlStore::loadCrewStatusRows(const char *what, const QString &where,
                                                         const QVariantList &binds)
{
    return collect(
        exec(what, u"SELECT id, org_id, status, status_version FROM crews "_s + where, binds),
        [](const Row &r) {
            return CrewStatusRow{r.str(0), r.str(1), r.str(2), r.i64(3)};
        });
}

std::optional<Store::CrewStatusRow> SqlStore::crewStatusRow(const QString &crewId)
{
    return firstOf(loadCrewStatusRows("crew status", u"WHERE id = ?"_s, {text(crewId)}));
}

QList<Store::CrewStatusRow> SqlStore::crewStatusRows()
{
    return loadCrewStatusRows("crew statuses", u"ORDER BY id"_s, {});
}

bool SqlStore::compareAndSetCrewStatus(const QString &crewId, qint64 expectedVersion,
                                       const QString &status)
{
    auto q = exec("cas crew status",
                  u"UPDATE crews SET status = ?, status_version = status_version + 1"
                  " WHERE id = ? AND status_version = ?"_s,
                  {text(status), text(crewId), expectedVersion});
    return q && q->numRowsAffected() == 1;
}

QList<MarketCrew> SqlStore::marketCrews(const QString &orgId)
{
    return collect(exec("market crews",
                        u"SELECT id, name, org_id, price_micros, status FROM crews"
                        " WHERE org_id <> ? AND price_micros IS NOT NULL ORDER BY created_at, id"_s,
                        {text(orgId)}),
                   [](const Row &r) {
                       MarketCrew m;
                       m.id = r.str(0);
                       m.name = r.str(1);
                       m.ownerOrgId = r.str(2);
                       m.rentalPricePerHour = Micros{r.i64(3)};
                       m.status = r.str(4);
                       return m;
                   });
}

} // namespace crewdeck::server
