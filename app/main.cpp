// crewdeck: the desktop app. Parses the command line and hands over to AppController.
#include "app/net/tlstrust.h"
#include "app/ui/appcontroller.h"
#include "app/ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>
#include <QTimer>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

struct CommandLine
{
    QCommandLineOption server{u"server"_s, QCoreApplication::translate("main", "Server URL."),
                              u"URL"_s};
    QCommandLineOption email{
        u"email"_s, QCoreApplication::translate("main", "E-mail address to log in with."), u"E"_s};
    QCommandLineOption password{
        u"password-stdin"_s,
        QCoreApplication::translate("main", "Read the password from one line of standard input.")};
    QCommandLineOption lang{u"lang"_s, QCoreApplication::translate("main", "Language: en or de."),
                            u"CODE"_s};
    QCommandLineOption shot{
        u"screenshot"_s,
        QCoreApplication::translate(
            "main", "Log in, wait for live data (or, with the server unreachable, the data "
                    "cached by an earlier run), save the window to FILE and exit."),
        u"FILE"_s};
    QCommandLineOption page{
        u"page"_s,
        QCoreApplication::translate(
            "main", "Page to show (dashboard, runs, run, crews, graph, analytics)."),
        u"NAME"_s, u"dashboard"_s};
    QCommandLineOption caCert{
        u"ca-cert"_s,
        QCoreApplication::translate(
            "main", "Also trust this certificate (PEM or DER) for https:// servers, besides the "
                    "system's certificate authorities (a private CA, or a self-signed server)."),
        u"FILE"_s};
    QCommandLineOption range{
        u"range"_s,
        QCoreApplication::translate("main", "Analytics date range: 24h, 7d, 30d or 90d."),
        u"RANGE"_s};

    void setUp(QCommandLineParser &parser) const
    {
        parser.setApplicationDescription(
            QCoreApplication::translate("main", "Watch and steer crews of AI agents."));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOptions({server, email, password, lang, caCert, shot, page, range});
    }
};

// True when argv asks for help or the version. Those answers need no display, but
// QApplication aborts without one, so they are given before it exists.
bool asksForHelpOrVersion(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--")
            return false;
        if (a == "-h" || a == "--help" || a == "-?" || a == "--help-all" || a == "-v" ||
            a == "--version")
            return true;
    }
    return false;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setOrganizationName(u"CrewDeck"_s);
    QCoreApplication::setApplicationName(u"crewdeck"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(CREWDECK_VERSION));
    if (asksForHelpOrVersion(argc, argv)) {
        // A plain QCoreApplication: no platform plugin, no display. process() prints the help or
        // the version and exits. Qt's own GUI options (-platform, -style, ...) are unknown to it:
        // with those, help and version are still answered; anything else (`--email -v`: a
        // value, not a flag) falls through to the GUI as usual.
        QCoreApplication core(argc, argv);
        QCommandLineParser parser;
        const CommandLine cli;
        cli.setUp(parser);
        if (parser.parse(QCoreApplication::arguments()))
            parser.process(core);
        if (parser.isSet(u"version"_s))
            parser.showVersion();
        if (parser.isSet(u"help"_s))
            parser.showHelp(0);
    }

    QApplication app(argc, argv);
    QApplication::setApplicationDisplayName(u"CrewDeck"_s);
    QApplication::setWindowIcon(QIcon(u":/icons/crewdeck.svg"_s));
    QApplication::setDesktopFileName(u"org.crewdeck.CrewDeck"_s);

    QCommandLineParser parser;
    const CommandLine cli;
    cli.setUp(parser);
    parser.process(app);

    crewdeck::ui::LaunchOptions options;
    options.serverUrl = parser.value(cli.server);
    options.email = parser.value(cli.email);
    options.language = parser.value(cli.lang);
    options.caCertFile = parser.value(cli.caCert);
    if (!options.caCertFile.isEmpty()) {
        // Asked for on the command line: a file that cannot be used is an error, not a
        // silent fallback to the system's CAs.
        QString error;
        if (crewdeck::client::tlstrust::loadCertificateFile(options.caCertFile, &error).isEmpty()) {
            QTextStream(stderr) << QCoreApplication::translate("main", "crewdeck: %1").arg(error)
                                << Qt::endl;
            return 2;
        }
    }
    if (parser.isSet(cli.password)) {
        QTextStream in(stdin);
        options.password = in.readLine();
    }

    crewdeck::ui::AppController controller;
    QTextStream err(stderr);
    const QString shotFile = parser.value(cli.shot);
    if (!shotFile.isEmpty()) {
        const QString page = parser.value(cli.page);
        const QString range = parser.value(cli.range);
        QObject::connect(
            &controller, &crewdeck::ui::AppController::loginFailed, &app,
            [&err](const QString &msg) {
                err << QCoreApplication::translate("main", "crewdeck: login failed: %1").arg(msg)
                    << Qt::endl;
                QCoreApplication::exit(2);
            });
        // Live, or offline from the cache of an earlier run with the same settings: the same
        // picture of what the window shows.
        auto shoot = [&controller, &err, shotFile, page, range] {
            crewdeck::ui::MainWindow *w = controller.mainWindow();
            if (!w) {
                QCoreApplication::exit(3);
                return;
            }
            // The analytics range first, so that the page waits for the charts of that range.
            if (page == u"analytics"_s && controller.analyticsPage() && !range.isEmpty() &&
                !controller.isOffline() && !controller.analyticsPage()->setPreset(range)) {
                err << QCoreApplication::translate("main", "crewdeck: unknown range \"%1\"")
                           .arg(range)
                    << Qt::endl;
                QCoreApplication::exit(3);
                return;
            }
            // runs / run / crews wait for their own data (run: the newest run) first.
            const bool offline = controller.isOffline();
            controller.showPageWhenReady(page, w, [w, &err, shotFile, page, offline](bool ok) {
                if (!ok) {
                    err << (offline ? QCoreApplication::translate(
                                          "main", "crewdeck: the server cannot be reached and "
                                                  "page \"%1\" needs it")
                                    : QCoreApplication::translate("main",
                                                                  "crewdeck: unknown page \"%1\""))
                               .arg(page)
                        << Qt::endl;
                    QCoreApplication::exit(offline ? 2 : 3);
                    return;
                }
                // Let the last layout and paint pass run before grabbing.
                QTimer::singleShot(500, w, [w, &err, shotFile] {
                    if (!w->grab().save(shotFile)) {
                        err << QCoreApplication::translate("main", "crewdeck: cannot write %1")
                                   .arg(shotFile)
                            << Qt::endl;
                        QCoreApplication::exit(4);
                        return;
                    }
                    QCoreApplication::exit(0);
                });
            });
        };
        QObject::connect(&controller, &crewdeck::ui::AppController::dashboardLive, &app, shoot);
        QObject::connect(&controller, &crewdeck::ui::AppController::dashboardOffline, &app, shoot);
        QTimer::singleShot(30000, &app, [&err] {
            err << QCoreApplication::translate(
                       "main", "crewdeck: the dashboard did not show live data within 30 s")
                << Qt::endl;
            QCoreApplication::exit(1);
        });
    } else {
        QObject::connect(&controller, &crewdeck::ui::AppController::loginCancelled, &app,
                         &QCoreApplication::quit);
    }
    controller.start(options);
    return app.exec();
}
