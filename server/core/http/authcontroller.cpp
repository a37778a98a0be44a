#include "server/core/auth/fairness.h"
#include "server/core/auth/passwords.h"
#include "server/core/auth/ratelimiter.h"
#include "server/core/auth/tokens.h"
#include "server/core/http/apicontext.h"
#include "server/core/http/controllers.h"
#include "server/model/store.h"
#include "shared/logging.h"
#include "shared/types.h"

namespace crewdeck::server::http {

using namespace Qt::StringLiterals;

namespace {
Resp rateLimited(int retryAfter)
{
    Resp r = error(Status::TooManyRequests, u"rate_limited"_s,
                   u"too many login attempts: try again in %1 s"_s.arg(retryAfter));
    r.addHeader(QByteArrayLiteral("Retry-After"), QByteArray::number(retryAfter));
    return r;
}
} // namespace

// POST /auth/login. Main thread up to the store lookup; the password check, the limiter
// update and the token are then computed on the password pool (all thread-safe).
std::optional<Resp> login(ApiContext &api, const Req &req, RequestContext &ctx,
                          std::function<Resp()> &work)
{
    QString err;
    const auto body = parseBody<LoginRequest>(req.body(), &err);
    if (!body)
        return badRequest(err);
    if (body->password.size() > 1024 || body->email.size() > 254)
        return error(Status::Unauthorized, u"invalid_credentials"_s, u"wrong e-mail or password"_s);

    // Per client address, whatever the e-mails: a flood of made-up accounts is refused before
    // any password work.
    if (api.loginBuckets) {
        if (const int retry = api.loginBuckets->take(ctx.clientAddress, nowMs()); retry > 0)
            return rateLimited(retry);
    }
    const QString key = LoginRateLimiter::key(ctx.clientAddress, body->email);
    if (const int retry = api.loginLimiter->retryAfterSeconds(key, nowMs()); retry > 0) {
        qCInfo(lcAuth).noquote() << "login rate limited for a client at" << ctx.clientAddress;
        return rateLimited(retry);
    }

    const std::optional<UserRecord> user = api.store->userByEmail(body->email.trimmed());
    const QString password = body->password;
    LoginRateLimiter *limiter = api.loginLimiter;
    const TokenService *tokens = api.tokens;
    work = [user, password, key, limiter, tokens]() -> Resp {
        // Unknown e-mail: verify against a dummy hash so the answer takes as long as a real one.
        const bool ok = user ? passwords::verify(user->passwordHash, password)
                             : passwords::verifyAgainstDummy(password);
        if (!ok || !user) {
            limiter->recordFailure(key, nowMs());
            return error(Status::Unauthorized, u"invalid_credentials"_s,
                         u"wrong e-mail or password"_s);
        }
        limiter->recordSuccess(key);
        LoginResponse out;
        out.accessToken =
            QString::fromLatin1(tokens->issue(user->id, user->orgId, user->role, nowMs() / 1000));
        out.expiresIn = TokenService::ExpiresInSeconds;
        out.user = User{user->id, user->email, user->orgId, user->role};
        Resp r = json(out.toJson());
        r.addHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
        return r;
    };
    return std::nullopt;
}

} // namespace crewdeck::server::http
