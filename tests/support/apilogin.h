#pragma once
// The app's REST client logged in to a TestServer, for the tests of the app's models and pages
// that talk to a real server (tests/app, tests/gui). Header-only: only tests that link
// crewdeck_client include it. GUI thread.
#include "app/net/apiclient.h"
#include "tests/support/testserver.h"

#include <QTest>
#include <memory>
#include <optional>

namespace crewdeck::testsupport {

// ApiClient::login as email/password, waiting up to 20 s for the answer; true when it
// succeeded (the client's session then holds the token).
inline bool loginApi(client::ApiClient &api, const TestServer &server, const QString &email,
                     const QString &password)
{
    // Shared with the callback, which may come after a timeout.
    auto ok = std::make_shared<std::optional<bool>>();
    api.login(server.baseUrl(), email, password, &api,
              [ok](const client::ApiResult<LoginResponse> &r) { *ok = r.ok(); });
    return QTest::qWaitFor([&] { return ok->has_value(); }, 20000) && **ok;
}

} // namespace crewdeck::testsupport
