// The desktop app against a real crewdeck server running in this process (TestServer on a
// loopback port with a temporary data dir): login and its failures, the dashboard's cards
// and states, the live indicator across a server restart, 4401, reflow and German.
#include "app/models/dashboarddata.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/net/livesocket.h"
#include "app/ui/appcontroller.h"
#include "app/ui/card.h"
#include "app/ui/dashboardpage.h"
#include "app/ui/format.h"
#include "app/ui/liveindicator.h"
#include "app/ui/logindialog.h"
#include "app/ui/mainwindow.h"
#include "app/ui/responsivegrid.h"
#include "tests/support/testserver.h"

#include "app/ui/settingsdialog.h"
#include <QApplication>
#include <QComboBox>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocketServer>

using namespace Qt::StringLiterals;
using namespace crewdeck;
using namespace crewdeck::ui;
using crewdeck::client::CardState;
using crewdeck::client::LiveSocket;
using Status = CardState::Status;

namespace {
const QString Email = u"ann@acme.test"_s;
const QString Password = u"password123"_s;

// Saves a picture of `w` when CREWDECK_SCREENSHOT_DIR is set (for looking at the UI).
void snap(QWidget *w, const QString &name)
{
    const QString dir = qEnvironmentVariable("CREWDECK_SCREENSHOT_DIR");
    if (!dir.isEmpty() && w)
        w->grab().save(dir + u"/crewdeck-"_s + name + u".png"_s);
}
} // namespace

class TestDashboard : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void loginWrongPasswordSaysSo();
    void loginUnreachablePortSaysSo();
    void loginShowsLoadingThenLiveDashboard();
    void cardsShowExactlyWhatTheServerSays();
    void recentRunClickEmitsRunId();
    void cardErrorStateRetryAndBanner();
    void indicatorFollowsServerRestart();
    void socket4401ReturnsToLogin();
    void gridReflowsWithWidth();
    void germanTranslationLoads();
    void indicatorShowsStaleWhenSilent();
    void settingsDialogRoundTrip();

private:
    AppController *loginApp(AppController &ctl, const LaunchOptions &options = {});
    std::unique_ptr<testsupport::TestServer> m_server;
    quint16 m_port = 0;
    QTemporaryDir m_settingsDir;
    QString m_token;
    QString m_crewId;
};

void TestDashboard::initTestCase()
{
    qunsetenv("CREWDECK_API_URL");
    QCoreApplication::setOrganizationName(u"CrewDeckTest"_s);
    QCoreApplication::setApplicationName(u"tst_dashboard"_s);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());

    testsupport::TestServer::Options o;
    o.configure = [this](server::ServerConfig &c) {
        c.listenPort = m_port; // 0 the first time; the same port after a restart
        c.wsHeartbeatSeconds = 2;
    };
    m_server = std::make_unique<testsupport::TestServer>(o);
    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    m_port = m_server->port();
    QVERIFY(!m_server->createUser(u"Acme"_s, Email, u"admin"_s, Password).id.isEmpty());
    m_token = m_server->login(Email, Password);
    QVERIFY(!m_token.isEmpty());
    const auto crew = m_server->post(
        u"/crews"_s,
        QJsonObject{{u"name"_s, u"Alpha crew"_s},
                    {u"agents"_s, QJsonArray{QJsonObject{{u"name"_s, u"Ada"_s},
                                                         {u"role"_s, u"builder"_s},
                                                         {u"tools"_s, QJsonArray{u"script"_s}}},
                                             QJsonObject{{u"name"_s, u"Bob"_s},
                                                         {u"role"_s, u"tester"_s},
                                                         {u"tools"_s, QJsonArray{u"pytest"_s}}}}}},
        m_token);
    QCOMPARE(crew.status, 201);
    m_crewId = crew.json().value(u"id"_s).toString();
    QVERIFY(!m_crewId.isEmpty());
}

void TestDashboard::cleanupTestCase()
{
    if (m_server)
        m_server->stop();
}

void TestDashboard::init()
{
    QSettings().clear();
    if (m_server && !m_server->app()) {
        QString err;
        QVERIFY2(m_server->start(&err), qPrintable(err));
    }
}

AppController *TestDashboard::loginApp(AppController &ctl, const LaunchOptions &options)
{
    ctl.setBackoff(100, 800);
    ctl.start(options);
    LoginDialog *dlg = ctl.loginDialog();
    if (!dlg)
        return nullptr;
    dlg->setServerUrl(m_server->baseUrl().toString());
    dlg->setEmail(Email);
    dlg->setPassword(Password);
    QTest::mouseClick(dlg->findChild<QPushButton *>(u"loginButton"_s), Qt::LeftButton);
    if (!QTest::qWaitFor([&] { return ctl.mainWindow() != nullptr; }, 20000))
        return nullptr;
    return &ctl;
}

void TestDashboard::loginWrongPasswordSaysSo()
{
    AppController ctl;
    ctl.start();
    LoginDialog *dlg = ctl.loginDialog();
    QVERIFY(dlg && dlg->isVisible());
    QCOMPARE(dlg->serverUrl(), u"http://127.0.0.1:8080"_s); // no env, nothing remembered
    dlg->setServerUrl(m_server->baseUrl().toString());
    dlg->setEmail(Email);
    dlg->setPassword(u"not-the-password"_s);
    QSignalSpy failed(dlg, &LoginDialog::loginFailed);
    dlg->submit();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 20000);
    QCOMPARE(dlg->errorText(), u"Wrong e-mail address or password."_s);
    QVERIFY(!ctl.mainWindow());
    QVERIFY(!ctl.session()->isLoggedIn());
    snap(dlg, u"login-wrong-password"_s);
    // The window built while the server checked the password is gone, never shown.
    auto mainWindows = [] {
        QList<MainWindow *> found;
        for (QWidget *w : QApplication::topLevelWidgets())
            if (auto *mw = qobject_cast<MainWindow *>(w))
                found.append(mw);
        return found;
    };
    QVERIFY(mainWindows().isEmpty());
    // The right password in the same dialog: one window, shown.
    dlg->setPassword(Password);
    dlg->submit();
    QTRY_VERIFY_WITH_TIMEOUT(ctl.mainWindow() != nullptr, 20000);
    QCOMPARE(mainWindows(), QList<MainWindow *>{ctl.mainWindow()});
    QVERIFY(ctl.mainWindow()->isVisible());
    QCOMPARE(ctl.mainWindow()->findChild<QLabel *>(u"userLabel"_s)->text(), Email);
}

void TestDashboard::loginUnreachablePortSaysSo()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 dead = probe.serverPort();
    probe.close();
    AppController ctl;
    ctl.start();
    LoginDialog *dlg = ctl.loginDialog();
    dlg->setServerUrl(u"http://127.0.0.1:%1"_s.arg(dead));
    dlg->setEmail(Email);
    dlg->setPassword(Password);
    QSignalSpy failed(dlg, &LoginDialog::loginFailed);
    dlg->submit();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 20000);
    QVERIFY2(dlg->errorText().contains(u"connection was refused"_s), qPrintable(dlg->errorText()));
    QVERIFY2(dlg->errorText().contains(QString::number(dead)), qPrintable(dlg->errorText()));

    // Empty fields are caught before any request.
    dlg->setPassword({});
    dlg->submit();
    QCOMPARE(dlg->errorText(), u"Enter your password."_s);
    snap(dlg, u"login-unreachable"_s);
}

void TestDashboard::loginShowsLoadingThenLiveDashboard()
{
    AppController ctl;
    bool sawLoading = false;
    connect(&ctl, &AppController::loggedIn, this, [&] {
        // The requests are out, no answer yet: every card shows its spinner.
        DashboardPage *page = ctl.mainWindow()->dashboardPage();
        sawLoading = page->card(u"total_runs"_s)->state().status == Status::Loading &&
                     page->card(u"c7t_balance"_s)->state().status == Status::Loading &&
                     page->card(u"crews"_s)->state().status == Status::Loading;
    });
    QVERIFY(loginApp(ctl));
    QVERIFY(sawLoading);
    QTRY_VERIFY_WITH_TIMEOUT(ctl.isDashboardLive(), 20000);
    MainWindow *w = ctl.mainWindow();
    QCOMPARE(w->currentPage(), u"dashboard"_s);
    QTRY_COMPARE(w->liveIndicator()->mode(), LiveIndicator::Mode::Live);
    QCOMPARE(w->liveIndicator()->text(), u"Live"_s);
    // URL and e-mail are remembered (written a moment after going live), the password never.
    QTRY_COMPARE(QSettings().value(u"login/email"_s).toString(), Email);
    QSettings s;
    QCOMPARE(s.value(u"server/url"_s).toString(), m_server->baseUrl().toString());
    for (const QString &key : s.allKeys())
        QVERIFY2(!s.value(key).toString().contains(Password), qPrintable(key));
    // The next dialog offers the remembered URL.
    LoginDialog fresh(ctl.api());
    QCOMPARE(fresh.serverUrl(), m_server->baseUrl().toString());
    QCOMPARE(fresh.email(), Email);
}

void TestDashboard::cardsShowExactlyWhatTheServerSays()
{
    AppController ctl;
    QVERIFY(loginApp(ctl));
    QTRY_VERIFY_WITH_TIMEOUT(ctl.isDashboardLive() && ctl.dashboard()->isSettled(), 20000);
    DashboardPage *page = ctl.mainWindow()->dashboardPage();
    ctl.mainWindow()->resize(1400, 1000);

    const auto statsJson = m_server->get(u"/dashboard/stats"_s, m_token);
    QCOMPARE(statsJson.status, 200);
    QString err;
    const auto stats = DashboardStats::fromJson(statsJson.json(), &err);
    QVERIFY2(stats, qPrintable(err));
    const auto tokJson = m_server->get(u"/dashboard/tokens/stats"_s, m_token);
    const auto tokens = TokenStats::fromJson(tokJson.json(), &err);
    QVERIFY2(tokens, qPrintable(err));

    QCOMPARE(page->statCard(u"total_runs"_s)->value(), formatCount(stats->totalRuns));
    QCOMPARE(page->statCard(u"tokens"_s)->value(), formatCount(stats->totalTokens));
    QCOMPARE(page->statCard(u"active_crews"_s)->value(), formatCount(stats->activeCrews));
    if (stats->totalRuns > 0) {
        QCOMPARE(page->statCard(u"success_rate"_s)->value(), formatPercent(stats->successRate));
        QCOMPARE(page->statCard(u"latency"_s)->value(), formatMs(stats->avgLatencyMs));
    } else {
        // Rates of nothing are an empty state with a hint, not a misleading "0 %".
        QCOMPARE(page->card(u"success_rate"_s)->state().status, Status::Empty);
        QVERIFY(!page->card(u"success_rate"_s)->emptyText().isEmpty());
    }
    QCOMPARE(page->statCard(u"c7t_balance"_s)->value(), formatC7T(tokens->balance, tokens->symbol));
    QCOMPARE(page->statCard(u"c7t_spent"_s)->value(), formatC7T(tokens->spent, tokens->symbol));
    QCOMPARE(page->statCard(u"c7t_earned"_s)->value(), formatC7T(tokens->earned, tokens->symbol));
    QCOMPARE(page->statCard(u"c7t_pending"_s)->value(),
             formatC7T(tokens->pendingRewards, tokens->symbol));
    // A new org starts with 1000 C7T: the text is exactly that, grouped by the locale.
    QCOMPARE(page->statCard(u"c7t_balance"_s)->value(), u"1,000 C7T"_s);

    // The crew appears with its status colour and rotates through its agents.
    QTRY_VERIFY(page->findChild<QWidget *>(u"crew_"_s + m_crewId));
    QWidget *row = page->findChild<QWidget *>(u"crew_"_s + m_crewId);
    const QString status = ctl.dashboard()->crewsModel()->statusOf(m_crewId);
    QCOMPARE(row->property("crewStatus").toString(), status);
    page->setAgentRotationInterval(50);
    QTRY_COMPARE(page->shownAgent(m_crewId), u"Ada · builder"_s);
    QTRY_COMPARE(page->shownAgent(m_crewId), u"Bob · tester"_s);

    // Rentals: none yet -> the empty face with a hint.
    QCOMPARE(page->card(u"rentals"_s)->state().status, Status::Empty);
    QVERIFY(page->card(u"rentals"_s)->emptyText().contains(u"No rentals"_s));
    snap(ctl.mainWindow(), u"dashboard"_s);
}

void TestDashboard::recentRunClickEmitsRunId()
{
    const auto run = m_server->post(
        u"/crews/"_s + m_crewId + u"/runs"_s,
        QJsonObject{{u"steps"_s, QJsonArray{QJsonObject{
                                     {u"tool"_s, u"script"_s},
                                     {u"params"_s, QJsonObject{{u"command"_s, u"echo hi"_s}}}}}}},
        m_token);
    if (run.status == 503)
        QSKIP("the server does not accept runs yet (503: run queue not wired)");
    QCOMPARE(run.status, 202);
    const QString runId = run.json().value(u"id"_s).toString();
    AppController ctl;
    QVERIFY(loginApp(ctl));
    DashboardPage *page = ctl.mainWindow()->dashboardPage();
    QTRY_VERIFY_WITH_TIMEOUT(page->findChild<QPushButton *>(u"run_"_s + runId), 20000);
    QCOMPARE(page->card(u"recent_runs"_s)->state().status, Status::Ready);
    QSignalSpy activated(&ctl, &AppController::runActivated);
    QTest::mouseClick(page->findChild<QPushButton *>(u"run_"_s + runId), Qt::LeftButton);
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated.at(0).at(0).toString(), runId);
}

void TestDashboard::cardErrorStateRetryAndBanner()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 dead = probe.serverPort();
    probe.close();

    client::AuthSession session;
    client::ApiClient api(&session);
    session.setServerUrl(QUrl(u"http://127.0.0.1:%1"_s.arg(dead)));
    client::DashboardData dash(&api);
    DashboardPage page(&dash);
    page.resize(1200, 900);
    page.show();
    QCOMPARE(page.card(u"total_runs"_s)->state().status, Status::Loading);
    dash.start();
    QTRY_VERIFY_WITH_TIMEOUT(dash.isSettled(), 20000);
    Card *balance = page.card(u"c7t_balance"_s);
    QCOMPARE(balance->state().status, Status::Error);
    QCOMPARE(balance->errorText(), u"Not loaded: the server cannot be reached."_s);
    QVERIFY(balance->retryButton()->isVisible());
    QVERIFY(page.errorBanner()->isVisible());
    QVERIFY2(page.bannerText().contains(u"connection was refused"_s),
             qPrintable(page.bannerText()));
    snap(&page, u"dashboard-error"_s);

    // The server is back (here: the right address and a token): Retry on the card loads it.
    bool ok = false;
    api.login(m_server->baseUrl(), Email, Password, this,
              [&ok](const client::ApiResult<LoginResponse> &r) { ok = r.ok(); });
    QTRY_VERIFY(ok);
    QTest::mouseClick(balance->retryButton(), Qt::LeftButton);
    QTRY_COMPARE(balance->state().status, Status::Ready);
    QVERIFY(!page.errorBanner()->isVisible());
    // The other cards still show their errors until their own retry (or the banner's).
    QCOMPARE(page.card(u"total_runs"_s)->state().status, Status::Error);
    QTest::mouseClick(page.findChild<QPushButton *>(u"bannerRetry"_s), Qt::LeftButton);
    QTRY_COMPARE(page.card(u"total_runs"_s)->state().status, Status::Ready);
}

void TestDashboard::indicatorFollowsServerRestart()
{
    AppController ctl;
    QVERIFY(loginApp(ctl));
    LiveIndicator *ind = ctl.mainWindow()->liveIndicator();
    QTRY_COMPARE_WITH_TIMEOUT(ind->mode(), LiveIndicator::Mode::Live, 20000);
    QSignalSpy modes(ind, &LiveIndicator::modeChanged);

    m_server->stop();
    QTRY_COMPARE_WITH_TIMEOUT(ind->mode(), LiveIndicator::Mode::Reconnecting, 20000);
    QVERIFY2(ind->text().startsWith(u"Reconnecting"_s), qPrintable(ind->text()));
    QTRY_VERIFY_WITH_TIMEOUT(ind->text().contains(u"retry in"_s), 10000);
    snap(ctl.mainWindow(), u"dashboard-reconnecting"_s);

    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    QCOMPARE(m_server->port(), m_port);
    QTRY_COMPARE_WITH_TIMEOUT(ind->mode(), LiveIndicator::Mode::Live, 30000);
    QVERIFY(modes.size() >= 2);
    QCOMPARE(modes.first().at(0).value<LiveIndicator::Mode>(), LiveIndicator::Mode::Reconnecting);
    QVERIFY(ctl.mainWindow()); // still logged in
}

void TestDashboard::socket4401ReturnsToLogin()
{
    AppController ctl;
    QVERIFY(loginApp(ctl));
    QTRY_COMPARE_WITH_TIMEOUT(ctl.missionSocket()->state(), LiveSocket::State::Live, 20000);
    // The token is revoked behind our back; the next connect is refused with 4401.
    ctl.missionSocket()->setToken(u"not-a-valid-token"_s);
    m_server->stop();
    QString err;
    QVERIFY2(m_server->start(&err), qPrintable(err));
    QTRY_VERIFY_WITH_TIMEOUT(ctl.mainWindow() == nullptr, 30000);
    QVERIFY(ctl.loginDialog() && ctl.loginDialog()->isVisible());
    QVERIFY2(ctl.loginDialog()->errorText().contains(u"session has expired"_s),
             qPrintable(ctl.loginDialog()->errorText()));
    QVERIFY(!ctl.session()->isLoggedIn());
}

void TestDashboard::gridReflowsWithWidth()
{
    client::AuthSession session;
    client::ApiClient api(&session);
    client::DashboardData dash(&api);
    DashboardPage page(&dash);
    page.show();
    ResponsiveGrid *grid = page.grid();
    const int col = grid->minimumColumnWidth();
    const int chrome = page.width() - grid->width(); // margins and scroll bar around the grid
    const struct
    {
        double columnsWide;
        int expected;
    } cases[] = {{1.5, 1}, {2.6, 2}, {6.0, 4}};
    for (const auto &c : cases) {
        page.resize(int(col * c.columnsWide) + chrome + 40, 800);
        QTRY_COMPARE(grid->columnCount(), c.expected);
        // The fifth stat card (index 4) sits where the column count says.
        const auto cell = grid->cellOf(page.card(u"active_crews"_s));
        QCOMPARE(cell.first, 4 / c.expected);
        QCOMPARE(cell.second, 4 % c.expected);
        snap(&page, u"grid-%1"_s.arg(c.expected));
    }
}

void TestDashboard::germanTranslationLoads()
{
    AppController ctl;
    LaunchOptions o;
    o.language = u"de"_s;
    QVERIFY(loginApp(ctl, o));
    QCOMPARE(ctl.language(), u"de"_s);
    QCOMPARE(ctl.loginDialog()->windowTitle(), u"Bei CrewDeck anmelden"_s);
    DashboardPage *page = ctl.mainWindow()->dashboardPage();
    QCOMPARE(page->card(u"total_runs"_s)->title(), u"Läufe gesamt"_s);
    QTRY_VERIFY_WITH_TIMEOUT(ctl.isDashboardLive(), 20000);
    QTRY_COMPARE(ctl.mainWindow()->liveIndicator()->text(), u"Live"_s);
    snap(ctl.mainWindow(), u"dashboard-de"_s);
    ctl.setLanguage(u"en"_s); // rebuilds the window in English
    QCOMPARE(ctl.mainWindow()->dashboardPage()->card(u"total_runs"_s)->title(), u"Total runs"_s);
}

void TestDashboard::indicatorShowsStaleWhenSilent()
{
    // A server that accepts the socket and then says nothing at all.
    QWebSocketServer silent(u"silent"_s, QWebSocketServer::NonSecureMode);
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    QList<QWebSocket *> keep;
    connect(&silent, &QWebSocketServer::newConnection, this,
            [&] { keep.append(silent.nextPendingConnection()); });
    LiveSocket socket;
    socket.setUrl(QUrl(u"ws://127.0.0.1:%1/ws/mission"_s.arg(silent.serverPort())));
    socket.setHeartbeatInterval(1500); // stale after 1.5 s of silence, dropped after 3 s
    socket.setBackoff(60000, 60000);   // then wait long enough to look at it
    LiveIndicator ind;
    ind.setSocket(&socket);
    QCOMPARE(ind.mode(), LiveIndicator::Mode::Offline);
    QCOMPARE(ind.text(), u"Offline"_s);
    socket.open();
    QCOMPARE(ind.mode(), LiveIndicator::Mode::Connecting);
    QTRY_COMPARE(ind.mode(), LiveIndicator::Mode::Live);
    QTRY_COMPARE_WITH_TIMEOUT(ind.mode(), LiveIndicator::Mode::Stale, 10000);
    QVERIFY2(ind.text().contains(u"last heard"_s), qPrintable(ind.text()));
    QCOMPARE(ind.color(), QColor(0xdc, 0x26, 0x26));
    QTRY_COMPARE_WITH_TIMEOUT(ind.mode(), LiveIndicator::Mode::Reconnecting, 10000);
    QTRY_VERIFY(ind.text().contains(u"retry in"_s));
    socket.close();
    QTRY_COMPARE(ind.mode(), LiveIndicator::Mode::Offline);
}

void TestDashboard::settingsDialogRoundTrip()
{
    AppSettings a;
    a.serverUrl = u"http://example.test:9"_s;
    a.refreshSeconds = 45;
    a.theme = u"dark"_s;
    a.language = u"de"_s;
    SettingsDialog dlg(a);
    QCOMPARE(dlg.findChild<QLineEdit *>(u"serverEdit"_s)->text(), a.serverUrl);
    QCOMPARE(dlg.findChild<QSpinBox *>(u"refreshSpin"_s)->value(), 45);
    QCOMPARE(dlg.findChild<QComboBox *>(u"themeCombo"_s)->currentData().toString(), u"dark"_s);
    dlg.findChild<QSpinBox *>(u"refreshSpin"_s)->setValue(10);
    auto *lang = dlg.findChild<QComboBox *>(u"languageCombo"_s);
    lang->setCurrentIndex(lang->findData(u"en"_s));
    const AppSettings out = dlg.values();
    QCOMPARE(out.refreshSeconds, 10);
    QCOMPARE(out.language, u"en"_s);
    QCOMPARE(out.theme, u"dark"_s);
    out.save();
    const AppSettings back = AppSettings::load();
    QCOMPARE(back.refreshSeconds, 10);
    QCOMPARE(back.serverUrl, a.serverUrl);
    QCOMPARE(AppSettings::defaultServerUrl(), a.serverUrl); // last used wins over the default
    qputenv("CREWDECK_API_URL", "http://from-env.test:1");
    QCOMPARE(AppSettings::defaultServerUrl(), u"http://from-env.test:1"_s); // env wins over both
    qunsetenv("CREWDECK_API_URL");
}

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
