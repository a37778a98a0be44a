#include "bench/benchutil.h"

#include "shared/types.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpServer>
#include <QTextStream>
#include <QThread>
#include <QTimer>
#include <QUrl>
#include <algorithm>
#include <ctime>
#include <sys/resource.h>
#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#endif
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace crewdeck::bench {

QString argValue(const QStringList &args, const QString &name, const QString &fallback)
{
    const qsizetype i = args.indexOf(name);
    if (i >= 0 && i + 1 < args.size())
        return args.at(i + 1);
    return fallback;
}

bool hasFlag(const QStringList &args, const QString &name)
{
    return args.contains(name);
}

int argInt(const QStringList &args, const QString &name, int fallback)
{
    bool ok = false;
    const int v = argValue(args, name).toInt(&ok);
    return ok ? v : fallback;
}

qint64 nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

qint64 monoNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double cpuSeconds(qint64 pid)
{
    QFile f(u"/proc/%1/stat"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray line = f.readAll();
    // The command name (field 2) may contain spaces: fields are counted after its ')'.
    const qsizetype close = line.lastIndexOf(')');
    if (close < 0)
        return -1;
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    // After ')': state is field 3, so utime (14) and stime (15) are at indexes 11 and 12.
    if (fields.size() < 13)
        return -1;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    return (fields.at(11).toLongLong() + fields.at(12).toLongLong()) / ticks;
}

qint64 statusKb(qint64 pid, const char *field)
{
    QFile f(u"/proc/%1/status"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(field) + ':';
    // /proc files report size 0: read them whole rather than testing atEnd().
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

qint64 raiseFileLimit()
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    return qint64(rl.rlim_cur);
}

Summary summarize(std::vector<quint32> &samplesUs)
{
    Summary s;
    s.count = qint64(samplesUs.size());
    if (samplesUs.empty())
        return s;
    const auto rank = [&](double p) {
        // Nearest rank: the value at 1-based rank ceil(p * n).
        size_t k = size_t(std::ceil(p * double(samplesUs.size())));
        k = std::clamp<size_t>(k, 1, samplesUs.size()) - 1;
        std::nth_element(samplesUs.begin(), samplesUs.begin() + qsizetype(k), samplesUs.end());
        return samplesUs[k] / 1000.0;
    };
    s.p50Ms = rank(0.50);
    s.p95Ms = rank(0.95);
    s.p99Ms = rank(0.99);
    s.maxMs = *std::max_element(samplesUs.begin(), samplesUs.end()) / 1000.0;
    return s;
}

bool waitUntil(const std::function<bool()> &done, int timeoutMs, int pollMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer poll, deadline;
    bool ok = false;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done()) {
            ok = true;
            loop.quit();
        }
    });
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    deadline.setSingleShot(true);
    poll.start(qMax(1, pollMs));
    deadline.start(timeoutMs);
    loop.exec();
    return ok || done();
}

HttpResult httpCall(const QByteArray &method, const QString &url, const QString &token,
                    const QByteArray &body, int timeoutMs)
{
    static QNetworkAccessManager *nam = new QNetworkAccessManager(QCoreApplication::instance());
    QNetworkRequest req{QUrl(url)};
    req.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    QNetworkReply *reply = nam->sendCustomRequest(req, method, body);
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    loop.exec();
    HttpResult r;
    if (reply->isFinished()) {
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
    } else {
        reply->abort();
    }
    reply->deleteLater();
    return r;
}

QString benchEmail()
{
    return u"bench@bench.test"_s;
}

QString benchPassword()
{
    return u"bench-password-123"_s;
}

BenchServer::BenchServer() = default;

BenchServer::~BenchServer()
{
    stop();
}

QString BenchServer::findServerBinary(const QStringList &args)
{
    QString bin = argValue(args, u"--server-bin"_s);
    if (bin.isEmpty())
        bin = qEnvironmentVariable("CREWDECK_SERVER_BIN");
    if (bin.isEmpty())
        bin = QCoreApplication::applicationDirPath() + u"/crewdeck-server"_s;
    return bin;
}

bool BenchServer::prepare(const QString &serverBin, QString *error)
{
    m_serverBin = serverBin;
    if (!QFile::exists(serverBin)) {
        *error = u"crewdeck-server not found at %1 (use --server-bin)"_s.arg(serverBin);
        return false;
    }
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + u"/crewdeck-bench-XXXXXX"_s);
    if (!m_dir->isValid()) {
        *error = u"cannot create a temporary data dir"_s;
        return false;
    }
    QProcess add;
    add.start(serverBin,
              {u"useradd"_s, u"--org"_s, orgName(), u"--email"_s, benchEmail(), u"--role"_s,
               u"admin"_s, u"--password-stdin"_s, u"--data-dir"_s, dataDir()});
    if (!add.waitForStarted(10000)) {
        *error = u"cannot start %1"_s.arg(serverBin);
        return false;
    }
    add.write(benchPassword().toUtf8() + '\n');
    add.closeWriteChannel();
    if (!add.waitForFinished(60000) || add.exitCode() != 0) {
        *error =
            u"useradd failed: %1"_s.arg(QString::fromUtf8(add.readAllStandardError()).trimmed());
        return false;
    }
    return true;
}

bool BenchServer::launch(int maxConcurrentRuns, bool noGlib, QString *error,
                         const QStringList &extraArgs)
{
    // A free port: bind port 0, note it, release it. The server binds it a moment later.
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0)) {
            *error = u"no free port"_s;
            return false;
        }
        m_port = probe.serverPort();
    }
    QStringList tlsArgs;
    if (m_tls) {
        const QString cert = dataDir() + u"/tls.pem"_s;
        const QString key = dataDir() + u"/tls.key"_s;
        QProcess openssl;
        openssl.start(u"openssl"_s,
                      {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                       u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-keyout"_s, key, u"-out"_s,
                       cert, u"-days"_s, u"1"_s, u"-subj"_s, u"/CN=crewdeck-bench"_s, u"-addext"_s,
                       u"subjectAltName=IP:127.0.0.1"_s});
        if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0) {
            *error = u"openssl could not make a certificate: %1"_s.arg(
                QString::fromLocal8Bit(openssl.readAllStandardError()));
            return false;
        }
        // This process (REST setup calls, QWebSocket and QSslSocket clients) trusts it.
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setCaCertificates(QSslCertificate::fromPath(cert));
        QSslConfiguration::setDefaultConfiguration(config);
        tlsArgs = QStringList{u"--tls-cert"_s, cert, u"--tls-key"_s, key};
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // The bench itself may run without glib; the server runs as it would in production
    // unless asked otherwise.
    env.remove(u"QT_NO_GLIB"_s);
    if (noGlib)
        env.insert(u"QT_NO_GLIB"_s, u"1"_s);
    env.insert(u"QT_LOGGING_RULES"_s, u"*.debug=false"_s);
    m_process.setProcessEnvironment(env);
    m_process.setStandardOutputFile(dataDir() + u"/server.log"_s);
    m_process.setStandardErrorFile(dataDir() + u"/server.log"_s, QIODevice::Append);
#ifdef Q_OS_LINUX
    // A bench that dies (a crash, SIGKILL) takes its server with it instead of leaving an
    // idle server behind that later runs would compete with.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
    m_process.start(m_serverBin,
                    QStringList{u"serve"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(m_port),
                                u"--data-dir"_s, dataDir(), u"--max-concurrent-runs"_s,
                                QString::number(maxConcurrentRuns),
                                // The bench measures throughput, not the per-user request
                                // limit (default 50/s): off, like the login bucket.
                                u"--request-rate-per-token"_s, u"0"_s} +
                        tlsArgs + extraArgs);
    if (!m_process.waitForStarted(10000)) {
        *error = u"cannot start %1"_s.arg(m_serverBin);
        return false;
    }
    const qint64 deadline = monoNs() + 30LL * 1000000000;
    while (monoNs() < deadline) {
        if (m_process.state() != QProcess::Running) {
            *error = u"the server exited: %1"_s.arg(logTail());
            return false;
        }
        if (httpCall("GET", baseUrl() + u"/healthz"_s, {}, {}, 2000).status == 200)
            break;
        QThread::msleep(50);
    }
    m_token = login(baseUrl(), error);
    return !m_token.isEmpty();
}

void BenchServer::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(15000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QString BenchServer::baseUrl() const
{
    return (m_tls ? u"https://127.0.0.1:%1"_s : u"http://127.0.0.1:%1"_s).arg(m_port);
}

QString BenchServer::wsUrl() const
{
    return (m_tls ? u"wss://127.0.0.1:%1"_s : u"ws://127.0.0.1:%1"_s).arg(m_port);
}

QTcpSocket *dialClient(quint16 port, bool tls, QObject *parent, std::function<void()> ready)
{
    if (!tls) {
        auto *s = new QTcpSocket(parent);
        QObject::connect(s, &QTcpSocket::connected, s, std::move(ready));
        s->connectToHost(QHostAddress::LocalHost, port);
        return s;
    }
    auto *s = new QSslSocket(parent);
    QObject::connect(s, &QSslSocket::encrypted, s, std::move(ready));
    s->connectToHostEncrypted(u"127.0.0.1"_s, port);
    return s;
}

int runPlainThenTls(const QStringList &args, const std::function<int(const QStringList &)> &run)
{
    QStringList plain = args;
    plain.removeAll(u"--compare-tls"_s);
    plain.removeAll(u"--tls"_s);
    QTextStream(stdout) << "== plain (http/ws)\n";
    const int a = run(plain);
    QTextStream(stdout) << "== TLS (https/wss)\n";
    const int b = run(plain + QStringList{u"--tls"_s});
    return a != 0 ? a : b;
}

QString BenchServer::logTail() const
{
    QFile f(dataDir() + u"/server.log"_s);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray all = f.readAll();
    return QString::fromUtf8(all.right(2000));
}

QString login(const QString &baseUrl, QString *error)
{
    LoginRequest req;
    req.email = benchEmail();
    req.password = benchPassword();
    const HttpResult r = httpCall("POST", baseUrl + u"/auth/login"_s, {},
                                  QJsonDocument(req.toJson()).toJson(QJsonDocument::Compact));
    const auto resp = LoginResponse::fromJson(r.json().object());
    if (r.status != 200 || !resp) {
        *error = u"login failed (HTTP %1)"_s.arg(r.status);
        return {};
    }
    return resp->accessToken;
}

QString createCrew(const QString &baseUrl, const QString &token, const QString &name,
                   QString *error)
{
    CreateCrewRequest req;
    req.name = name;
    Agent a;
    a.name = u"printer"_s;
    a.role = u"bench"_s;
    a.tools = {u"script"_s};
    req.agents = {a};
    const HttpResult r = httpCall("POST", baseUrl + u"/crews"_s, token,
                                  QJsonDocument(req.toJson()).toJson(QJsonDocument::Compact));
    const auto crew = Crew::fromJson(r.json().object());
    if (r.status != 201 || !crew) {
        *error = u"POST /crews failed (HTTP %1): %2"_s.arg(r.status).arg(QString::fromUtf8(r.body));
        return {};
    }
    return crew->id;
}

} // namespace crewdeck::bench
