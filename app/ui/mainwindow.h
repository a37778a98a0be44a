#pragma once
#include <QHash>
#include <QMainWindow>

class QListWidget;
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
// connection indicator, the user, settings and log out. Pages register with addPage();
// the first milestone has the dashboard only. Saves its geometry on close. GUI thread.
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
    // The header's user label (offline there is no session to read it from).
    void setUserEmail(const QString &email);

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
    QHash<QString, QWidget *> m_pageByKey;
    QHash<QString, QString> m_hiddenTitles;
    QHash<QString, QString> m_hiddenParents;
    DashboardPage *m_dashboard;
    LiveIndicator *m_indicator;
};

} // namespace crewdeck::ui
