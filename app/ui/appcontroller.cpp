#include "app/ui/appcontroller.h"
#include "app/models/dashboarddata.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/net/livesocket.h"
#include "app/net/livestreams.h"
#include "app/net/tlstrust.h"
#include "app/ui/analytics/analyticssetup.h"
#include "app/ui/crews/crewspage.h"
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
#include <QLibraryInfo>
#include <QListWidget>
#include <QSettings>

using namespace Qt::StringLiterals;
using namespace crewdeck::client;

namespace crewdeck::ui {

AppController::AppController(QObject *parent)
    : QObject(parent), m_session(new AuthSession(this)), m_api(new ApiClient(m_session, this))
{
    connect(m_api, &ApiClient::sessionExpired, this,
            [this] { returnToLogin(tr("Your session has expired. Please log in again.")); });
}

AppController::~AppController()
{
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
        m_api->login(url, options.email, *options.password, this,
                     [this, options, url](const ApiResult<LoginResponse> &r) {
                         if (!r.ok()) {
                             Q_EMIT loginFailed(r.failure.message);
                             showLogin(r.failure.message);
                             if (m_login) {
                                 m_login->setEmail(options.email);
                                 if (!options.serverUrl.isEmpty())
                                     m_login->setServerUrl(options.serverUrl);
                             }
                             return;
                         }
                         // Remembered like a dialog login: URL and e-mail, never the password.
                         QSettings s;
                         s.setValue(u"server/url"_s, url.toString());
                         s.setValue(u"login/email"_s, options.email);
                         onLoggedIn();
                     });
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

void AppController::setLanguage(const QString &code)
{
    const QString lang = code == u"de"_s ? u"de"_s : u"en"_s;
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
    const bool changed = lang != m_language;
    m_language = lang;
    QLocale::setDefault(QLocale(lang == u"de"_s ? QLocale::German : QLocale::English,
                                lang == u"de"_s ? QLocale::Germany : QLocale::UnitedStates));
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
        m_login = new LoginDialog(m_api);
        m_login->setAttribute(Qt::WA_DeleteOnClose, false);
        connect(m_login, &QDialog::accepted, this, &AppController::onLoggedIn);
        connect(m_login, &QDialog::rejected, this, &AppController::loginCancelled);
        connect(m_login, &LoginDialog::loginFailed, this, &AppController::loginFailed);
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
    tearDownSession();
    m_liveAnnounced = false;
    const AppSettings settings = AppSettings::load();

    m_dashboard = new DashboardData(m_api, this);
    m_dashboard->setRefreshInterval(settings.refreshSeconds * 1000);
    m_streams = new LiveStreams(m_session, this);
    m_streams->setHeartbeatInterval(m_heartbeatMs);
    m_streams->setBackoff(m_backoffBaseMs, m_backoffCapMs);
    m_streams->setDashboard(m_dashboard);
    connect(m_streams, &LiveStreams::authenticationFailed, this,
            [this] { returnToLogin(tr("Your session has expired. Please log in again.")); });
    connect(m_dashboard, &DashboardData::cardChanged, this, &AppController::checkLive);

    // The network first: REST and the mission handshake are answered while the window is
    // being built (cold start to live).
    m_dashboard->start();
    m_streams->start();
    connect(m_streams->mission(), &LiveSocket::stateChanged, this, &AppController::checkLive);
    // The runs list and the notifications follow every crew of the org.
    m_streams->followCrews(m_dashboard->crewsModel());
    buildWindow();
    Q_EMIT loggedIn();
}

void AppController::buildWindow()
{
    m_window = new MainWindow(m_session, m_dashboard, m_streams->mission());
    m_window->setAttribute(Qt::WA_DeleteOnClose, false);
    connect(m_window, &MainWindow::settingsRequested, this, &AppController::showSettings);
    connect(m_window, &MainWindow::logoutRequested, this, &AppController::logout);
    connect(m_window, &MainWindow::runActivated, this, &AppController::runActivated);
    connect(m_window, &MainWindow::runActivated, this, &AppController::openRun);
    m_runsPage = new RunsPage(m_api, m_session, m_window);
    m_window->addPage(u"runs"_s, tr("Runs"), u"run"_s, m_runsPage);
    m_streams->setRunsModel(m_runsPage->model());
    m_runDetail = new RunDetailPage(m_api, m_session, m_streams, m_window);
    m_window->addHiddenPage(u"run"_s, tr("Run"), m_runDetail, u"runs"_s);
    m_crewsPage = new CrewsPage(m_api, m_session, m_streams->mission(), m_window);
    m_window->addPage(u"crews"_s, tr("Crews"), u"crew"_s, m_crewsPage);
    {
        LiveExtrasOptions xo;
        xo.trayEnabled = AppSettings::load().trayNotifications;
        const LiveExtras x = installLiveExtras(m_window, m_streams, m_dashboard, xo);
        m_graphPage = x.graph;
        m_toasts = x.toasts;
        m_tray = x.tray;
    }
    m_analyticsPage = installAnalytics(m_window, m_api, m_dashboard, m_streams->mission());
    connect(m_runsPage, &RunsPage::runActivated, this, &AppController::openRun);
    connect(m_runDetail, &RunDetailPage::backRequested, m_window,
            [this] { m_window->showPage(u"runs"_s); });
    // Back from a hidden page (run detail) by clicking the already-selected entry.
    connect(
        m_window->sidebar(), &QListWidget::itemClicked, m_window,
        [this](QListWidgetItem *item) { m_window->showPage(item->data(Qt::UserRole).toString()); });
    m_window->show();
    Q_EMIT mainWindowShown();
}

void AppController::openRun(const QString &runId)
{
    if (!m_window || !m_runDetail || runId.isEmpty())
        return;
    if (m_runDetail->runId() != runId)
        m_runDetail->openRun(runId);
    m_window->showPage(u"run"_s);
}

void AppController::showPageWhenReady(const QString &page, QObject *context,
                                      std::function<void(bool)> done)
{
    if (!m_window) {
        done(false);
        return;
    }
    QPointer<QObject> ctx(context);
    auto finish = [this, ctx, page, done](bool ok) {
        if (!ctx)
            return;
        if (ok && m_window)
            ok = m_window->showPage(page);
        done(ok);
    };
    if (page == u"runs"_s && m_runsPage) {
        if (m_runsPage->isLoaded())
            finish(true);
        else
            connect(
                m_runsPage, &RunsPage::loaded, context, [finish] { finish(true); },
                Qt::SingleShotConnection);
        return;
    }
    if (page == u"crews"_s && m_crewsPage) {
        if (m_crewsPage->isLoaded())
            finish(true);
        else
            connect(
                m_crewsPage, &CrewsPage::loaded, context, [finish] { finish(true); },
                Qt::SingleShotConnection);
        return;
    }
    if (page == u"graph"_s && m_graphPage) {
        // The busiest crew with live data: wait for the crews list, then for a tool event
        // (at most 20 s; an idle server still gets its picture).
        auto pick = [this, context, finish] {
            if (!m_graphPage)
                return finish(false);
            m_graphPage->selectCrew(m_graphPage->busiestCrewId());
            m_window->showPage(u"graph"_s);
            m_graphPage->whenToolEventApplied(20000, context, [finish](bool) { finish(true); });
        };
        if (m_dashboard && m_dashboard->crewsModel()->rowCount() > 0)
            pick();
        else if (m_dashboard)
            connect(m_dashboard->crewsModel(), &QAbstractItemModel::modelReset, context, pick,
                    Qt::SingleShotConnection);
        else
            finish(false);
        return;
    }
    if (page == u"analytics"_s && m_analyticsPage) {
        // The charts filled: every timeseries answered.
        if (m_analyticsPage->isLoaded())
            finish(true);
        else
            connect(
                m_analyticsPage, &AnalyticsPage::loaded, context, [finish] { finish(true); },
                Qt::SingleShotConnection);
        return;
    }
    if (page == u"run"_s && m_runDetail) {
        RunQuery q;
        q.limit = 1;
        m_api->runs(q, context, [this, context, finish](const ApiResult<RunPage> &r) {
            if (!r.ok() || r.value->items.isEmpty() || !m_runDetail) {
                finish(false);
                return;
            }
            connect(
                m_runDetail, &RunDetailPage::loaded, context, [finish] { finish(true); },
                Qt::SingleShotConnection);
            openRun(r.value->items.first().id);
        });
        return;
    }
    finish(m_window->showPage(page));
}

void AppController::tearDownSession()
{
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
    tearDownSession();
    m_session->end();
    showLogin(message);
}

void AppController::logout()
{
    returnToLogin({});
}

bool AppController::isDashboardLive() const
{
    if (!m_dashboard || !m_streams)
        return false;
    const auto st = m_dashboard->cardState(DashboardData::Card::Stats).status;
    return (st == CardState::Status::Ready || st == CardState::Status::Empty) &&
           m_streams->isMissionLive();
}

void AppController::checkLive()
{
    if (!m_liveAnnounced && isDashboardLive()) {
        m_liveAnnounced = true;
        Q_EMIT dashboardLive();
    }
}

void AppController::showSettings()
{
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
