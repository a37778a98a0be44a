#pragma once
#include "app/models/dashboarddata.h"
#include "app/net/livesocket.h"
#include "app/net/livestreams.h"
#include "app/ui/analytics/analyticspage.h"
#include "app/ui/appsettings.h"
#include "app/ui/credentialstore.h"
#include "app/ui/crews/crewspage.h"
#include "app/ui/graph/graphpage.h"
#include "app/ui/logindialog.h"
#include "app/ui/mainwindow.h"
#include "app/ui/offlinemode.h"
#include "app/ui/runs/rundetailpage.h"
#include "app/ui/runs/runspage.h"
#include "app/ui/toasts/toastmanager.h"
#include "app/ui/toasts/traynotifier.h"

#include <QDateTime>
#include <QLocale>
#include <QObject>
#include <QPointer>
#include <QTranslator>
#include <functional>
#include <optional>

namespace crewdeck::client {
class ApiClient;
class DashboardData;
class AuthSession;
class LiveSocket;
class LiveStreams;
} // namespace crewdeck::client

namespace crewdeck::ui {

class CredentialStore;
class LoginDialog;
class MainWindow;
class RunsPage;
class RunDetailPage;
class CrewsPage;
class GraphPage;
class ToastManager;
class TrayNotifier;

struct LaunchOptions
{
    QString serverUrl;               // --server
    QString email;                   // --email
    std::optional<QString> password; // --password-stdin
    QString language;                // --lang (overrides the setting for this run)
    QString caCertFile;              // --ca-cert (overrides the setting for this run)
};

// The app's flow: login dialog -> main window (dashboard + LiveStreams) -> back to the
// login dialog when the session ends (401 on a call, 4401 on a socket, log out). A login
// that cannot reach the server opens the window offline from the cache of that server and
// user (OfflineMode) and goes live when a retry gets through. Also applies theme and
// language. Owns everything it shows; LiveStreams owns every socket. GUI thread.
class AppController : public QObject
{
    Q_OBJECT
public:
    explicit AppController(QObject *parent = nullptr);
    ~AppController() override;

    void start(const LaunchOptions &options = {});

    client::AuthSession *session() const { return m_session; }
    client::ApiClient *api() const { return m_api; }
    // Exist while logged in.
    client::LiveStreams *streams() const { return m_streams; }
    client::LiveSocket *missionSocket() const { return m_streams ? m_streams->mission() : nullptr; }
    client::DashboardData *dashboard() const { return m_dashboard; }
    MainWindow *mainWindow() const { return m_window; }
    LoginDialog *loginDialog() const { return m_login; }

    // Socket tuning (the server's --ws-heartbeat-seconds; tests use short values).
    void setHeartbeatInterval(int ms) { m_heartbeatMs = ms; }
    void setBackoff(int baseMs, int capMs)
    {
        m_backoffBaseMs = baseMs;
        m_backoffCapMs = capMs;
        m_offline->setBackoff(baseMs, capMs);
    }

    // "system" (the OS's languages and formats), "en" or "de"; installs the translators,
    // sets the default locale and rebuilds the open window.
    void setLanguage(const QString &code);
    // The language the UI is in: "en" or "de".
    QString language() const { return m_language; }

    // Where "Remember me" keeps the password (default: the OS keychain). Set before start();
    // not owned.
    void setCredentialStore(CredentialStore *store);
    CredentialStore *credentialStore() const { return m_credentials; }

    // Offline start (issue 17): the cache, the retries.
    OfflineMode *offlineMode() const { return m_offline; }
    // Shown from the cache while the server cannot be reached.
    bool isOffline() const { return m_offlineSince.isValid(); }
    // When the shown cache was written (UTC); invalid while live.
    QDateTime offlineSince() const { return m_offlineSince; }
    // Stats answered and the mission socket is Live.
    bool isDashboardLive() const;

    // Pages of the main window (exist while it does). Live, every page but the dashboard is
    // built the first time it is shown or asked for here (MainWindow::addLazyPage).
    RunsPage *runsPage();
    RunDetailPage *runDetailPage();
    CrewsPage *crewsPage();
    GraphPage *graphPage();
    AnalyticsPage *analyticsPage();
    ToastManager *toastManager() const { return m_toasts; }
    TrayNotifier *trayNotifier() const { return m_tray; }
    // Shows `page` ("runs", "run": the newest run, "crews") once it shows live data, then
    // calls done(true); done(false) for an unknown page or when there is nothing to show.
    void showPageWhenReady(const QString &page, QObject *context, std::function<void(bool)> done);

public Q_SLOTS:
    // Opens a run in the run detail page.
    void openRun(const QString &runId);
    void showSettings();
    void logout();
    void returnToLogin(const QString &message);

Q_SIGNALS:
    void loginShown();
    void loggedIn();
    void loginFailed(const QString &message);
    void loginCancelled();
    void mainWindowShown();
    void dashboardLive();
    // The window shows the cached state of an unreachable server.
    void dashboardOffline();
    void runActivated(const QString &runId);

private:
    // A session's models and window before they are the controller's (prepareLiveWindow).
    struct Prepared
    {
        QPointer<client::DashboardData> dashboard;
        QPointer<client::LiveStreams> streams;
        QPointer<MainWindow> window;
    };
    void showLogin(const QString &message = {});
    void onLoggedIn();
    // Logs in without the dialog (--password-stdin, a remembered password); a server that
    // cannot be reached opens offline when there is a cache, else the dialog says why.
    void loginDirect(const QUrl &url, const QString &email, const QString &password,
                     const QString &serverText);
    // False when there is no cache for that server and user.
    bool openOffline(const QUrl &url, const QString &email, const QString &password);
    void goLive(const std::optional<client::CachedState> &cached);
    // Forgets the remembered password of `email` at `server` (sign out, or it was refused).
    void forgetCredential(const QUrl &server, const QString &email);
    void updateOfflineNotice();
    void buildWindow();
    // The live window in two halves (apppages.cpp). makeLiveWindow() needs no session: it
    // runs while the login request is in flight (prepareLiveWindow) or after the answer;
    // finishLiveWindow() connects it to the started streams and the user, and shows it.
    MainWindow *makeLiveWindow(client::DashboardData *dashboard);
    void finishLiveWindow();
    // The live window's lazy pages (MainWindow::addLazyPage factories).
    void addLivePages(MainWindow *window);
    // While the server checks the password (argon2id, ~90 ms of the cold start) the GUI thread
    // only waits: the dashboard's models, the streams (not started: no request goes out before
    // the login's answer) and the window (not shown) are built then, and onLoggedIn takes
    // them over (issue 17 item 6). A failed login drops them unseen.
    void prepareLiveWindow();
    void discardPrepared();
    // The dashboard's data and the streams, configured, not started.
    void makeSessionModels(Prepared *into);
    // The window's signals to the controller.
    void connectWindow(MainWindow *window);
    void tearDownSession();
    void checkLive();
    // Writes the last login's URL and e-mail (and the dialog's "Remember me") into the
    // settings; deferred until live (see loginDirect).
    void writeRememberedLogin();
    // Trusts the system CAs plus `file` (empty: none) for every new TLS connection; the
    // reason (for the user) when the file cannot be used.
    QString applyTrust(const QString &file);

    client::AuthSession *m_session;
    client::ApiClient *m_api;
    QPointer<client::LiveStreams> m_streams;
    QPointer<client::DashboardData> m_dashboard;
    QPointer<MainWindow> m_window;
    QPointer<LoginDialog> m_login;
    QPointer<RunsPage> m_runsPage;
    QPointer<RunDetailPage> m_runDetail;
    QPointer<CrewsPage> m_crewsPage;
    QPointer<GraphPage> m_graphPage;
    QPointer<AnalyticsPage> m_analyticsPage;
    QPointer<ToastManager> m_toasts;
    QPointer<TrayNotifier> m_tray;
    OfflineMode *m_offline;
    QPointer<CredentialStore> m_credentials;
    bool m_usingRemembered = false; // the login in progress uses the keychain's password
    QDateTime m_offlineSince;
    std::optional<client::CachedState> m_cached;        // what the offline window shows
    std::optional<client::CachedState> m_resume;        // going live: shown until REST answers
    std::optional<client::DateRange> m_analyticsResume; // the cached range, for the analytics page
    QTranslator m_appTranslator;
    QTranslator m_qtTranslator;
    QString m_language = QStringLiteral("en");
    QLocale m_locale = QLocale(QLocale::English, QLocale::UnitedStates);
    int m_heartbeatMs = 45000;
    int m_backoffBaseMs = 500;
    int m_backoffCapMs = 20000;
    bool m_liveAnnounced = false;
    std::optional<LoginDialog::Accepted> m_rememberLogin; // not written to QSettings yet
    Prepared m_prepared;                                  // see prepareLiveWindow()
};

} // namespace crewdeck::ui
