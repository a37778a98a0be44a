#pragma once
#include <QHash>
#include <QMainWindow>
#include <functional>

class QListWidget;
class QListWidgetItem;
class QStackedWidget;
class QLabel;

namespace crewdeck::client {
class DashboardData;
class LiveSocket;
class AuthSession;
} // namespace crewdeck::client

namespace crewdeck::ui {

class DashboardPage;
class LiveIndicator;

// The main window: a sidebar of pages next to a page stack, and a header with the live
// connection indicator, the user, settings and log out. Pages register with addPage(), or
// with addLazyPage() to be built the first time they are shown or asked for (page()).
// Saves its geometry on close. GUI thread.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    MainWindow(client::AuthSession *session, client::DashboardData *dashboard,
               client::LiveSocket *mission, QWidget *parent = nullptr);

    DashboardPage *dashboardPage() const { return m_dashboard; }
    LiveIndicator *liveIndicator() const { return m_indicator; }
    QListWidget *sidebar() const { return m_sidebar; }
    // The pages' stack (the primary content) and the column beside it that the toasts use:
    // it takes layout space while it shows, so no toast covers a page.
    QStackedWidget *pages() const { return m_pages; }
    QWidget *toastArea() const { return m_toastArea; }

    void addPage(const QString &key, const QString &title, const QString &iconName, QWidget *page);
    // A page reached from another page (run detail), without a sidebar entry. While it is
    // shown, the sidebar highlights parentKey's entry (if given); clicking that entry goes back.
    void addHiddenPage(const QString &key, const QString &title, QWidget *page,
                       const QString &parentKey = {});
    // The same, built by `make` the first time the page is shown or asked for: its sidebar
    // entry is there at once, its widgets, models and REST calls wait until someone looks
    // (cold start, issue 17). `make` returns the page (parented to anything; the stack takes
    // it).
    using PageFactory = std::function<QWidget *()>;
    void addLazyPage(const QString &key, const QString &title, const QString &iconName,
                     PageFactory make);
    void addLazyHiddenPage(const QString &key, const QString &title, PageFactory make,
                           const QString &parentKey = {});
    // The page registered as `key`, built now if it is lazy and not built yet; null for an
    // unknown or unavailable key.
    QWidget *page(const QString &key);
    // Whether `key`'s page exists now (a lazy page not shown or asked for yet does not).
    bool isPageBuilt(const QString &key) const { return m_pageByKey.contains(key); }
    // A sidebar entry that cannot be used now (offline: the page needs the server): shown
    // disabled with `reason` as its tooltip; showPage(key) answers false.
    void addUnavailablePage(const QString &key, const QString &title, const QString &iconName,
                            const QString &reason);
    bool showPage(const QString &key);
    QString currentPage() const;

    // The line under the header while the app shows cached data ("Offline — last updated
    // 14:02 · retrying in 3 s"); empty hides it.
    void setOfflineNotice(const QString &text);
    QString offlineNotice() const;
    QLabel *offlineBanner() const { return m_offlineBanner; }
    // The header's user label and its role tooltip (offline there is no session to read them
    // from; a window built during the login has none yet).
    void setUserEmail(const QString &email, const QString &role = {});

Q_SIGNALS:
    void settingsRequested();
    void logoutRequested();
    void runActivated(const QString &runId);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    QListWidget *m_sidebar;
    QStackedWidget *m_pages;
    QWidget *m_toastArea;
    QLabel *m_pageTitle;
    QLabel *m_userLabel;
    QLabel *m_offlineBanner;
    QListWidgetItem *addSidebarItem(const QString &key, const QString &title,
                                    const QString &iconName);

    QHash<QString, QWidget *> m_pageByKey;
    QHash<QString, PageFactory> m_factories; // lazy pages not built yet
    QHash<QString, QString> m_hiddenTitles;
    QHash<QString, QString> m_hiddenParents;
    DashboardPage *m_dashboard;
    LiveIndicator *m_indicator;
};

} // namespace crewdeck::ui
