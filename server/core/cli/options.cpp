#include "server/core/cli/options.h"
#include "server/store/storefactory.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>
#include <QThread>
#include <QUrl>
#include <functional>

namespace crewdeck::server {

using namespace Qt::StringLiterals;

ServerConfig::DbKind ServerConfig::dbKind() const
{
    return isPostgresUrl(dbUrl) ? DbKind::Postgres : DbKind::Sqlite;
}

QString ServerConfig::sqlitePath() const
{
    if (dbUrl.isEmpty())
        return QDir(dataDir).filePath(u"crewdeck.db"_s);
    if (dbUrl.startsWith(u"sqlite://"_s))
        return QDir::cleanPath(dbUrl.mid(9)); // sqlite:///abs/path -> /abs/path
    if (dbUrl.startsWith(u"sqlite:"_s))
        return QDir::cleanPath(dbUrl.mid(7));
    return QDir::cleanPath(dbUrl);
}

QHostAddress ServerConfig::listenAddress() const
{
    if (listenHost == u"*"_s)
        return QHostAddress(QHostAddress::Any);
    if (listenHost.compare(u"localhost"_s, Qt::CaseInsensitive) == 0)
        return QHostAddress(QHostAddress::LocalHost);
    return QHostAddress(listenHost);
}

namespace {

enum class Kind { Value, Switch };

struct Flag
{
    QString name; // without "--"
    Kind kind;
    bool fromEnv; // falls back to CREWDECK_<FLAG>
    // Applies the value; returns an error message (empty on success).
    std::function<QString(ServerConfig &, const QString &)> apply;
};

QString envName(const QString &flag)
{
    QString n = flag.toUpper();
    n.replace(u'-', u'_');
    return u"CREWDECK_"_s + n;
}

std::optional<bool> parseBool(const QString &v)
{
    const QString s = v.trimmed().toLower();
    if (s.isEmpty() || s == u"1"_s || s == u"true"_s || s == u"yes"_s || s == u"on"_s)
        return true; // a switch given on the command line has an empty value
    if (s == u"0"_s || s == u"false"_s || s == u"no"_s || s == u"off"_s)
        return false;
    return std::nullopt;
}

// An integer flag within [min, max] into `out` (int or qint64).
template <typename T>
QString intFlag(const QString &flag, const QString &v, qint64 min, qint64 max, T &out)
{
    bool ok = false;
    const qint64 n = v.trimmed().toLongLong(&ok);
    if (!ok || n < min || n > max)
        return u"--%1: expected an integer from %2 to %3, got '%4'"_s.arg(flag)
            .arg(min)
            .arg(max)
            .arg(v);
    out = T(n);
    return {};
}

// One of `allowed` (at least two), named as "a, b or c" in the error.
QString oneOfFlag(const QString &flag, const QString &v, const QStringList &allowed, QString &out)
{
    if (!allowed.contains(v))
        return u"--%1: expected %2 or %3, got '%4'"_s.arg(
            flag, allowed.mid(0, allowed.size() - 1).join(u", "_s), allowed.constLast(), v);
    out = v;
    return {};
}

// A file named on the command line, made absolute against the working directory.
QString fileFlag(const QString &flag, const QString &v, QString &out)
{
    if (v.isEmpty())
        return u"--%1: must not be empty"_s.arg(flag);
    out = QDir::current().absoluteFilePath(v);
    return {};
}

QString switchFlag(const QString &flag, const QString &v, bool &out)
{
    const auto b = parseBool(v);
    if (!b)
        return u"CREWDECK_%1: expected 1/0, true/false, yes/no or on/off, got '%2'"_s.arg(
            flag.toUpper().replace(u'-', u'_'), v);
    out = *b;
    return {};
}

// --git-local-root DIR (repeatable) or CREWDECK_GIT_LOCAL_ROOT=DIR[:DIR...]: adds to the list.
// (parseCommandLine drops the environment's list at the first flag: the flag wins.)
QString parseGitLocalRoot(ServerConfig &c, const QString &v, bool fromEnv)
{
    const QStringList parts = fromEnv ? v.split(u':', Qt::SkipEmptyParts) : QStringList{v};
    for (const QString &part : parts) {
        if (part.isEmpty() || !QDir::isAbsolutePath(part))
            return u"--git-local-root: expected an absolute directory, got '%1'"_s.arg(part);
        const QString clean = QDir::cleanPath(part);
        if (clean == u"/"_s)
            return u"--git-local-root: '/' would open the whole disk to git_clone"_s;
        c.gitLocalRoots << clean;
    }
    return {};
}

QString parseListen(ServerConfig &c, const QString &v)
{
    // HOST:PORT, [IPv6]:PORT
    QString host, port;
    if (v.startsWith(u'[')) {
        const qsizetype close = v.indexOf(u"]:"_s);
        if (close < 0)
            return u"--listen: expected HOST:PORT (IPv6 as [ADDR]:PORT), got '%1'"_s.arg(v);
        host = v.mid(1, close - 1);
        port = v.mid(close + 2);
    } else {
        const qsizetype colon = v.lastIndexOf(u':');
        if (colon <= 0 || v.indexOf(u':') != colon)
            return u"--listen: expected HOST:PORT, got '%1'"_s.arg(v);
        host = v.left(colon);
        port = v.mid(colon + 1);
    }
    bool ok = false;
    const uint p = port.toUInt(&ok);
    if (!ok || p > 65535)
        return u"--listen: port must be a number from 0 to 65535, got '%1'"_s.arg(port);
    if (host != u"*"_s && host.compare(u"localhost"_s, Qt::CaseInsensitive) != 0 &&
        QHostAddress(host).isNull())
        return u"--listen: host must be an IP address, 'localhost' or '*', got '%1'"_s.arg(host);
    c.listenHost = host;
    c.listenPort = quint16(p);
    return {};
}

QString absoluteDir(const QString &v)
{
    return QDir::cleanPath(QDir::current().absoluteFilePath(v));
}

// serve and useradd share these three.
QString parseDataDir(ServerConfig &c, const QString &v)
{
    if (v.isEmpty())
        return u"--data-dir: must not be empty"_s;
    c.dataDir = absoluteDir(v);
    return {};
}

QString parseGrant(ServerConfig &c, const QString &v)
{
    const auto m = Micros::fromString(v);
    if (!m || m->value < 0)
        return u"--grant: expected a non-negative C7T amount with at most 6 decimals, got '%1'"_s
            .arg(v);
    c.startingGrant = *m;
    return {};
}

QString parseDb(ServerConfig &c, const QString &v)
{
    if (v.isEmpty())
        return u"--db: must not be empty"_s;
    if (isPostgresUrl(v)) {
        const QUrl url(v, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty() || url.path().size() < 2)
            return u"--db: expected postgres://user:pass@host:port/dbname"_s;
    } else if (v.contains(u"://"_s) && !v.startsWith(u"sqlite://"_s)) {
        return u"--db: unsupported URL scheme (use sqlite:PATH, a file path or postgres://...)"_s;
    }
    c.dbUrl = v;
    return {};
}

QString parseRedis(ServerConfig &c, const QString &v)
{
    const QUrl url(v, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != u"redis"_s || url.host().isEmpty())
        return u"--redis: expected redis://host:port[/db]"_s;
    const QString db = url.path().mid(1);
    if (!db.isEmpty()) {
        bool ok = false;
        db.toUInt(&ok);
        if (!ok)
            return u"--redis: the database must be a number, got '%1'"_s.arg(db);
    }
    c.redisUrl = v;
    return {};
}

QList<Flag> serveFlags()
{
    return {
        {u"listen"_s, Kind::Value, true, parseListen},
        {u"data-dir"_s, Kind::Value, true, parseDataDir},
        {u"db"_s, Kind::Value, true, parseDb},
        {u"redis"_s, Kind::Value, true, parseRedis},
        {u"role"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return oneOfFlag(u"role"_s, v, {u"all"_s, u"api"_s, u"worker"_s}, c.role);
         }},
        {u"demo"_s, Kind::Switch, true,
         [](ServerConfig &c, const QString &v) { return switchFlag(u"demo"_s, v, c.demo); }},
        {u"ws-heartbeat-seconds"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"ws-heartbeat-seconds"_s, v, 1, 3600, c.wsHeartbeatSeconds);
         }},
        {u"ws-ring-mb"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"ws-ring-mb"_s, v, 1, 4096, c.wsRingMb);
         }},
        {u"ws-coalesce-ms"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"ws-coalesce-ms"_s, v, 0, 1000, c.wsCoalesceMs);
         }},
        {u"ws-coalesce-busy-ms"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"ws-coalesce-busy-ms"_s, v, 0, 1000, c.wsCoalesceBusyMs);
         }},
        {u"max-concurrent-runs"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"max-concurrent-runs"_s, v, 1, 1024, c.maxConcurrentRuns);
         }},
        {u"max-connections"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"max-connections"_s, v, 1, 10'000'000, c.maxConnections);
         }},
        {u"max-connections-per-ip"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"max-connections-per-ip"_s, v, 0, 10'000'000, c.maxConnectionsPerIp);
         }},
        {u"login-rate-per-ip"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) -> QString {
             // 0 turns it off; otherwise never below the contract's 10 attempts a minute.
             if (v.trimmed() == u"0"_s) {
                 c.loginRatePerIp = 0;
                 return {};
             }
             return intFlag(u"login-rate-per-ip"_s, v, 10, 1'000'000, c.loginRatePerIp);
         }},
        {u"login-queue-per-ip"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"login-queue-per-ip"_s, v, 1, 100'000, c.loginQueuePerIp);
         }},
        {u"login-queue"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"login-queue"_s, v, 1, 1'000'000, c.loginQueue);
         }},
        {u"max-agents-per-crew"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"max-agents-per-crew"_s, v, 1, 100'000, c.maxAgentsPerCrew);
         }},
        {u"max-tools-per-agent"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"max-tools-per-agent"_s, v, 1, 10'000, c.maxToolsPerAgent);
         }},
        {u"request-rate-per-token"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"request-rate-per-token"_s, v, 0, 1'000'000, c.requestRatePerToken);
         }},
        {u"jwt-secret-file"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return fileFlag(u"jwt-secret-file"_s, v, c.jwtSecretFile);
         }},
        {u"tls-cert"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return fileFlag(u"tls-cert"_s, v, c.tlsCertFile);
         }},
        {u"tls-key"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) { return fileFlag(u"tls-key"_s, v, c.tlsKeyFile); }},
        {u"python"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) -> QString {
             if (v.isEmpty())
                 return u"--python: must not be empty"_s;
             c.python = v;
             return {};
         }},
        {u"keep-workspaces"_s, Kind::Switch, true,
         [](ServerConfig &c, const QString &v) {
             return switchFlag(u"keep-workspaces"_s, v, c.keepWorkspaces);
         }},
        {u"grant"_s, Kind::Value, true, parseGrant},
        {u"unsafe-tools"_s, Kind::Switch, true,
         [](ServerConfig &c, const QString &v) {
             return switchFlag(u"unsafe-tools"_s, v, c.unsafeTools);
         }},
        {u"tool-network"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) -> QString {
             if (v == u"on"_s)
                 c.toolNetwork = true;
             else if (v == u"none"_s)
                 c.toolNetwork = false;
             else
                 return u"--tool-network: expected on or none, got '%1'"_s.arg(v);
             return {};
         }},
        {u"git-local-root"_s, Kind::Value, true, nullptr},
        {u"tool-max-processes"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"tool-max-processes"_s, v, 8, 1000000, c.toolLimits.maxProcesses);
         }},
        {u"tool-max-open-files"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"tool-max-open-files"_s, v, 16, 1048576, c.toolLimits.maxOpenFiles);
         }},
        {u"tool-max-file-size-mb"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"tool-max-file-size-mb"_s, v, 1, 1048576, c.toolLimits.maxFileSizeMb);
         }},
        {u"tool-cpu-seconds"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"tool-cpu-seconds"_s, v, 1, 86400 * 7, c.toolLimits.cpuSeconds);
         }},
        {u"tool-memory-mb"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) {
             return intFlag(u"tool-memory-mb"_s, v, 64, 1048576, c.toolLimits.memoryMb);
         }},
        {u"tool-uid-base"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) -> QString {
             int n = 0;
             const QString err = intFlag(u"tool-uid-base"_s, v, 1000, 2000000000, n);
             if (err.isEmpty())
                 c.toolUidBase = uint(n);
             return err;
         }},
        {u"bwrap"_s, Kind::Value, true,
         [](ServerConfig &c, const QString &v) -> QString {
             if (v.isEmpty())
                 return u"--bwrap: must not be empty"_s;
             c.bwrap = v;
             return {};
         }},
    };
}

QList<Flag> userAddFlags()
{
    // --role here is the user's role; CREWDECK_ROLE is the server's role, so the user's
    // identity flags are taken from the command line only. The store location is shared
    // with `serve` and does read the environment.
    return {
        {u"org"_s, Kind::Value, false,
         [](ServerConfig &c, const QString &v) -> QString {
             if (v.trimmed().isEmpty() || v.size() > 200)
                 return u"--org: expected a name of 1 to 200 characters"_s;
             c.userOrg = v.trimmed();
             return {};
         }},
        {u"email"_s, Kind::Value, false,
         [](ServerConfig &c, const QString &v) -> QString {
             if (!v.contains(u'@') || v.size() > 254 || v.contains(u' '))
                 return u"--email: '%1' is not an e-mail address"_s.arg(v);
             c.userEmail = v;
             return {};
         }},
        {u"role"_s, Kind::Value, false,
         [](ServerConfig &c, const QString &v) {
             return oneOfFlag(u"role"_s, v, {u"admin"_s, u"member"_s, u"viewer"_s}, c.userRole);
         }},
        {u"password-stdin"_s, Kind::Switch, false,
         [](ServerConfig &c, const QString &) -> QString {
             c.passwordStdin = true;
             return {};
         }},
        {u"data-dir"_s, Kind::Value, true, parseDataDir},
        {u"db"_s, Kind::Value, true, parseDb},
        {u"grant"_s, Kind::Value, true, parseGrant},
    };
}

QString defaultDataDir()
{
    // AppDataLocation is built from the organisation and application names; set them here so
    // that the result does not depend on what the caller configured.
    const QString oldOrg = QCoreApplication::organizationName();
    const QString oldApp = QCoreApplication::applicationName();
    QCoreApplication::setOrganizationName(u"crewdeck"_s);
    QCoreApplication::setApplicationName(u"crewdeck"_s);
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QCoreApplication::setOrganizationName(oldOrg);
    QCoreApplication::setApplicationName(oldApp);
    return dir;
}

} // namespace

ParseResult parseCommandLine(const QStringList &argsIn, const QProcessEnvironment &env)
{
    ParseResult result;
    ServerConfig c;
    c.maxConcurrentRuns = qMax(1, QThread::idealThreadCount());
    QStringList args = argsIn;

    if (args.contains(u"--help"_s) || args.contains(u"-h"_s)) {
        c.command = Command::Help;
        result.config = c;
        return result;
    }
    if (args.contains(u"--version"_s)) {
        c.command = Command::Version;
        result.config = c;
        return result;
    }

    if (!args.isEmpty() && args.first() == u"useradd"_s) {
        c.command = Command::UserAdd;
        args.removeFirst();
    } else if (!args.isEmpty() && args.first() == u"serve"_s) {
        args.removeFirst();
    } else if (!args.isEmpty() && !args.first().startsWith(u"--"_s)) {
        result.error = u"unknown command '%1' (expected serve or useradd)"_s.arg(args.first());
        return result;
    }

    const QList<Flag> flags = c.command == Command::UserAdd ? userAddFlags() : serveFlags();
    auto findFlag = [&flags](const QString &name) -> const Flag * {
        for (const Flag &f : flags) {
            if (f.name == name)
                return &f;
        }
        return nullptr;
    };

    // Environment first, then the command line over it: the flag wins.
    for (const Flag &f : flags) {
        if (!f.fromEnv || !env.contains(envName(f.name)))
            continue;
        const QString v = env.value(envName(f.name));
        if (v.isEmpty())
            continue; // an empty variable counts as unset
        const QString err = f.apply ? f.apply(c, v) : parseGitLocalRoot(c, v, true);
        if (!err.isEmpty()) {
            result.error = envName(f.name) + u": "_s + err;
            return result;
        }
    }

    bool gitRootFlagSeen = false;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (!arg.startsWith(u"--"_s)) {
            result.error = u"unexpected argument '%1'"_s.arg(arg);
            return result;
        }
        QString name = arg.mid(2);
        std::optional<QString> inlineValue;
        if (const qsizetype eq = name.indexOf(u'='); eq >= 0) {
            inlineValue = name.mid(eq + 1);
            name = name.left(eq);
        }
        const Flag *f = findFlag(name);
        if (!f) {
            result.error = u"unknown option '--%1'%2"_s.arg(
                name, c.command == Command::UserAdd ? u" for useradd"_s : QString());
            return result;
        }
        QString value;
        if (f->kind == Kind::Switch) {
            if (inlineValue) {
                result.error = u"--%1 takes no value"_s.arg(name);
                return result;
            }
        } else if (inlineValue) {
            value = *inlineValue;
        } else {
            if (i + 1 >= args.size()) {
                result.error = u"--%1 needs a value"_s.arg(name);
                return result;
            }
            value = args.at(++i);
        }
        if (!f->apply && !gitRootFlagSeen) {
            gitRootFlagSeen = true;
            c.gitLocalRoots.clear();
        }
        const QString err = f->apply ? f->apply(c, value) : parseGitLocalRoot(c, value, false);
        if (!err.isEmpty()) {
            result.error = err;
            return result;
        }
    }

    if (c.command == Command::UserAdd) {
        if (c.userOrg.isEmpty())
            result.error = u"useradd: --org NAME is required"_s;
        else if (c.userEmail.isEmpty())
            result.error = u"useradd: --email EMAIL is required"_s;
        else if (c.userRole.isEmpty())
            result.error = u"useradd: --role admin|member|viewer is required"_s;
        else if (!c.passwordStdin)
            result.error =
                u"useradd: --password-stdin is required (the password is read as one line from stdin)"_s;
        if (!result.error.isEmpty())
            return result;
    }

    if (c.tlsCertFile.isEmpty() != c.tlsKeyFile.isEmpty()) {
        result.error = c.tlsCertFile.isEmpty()
                           ? u"--tls-key needs --tls-cert as well (TLS takes both or neither)"_s
                           : u"--tls-cert needs --tls-key as well (TLS takes both or neither)"_s;
        return result;
    }
    if (c.dataDir.isEmpty())
        c.dataDir = defaultDataDir();
    if (c.dataDir.isEmpty()) {
        result.error = u"no application data folder on this platform: pass --data-dir"_s;
        return result;
    }
    result.config = c;
    return result;
}

QString helpText()
{
    return uR"(Usage:
  crewdeck-server [serve] [options]
  crewdeck-server useradd --org NAME --email EMAIL --role admin|member|viewer
                          --password-stdin [--data-dir DIR] [--db URL] [--grant C7T]
  crewdeck-server --help | --version

serve options (each also read from CREWDECK_<FLAG>, e.g. CREWDECK_LISTEN; the flag wins):
  --listen HOST:PORT            address to listen on (default 127.0.0.1:8080; port 0 = any free)
  --data-dir DIR                data folder: database, JWT secret, workspaces
                                (default: the platform's app-data folder)
  --db URL                      sqlite:PATH or a file path (default DIR/crewdeck.db),
                                or postgres://user:pass@host:port/dbname
  --redis URL                   redis://host:port[/db] (default: in-process event bus)
  --role all|api|worker         what this node does (default all)
  --demo                        create demo orgs, users and crews (idempotent)
  --ws-heartbeat-seconds N      mission socket heartbeat (default 45)
  --ws-ring-mb N                MiB of recent frames kept for all sockets (default 32)
  --ws-coalesce-ms N            the most a new frame waits to share a write with the next
                                ones when write passes are costly (default 3; 0 = never)
  --ws-coalesce-busy-ms N       the same while the streams are busy (most sockets get
                                4,000 frames a second or more; default 8; never below
                                --ws-coalesce-ms)
  --max-concurrent-runs N       runs executed at once (default: number of CPU threads)
  --max-connections N           open connections at most (default: 90% of the descriptor
                                limit, raised to the hard limit at start)
  --max-connections-per-ip N    open connections per client address (default 4096; 0 = off)
  --login-rate-per-ip N         login attempts a minute per client address, burst N
                                (default 30; 0 = unlimited, else at least 10)
  --login-queue-per-ip N        logins of one address waiting for a password thread
                                (default 8; more get 429)
  --login-queue N               logins waiting for a password thread in all (default 1024)
  --request-rate-per-token N    authenticated requests a second per user, burst 2N; a
                                response costs one more per 64 KiB (default 50; 0 = unlimited)
  --max-agents-per-crew N       agents in one crew (default 100; more: 400)
  --max-tools-per-agent N       tools of one agent (default 16; more: 400)
  --jwt-secret-file FILE        HMAC key for tokens: the file's bytes, whitespace trimmed
                                (default: DIR/jwt-secret, created with mode 0600)
  --python PATH                 Python interpreter for the pytest tool (default python3)
  --tls-cert FILE --tls-key FILE
                                serve HTTPS and WSS only (TLS 1.2 or newer): FILE is PEM, the
                                certificate file starts with the server's certificate and may
                                hold its chain; the key must be unencrypted. Both or neither
  --keep-workspaces             keep run workspaces after the run ends
  --grant C7T                   starting ledger grant of a new org (default 1000)

Tool sandbox (every tool runs inside bubblewrap; see docs/deploy.md):
  --git-local-root DIR          git_clone may clone local repositories (paths, file://)
                                under DIR, visible read-only to that tool only; repeatable
                                (CREWDECK_GIT_LOCAL_ROOT=DIR[:DIR...]). Default: none
  --tool-network on|none        tools reach the network (default on)
  --tool-max-processes N        processes per tool call (default 256)
  --tool-max-open-files N       open files per process (default 1024)
  --tool-max-file-size-mb N     largest file a tool writes; also the size of its /tmp
                                (default 2048)
  --tool-cpu-seconds N          CPU seconds per process (default 900)
  --tool-memory-mb N            address space per process (default 4096)
  --tool-uid-base N             server running as root: run N's tools run as uid N+slot
                                (default 200000)
  --bwrap PATH                  the bubblewrap executable (default bwrap on PATH)
  --unsafe-tools                without a working sandbox, run tools anyway, unsandboxed
                                (a warning on every run); otherwise this node runs no tools

useradd creates the org when it does not exist, reads the password as one line from
stdin and prints the new user's id. CREWDECK_DATA_DIR, CREWDECK_DB and CREWDECK_GRANT apply.

Exit codes: 0 success, 1 failure, 2 bad command line.
)"_s;
}

QString versionText()
{
    return u"crewdeck-server "_s + QLatin1String(CREWDECK_VERSION);
}

} // namespace crewdeck::server
