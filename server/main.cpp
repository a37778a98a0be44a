// crewdeck-server: parses the command line and hands over to ServerApp (serve) or creates a
// user (useradd). Everything else lives in the libraries under server/.
#include "server/core/auth/accounts.h"
#include "server/core/cli/options.h"
#include "server/core/serverapp.h"
#include "server/model/store.h"
#include "server/store/storefactory.h"
#include "server/ws/tlsconfig.h"
#include "shared/logging.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <cstdio>
#include <iostream>
#include <string>

#ifdef Q_OS_UNIX
#include <csignal>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace crewdeck;
using namespace crewdeck::server;
using namespace Qt::StringLiterals;

namespace {

void printErr(const QString &text)
{
    std::fprintf(stderr, "crewdeck-server: %s\n", qPrintable(text));
}

#ifdef Q_OS_UNIX
int g_signalFds[2] = {-1, -1};

void onSignal(int)
{
    // Async-signal-safe: only write a byte; the event loop does the rest.
    const char b = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_signalFds[0], &b, 1);
}

// SIGINT/SIGTERM -> ServerApp::stop() on the main thread (self-pipe via a socketpair).
void installSignalHandlers(ServerApp *app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFds) != 0) {
        qCWarning(lcHttp) << "cannot install signal handlers";
        return;
    }
    auto *notifier = new QSocketNotifier(g_signalFds[1], QSocketNotifier::Read, app);
    QObject::connect(notifier, &QSocketNotifier::activated, app, [app] {
        char b = 0;
        [[maybe_unused]] const ssize_t n = ::read(g_signalFds[1], &b, 1);
        app->stop();
    });
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    // A client that disconnects mid-write must not kill the server.
    ::signal(SIGPIPE, SIG_IGN);
}
#else
void installSignalHandlers(ServerApp *) {}
#endif

int userAdd(const ServerConfig &config)
{
    std::string line;
    if (!std::getline(std::cin, line)) {
        printErr(u"useradd: no password on stdin (expected one line)"_s);
        return 2;
    }
    QString password = QString::fromUtf8(line.data(), qsizetype(line.size()));
    if (password.endsWith(u'\r'))
        password.chop(1);
    if (password.size() < 8) {
        printErr(u"useradd: the password must be at least 8 characters"_s);
        return 2;
    }
    if (password.size() > 1024) {
        printErr(u"useradd: the password must be at most 1024 characters"_s);
        return 2;
    }
    QString error;
    const std::unique_ptr<Store> store = openStore(config.dbUrl, config.sqlitePath(), &error);
    if (!store) {
        printErr(error);
        return 1;
    }
    const auto user = accounts::addUser(*store, config.userOrg, config.startingGrant,
                                        config.userEmail, config.userRole, password, &error);
    if (!user) {
        printErr(error);
        return 1;
    }
    std::printf("%s\n", qPrintable(user->id));
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"crewdeck-server"_s);
    QCoreApplication::setApplicationVersion(QLatin1String(CREWDECK_VERSION));

    const ParseResult parsed = parseCommandLine(QCoreApplication::arguments().mid(1),
                                                QProcessEnvironment::systemEnvironment());
    if (!parsed.config) {
        printErr(parsed.error);
        std::fprintf(stderr, "Try 'crewdeck-server --help'.\n");
        return 2;
    }
    const ServerConfig &config = *parsed.config;
#ifdef Q_OS_UNIX
    // Everything the server creates (database, WAL, secret, logs of git) is the owner's only;
    // tools set their own umask in the sandbox.
    ::umask(077);
#endif
    switch (config.command) {
    case Command::Help:
        std::printf("%s", qPrintable(helpText()));
        return 0;
    case Command::Version:
        std::printf("%s\n", qPrintable(versionText()));
        return 0;
    case Command::UserAdd:
        return userAdd(config);
    case Command::Serve:
        break;
    }

    if (config.tlsEnabled()) {
        // A bad pair is a usage error (exit 2, one line naming the file), found before
        // anything else starts.
        QString tlsError;
        if (!loadServerTls({config.tlsCertFile, config.tlsKeyFile}, &tlsError)) {
            printErr(tlsError);
            return 2;
        }
    }
    ServerApp server(config);
    QString error;
    if (!server.start(&error)) {
        printErr(error);
        return 1;
    }
    installSignalHandlers(&server);
    QObject::connect(&server, &ServerApp::stopped, &app, [] { QCoreApplication::exit(0); });
    return QCoreApplication::exec();
}
