#include "server/core/auth/accounts.h"

#include "server/core/auth/passwords.h"

using namespace Qt::StringLiterals;

namespace crewdeck::server::accounts {

std::optional<UserRecord> addUser(Store &store, const QString &orgName, Micros startingGrant,
                                  const QString &email, const QString &role,
                                  const QString &password, QString *error)
{
    const QString taken = u"a user with the e-mail %1 already exists"_s.arg(email);
    // Checked before the org is created and before the (slow) hash.
    if (store.userByEmail(email)) {
        *error = taken;
        return std::nullopt;
    }
    auto org = store.orgByName(orgName);
    if (!org)
        org = store.createOrg(orgName, startingGrant);
    if (!org) {
        *error = u"cannot create the org %1"_s.arg(orgName);
        return std::nullopt;
    }
    const QByteArray hash = passwords::hash(password);
    if (hash.isEmpty()) {
        *error = u"cannot hash the password (out of memory?)"_s;
        return std::nullopt;
    }
    StoreError err = StoreError::None;
    auto user = store.createUser(org->id, email, role, hash, &err);
    if (!user)
        *error = err == StoreError::Conflict ? taken : u"cannot create the user"_s;
    return user;
}

} // namespace crewdeck::server::accounts
