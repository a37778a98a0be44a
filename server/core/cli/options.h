#pragma once
#include "server/runs/sandbox.h"
#include "shared/money.h"

#include <QHostAddress>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <optional>

// The crewdeck-server command line (docs/protocol.md, "Command line"). Parsing is a pure
// function of the arguments and the environment so that it can be unit-tested; main.cpp only
// prints what it returns. Thread: any.
namespace crewdeck::server {

enum class Command { Serve, UserAdd, Help, Version };

struct ServerConfig
{
    Command command = Command::Serve;

    // ---- serve
    QString listenHost = QStringLiteral("127.0.0.1"); // as given: an IP literal, "localhost" or "*"
    quint16 listenPort = 8080;
    QString dataDir;  // absolute; default: QStandardPaths::AppDataLocation ("crewdeck")
    QString dbUrl;    // as given ("" = SQLite file <dataDir>/crewdeck.db)
    QString redisUrl; // "" = no Redis (in-process bus)
    QString role = QStringLiteral("all"); // all | api | worker
    bool demo = false;
    int wsHeartbeatSeconds = 45;
    int wsRingMb = 32;         // the gateway's shared ring of recent frames (all sockets)
    int wsCoalesceMs = 3;      // the gateway's WritePacer cap (server/ws/writepacer.h)
    int wsCoalesceBusyMs = 8;  // its cap while the streams are busy
    int maxConcurrentRuns = 1; // default QThread::idealThreadCount()
    // ---- limits that keep everyone served (docs/deploy.md, "Limits")
    int maxConnections = 0; // 0 = 90% of the (raised) RLIMIT_NOFILE
    int maxConnectionsPerIp = 4096;
    int loginRatePerIp =
        30; // login attempts per minute and client address (burst as many); 0 = off
    int loginQueuePerIp = 8;      // logins of one address waiting for a password thread
    int loginQueue = 1024;        // logins waiting for a password thread, all addresses
    int requestRatePerToken = 50; // authenticated requests per second and user (burst 2x); 0 = off
    int maxAgentsPerCrew = 100;   // POST /crews: more -> 400
    int maxToolsPerAgent = 16;
    QString jwtSecretFile;                      // "" = <dataDir>/jwt-secret, created on first start
    QString python = QStringLiteral("python3"); // interpreter for the pytest tool
    // --tls-cert/--tls-key (both or neither; absolute): the port speaks TLS only.
    QString tlsCertFile;
    QString tlsKeyFile;
    bool keepWorkspaces = false;
    // ---- the tool sandbox (docs/deploy.md, "Tool sandbox")
    bool unsafeTools = false;  // run tools unsandboxed when no sandbox can be made
    bool toolNetwork = true;   // --tool-network on|none
    QStringList gitLocalRoots; // absolute; git_clone may read local repositories there
    ToolLimits toolLimits;
    uint toolUidBase = 200000; // root only: tools run as uid base + slot
    QString bwrap = QStringLiteral("bwrap");
    Micros startingGrant = Micros::fromUnits(1000);

    // ---- useradd
    QString userOrg;
    QString userEmail;
    QString userRole;
    bool passwordStdin = false;

    // ---- not on the command line: knobs for embedding (tests)
    bool createBootstrapAdmin = true; // first start without users: admin@localhost
    int rentalSettleIntervalMs = 5000;
    // Event-log batching: 0 writes on the next event-loop pass. Tests widen it to hold a run's
    // tail in the log's buffer after the run's row is final.
    int eventFlushMs = 0;

    enum class DbKind { Sqlite, Postgres };
    DbKind dbKind() const;
    // The SQLite file: <dataDir>/crewdeck.db, or the path of a sqlite: URL / plain path.
    QString sqlitePath() const;
    // The address to listen on (Any for "*", LocalHost for "localhost").
    QHostAddress listenAddress() const;
    bool tlsEnabled() const { return !tlsCertFile.isEmpty(); }
};

struct ParseResult
{
    std::optional<ServerConfig> config; // set unless error
    QString error;                      // a clear one-line message; exit code 2
};

// `args` are the program's arguments without argv[0]. Every flag falls back to the environment
// variable CREWDECK_<FLAG> (upper case, '-' -> '_'); the flag wins.
ParseResult parseCommandLine(const QStringList &args, const QProcessEnvironment &env);

QString helpText();
QString versionText();

} // namespace crewdeck::server
