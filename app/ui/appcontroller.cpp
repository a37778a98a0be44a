#include "app/ui/appcontroller.h"
#include "app/models/dashboarddata.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/net/livesocket.h"
#include "app/net/livestreams.h"
#include "app/net/tlstrust.h"
#include "app/ui/analytics/analyticssetup.h"
#include "app/ui/credentialstore.h"
#include "app/ui/crews/crewspage.h"
#include "app/ui/dashboardpage.h"
#include "app/ui/graph/graphpage.h"
#include "app/ui/graph/graphsetup.h"
#include "app/ui/logindialog.h"
#include "app/ui/mainwindow.h"
#include "app/ui/runs/rundetailpage.h"
#include "app/ui/runs/runspage.h"
#include "app/ui/settingsdialog.h"
#include "app/ui/theme.h"
#include "app/ui/toasts/toastmanager.h"
#include "app/ui/toasts/traynotifier.h"
#include "shared/logging.h"

#include <QApplication>
#include <QCheckBox>
#include <QFontMetrics>
#include <QLibraryInfo>
#include <QListWidget>
#include <QSettings>
#include <QSslSocket>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace crewdeck::client;

namespace crewdeck::ui {

AppController::AppController(QObject *parent)
    : QObject(parent), m_session(new AuthSession(this)), m_api(new ApiClient(m_session, this)),
      m_offline(new OfflineMode(m_api, m_session, this))
{
    m_offline->setBackoff(m_backoffBaseMs, m_backoffCapMs);
    connect(m_offline, &OfflineMode::loggedIn, this, [this] { goLive(m_cached); });
    connect(m_offline, &OfflineMode::rejected, this, [this](const QString &message) {
        if (m_usingRemembered && m_cached)
            forgetCredential(m_session->serverUrl(), m_cached->user.email);
        returnToLogin(message);
    });
    auto *keychain = new KeychainStore(this);
    m_credentials = keychain;
    connect(m_api, &ApiClient::sessionExpired, this,
            [this] { returnToLogin(tr("Your session has expired. Please log in again.")); });
}

AppController::~AppController()
{
    writeRememberedLogin(); // never went live: the login still succeeded
    discardPrepared();
    tearDownSession();
    delete m_login;
}

void AppController::start(const LaunchOptions &options)
{
    const AppSettings settings = AppSettings::load();
    applyTheme(settings.theme);
    setLanguage(options.language.isEmpty() ? settings.language : options.language);
    const QString trustError =
        applyTrust(options.caCertFile.isEmpty() ? settings.caCertFile : options.caCertFile);
    // A stored certificate that cannot be used is not fatal: servers the system trusts still
    // work, and the login dialog says why others fail.

    m_usingRemembered = false;
    if (!options.password && settings.rememberMe && m_credentials && m_credentials->isAvailable()) {
        // "Remember me": the password from the keychain, then the same path as
        // --password-stdin (offline start included). Nothing there: the dialog.
        const QString email = options.email.isEmpty() ? settings.email : options.email;
        const QUrl url = AuthSession::normalizeServerUrl(
            options.serverUrl.isEmpty() ? AppSettings::defaultServerUrl() : options.serverUrl);
        if (url.isValid() && !email.isEmpty()) {
            m_credentials->read(CredentialStore::keyFor(url, email), this,
                                [this, url, email, options](std::optional<QString> secret) {
                                    if (!secret) {
                                        showLogin();
                                        if (m_login)
                                            m_login->setEmail(email);
                                        return;
                                    }
                                    m_usingRemembered = true;
                                    loginDirect(url, email, *secret, options.serverUrl);
                                });
            return;
        }
    }
    if (options.password && !options.email.isEmpty()) {
        // Non-interactive login: no dialog unless it fails.
        const QString server =
            options.serverUrl.isEmpty() ? AppSettings::defaultServerUrl() : options.serverUrl;
        const QUrl url = AuthSession::normalizeServerUrl(server);
        if (!url.isValid()) {
            const QString msg = tr("\"%1\" is not a valid server address.").arg(server);
            Q_EMIT loginFailed(msg);
            showLogin(msg);
            return;
        }
        loginDirect(url, options.email, *options.password, options.serverUrl);
        return;
    }
    showLogin(trustError);
    if (m_login && !options.serverUrl.isEmpty())
        m_login->setServerUrl(options.serverUrl);
    if (m_login && !options.email.isEmpty())
        m_login->setEmail(options.email);
}

QString AppController::applyTrust(const QString &file)
{
    QString error;
    if (!client::tlstrust::trustExtraFile(file, &error)) {
        qCWarning(lcUi).noquote() << "extra certificate not trusted:" << error;
        client::tlstrust::trustExtra({});
        return error;
    }
    if (!file.isEmpty())
        qCInfo(lcUi).noquote() << "trusting" << file << "besides the system's CAs";
    return {};
}

namespace {

// While the server checks the password (argon2id: most of the login's round trip) the GUI
// thread only waits. What the window and the sockets need first is loaded then, not after the
// answer, when it would delay going live (issue 17 item 6). Once per process; queued behind
// the login request, which the network thread then sends meanwhile. GUI thread.
void warmUpWhileLoggingIn()
{
    static bool done = false;
    if (done)
        return;
    done = true;
    // QWebSocket's constructor reads the default TLS configuration, which loads the TLS
    // backend (OpenSSL), even for ws://.
    QSslSocket::supportsSsl();
    // The font database (fontconfig) behind the window's first fontMetrics(), and the bold
    // face of the titles.
    QFont bold = QApplication::font();
    bold.setWeight(QFont::DemiBold);
    (void)QFontMetrics(QApplication::font()).height();
    (void)QFontMetrics(bold).horizontalAdvance(u"CrewDeck"_s);
}

} // namespace

void AppController::loginDirect(const QUrl &url, const QString &email, const QString &password,
                                const QString &serverText)
{
    m_api->login(url, email, password, this,
                 [this, url, email, password, serverText](const ApiResult<LoginResponse> &r) {
                     if (!r.ok()) {
                         discardPrepared();
                         if (r.failure.isUnreachable() && openOffline(url, email, password))
                             return;
                         if (m_usingRemembered &&
                             r.failure.kind == ApiFailure::Kind::InvalidCredentials)
                             forgetCredential(url, email); // changed elsewhere: ask again
                         m_usingRemembered = false;
                         Q_EMIT loginFailed(r.failure.message);
                         showLogin(r.failure.message);
                         if (m_login) {
                             m_login->setEmail(email);
                             if (!serverText.isEmpty())
                                 m_login->setServerUrl(serverText);
                         }
                         return;
                     }
                     // Remembered like a dialog login: URL and e-mail, never the password.
                     // Written a second after going live (checkLive): a QSettings write is
                     // synced to disk (with fsync) on this thread, 8-15 ms of the cold start
                     // otherwise (issue 17).
                     m_rememberLogin = LoginDialog::Accepted{url.toString(), email, {}};
                     onLoggedIn();
                 });
    // After the request: it goes out first.
    QTimer::singleShot(0, this, [this] {
        warmUpWhileLoggingIn();
        prepareLiveWindow();
    });
}

bool AppController::openOffline(const QUrl &url, const QString &email, const QString &password)
{
    auto cached = m_offline->cache().load(url, email);
    if (!cached)
        return false;
    qCInfo(lcUi) << "server unreachable: showing the cache of" << cached->savedAt;
    discardPrepared();
    if (m_login)
        m_login->hide();
    m_offline->stopRetrying();
    tearDownSession();
    m_session->setServerUrl(url);
    m_cached = cached;
    m_offlineSince = cached->savedAt;
    m_dashboard = new DashboardData(m_api, this);
    m_dashboard->restore(*cached, true);
    buildWindow();
    m_offline->retry(url, email, password);
    Q_EMIT dashboardOffline();
    return true;
}

// A retry got through: the same pages, live. The cached values stay on the cards until the
// REST refresh replaces them; the mission socket resumes from the cached seq.
void AppController::goLive(const std::optional<client::CachedState> &cached)
{
    const QString page = m_window ? m_window->currentPage() : QString();
    m_resume = cached;
    onLoggedIn();
    if (m_window && !page.isEmpty())
        m_window->showPage(page);
}

void AppController::updateOfflineNotice()
{
    if (!m_window)
        return;
    if (!isOffline()) {
        m_window->setOfflineNotice({});
        return;
    }
    const QDateTime local = m_offlineSince.toLocalTime();
    const QString when = local.date() == QDate::currentDate()
                             ? QLocale().toString(local.time(), QLocale::ShortFormat)
                             : QLocale().toString(local, QLocale::ShortFormat);
    QString text = tr("Offline \u2014 last updated %1").arg(when);
    const QDateTime next = m_offline->nextRetryAt();
    if (next.isValid()) {
        const qint64 s =
            std::max<qint64>(0, (QDateTime::currentDateTimeUtc().msecsTo(next) + 999) / 1000);
        text += u" \u00b7 "_s + tr("retrying in %n s", nullptr, int(s));
    }
    m_window->setOfflineNotice(text);
}

void AppController::setLanguage(const QString &code)
{
    // "system" (the default): the OS's preferred UI languages pick the translation and its
    // locale gives the number and date formats (de_AT, en_GB, ...); "en"/"de" override both.
    const QLocale locale = AppSettings::effectiveLocale(code, QLocale::system());
    const QString lang = AppSettings::effectiveLanguage(code, QLocale::system());
    QCoreApplication::removeTranslator(&m_appTranslator);
    QCoreApplication::removeTranslator(&m_qtTranslator);
    if (lang == u"de"_s) {
        if (m_appTranslator.load(u":/i18n/crewdeck_de.qm"_s))
            QCoreApplication::installTranslator(&m_appTranslator);
        else
            qCWarning(lcUi) << "German translation is missing from the resources";
        // Qt's own texts (dialog buttons); optional: not every system installs them.
        if (m_qtTranslator.load(u"qtbase_de"_s, QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QCoreApplication::installTranslator(&m_qtTranslator);
    }
    const bool changed = lang != m_language || locale != m_locale;
    m_language = lang;
    m_locale = locale;
    QLocale::setDefault(locale);
    if (changed && m_window) {
        // Rebuilding is simpler and more complete than retranslating every widget.
        m_window->close();
        m_window->deleteLater();
        m_window = nullptr;
        buildWindow();
    }
}

void AppController::showLogin(const QString &message)
{
    if (!m_login) {
        m_login = new LoginDialog(m_api, m_credentials);
        m_login->setAttribute(Qt::WA_DeleteOnClose, false);
        connect(m_login, &QDialog::accepted, this, [this] {
            // Written after going live, like a direct login's (see loginDirect).
            m_rememberLogin = m_login->accepted();
            onLoggedIn();
        });
        connect(m_login, &QDialog::rejected, this, &AppController::loginCancelled);
        connect(m_login, &LoginDialog::loginStarted, this, [this] {
            // After the request, like loginDirect's.
            QTimer::singleShot(0, this, [this] {
                warmUpWhileLoggingIn();
                prepareLiveWindow();
            });
        });
        connect(m_login, &LoginDialog::loginFailed, this, &AppController::discardPrepared);
        connect(m_login, &LoginDialog::loginFailed, this, &AppController::loginFailed);
        connect(m_login, &LoginDialog::serverUnreachable, this,
                [this](const QUrl &url, const QString &email, const QString &password) {
                    openOffline(url, email, password);
                });
    }
    m_login->setMessage(message);
    m_login->show();
    m_login->raise();
    m_login->activateWindow();
    Q_EMIT loginShown();
}

void AppController::onLoggedIn()
{
    if (m_login)
        m_login->hide();
    m_offline->stopRetrying();
    m_offlineSince = {};
    m_cached.reset();
    tearDownSession();
    m_liveAnnounced = false;
    // Built while the server checked the password (prepareLiveWindow), or now.
    if (!m_prepared.dashboard || !m_prepared.streams)
        discardPrepared(); // nothing (back from offline: OfflineMode's retry) or half of it
    Prepared prepared = std::exchange(m_prepared, {});
    if (!prepared.dashboard)
        makeSessionModels(&prepared);
    m_dashboard = prepared.dashboard;
    m_streams = prepared.streams;
    connect(m_streams, &LiveStreams::authenticationFailed, this,
            [this] { returnToLogin(tr("Your session has expired. Please log in again.")); });
    connect(m_dashboard, &DashboardData::cardChanged, this, &AppController::checkLive);
    // Back from offline: the cached values stay until REST answers; the mission socket
    // resumes from the cached seq.
    const std::optional<client::CachedState> resume = std::exchange(m_resume, std::nullopt);
    if (resume) {
        m_dashboard->restore(*resume, false);
        if (resume->missionSeq)
            m_streams->setMissionResumePoint(*resume->missionSeq);
    }

    // The network first: REST and the mission handshake are answered while the window is
    // being built, if it was not built during the login (cold start to live). The mission
    // socket before REST: its handshake (a new TCP connection) answers last.
    m_streams->start();
    m_dashboard->start();
    connect(m_streams->mission(), &LiveSocket::stateChanged, this, &AppController::checkLive);
    // The runs list and the notifications follow every crew of the org.
    m_streams->followCrews(m_dashboard->crewsModel());
    // The analytics page takes the cached range when it is built.
    m_analyticsResume.reset();
    if (resume && resume->analyticsRange) {
        const DateRange r = *resume->analyticsRange;
        m_analyticsResume =
            r.preset == u"custom"_s
                ? r
                : DateRange::forPreset(r.preset, QDateTime::currentDateTimeUtc(), r.bucket);
    }
    m_window = prepared.window ? prepared.window.data() : makeLiveWindow(m_dashboard);
    finishLiveWindow();
    Q_EMIT loggedIn();
}

void AppController::buildWindow()
{
    if (isOffline()) {
        m_window = new MainWindow(m_session, m_dashboard, nullptr);
        connectWindow(m_window);
        // What the cache can show (dashboard, analytics); the rest needs the server.
        m_window->setUserEmail(m_cached ? m_cached->user.email : QString());
        const QString why = tr("Needs a connection to the server.");
        m_window->addUnavailablePage(u"runs"_s, tr("Runs"), u"run"_s, why);
        m_window->addUnavailablePage(u"crews"_s, tr("Crews"), u"crew"_s, why);
        m_window->addUnavailablePage(u"graph"_s, tr("Graph"), u"graph"_s, why);
        m_analyticsPage = installAnalytics(m_window, m_api, m_dashboard, nullptr);
        if (m_cached && m_cached->analyticsRange)
            m_analyticsPage->restoreCached(*m_cached->analyticsRange, m_cached->analytics);
        m_analyticsPage->setOffline(true);
        m_window->dashboardPage()->setOffline(true);
        connect(m_offline, &OfflineMode::retryScheduled, m_window,
                [this] { updateOfflineNotice(); });
        auto *tick = new QTimer(m_window); // the "retrying in" countdown
        connect(tick, &QTimer::timeout, this, &AppController::updateOfflineNotice);
        tick->start(1000);
        updateOfflineNotice();
        m_window->show();
        Q_EMIT mainWindowShown();
        return;
    }
    m_window = makeLiveWindow(m_dashboard);
    finishLiveWindow();
}

void AppController::writeRememberedLogin()
{
    if (!m_rememberLogin)
        return;
    LoginDialog::remember(*m_rememberLogin);
    m_rememberLogin.reset();
}

void AppController::tearDownSession()
{
    m_offline->stopRecording(); // the last state into the cache, while it is all still here
    if (m_window) {
        m_window->close(); // saves the geometry
        m_window->deleteLater();
        m_window = nullptr;
    }
    if (m_streams) {
        // Every socket closes now; the pages' references die with the window.
        m_streams->disconnect(this);
        m_streams->stop();
        m_streams->deleteLater();
        m_streams = nullptr;
    }
    if (m_dashboard) {
        m_dashboard->stop();
        m_dashboard->deleteLater();
        m_dashboard = nullptr;
    }
}

void AppController::returnToLogin(const QString &message)
{
    if (!m_session->isLoggedIn() && !m_window)
        return; // several calls failing at once: one return is enough
    qCInfo(lcUi) << "session ended, back to login";
    writeRememberedLogin();
    discardPrepared();
    m_offline->stopRetrying();
    const QString email = m_cached ? m_cached->user.email : m_session->user().email;
    m_offlineSince = {};
    m_cached.reset();
    tearDownSession();
    m_session->end();
    showLogin(message);
    if (m_login && !email.isEmpty())
        m_login->setEmail(email);
}

// Signing out forgets what was kept for this account: the remembered password and the
// offline cache.
void AppController::logout()
{
    const QUrl server = m_session->serverUrl();
    const QString email = m_cached ? m_cached->user.email : m_session->user().email;
    returnToLogin({});
    if (!email.isEmpty()) {
        forgetCredential(server, email);
        m_offline->cache().remove(server, email);
    }
    if (m_login) // unchecked: signing out means "do not keep me"
        m_login->rememberCheck()->setChecked(false);
}

void AppController::forgetCredential(const QUrl &server, const QString &email)
{
    QSettings().setValue(u"login/remember"_s, false);
    if (m_credentials)
        m_credentials->remove(CredentialStore::keyFor(server, email));
}

void AppController::setCredentialStore(CredentialStore *store)
{
    m_credentials = store;
}

bool AppController::isDashboardLive() const
{
    if (!m_dashboard || !m_streams)
        return false;
    const auto st = m_dashboard->cardState(DashboardData::Card::Stats).status;
    return (st == CardState::Status::Ready || st == CardState::Status::Empty) &&
           m_dashboard->isFresh(DashboardData::Card::Stats) && m_streams->isMissionLive();
}

void AppController::checkLive()
{
    if (!m_liveAnnounced && isDashboardLive()) {
        m_liveAnnounced = true;
        Q_EMIT dashboardLive();
        // Not before the live dashboard's first frames: the write is synced to disk (QSaveFile,
        // fsync) on this thread, 8-15 ms that delayed going live (issue 17). Earlier when the
        // session ends, the settings open or the controller goes.
        QTimer::singleShot(1000, this, &AppController::writeRememberedLogin);
    }
}

void AppController::showSettings()
{
    writeRememberedLogin(); // the dialog shows the settings as they are
    AppSettings current = AppSettings::load();
    if (current.serverUrl.isEmpty())
        current.serverUrl = m_session->serverUrl().toString();
    SettingsDialog dlg(current, m_window);
    if (dlg.exec() != QDialog::Accepted)
        return;
    AppSettings next = dlg.values();
    if (m_window)
        next.windowGeometry = m_window->saveGeometry();
    next.save();
    applyTheme(next.theme);
    if (m_dashboard)
        m_dashboard->setRefreshInterval(next.refreshSeconds * 1000);
    if (m_tray)
        m_tray->setEnabled(next.trayNotifications);
    if (next.caCertFile != current.caCertFile)
        applyTrust(next.caCertFile); // the dialog checked that the file is usable
    setLanguage(next.language);
}

} // namespace crewdeck::ui
