#pragma once
#include "app/models/toolactivitymodel.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <functional>
#include <optional>

class QPushButton;
class QWidget;

namespace crewdeck::ui {

class ToastWidget;

// Non-modal toasts for tool calls, stacked in a corner of a host window: one toast per tool
// call, updated in place (start -> progress bar -> result). The calls come from the
// ToolActivityModel (setSource): an update only notes the call's id; a short timer reads
// the noted calls' latest state from the model in one batch, so a flood of thousands of
// events per second costs a few widget updates per tick. At most MaxVisible
// toasts show (the newest), the rest collapse into a "+N more" chip; "Clear all" above them
// dismisses every one. In the app the host is the main window's toast column beside the
// page (MainWindow::toastArea), so no toast covers the graph or the run log. Toasts dismiss
// themselves (failures stay longer), hovering pauses that, a click opens the run. GUI thread.
class ToastManager : public QObject
{
    Q_OBJECT
public:
    static constexpr int MaxVisible = 5;
    enum class Phase { Start, Progress, End };
    Q_ENUM(Phase)

    struct Toast
    {
        QString toolCallId, runId, crewId, agentId, tool;
        Phase phase = Phase::Start;
        int progress = -1;
        QString message;
        QString status;
        qint64 durationMs = 0;
        std::optional<int> exitCode;
        qint64 order = 0;     // creation order: newer toasts have higher numbers
        qint64 expiresAt = 0; // on the manager's clock (ms)
        quint64 version = 0;  // bumped by every change, so widgets repaint only when needed
    };

    explicit ToastManager(QWidget *host);
    ~ToastManager() override;

    // The calls shown (not owned). Toasts outlive their model rows until they expire.
    void setSource(client::ToolActivityModel *activity);

    // Agent id -> display name (e.g. from the graph); the id is shown when it returns empty.
    void setAgentNameResolver(std::function<QString(const QString &agentId)> resolver)
    {
        m_agentName = std::move(resolver);
    }
    // Lifetimes (ms): a successful/cancelled result, a failed/timed-out result, a running call
    // without news.
    void setLifetimes(int successMs, int errorMs, int runningMs);
    void setBatchInterval(int ms) { m_batch.setInterval(ms); }

    int activeCount() const { return int(m_toasts.size()); }
    int visibleCount() const;
    int hiddenCount() const; // the N of "+N more"
    QString moreText() const;
    bool moreChipVisible() const;
    std::optional<Toast> toast(const QString &toolCallId) const;
    QList<ToastWidget *> visibleWidgets() const;
    ToastWidget *widgetFor(const QString &toolCallId) const;
    // Model updates taken in (one per tool event the model applied).
    qint64 eventsApplied() const { return m_applied; }
    int queuedEvents() const { return int(m_queue.size()); }

    QString titleFor(const Toast &t) const;
    // The status icon (":/icons/<name>.svg") of a toast.
    static QString iconFor(const Toast &t);
    // The host shows only while there are toasts: for a host that takes layout space (the
    // main window's toast column), so toasts never cover the page.
    void setCollapseHost(bool collapse)
    {
        m_collapseHost = collapse;
        render();
    }
    bool clearAllVisible() const;
    QString detailFor(const Toast &t) const;

public Q_SLOTS:
    // Apply the queue now (normally done by the batch timer).
    void flush();
    void dismiss(const QString &toolCallId);
    void dismissHidden();
    // "Clear all": every toast, shown or hidden.
    void dismissAll();

Q_SIGNALS:
    void runActivated(const QString &runId);
    // Once per batch for each toast that changed, with its phase after the batch.
    void toastChanged(const QString &toolCallId, crewdeck::ui::ToastManager::Phase phase);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void onCallUpdated(const client::ToolActivityModel::Call &call);
    void apply(const client::ToolActivityModel::Call &call);
    Toast &entry(const QString &toolCallId, const QString &runId, const QString &crewId,
                 const QString &agentId);
    void expire();
    void render();
    void layoutWidgets();
    void layoutWidgets(const QList<ToastWidget *> &shown);
    QList<const Toast *> newest(int n) const;
    void setHovered(ToastWidget *w, bool hovered);
    void scheduleSweep();

    QPointer<QWidget> m_host;
    QHash<QString, Toast> m_toasts;
    QPointer<client::ToolActivityModel> m_source;
    QList<QString> m_queue; // call ids updated since the last batch, first update first
    QSet<QString> m_queued;
    QList<ToastWidget *> m_pool;
    QHash<ToastWidget *, quint64> m_shownVersion;
    QPushButton *m_more = nullptr;
    QPushButton *m_clearAll = nullptr;
    bool m_collapseHost = false;
    std::function<QString(const QString &)> m_agentName;
    QElapsedTimer m_clock;
    QTimer m_batch;
    QTimer m_sweep;
    QSet<QString> m_changed;
    qint64 m_nextOrder = 0;
    qint64 m_applied = 0;
    QSet<ToastWidget *> m_hoveredWidgets; // hover pauses dismissal
    int m_successMs = 5000;
    int m_errorMs = 12000;
    int m_runningMs = 15000;
};

} // namespace crewdeck::ui
