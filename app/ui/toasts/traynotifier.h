#pragma once
#include "shared/events.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <functional>

class QSystemTrayIcon;
class QWidget;

namespace crewdeck::ui {

// System tray notifications for what matters while the user looks elsewhere: a run that
// failed (run_status failed, or a tool_end failed/timeout, which ends its run as failed) and a crew
// that went offline (signal). Only while the window is not active, only when enabled in the
// settings, and coalesced: everything within coalesceMs() becomes one notification that summarises
// it. Where the platform has no system tray the notification is still composed (notified()) but not
// shown. GUI thread.
class TrayNotifier : public QObject
{
    Q_OBJECT
public:
    explicit TrayNotifier(QWidget *window, QObject *parent = nullptr);
    ~TrayNotifier() override;

    void setEnabled(bool enabled);
    bool isEnabled() const { return m_enabled; }
    void setCoalesceMs(int ms) { m_timer.setInterval(ms); }
    int coalesceMs() const { return m_timer.interval(); }
    // Crew id -> name for the messages (e.g. the crews model).
    void setCrewNameResolver(std::function<QString(const QString &crewId)> resolver)
    {
        m_crewName = std::move(resolver);
    }
    // Replaces "is the window active" (tests; the offscreen platform has no focus).
    void setWindowActiveProbe(std::function<bool()> probe) { m_activeProbe = std::move(probe); }

    bool trayAvailable() const;
    int pendingCount() const { return int(m_failedRuns.size() + m_offlineCrews.size()); }
    int notificationCount() const { return m_shown; }

public Q_SLOTS:
    // LiveStreams' events: tool_end (graph streams), run_status (an open run's socket) and
    // signal (mission); the rest is ignored.
    void handleEvent(const crewdeck::Event &event);
    // Sends the pending summary now.
    void flush();

Q_SIGNALS:
    void notified(const QString &title, const QString &message);

private:
    bool windowActive() const;
    QString crewName(const QString &crewId) const;

    QPointer<QWidget> m_window;
    QSystemTrayIcon *m_tray = nullptr;
    QTimer m_timer;
    bool m_enabled = true;
    QStringList m_failedRuns;   // "run <id> of <crew>"
    QStringList m_offlineCrews; // crew names
    QSet<QString> m_seenRuns;   // failed runs already reported (bounded by m_seenOrder)
    QStringList m_seenOrder;
    std::function<QString(const QString &)> m_crewName;
    std::function<bool()> m_activeProbe;
    int m_shown = 0;
};

} // namespace crewdeck::ui
