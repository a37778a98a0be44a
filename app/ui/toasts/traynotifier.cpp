#include "app/ui/toasts/traynotifier.h"
#include "app/ui/theme.h"
#include "shared/types.h"

#include <QApplication>
#include <QSystemTrayIcon>
#include <QWidget>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

TrayNotifier::TrayNotifier(QWidget *window, QObject *parent) : QObject(parent), m_window(window)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(4000);
    connect(&m_timer, &QTimer::timeout, this, &TrayNotifier::flush);
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(icon(u"crewdeck"_s), this);
        m_tray->setToolTip(tr("CrewDeck"));
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
            if (m_window) {
                m_window->showNormal();
                m_window->raise();
                m_window->activateWindow();
            }
        });
        m_tray->setVisible(m_enabled);
    }
}

TrayNotifier::~TrayNotifier()
{
    if (m_tray)
        m_tray->hide();
}

bool TrayNotifier::trayAvailable() const
{
    return m_tray != nullptr;
}

void TrayNotifier::setEnabled(bool enabled)
{
    m_enabled = enabled;
    if (m_tray)
        m_tray->setVisible(enabled);
    if (!enabled) {
        m_timer.stop();
        m_failedRuns.clear();
        m_offlineCrews.clear();
    }
}

bool TrayNotifier::windowActive() const
{
    if (m_activeProbe)
        return m_activeProbe();
    return m_window && m_window->isVisible() && m_window->isActiveWindow();
}

QString TrayNotifier::crewName(const QString &crewId) const
{
    const QString name = m_crewName ? m_crewName(crewId) : QString();
    return name.isEmpty() ? crewId : name;
}

void TrayNotifier::handleEvent(const Event &event)
{
    if (!m_enabled || windowActive())
        return;
    QString failedRun, crewId;
    if (const auto *r = std::get_if<RunStatusEvent>(&event.body)) {
        if (r->status != RunState::Failed)
            return;
        failedRun = r->runId;
        crewId = r->crewId;
    } else if (const auto *e = std::get_if<ToolEndEvent>(&event.body)) {
        // /ws/graph carries tool events only. A failing or timed-out step ends its run as
        // failed (protocol: later steps do not run), so this is the run failing.
        if (e->status != CallState::Failed && e->status != CallState::Timeout)
            return;
        failedRun = e->runId;
        crewId = e->crewId;
    }
    if (!failedRun.isEmpty()) {
        // The same failure may arrive twice (tool_end on /ws/graph, then run_status on the
        // run's socket when the run is open).
        if (m_seenRuns.contains(failedRun))
            return;
        m_seenRuns.insert(failedRun);
        m_seenOrder.append(failedRun);
        if (m_seenOrder.size() > 500)
            m_seenRuns.remove(m_seenOrder.takeFirst());
        m_failedRuns.append(tr("Run %1 of %2 failed").arg(failedRun.left(8), crewName(crewId)));
    } else if (const auto *s = std::get_if<SignalEvent>(&event.body)) {
        if (s->status != CrewStatus::Offline)
            return;
        const QString name = crewName(s->crewId);
        if (!m_offlineCrews.contains(name))
            m_offlineCrews.append(name);
    } else {
        return;
    }
    // The first item opens a window of coalesceMs(); later ones join the same notification.
    if (!m_timer.isActive())
        m_timer.start();
}

void TrayNotifier::flush()
{
    m_timer.stop();
    if (m_failedRuns.isEmpty() && m_offlineCrews.isEmpty())
        return;
    QString title;
    if (!m_failedRuns.isEmpty() && !m_offlineCrews.isEmpty())
        title = tr("%n run(s) failed, %1", nullptr, int(m_failedRuns.size()))
                    .arg(tr("%n crew(s) offline", nullptr, int(m_offlineCrews.size())));
    else if (!m_failedRuns.isEmpty())
        title = tr("%n run(s) failed", nullptr, int(m_failedRuns.size()));
    else
        title = tr("%n crew(s) went offline", nullptr, int(m_offlineCrews.size()));
    QStringList lines = m_failedRuns;
    if (!m_offlineCrews.isEmpty())
        lines.append(tr("Offline: %1").arg(m_offlineCrews.join(u", "_s)));
    // Keep the bubble short; the app has the full list.
    constexpr int MaxLines = 4;
    if (lines.size() > MaxLines) {
        const int rest = int(lines.size()) - (MaxLines - 1);
        lines = lines.mid(0, MaxLines - 1);
        lines.append(tr("and %n more", nullptr, rest));
    }
    const QString message = lines.join(u'\n');
    m_failedRuns.clear();
    m_offlineCrews.clear();
    ++m_shown;
    if (m_tray && m_enabled)
        m_tray->showMessage(title, message, QSystemTrayIcon::Warning, 8000);
    Q_EMIT notified(title, message);
}

} // namespace crewdeck::ui
