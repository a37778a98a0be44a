#pragma once
#include "server/model/store.h"

#include <QString>
#include <optional>

// Users added outside the REST API: the `useradd` command and the first admin that `serve`
// creates in an empty database. Main thread (synchronous: hashes on the calling thread).
namespace crewdeck::server::accounts {

// Creates the user `email` with `role` and `password` (argon2id) in the org named `orgName`,
// creating that org with `startingGrant` when it does not exist yet. An e-mail that is taken
// changes nothing (not even the org). On failure nullopt and a one-line reason in *error.
std::optional<UserRecord> addUser(Store &store, const QString &orgName, Micros startingGrant,
                                  const QString &email, const QString &role,
                                  const QString &password, QString *error);

} // namespace crewdeck::server::accounts
