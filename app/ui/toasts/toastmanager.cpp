#include "app/ui/toasts/toastmanager.h"
#include "app/ui/format.h"
#include "app/ui/theme.h"
#include "app/ui/toasts/toastwidget.h"
#include "shared/types.h"

#include <QEvent>
#include <QPushButton>
#include <QWidget>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

ToastManager::ToastManager(QWidget *host) : QObject(host), m_host(host)
{
    m_clock.start();
    m_batch.setSingleShot(true);
    m_batch.setInterval(50);
    connect(&m_batch, &QTimer::timeout, this, &ToastManager::flush);
    m_sweep.setSingleShot(true);
    m_sweep.setInterval(250);
    connect(&m_sweep, &QTimer::timeout, this, [this] {
        expire();
        render();
        scheduleSweep();
    });

    for (int i = 0; i < MaxVisible; ++i) {
        auto *w = new ToastWidget(host);
        w->setObjectName(u"toast%1"_s.arg(i));
        w->hide();
        connect(w, &ToastWidget::clicked, this, [this, w] {
            const auto it = m_toasts.constFind(w->key());
            if (it == m_toasts.cend())
                return;
            const QString runId = it->runId;
            dismiss(w->key());
            if (!runId.isEmpty())
                Q_EMIT runActivated(runId);
        });
        connect(w, &ToastWidget::closeClicked, this, [this, w] { dismiss(w->key()); });
        connect(w, &ToastWidget::hoverChanged, this,
                [this, w](bool hovered) { setHovered(w, hovered); });
        m_pool.append(w);
    }
    m_more = new QPushButton(host);
    m_more->setObjectName(u"toastMore"_s);
    m_more->setFlat(false);
    m_more->setCursor(Qt::PointingHandCursor);
    m_more->setToolTip(tr("More notifications are waiting. Click to dismiss them."));
    m_more->hide();
    connect(m_more, &QPushButton::clicked, this, &ToastManager::dismissHidden);
    m_clearAll = new QPushButton(tr("Clear all"), host);
    m_clearAll->setObjectName(u"toastClearAll"_s);
    m_clearAll->setFlat(true);
    m_clearAll->setCursor(Qt::PointingHandCursor);
    m_clearAll->setToolTip(tr("Dismiss every notification"));
    m_clearAll->hide();
    connect(m_clearAll, &QPushButton::clicked, this, &ToastManager::dismissAll);
    host->installEventFilter(this);
}

ToastManager::~ToastManager()
{
    if (m_host)
        m_host->removeEventFilter(this);
}

void ToastManager::setLifetimes(int successMs, int errorMs, int runningMs)
{
    m_successMs = successMs;
    m_errorMs = errorMs;
    m_runningMs = runningMs;
}

void ToastManager::setSource(client::ToolActivityModel *activity)
{
    if (m_source)
        m_source->disconnect(this);
    m_source = activity;
    if (activity)
        connect(activity, &client::ToolActivityModel::callUpdated, this,
                &ToastManager::onCallUpdated);
}

void ToastManager::onCallUpdated(const client::ToolActivityModel::Call &call)
{
    // Only note the id here: whatever the rate, widgets are touched once per batch.
    ++m_applied;
    if (!m_queued.contains(call.toolCallId)) {
        m_queued.insert(call.toolCallId);
        m_queue.append(call.toolCallId);
    }
    if (!m_batch.isActive())
        m_batch.start();
}

ToastManager::Toast &ToastManager::entry(const QString &toolCallId, const QString &runId,
                                         const QString &crewId, const QString &agentId)
{
    auto it = m_toasts.find(toolCallId);
    if (it == m_toasts.end()) {
        Toast t;
        t.toolCallId = toolCallId;
        t.order = ++m_nextOrder;
        it = m_toasts.insert(toolCallId, t);
    }
    if (!runId.isEmpty())
        it->runId = runId;
    if (!crewId.isEmpty())
        it->crewId = crewId;
    if (!agentId.isEmpty())
        it->agentId = agentId;
    ++it->version;
    m_changed.insert(toolCallId);
    return *it;
}

void ToastManager::apply(const client::ToolActivityModel::Call &call)
{
    using CallPhase = client::ToolActivityModel::Phase;
    const qint64 now = m_clock.elapsed();
    Toast &t = entry(call.toolCallId, call.runId, call.crewId, call.agentId);
    if (!call.tool.isEmpty())
        t.tool = call.tool;
    t.progress = call.progress;
    t.message = call.message;
    switch (call.phase) {
    case CallPhase::Start:
        t.phase = Phase::Start;
        t.expiresAt = now + m_runningMs;
        break;
    case CallPhase::Progress:
        t.phase = Phase::Progress;
        t.expiresAt = now + m_runningMs;
        break;
    case CallPhase::End: {
        if (t.phase == Phase::End && t.status == call.status)
            return; // already shown as ended: keep its lifetime
        t.phase = Phase::End;
        t.status = call.status;
        t.durationMs = call.durationMs;
        t.exitCode = call.exitCode;
        const bool bad = call.status == CallState::Failed || call.status == CallState::Timeout;
        t.expiresAt = now + (bad ? m_errorMs : m_successMs);
        break;
    }
    }
}

void ToastManager::flush()
{
    m_batch.stop();
    const QList<QString> queue = std::exchange(m_queue, {});
    m_queued.clear();
    for (const QString &id : queue) {
        if (const client::ToolActivityModel::Call *c = m_source ? m_source->call(id) : nullptr)
            apply(*c);
    }
    expire();
    render();
    if (!m_changed.isEmpty()) {
        const QSet<QString> changed = std::exchange(m_changed, {});
        for (const QString &id : changed) {
            const auto it = m_toasts.constFind(id);
            if (it != m_toasts.cend())
                Q_EMIT toastChanged(id, it->phase);
        }
    }
    scheduleSweep();
}

void ToastManager::scheduleSweep()
{
    if (!m_toasts.isEmpty() && !m_sweep.isActive())
        m_sweep.start();
}

QList<const ToastManager::Toast *> ToastManager::newest(int n) const
{
    // Partial selection: the n highest orders, newest first. O(size * n), n is 5.
    QList<const Toast *> top;
    top.reserve(n + 1);
    for (const Toast &t : m_toasts) {
        if (top.size() == n && top.constLast()->order > t.order)
            continue;
        int i = int(top.size());
        while (i > 0 && top.at(i - 1)->order < t.order)
            --i;
        top.insert(i, &t);
        if (top.size() > n)
            top.removeLast();
    }
    return top;
}

void ToastManager::expire()
{
    const qint64 now = m_clock.elapsed();
    QSet<QString> pinned;
    if (!m_hoveredWidgets.isEmpty()) {
        // Hover pauses the ones the user is looking at.
        for (const Toast *t : newest(MaxVisible))
            pinned.insert(t->toolCallId);
    }
    for (auto it = m_toasts.begin(); it != m_toasts.end();) {
        if (it->expiresAt <= now && !pinned.contains(it.key())) {
            m_changed.remove(it.key());
            it = m_toasts.erase(it);
        } else {
            ++it;
        }
    }
}

QString ToastManager::titleFor(const Toast &t) const
{
    // The status is the icon's job (iconFor): no emoji, which a stock font set draws as boxes.
    const QString tool = t.tool.isEmpty() ? tr("Tool") : t.tool;
    switch (t.phase) {
    case Phase::Start:
        return tr("%1 started").arg(tool);
    case Phase::Progress:
        if (t.progress >= 0)
            return tr("%1 \u2014 %2 %").arg(tool).arg(t.progress);
        return tr("%1 running").arg(tool);
    case Phase::End: {
        const QString d = formatMs(double(t.durationMs));
        if (t.status == CallState::Success)
            return tr("%1 finished in %2").arg(tool, d);
        if (t.status == CallState::Timeout)
            return tr("%1 timed out after %2").arg(tool, d);
        if (t.status == CallState::Cancelled)
            return tr("%1 cancelled after %2").arg(tool, d);
        if (t.exitCode)
            return tr("%1 failed after %2 (exit code %3)").arg(tool, d).arg(*t.exitCode);
        return tr("%1 failed after %2").arg(tool, d);
    }
    }
    return tool;
}

QString ToastManager::iconFor(const Toast &t)
{
    switch (t.phase) {
    case Phase::Start:
        return u"toast-start"_s;
    case Phase::Progress:
        return u"toast-running"_s;
    case Phase::End:
        if (t.status == CallState::Success)
            return u"toast-success"_s;
        if (t.status == CallState::Timeout)
            return u"toast-timeout"_s;
        if (t.status == CallState::Cancelled)
            return u"toast-cancelled"_s;
        return u"toast-failed"_s;
    }
    return u"toast-start"_s;
}

QString ToastManager::detailFor(const Toast &t) const
{
    QString agent = m_agentName ? m_agentName(t.agentId) : QString();
    if (agent.isEmpty())
        agent = t.agentId;
    const QString who = tr("%1 \u00b7 run %2").arg(agent, t.runId.left(8));
    if (t.phase == Phase::Progress && !t.message.isEmpty())
        return who + u"\n"_s + t.message;
    return who;
}

static QColor accentFor(const ToastManager::Toast &t)
{
    if (t.phase != ToastManager::Phase::End)
        return QColor(0x3b, 0x82, 0xf6);
    if (t.status == CallState::Success)
        return StatusColors::available();
    if (t.status == CallState::Timeout)
        return StatusColors::warning();
    if (t.status == CallState::Cancelled)
        return QColor(0x8a, 0x8f, 0x98);
    return StatusColors::error();
}

void ToastManager::render()
{
    if (!m_host)
        return;
    const QList<const Toast *> vis = newest(MaxVisible);
    // Oldest visible on top, the newest next to the corner.
    QList<ToastWidget *> shown;
    for (int i = 0; i < m_pool.size(); ++i) {
        ToastWidget *w = m_pool.at(i);
        const int idx = int(vis.size()) - 1 - i;
        if (idx < 0) {
            // A hidden toast gets no leave event: it no longer counts as hovered.
            m_hoveredWidgets.remove(w);
            w->hide();
            w->setKey({});
            continue;
        }
        const Toast &t = *vis.at(idx);
        if (w->key() != t.toolCallId || m_shownVersion.value(w) != t.version) {
            w->setKey(t.toolCallId);
            m_shownVersion.insert(w, t.version);
            w->setContent(iconFor(t), titleFor(t), detailFor(t), accentFor(t), t.progress,
                          t.phase != Phase::Start && t.progress >= 0);
        }
        shown.append(w);
    }
    m_more->setVisible(hiddenCount() > 0);
    if (hiddenCount() > 0)
        m_more->setText(moreText());
    m_clearAll->setVisible(activeCount() > 1);
    // A host that reserves its space (the main window's toast column) shows only with toasts.
    if (m_collapseHost)
        m_host->setVisible(!shown.isEmpty());
    // Place before showing: a toast that flashed up elsewhere would catch stray hovers.
    layoutWidgets(shown);
    for (ToastWidget *w : shown)
        if (w->isHidden())
            w->show();
}

void ToastManager::layoutWidgets()
{
    QList<ToastWidget *> shown;
    for (ToastWidget *w : m_pool)
        if (!w->isHidden())
            shown.append(w);
    layoutWidgets(shown);
}

void ToastManager::layoutWidgets(const QList<ToastWidget *> &shown)
{
    if (!m_host)
        return;
    const int em = m_host->fontMetrics().height();
    const QRect area = m_host->rect().adjusted(em, em, -em, -em);
    int bottom = area.bottom();
    // Newest at the bottom: walk upwards from the last one.
    for (auto it = shown.crbegin(); it != shown.crend(); ++it) {
        ToastWidget *w = *it;
        const int h = w->sizeHint().height();
        w->setGeometry(area.right() - w->width() + 1, bottom - h + 1, w->width(), h);
        w->raise();
        bottom -= h + em / 2;
    }
    if (!m_more->isHidden()) {
        const QSize s = m_more->sizeHint();
        m_more->setGeometry(area.right() - s.width() + 1, bottom - s.height() + 1, s.width(),
                            s.height());
        m_more->raise();
        bottom -= s.height() + em / 2;
    }
    if (!m_clearAll->isHidden()) {
        const QSize s = m_clearAll->sizeHint();
        m_clearAll->setGeometry(area.right() - s.width() + 1, bottom - s.height() + 1, s.width(),
                                s.height());
        m_clearAll->raise();
    }
}

int ToastManager::visibleCount() const
{
    return int(qMin<qsizetype>(m_toasts.size(), MaxVisible));
}

int ToastManager::hiddenCount() const
{
    return activeCount() - visibleCount();
}

QString ToastManager::moreText() const
{
    return tr("+%n more", nullptr, hiddenCount());
}

bool ToastManager::moreChipVisible() const
{
    return m_more && !m_more->isHidden();
}

std::optional<ToastManager::Toast> ToastManager::toast(const QString &toolCallId) const
{
    const auto it = m_toasts.constFind(toolCallId);
    if (it == m_toasts.cend())
        return std::nullopt;
    return *it;
}

QList<ToastWidget *> ToastManager::visibleWidgets() const
{
    QList<ToastWidget *> out;
    for (ToastWidget *w : m_pool)
        if (!w->isHidden())
            out.append(w);
    return out;
}

ToastWidget *ToastManager::widgetFor(const QString &toolCallId) const
{
    for (ToastWidget *w : m_pool)
        if (!w->isHidden() && w->key() == toolCallId)
            return w;
    return nullptr;
}

void ToastManager::dismiss(const QString &toolCallId)
{
    if (m_toasts.remove(toolCallId) == 0)
        return;
    m_changed.remove(toolCallId);
    render();
}

void ToastManager::dismissAll()
{
    m_toasts.clear();
    m_changed.clear();
    render();
}

bool ToastManager::clearAllVisible() const
{
    return m_clearAll && !m_clearAll->isHidden();
}

void ToastManager::dismissHidden()
{
    QSet<QString> keep;
    for (const Toast *t : newest(MaxVisible))
        keep.insert(t->toolCallId);
    for (auto it = m_toasts.begin(); it != m_toasts.end();) {
        if (keep.contains(it.key()))
            ++it;
        else
            it = m_toasts.erase(it);
    }
    render();
}

void ToastManager::setHovered(ToastWidget *w, bool hovered)
{
    if (hovered)
        m_hoveredWidgets.insert(w);
    else
        m_hoveredWidgets.remove(w);
    if (!hovered && m_hoveredWidgets.isEmpty()) {
        // Leaving: give the user a moment before the paused ones go.
        const qint64 soon = m_clock.elapsed() + 2000;
        QStringList ids;
        for (const Toast *t : newest(MaxVisible))
            ids.append(t->toolCallId);
        for (const QString &id : ids) {
            auto it = m_toasts.find(id);
            if (it != m_toasts.end())
                it->expiresAt = qMax(it->expiresAt, soon);
        }
    }
}

bool ToastManager::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_host &&
        (event->type() == QEvent::Resize || event->type() == QEvent::LayoutRequest))
        layoutWidgets();
    return QObject::eventFilter(watched, event);
}

} // namespace crewdeck::ui
