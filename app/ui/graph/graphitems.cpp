#include "app/ui/graph/graphitems.h"
#include "app/ui/format.h"
#include "app/ui/theme.h"
#include "shared/types.h"

#include <QApplication>
#include <QPainter>
#include <QPalette>
#include <QPauseAnimation>
#include <QPropertyAnimation>
#include <QSequentialAnimationGroup>
#include <QStyleOptionGraphicsItem>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

namespace {
int g_holdMs = 6000;
constexpr qreal HaloMargin = 10;
// Below this scale text is unreadable anyway: draw plain shapes only.
constexpr qreal TextLod = 0.4;
// Below this even borders and the detail line are skipped.
constexpr qreal DetailLod = 0.55;

QColor runningColor()
{
    return QColor(0x3b, 0x82, 0xf6);
} // blue: working now
} // namespace

NodeItem::NodeItem(Kind kind, const QString &title, const QString &subtitle, QGraphicsItem *parent)
    : QGraphicsObject(parent), m_kind(kind), m_title(title), m_subtitle(subtitle),
      m_size(sizeFor(kind))
{
    // Crew and agent nodes never change between rebuilds: render them once into a pixmap.
    // Tool nodes animate; caching them would re-render the pixmap on every frame anyway.
    if (kind != Kind::Tool)
        setCacheMode(QGraphicsItem::DeviceCoordinateCache);
    setZValue(kind == Kind::Tool ? 2 : 3);
    setToolTip(subtitle.isEmpty() ? title : title + u"\n"_s + subtitle);
}

QSizeF NodeItem::sizeFor(Kind kind)
{
    switch (kind) {
    case Kind::Crew:
        return {170, 60};
    case Kind::Agent:
        return {140, 50};
    case Kind::Tool:
        return {112, 44};
    }
    return {100, 40};
}

void NodeItem::setAccent(const QColor &color)
{
    if (m_accent == color)
        return;
    m_accent = color;
    update();
}

QColor NodeItem::statusColor(const QString &callStatus)
{
    if (callStatus == CallState::Success)
        return StatusColors::available();
    if (callStatus == CallState::Failed)
        return StatusColors::error();
    if (callStatus == CallState::Timeout)
        return StatusColors::warning();
    if (callStatus == CallState::Cancelled)
        return QColor(0x8a, 0x8f, 0x98);
    return runningColor();
}

QColor NodeItem::stateColor() const
{
    switch (m_phase) {
    case Phase::Idle:
        return {};
    case Phase::Running:
        return runningColor();
    case Phase::Ended:
        return statusColor(m_status);
    }
    return {};
}

QString NodeItem::detailText() const
{
    switch (m_phase) {
    case Phase::Idle:
        return {};
    case Phase::Running:
        return m_progress >= 0
                   ? QCoreApplication::translate("crewdeck::ui::GraphPage", "%1 %").arg(m_progress)
                   : QCoreApplication::translate("crewdeck::ui::GraphPage", "running");
    case Phase::Ended: {
        QString s = formatMs(double(m_durationMs));
        if (m_exitCode)
            s += QCoreApplication::translate("crewdeck::ui::GraphPage", " \u00b7 exit %1")
                     .arg(*m_exitCode);
        else if (!m_status.isEmpty())
            s += u" \u00b7 "_s + m_status;
        return s;
    }
    }
    return {};
}

void NodeItem::stopAnimations()
{
    if (m_pulse)
        m_pulse->stop();
    if (m_fade)
        m_fade->stop();
}

void NodeItem::startCall(const QString &toolCallId)
{
    stopAnimations();
    m_phase = Phase::Running;
    m_callId = toolCallId;
    m_progress = -1;
    m_message.clear();
    m_status.clear();
    m_exitCode.reset();
    if (!m_pulse) {
        // A slow breathing halo while the tool runs.
        m_pulse = new QPropertyAnimation(this, "glow", this);
        m_pulse->setDuration(1200);
        m_pulse->setStartValue(0.35);
        m_pulse->setKeyValueAt(0.5, 1.0);
        m_pulse->setEndValue(0.35);
        m_pulse->setLoopCount(-1);
    }
    m_pulse->start();
    update();
    syncEdge();
}

void NodeItem::setProgress(const QString &toolCallId, int percent, const QString &message)
{
    if (m_phase != Phase::Running || toolCallId != m_callId)
        return; // a late line of an older call
    if (percent >= 0)
        m_progress = qBound(0, percent, 100);
    if (!message.isEmpty())
        m_message = message;
    update();
}

void NodeItem::endCall(const QString &toolCallId, const QString &status, qint64 durationMs,
                       std::optional<int> exitCode)
{
    stopAnimations();
    m_phase = Phase::Ended;
    m_callId = toolCallId;
    m_status = status;
    m_durationMs = durationMs;
    m_exitCode = exitCode;
    if (status == CallState::Success)
        m_progress = 100;
    setToolTip(m_title + u"\n"_s + detailText());
    if (!m_fade) {
        // Keep the result visible for a while, then fade back to neutral.
        m_fade = new QSequentialAnimationGroup(this);
        m_fade->addPause(g_holdMs);
        auto *out = new QPropertyAnimation(this, "glow", m_fade);
        out->setDuration(1500);
        out->setStartValue(1.0);
        out->setEndValue(0.0);
        m_fade->addAnimation(out);
        connect(m_fade, &QAbstractAnimation::finished, this, [this] {
            m_phase = Phase::Idle;
            update();
            syncEdge();
        });
    } else if (auto *pause = qobject_cast<QPauseAnimation *>(m_fade->animationAt(0))) {
        pause->setDuration(g_holdMs);
    }
    setGlow(1.0);
    syncEdge();
    m_fade->start();
}

void NodeItem::setGlow(qreal g)
{
    g = qBound<qreal>(0, g, 1);
    if (qFuzzyCompare(g + 1, m_glow + 1))
        return;
    m_glow = g;
    update();
    syncEdge();
}

void NodeItem::syncEdge()
{
    if (m_edge)
        m_edge->setHighlight(stateColor(), m_phase == Phase::Idle ? 0 : m_glow);
}

void NodeItem::setHoldMs(int ms)
{
    g_holdMs = ms;
}
int NodeItem::holdMs()
{
    return g_holdMs;
}

QRectF NodeItem::boundingRect() const
{
    return QRectF(-m_size.width() / 2 - HaloMargin, -m_size.height() / 2 - HaloMargin,
                  m_size.width() + 2 * HaloMargin, m_size.height() + 2 * HaloMargin);
}

void NodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget)
{
    Q_UNUSED(widget)
    const qreal lod = option->levelOfDetailFromTransform(painter->worldTransform());
    const QPalette pal = QApplication::palette();
    const QRectF r(-m_size.width() / 2, -m_size.height() / 2, m_size.width(), m_size.height());
    const QColor state = stateColor();

    QColor fill = pal.color(QPalette::Base);
    QColor border = pal.color(QPalette::Mid);
    if (m_kind == Kind::Crew) {
        fill = pal.color(QPalette::AlternateBase);
        border = m_accent.isValid() ? m_accent : border;
    } else if (m_kind == Kind::Agent) {
        fill = pal.color(QPalette::Button);
    }
    if (m_phase != Phase::Idle && state.isValid())
        border = state;

    if (lod < TextLod) {
        // Far away: a plain block, coloured by state, nothing else.
        painter->setPen(Qt::NoPen);
        painter->setBrush(m_phase != Phase::Idle && m_glow > 0.05 ? state : border);
        painter->drawRect(r);
        return;
    }

    painter->setRenderHint(QPainter::Antialiasing, true);
    if (m_phase != Phase::Idle && m_glow > 0.01) {
        QColor halo = state;
        halo.setAlphaF(0.45 * m_glow);
        painter->setPen(Qt::NoPen);
        painter->setBrush(halo);
        const qreal grow = HaloMargin * m_glow;
        painter->drawRoundedRect(r.adjusted(-grow, -grow, grow, grow), 10 + grow, 10 + grow);
    }
    painter->setBrush(fill);
    painter->setPen(QPen(border, m_kind == Kind::Crew || m_phase != Phase::Idle ? 2.5 : 1.2));
    painter->drawRoundedRect(r, 8, 8);

    // Progress as a bar along the bottom edge.
    if (m_kind == Kind::Tool && m_phase != Phase::Idle && m_progress >= 0) {
        QRectF bar(r.left() + 4, r.bottom() - 6, (r.width() - 8) * m_progress / 100.0, 3);
        painter->setPen(Qt::NoPen);
        painter->setBrush(state);
        painter->drawRect(bar);
    }

    QFont f = painter->font();
    f.setPointSizeF(m_kind == Kind::Crew ? 10.5 : 9);
    f.setBold(m_kind != Kind::Tool);
    painter->setFont(f);
    painter->setPen(pal.color(QPalette::Text));
    const QString detail = m_kind == Kind::Tool ? detailText() : m_subtitle;
    if (lod < DetailLod || detail.isEmpty()) {
        painter->drawText(
            r.adjusted(6, 0, -6, 0), Qt::AlignCenter,
            painter->fontMetrics().elidedText(m_title, Qt::ElideRight, int(r.width() - 12)));
        return;
    }
    const QRectF top(r.left() + 6, r.top() + 3, r.width() - 12, r.height() / 2 - 1);
    const QRectF bottom(r.left() + 6, r.center().y(), r.width() - 12, r.height() / 2 - 6);
    painter->drawText(top, Qt::AlignHCenter | Qt::AlignBottom,
                      painter->fontMetrics().elidedText(m_title, Qt::ElideRight, int(top.width())));
    f.setBold(false);
    f.setPointSizeF(8);
    painter->setFont(f);
    painter->setPen(m_kind == Kind::Tool && m_phase == Phase::Ended
                        ? state.darker(130)
                        : pal.color(QPalette::PlaceholderText));
    painter->drawText(
        bottom, Qt::AlignHCenter | Qt::AlignTop,
        painter->fontMetrics().elidedText(detail, Qt::ElideRight, int(bottom.width())));
}

EdgeItem::EdgeItem(NodeItem *from, NodeItem *to, QGraphicsItem *parent)
    : QGraphicsItem(parent), m_line(from->pos(), to->pos())
{
    m_bounds = QRectF(m_line.p1(), m_line.p2()).normalized().adjusted(-4, -4, 4, 4);
    setZValue(0);
}

void EdgeItem::setHighlight(const QColor &color, qreal strength)
{
    if (m_color == color && qFuzzyCompare(strength + 1, m_strength + 1))
        return;
    m_color = color;
    m_strength = strength;
    setZValue(strength > 0 ? 1 : 0);
    update();
}

QRectF EdgeItem::boundingRect() const
{
    return m_bounds;
}

void EdgeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget)
{
    Q_UNUSED(option)
    Q_UNUSED(widget)
    const QPalette pal = QApplication::palette();
    const bool lit = m_strength > 0.01 && m_color.isValid();
    // Hundreds of thin antialiased lines are the most expensive part of a big graph.
    painter->setRenderHint(QPainter::Antialiasing, lit || !m_dense);
    if (lit) {
        QColor c = m_color;
        c.setAlphaF(0.35 + 0.65 * m_strength);
        painter->setPen(QPen(c, 2 + 2 * m_strength));
    } else {
        painter->setPen(QPen(pal.color(QPalette::Mid), 0)); // cosmetic hairline
    }
    painter->drawLine(m_line);
}

} // namespace crewdeck::ui
