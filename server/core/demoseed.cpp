#include "server/core/demoseed.h"
#include "server/core/auth/passwords.h"
#include "server/core/cli/options.h"
#include "server/model/store.h"
#include "shared/logging.h"
#include "shared/timeutil.h"

namespace crewdeck::server::demo {

using namespace Qt::StringLiterals;

namespace {

std::optional<OrgRecord> ensureOrg(Store &store, const QString &name, Micros grant)
{
    if (auto org = store.orgByName(name))
        return org;
    return store.createOrg(name, grant);
}

Agent agent(const QString &name, const QString &role, const QStringList &tools)
{
    Agent a;
    a.name = name;
    a.role = role;
    a.tools = tools;
    return a;
}

void ensureCrew(Store &store, const QString &orgId, const QString &name, const QList<Agent> &agents,
                std::optional<Micros> price)
{
    for (const Crew &c : store.crews(orgId)) {
        if (c.name == name)
            return;
    }
    CreateCrewRequest req;
    req.name = name;
    req.agents = agents;
    req.rentalPricePerHour = price;
    const Crew crew = store.createCrew(orgId, req, toMs(nowUtc()));
    qCInfo(lcDemo).noquote() << "created demo crew" << name << crew.id;
}

} // namespace

bool seed(Store &store, const ServerConfig &config, const QString &password, QString *error)
{
    const auto org = ensureOrg(store, Org, config.startingGrant);
    const auto partners = ensureOrg(store, PartnerOrg, config.startingGrant);
    if (!org || !partners) {
        if (error)
            *error = u"cannot create the demo orgs"_s;
        return false;
    }

    if (!store.userByEmail(Email)) {
        const QByteArray hash = passwords::hash(password);
        StoreError err = StoreError::None;
        if (hash.isEmpty() || !store.createUser(org->id, Email, Roles::Admin, hash, &err)) {
            if (error)
                *error = u"cannot create the demo user"_s;
            return false;
        }
    }
    // A demo password is a published default, not a secret: showing it is the point.
    qCInfo(lcDemo).noquote() << "demo login:" << Email << "/" << password;

    const QStringList all = Tools::all();
    ensureCrew(store, org->id, u"Build crew"_s,
               {agent(u"Fetcher"_s, u"checks out sources"_s, {Tools::GitClone}),
                agent(u"Tester"_s, u"runs the test suite"_s, {Tools::Pytest}),
                agent(u"Operator"_s, u"runs scripts"_s, {Tools::Script})},
               std::nullopt);
    ensureCrew(store, org->id, u"Release crew"_s,
               {agent(u"Releaser"_s, u"builds and ships"_s, {Tools::GitClone, Tools::Script}),
                agent(u"Verifier"_s, u"checks the result"_s, {Tools::Pytest, Tools::Script})},
               Micros::fromUnits(5));
    ensureCrew(store, org->id, u"Ops crew"_s,
               {agent(u"Shell"_s, u"maintenance scripts"_s, {Tools::Script})}, std::nullopt);
    ensureCrew(store, partners->id, u"Partner test lab"_s,
               {agent(u"Lab lead"_s, u"does everything"_s, all),
                agent(u"Lab tester"_s, u"tests"_s, {Tools::Pytest})},
               Micros{12'500'000});
    return true;
}

} // namespace crewdeck::server::demo
