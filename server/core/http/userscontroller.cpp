#include "server/core/auth/passwords.h"
#include "server/core/http/apicontext.h"
#include "server/core/http/controllers.h"
#include "server/model/store.h"
#include "shared/types.h"

namespace crewdeck::server::http {

using namespace Qt::StringLiterals;

// GET /users (admin): the caller's org only.
Resp listUsers(ApiContext &api, const Req &, RequestContext &ctx)
{
    QJsonArray out;
    for (const UserRecord &u : api.store->users(ctx.orgId()))
        out.append(User{u.id, u.email, QString(), u.role}.toJson());
    return json(out);
}

// POST /users (admin). Hashing runs synchronously here: it is a rare admin action and a
// synchronous answer keeps the connection's responses in order (see the pipelining note).
Resp createUser(ApiContext &api, const Req &req, RequestContext &ctx)
{
    QString err;
    const auto body = parseBody<CreateUserRequest>(req.body(), &err);
    if (!body)
        return badRequest(err);
    const QString email = body->email.trimmed();
    if (api.store->userByEmail(email))
        return conflict(u"email: a user with this e-mail already exists"_s);
    const QByteArray hash = passwords::hash(body->password);
    if (hash.isEmpty())
        return internalError();
    StoreError serr = StoreError::None;
    const auto user = api.store->createUser(ctx.orgId(), email, body->role, hash, &serr);
    if (!user) {
        if (serr == StoreError::Conflict)
            return conflict(u"email: a user with this e-mail already exists"_s);
        return internalError();
    }
    return json(User{user->id, user->email, QString(), user->role}.toJson(), Status::Created);
}

} // namespace crewdeck::server::http
