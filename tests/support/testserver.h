#pragma once
#include "server/core/cli/options.h"
#include "server/core/serverapp.h"
#include "server/model/store.h"
#include "shared/jwt.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QPair>
#include <QTemporaryDir>
#include <QUrl>
#include <functional>
#include <memory>

// Test support: a real crewdeck server running in the test process, and a synchronous HTTP
// client. Everything runs on the test's main thread; the helpers spin a local event loop while
// they wait, so the server keeps answering.
//
//   crewdeck::testsupport::TestServer server;
//   QVERIFY(server.start());
//   server.createUser(u"acme"_s, u"ann@acme.test"_s, u"admin"_s, u"password123"_s);
//   const QString token = server.login(u"ann@acme.test"_s, u"password123"_s);
//   const auto r = server.get(u"/crews"_s, token);
//   QCOMPARE(r.status, 200);
namespace crewdeck::testsupport {

using Headers = QList<QPair<QByteArray, QByteArray>>;

struct HttpResponse
{
    int status = 0; // 0: no HTTP answer (timeout, connection refused...)
    Headers headers;
    QByteArray body;
    QString errorString; // transport error, if any

    // Case-insensitive; empty when absent.
    QByteArray header(const QByteArray &name) const;
    QJsonObject json() const;     // empty if the body is not a JSON object
    QJsonArray jsonArray() const; // empty if the body is not a JSON array
    QString errorCode() const;    // "error.code" of the error envelope, or empty
    QString errorMessage() const; // "error.message" of the error envelope, or empty
};

// Synchronous HTTP/1.1 client on QNetworkAccessManager (no proxy, no HTTP/2).
class HttpClient
{
public:
    explicit HttpClient(QUrl base = {});
    void setBaseUrl(const QUrl &base) { m_base = base; }
    QUrl baseUrl() const { return m_base; }

    // `pathAndQuery` is appended to the base URL ("/runs?limit=5"). A non-empty `token` adds
    // "Authorization: Bearer <token>"; a non-empty body gets Content-Type application/json
    // unless `headers` sets another.
    HttpResponse request(const QByteArray &method, const QString &pathAndQuery,
                         const QByteArray &body = {}, const QString &token = {},
                         const Headers &headers = {}, int timeoutMs = 20000);
    HttpResponse get(const QString &pathAndQuery, const QString &token = {});
    HttpResponse post(const QString &pathAndQuery, const QJsonObject &body,
                      const QString &token = {});
    HttpResponse postRaw(const QString &pathAndQuery, const QByteArray &body,
                         const QString &token = {});
    HttpResponse del(const QString &pathAndQuery, const QString &token = {});

private:
    QUrl m_base;
    QNetworkAccessManager m_nam;
};

// Polls GET /healthz on 127.0.0.1:`port` until it answers 200; false after `timeoutMs`.
// For the tests that start crewdeck-server as a child process.
bool waitHealthy(quint16 port, int timeoutMs = 60000);

class TestServer
{
public:
    struct Options
    {
        bool demo = false;
        int rentalSettleIntervalMs = 200; // fast settlement for rental tests
        Micros startingGrant = Micros::fromUnits(1000);
        QString python; // default: /usr/bin/python3 if present
        // Last word on the configuration before start (e.g. maxConcurrentRuns).
        std::function<void(server::ServerConfig &)> configure;
        // A node without a tool sandbox fails start() (loudly, never a skip) unless this is set.
        bool allowNoSandbox = false;
    };

    TestServer();
    explicit TestServer(Options options);
    ~TestServer();
    TestServer(const TestServer &) = delete;
    TestServer &operator=(const TestServer &) = delete;

    // Starts on 127.0.0.1, port 0, in a fresh temporary data dir with a known JWT secret and no
    // bootstrap admin. False (with *error) on failure.
    bool start(QString *error = nullptr);
    // Graceful stop (ServerApp::stop), waiting up to 15 s for stopped().
    void stop();

    server::ServerApp *app() const { return m_app.get(); }
    server::Store *store() const;
    const server::ServerConfig &config() const { return m_config; }
    quint16 port() const;
    QUrl baseUrl() const; // http://127.0.0.1:<port>
    // A folder for fixture git repositories that git_clone may read (--git-local-root);
    // readable by every uid a tool may run as.
    QString gitRoot() const;
    QString dataDir() const;
    QByteArray jwtSecret() const { return m_secret; }

    // Directly through the store (fast, no HTTP): the org by name, created with the starting
    // grant when missing; returns its id.
    QString ensureOrg(const QString &orgName);
    // Creates the org when missing and a user with an argon2id hash of `password`.
    // Returns the user's record (id empty on failure, e.g. duplicate e-mail).
    server::UserRecord createUser(const QString &orgName, const QString &email, const QString &role,
                                  const QString &password);
    // POST /crews: a crew `name` with one agent (Ada, builder, the script tool); its id, or
    // empty on failure.
    QString createCrew(const QString &token, const QString &name);
    // A finished run written straight through the store (no steps, timeout 600 s).
    struct SeededRun
    {
        qint64 createdMs = 0;
        qint64 startedMs = -1; // < 0: never started (no duration)
        qint64 finishedMs = 0;
        QString state = RunState::Succeeded;
        qint64 tokens = 0; // 0: none added
    };
    // The run as created (id empty on failure).
    Run seedRun(const QString &orgId, const QString &crewId, const SeededRun &seed);
    // POST /auth/login; the access token or empty on failure.
    QString login(const QString &email, const QString &password);
    // Signs arbitrary claims with the server's secret (expired tokens and the like).
    QByteArray signToken(const jwt::Claims &claims) const;
    // A valid token for a user without going through /auth/login.
    QString tokenFor(const server::UserRecord &user) const;

    HttpClient &http() { return m_http; }
    HttpResponse get(const QString &pathAndQuery, const QString &token = {})
    {
        return m_http.get(pathAndQuery, token);
    }
    HttpResponse post(const QString &pathAndQuery, const QJsonObject &body,
                      const QString &token = {})
    {
        return m_http.post(pathAndQuery, body, token);
    }
    HttpResponse del(const QString &pathAndQuery, const QString &token = {})
    {
        return m_http.del(pathAndQuery, token);
    }

private:
    Options m_options;
    QTemporaryDir m_dir;
    QByteArray m_secret;
    server::ServerConfig m_config;
    std::unique_ptr<server::ServerApp> m_app;
    HttpClient m_http;
};

} // namespace crewdeck::testsupport
