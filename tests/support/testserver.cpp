#include "tests/support/testserver.h"
#include "server/core/auth/passwords.h"
#include "server/core/auth/tokens.h"
#include "shared/timeutil.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

namespace crewdeck::testsupport {

using namespace Qt::StringLiterals;

// ---- HttpResponse
QByteArray HttpResponse::header(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

QJsonObject HttpResponse::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QJsonArray HttpResponse::jsonArray() const
{
    return QJsonDocument::fromJson(body).array();
}

QString HttpResponse::errorCode() const
{
    return json().value(u"error"_s).toObject().value(u"code"_s).toString();
}

QString HttpResponse::errorMessage() const
{
    return json().value(u"error"_s).toObject().value(u"message"_s).toString();
}

// ---- HttpClient
HttpClient::HttpClient(QUrl base) : m_base(std::move(base))
{
    m_nam.setProxy(QNetworkProxy::NoProxy);
}

HttpResponse HttpClient::request(const QByteArray &method, const QString &pathAndQuery,
                                 const QByteArray &body, const QString &token,
                                 const Headers &headers, int timeoutMs)
{
    HttpResponse out;
    QUrl url(m_base.toString() + pathAndQuery, QUrl::TolerantMode);
    QNetworkRequest req(url);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                     QNetworkRequest::ManualRedirectPolicy);
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    bool hasContentType = false;
    for (const auto &[k, v] : headers) {
        req.setRawHeader(k, v);
        hasContentType = hasContentType || k.compare("Content-Type", Qt::CaseInsensitive) == 0;
    }
    if (!body.isEmpty() && !hasContentType)
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));

    QNetworkReply *reply = m_nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    if (!reply->isFinished())
        loop.exec();
    if (!reply->isFinished()) {
        reply->abort();
        out.errorString = u"timed out after %1 ms"_s.arg(timeoutMs);
        reply->deleteLater();
        return out;
    }
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    for (const auto &pair : reply->rawHeaderPairs())
        out.headers.append({pair.first, pair.second});
    out.body = reply->readAll();
    if (reply->error() != QNetworkReply::NoError && out.status == 0)
        out.errorString = reply->errorString();
    reply->deleteLater();
    return out;
}

HttpResponse HttpClient::get(const QString &pathAndQuery, const QString &token)
{
    return request("GET", pathAndQuery, {}, token);
}

HttpResponse HttpClient::post(const QString &pathAndQuery, const QJsonObject &body,
                              const QString &token)
{
    return request("POST", pathAndQuery, QJsonDocument(body).toJson(QJsonDocument::Compact), token);
}

HttpResponse HttpClient::postRaw(const QString &pathAndQuery, const QByteArray &body,
                                 const QString &token)
{
    return request("POST", pathAndQuery, body, token);
}

HttpResponse HttpClient::del(const QString &pathAndQuery, const QString &token)
{
    return request("DELETE", pathAndQuery, {}, token);
}

bool waitHealthy(quint16 port, int timeoutMs)
{
    HttpClient http(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (http.request("GET", QStringLiteral("/healthz"), {}, {}, {}, 2000).status == 200)
            return true;
        QTest::qWait(100);
    }
    return false;
}

// ---- TestServer
TestServer::TestServer() : TestServer(Options{}) {}

TestServer::TestServer(Options options) : m_options(std::move(options)) {}

TestServer::~TestServer()
{
    m_app.reset();
}

bool TestServer::start(QString *error)
{
    auto fail = [error](const QString &msg) {
        if (error)
            *error = msg;
        return false;
    };
    if (!m_dir.isValid())
        return fail(u"cannot create a temporary directory"_s);
    m_secret = QByteArrayLiteral("crewdeck-test-secret-0123456789abcdef");
    const QString secretPath = m_dir.filePath(u"test-jwt-secret"_s);
    QFile f(secretPath);
    if (!f.open(QIODevice::WriteOnly) || f.write(m_secret + '\n') <= 0)
        return fail(u"cannot write the JWT secret file"_s);
    f.close();

    m_config = server::ServerConfig{};
    m_config.listenHost = u"127.0.0.1"_s;
    m_config.listenPort = 0;
    m_config.dataDir = m_dir.filePath(u"data"_s);
    m_config.jwtSecretFile = secretPath;
    m_config.demo = m_options.demo;
    m_config.createBootstrapAdmin = false;
    m_config.rentalSettleIntervalMs = m_options.rentalSettleIntervalMs;
    m_config.startingGrant = m_options.startingGrant;
    m_config.maxConcurrentRuns = 2;
    // Every test client logs in from 127.0.0.1, many times a minute: the per-address login
    // bucket is off unless a test turns it on (Options::configure).
    m_config.loginRatePerIp = 0;
    // Likewise the per-user request bucket: suites page through thousands of events and
    // poll REST in loops; tst_ratelimits turns it on where it is the subject.
    m_config.requestRatePerToken = 0;
    m_config.python = !m_options.python.isEmpty()            ? m_options.python
                      : QFile::exists(u"/usr/bin/python3"_s) ? u"/usr/bin/python3"_s
                                                             : u"python3"_s;
    if (!QDir().mkpath(gitRoot()) ||
        !QFile::setPermissions(gitRoot(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                              QFileDevice::ExeOwner | QFileDevice::ReadGroup |
                                              QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                              QFileDevice::ExeOther))
        return fail(u"cannot create the fixture repository folder"_s);
    m_config.gitLocalRoots = {gitRoot()};
    if (m_options.configure)
        m_options.configure(m_config);

    m_app = std::make_unique<server::ServerApp>(m_config);
    QString err;
    if (!m_app->start(&err)) {
        m_app.reset();
        return fail(err);
    }
    if (!m_app->toolRefusal().isEmpty() && !m_options.allowNoSandbox) {
        const QString why = m_app->toolRefusal();
        stop();
        m_app.reset();
        return fail(why);
    }
    m_http.setBaseUrl(baseUrl());
    return true;
}

QString TestServer::gitRoot() const
{
    return QFileInfo(m_dir.path()).canonicalFilePath() + u"/repos"_s;
}

void TestServer::stop()
{
    if (!m_app || !m_app->isRunning())
        return;
    QSignalSpy spy(m_app.get(), &server::ServerApp::stopped);
    m_app->stop();
    if (spy.isEmpty())
        spy.wait(15000);
}

server::Store *TestServer::store() const
{
    return m_app ? m_app->store() : nullptr;
}

quint16 TestServer::port() const
{
    return m_app ? m_app->port() : 0;
}

QUrl TestServer::baseUrl() const
{
    return QUrl(
        u"%1://127.0.0.1:%2"_s.arg(m_config.tlsEnabled() ? u"https"_s : u"http"_s).arg(port()));
}

QString TestServer::dataDir() const
{
    return m_config.dataDir;
}

QString TestServer::ensureOrg(const QString &orgName)
{
    if (auto org = store()->orgByName(orgName))
        return org->id;
    const auto org = store()->createOrg(orgName, m_config.startingGrant);
    return org ? org->id : QString();
}

server::UserRecord TestServer::createUser(const QString &orgName, const QString &email,
                                          const QString &role, const QString &password)
{
    const QString orgId = ensureOrg(orgName);
    if (orgId.isEmpty())
        return {};
    server::StoreError err = server::StoreError::None;
    const auto user =
        store()->createUser(orgId, email, role, server::passwords::hash(password), &err);
    return user.value_or(server::UserRecord{});
}

QString TestServer::createCrew(const QString &token, const QString &name)
{
    const QJsonObject agent{
        {u"name"_s, u"Ada"_s}, {u"role"_s, u"builder"_s}, {u"tools"_s, QJsonArray{u"script"_s}}};
    const HttpResponse r = m_http.post(
        u"/crews"_s, QJsonObject{{u"name"_s, name}, {u"agents"_s, QJsonArray{agent}}}, token);
    return r.status == 201 ? r.json().value(u"id"_s).toString() : QString();
}

Run TestServer::seedRun(const QString &orgId, const QString &crewId, const SeededRun &seed)
{
    server::Store *s = store();
    const Run run = s->createRun(orgId, crewId, QJsonArray{}, 600, seed.createdMs);
    if (run.id.isEmpty())
        return run;
    if (seed.startedMs >= 0)
        s->markRunStarted(run.id, seed.startedMs);
    if (seed.tokens != 0)
        s->addRunTokens(run.id, seed.tokens);
    s->markRunFinished(run.id, seed.state, seed.finishedMs);
    return run;
}

QString TestServer::login(const QString &email, const QString &password)
{
    const HttpResponse r =
        m_http.post(u"/auth/login"_s, QJsonObject{{u"email"_s, email}, {u"password"_s, password}});
    if (r.status != 200)
        return {};
    return r.json().value(u"access_token"_s).toString();
}

QByteArray TestServer::signToken(const jwt::Claims &claims) const
{
    return jwt::sign(claims, m_secret);
}

QString TestServer::tokenFor(const server::UserRecord &user) const
{
    const server::TokenService tokens(m_secret);
    return QString::fromLatin1(
        tokens.issue(user.id, user.orgId, user.role, QDateTime::currentSecsSinceEpoch()));
}

} // namespace crewdeck::testsupport
