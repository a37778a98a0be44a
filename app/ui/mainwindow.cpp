#include "app/ui/mainwindow.h"
#include "app/models/dashboarddata.h"
#include "app/net/authsession.h"
#include "app/net/livesocket.h"
#include "app/ui/dashboardpage.h"
#include "app/ui/liveindicator.h"
#include "app/ui/theme.h"

#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QSettings>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

MainWindow::MainWindow(client::AuthSession *session, client::DashboardData *dashboard,
                       client::LiveSocket *mission, QWidget *parent)
    : QMainWindow(parent)
{
    setObjectName(u"mainWindow"_s);
    setWindowTitle(tr("CrewDeck"));
    setWindowIcon(icon(u"crewdeck"_s));
    const int em = fontMetrics().height();

    auto *central = new QWidget(this);
    auto *h = new QHBoxLayout(central);
    h->setContentsMargins(0, 0, 0, 0);
    h->setSpacing(0);

    m_sidebar = new QListWidget(central);
    m_sidebar->setObjectName(u"sidebar"_s);
    m_sidebar->setIconSize(QSize(em * 5 / 4, em * 5 / 4));
    m_sidebar->setFrameShape(QFrame::NoFrame);
    m_sidebar->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
    m_sidebar->setFixedWidth(em * 11);
    m_sidebar->setSpacing(em / 6);
    h->addWidget(m_sidebar);

    auto *right = new QWidget(central);
    auto *v = new QVBoxLayout(right);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(0);

    auto *header = new QWidget(right);
    header->setObjectName(u"header"_s);
    header->setAutoFillBackground(true);
    header->setBackgroundRole(QPalette::Base);
    auto *hl = new QHBoxLayout(header);
    hl->setContentsMargins(em, em / 2, em, em / 2);
    m_pageTitle = new QLabel(header);
    QFont tf = m_pageTitle->font();
    tf.setWeight(QFont::DemiBold);
    m_pageTitle->setFont(tf);
    hl->addWidget(m_pageTitle);
    hl->addStretch(1);
    m_indicator = new LiveIndicator(header);
    m_indicator->setObjectName(u"liveIndicator"_s);
    m_indicator->setSocket(mission);
    hl->addWidget(m_indicator);
    m_userLabel = new QLabel(session->user().email, header);
    m_userLabel->setObjectName(u"userLabel"_s);
    if (!session->user().role.isEmpty())
        m_userLabel->setToolTip(tr("Role: %1").arg(session->user().role));
    hl->addWidget(m_userLabel);
    auto *settings = new QToolButton(header);
    settings->setObjectName(u"settingsButton"_s);
    settings->setIcon(icon(u"settings"_s));
    settings->setToolTip(tr("Settings"));
    settings->setAutoRaise(true);
    connect(settings, &QToolButton::clicked, this, &MainWindow::settingsRequested);
    hl->addWidget(settings);
    auto *logout = new QToolButton(header);
    logout->setObjectName(u"logoutButton"_s);
    logout->setIcon(icon(u"logout"_s));
    logout->setToolTip(tr("Log out"));
    logout->setAutoRaise(true);
    connect(logout, &QToolButton::clicked, this, &MainWindow::logoutRequested);
    hl->addWidget(logout);
    v->addWidget(header);

    // Offline: says how old what is shown is; greyed like the cards below it.
    m_offlineBanner = new QLabel(right);
    m_offlineBanner->setObjectName(u"offlineBanner"_s);
    m_offlineBanner->setContentsMargins(em, em / 3, em, em / 3);
    m_offlineBanner->setAutoFillBackground(true);
    m_offlineBanner->setBackgroundRole(QPalette::AlternateBase);
    {
        QFont f = m_offlineBanner->font();
        f.setWeight(QFont::DemiBold);
        m_offlineBanner->setFont(f);
    }
    m_offlineBanner->hide();
    v->addWidget(m_offlineBanner);

    auto *body = new QHBoxLayout;
    body->setContentsMargins(0, 0, 0, 0);
    body->setSpacing(0);
    m_pages = new QStackedWidget(right);
    body->addWidget(m_pages, 1);
    // Toasts (ToastManager) live here, under the header beside the page rather than over
    // it; hidden while there are none, so the page gets the width back.
    m_toastArea = new QWidget(right);
    m_toastArea->setObjectName(u"toastArea"_s);
    m_toastArea->setFixedWidth(em * 23);
    m_toastArea->hide();
    body->addWidget(m_toastArea);
    v->addLayout(body, 1);
    h->addWidget(right, 1);
    setCentralWidget(central);

    m_dashboard = new DashboardPage(dashboard, m_pages);
    connect(m_dashboard, &DashboardPage::runActivated, this, &MainWindow::runActivated);
    addPage(u"dashboard"_s, tr("Dashboard"), u"dashboard"_s, m_dashboard);

    connect(m_sidebar, &QListWidget::currentRowChanged, this, [this](int row) {
        if (QListWidgetItem *item = m_sidebar->item(row))
            showPage(item->data(Qt::UserRole).toString());
    });
    m_sidebar->setCurrentRow(0);

    const QByteArray geometry = QSettings().value(u"window/geometry"_s).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(em * 70, em * 45);
}

QListWidgetItem *MainWindow::addSidebarItem(const QString &key, const QString &title,
                                            const QString &iconName)
{
    auto *item = new QListWidgetItem(icon(iconName), title, m_sidebar);
    item->setData(Qt::UserRole, key);
    item->setSizeHint(QSize(0, fontMetrics().height() * 2));
    return item;
}

void MainWindow::addPage(const QString &key, const QString &title, const QString &iconName,
                         QWidget *page)
{
    addSidebarItem(key, title, iconName);
    m_pages->addWidget(page);
    m_pageByKey.insert(key, page);
}

void MainWindow::addLazyPage(const QString &key, const QString &title, const QString &iconName,
                             PageFactory make)
{
    addSidebarItem(key, title, iconName);
    m_factories.insert(key, std::move(make));
}

void MainWindow::addLazyHiddenPage(const QString &key, const QString &title, PageFactory make,
                                   const QString &parentKey)
{
    m_factories.insert(key, std::move(make));
    m_hiddenTitles.insert(key, title);
    if (!parentKey.isEmpty())
        m_hiddenParents.insert(key, parentKey);
}

QWidget *MainWindow::page(const QString &key)
{
    if (QWidget *built = m_pageByKey.value(key))
        return built;
    const PageFactory make = m_factories.take(key);
    if (!make)
        return nullptr;
    QWidget *built = make();
    if (!built)
        return nullptr;
    m_pages->addWidget(built);
    m_pageByKey.insert(key, built);
    return built;
}

void MainWindow::addUnavailablePage(const QString &key, const QString &title,
                                    const QString &iconName, const QString &reason)
{
    QListWidgetItem *item = addSidebarItem(key, title, iconName);
    item->setFlags(item->flags() & ~(Qt::ItemIsEnabled | Qt::ItemIsSelectable));
    item->setToolTip(reason);
}

void MainWindow::setOfflineNotice(const QString &text)
{
    m_offlineBanner->setText(text);
    m_offlineBanner->setVisible(!text.isEmpty());
}

QString MainWindow::offlineNotice() const
{
    return m_offlineBanner->isVisibleTo(this) ? m_offlineBanner->text() : QString();
}

void MainWindow::setUserEmail(const QString &email, const QString &role)
{
    m_userLabel->setText(email);
    m_userLabel->setToolTip(role.isEmpty() ? QString() : tr("Role: %1").arg(role));
}

void MainWindow::addHiddenPage(const QString &key, const QString &title, QWidget *page,
                               const QString &parentKey)
{
    m_pages->addWidget(page);
    m_pageByKey.insert(key, page);
    m_hiddenTitles.insert(key, title);
    if (!parentKey.isEmpty())
        m_hiddenParents.insert(key, parentKey);
}

bool MainWindow::showPage(const QString &key)
{
    QWidget *shown = page(key);
    if (!shown)
        return false;
    m_pages->setCurrentWidget(shown);
    if (m_hiddenTitles.contains(key)) {
        m_pageTitle->setText(m_hiddenTitles.value(key));
        // Highlight the parent entry without switching to its page: currentRowChanged
        // would show the parent. Clicking the highlighted entry still goes back
        // (AppController listens to itemClicked).
        const QString parent = m_hiddenParents.value(key);
        const QSignalBlocker block(m_sidebar);
        int row = -1;
        for (int i = 0; i < m_sidebar->count(); ++i) {
            if (!parent.isEmpty() && m_sidebar->item(i)->data(Qt::UserRole).toString() == parent)
                row = i;
        }
        m_sidebar->setCurrentRow(row);
        return true;
    }
    for (int i = 0; i < m_sidebar->count(); ++i) {
        if (m_sidebar->item(i)->data(Qt::UserRole).toString() == key) {
            if (m_sidebar->currentRow() != i)
                m_sidebar->setCurrentRow(i);
            m_pageTitle->setText(m_sidebar->item(i)->text());
        }
    }
    return true;
}

QString MainWindow::currentPage() const
{
    return m_pageByKey.key(m_pages->currentWidget());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings().setValue(u"window/geometry"_s, saveGeometry());
    QMainWindow::closeEvent(event);
}

} // namespace crewdeck::ui
