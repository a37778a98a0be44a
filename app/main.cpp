// crewdeck: the desktop app. Parses the command line and hands over to AppController.
#include "app/ui/appcontroller.h"
#include "app/ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>
#include <QTimer>
#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(u"CrewDeck"_s);
    QApplication::setApplicationName(u"crewdeck"_s);
    QApplication::setApplicationDisplayName(u"CrewDeck"_s);
    QApplication::setApplicationVersion(QStringLiteral(CREWDECK_VERSION));
    QApplication::setWindowIcon(QIcon(u":/icons/crewdeck.svg"_s));
    QApplication::setDesktopFileName(u"crewdeck"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("main", "Watch and steer crews of AI agents."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption serverOpt(u"server"_s, QCoreApplication::translate("main", "Server URL."), u"URL"_s);
    const QCommandLineOption emailOpt(u"email"_s, QCoreApplication::translate("main", "E-mail address to log in with."), u"E"_s);
    const QCommandLineOption passwordOpt(u"password-stdin"_s,
                                         QCoreApplication::translate("main", "Read the password from one line of standard input."));
    const QCommandLineOption langOpt(u"lang"_s, QCoreApplication::translate("main", "Language: en or de."), u"CODE"_s);
    const QCommandLineOption shotOpt(u"screenshot"_s,
                                     QCoreApplication::translate("main", "Log in, wait for live data, save the window to FILE and exit."),
                                     u"FILE"_s);
    const QCommandLineOption pageOpt(u"page"_s, QCoreApplication::translate("main", "Page to show (dashboard, runs, run, crews, graph, analytics)."), u"NAME"_s,
                                     u"dashboard"_s);
    const QCommandLineOption rangeOpt(u"range"_s, QCoreApplication::translate("main", "Analytics date range: 24h, 7d, 30d or 90d."),
                                      u"RANGE"_s);
    parser.addOption(rangeOpt);
    parser.addOptions({serverOpt, emailOpt, passwordOpt, langOpt, shotOpt, pageOpt});
    parser.process(app);

    crewdeck::ui::LaunchOptions options;
    options.serverUrl = parser.value(serverOpt);
    options.email = parser.value(emailOpt);
    options.language = parser.value(langOpt);
    if (parser.isSet(passwordOpt)) {
        QTextStream in(stdin);
        options.password = in.readLine();
    }

    crewdeck::ui::AppController controller;
    QTextStream err(stderr);
    const QString shotFile = parser.value(shotOpt);
    if (!shotFile.isEmpty()) {
        const QString page = parser.value(pageOpt);
        const QString range = parser.value(rangeOpt);
        QObject::connect(&controller, &crewdeck::ui::AppController::loginFailed, &app, [&err](const QString &msg) {
            err << QCoreApplication::translate("main", "crewdeck: login failed: %1").arg(msg) << Qt::endl;
            QCoreApplication::exit(2);
        });
        QObject::connect(&controller, &crewdeck::ui::AppController::dashboardLive, &app, [&controller, &err, shotFile, page, range] {
            crewdeck::ui::MainWindow *w = controller.mainWindow();
            if (!w) {
                QCoreApplication::exit(3);
                return;
            }
            // The analytics range first, so that the page waits for the charts of that range.
            if (page == u"analytics"_s && controller.analyticsPage() && !range.isEmpty()
                && !controller.analyticsPage()->setPreset(range)) {
                err << QCoreApplication::translate("main", "crewdeck: unknown range \"%1\"").arg(range) << Qt::endl;
                QCoreApplication::exit(3);
                return;
            }
            // runs / run / crews wait for their own data (run: the newest run) first.
            controller.showPageWhenReady(page, w, [w, &err, shotFile, page](bool ok) {
                if (!ok) {
                    err << QCoreApplication::translate("main", "crewdeck: unknown page \"%1\"").arg(page) << Qt::endl;
                    QCoreApplication::exit(3);
                    return;
                }
                // Let the last layout and paint pass run before grabbing.
                QTimer::singleShot(500, w, [w, &err, shotFile] {
                    if (!w->grab().save(shotFile)) {
                        err << QCoreApplication::translate("main", "crewdeck: cannot write %1").arg(shotFile) << Qt::endl;
                        QCoreApplication::exit(4);
                        return;
                    }
                    QCoreApplication::exit(0);
                });
            });
        });
        QTimer::singleShot(30000, &app, [&err] {
            err << QCoreApplication::translate("main", "crewdeck: the dashboard did not show live data within 30 s")
                << Qt::endl;
            QCoreApplication::exit(1);
        });
    } else {
        QObject::connect(&controller, &crewdeck::ui::AppController::loginCancelled, &app, &QCoreApplication::quit);
    }
    controller.start(options);
    return app.exec();
}
