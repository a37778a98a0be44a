#pragma once
#include <QColor>
#include <QGraphicsObject>
#include <QPointer>
#include <QString>
#include <optional>

class QPropertyAnimation;
class QSequentialAnimationGroup;

namespace crewdeck::ui {

class EdgeItem;

// One node of the agent graph: the crew, an agent or one of an agent's tools. Tool nodes
// carry the live state of their latest tool call (running with progress, or ended with a
// status, duration and exit code). The bounding rect never changes after construction
// (the glow halo is always inside it), so animations only repaint and never churn the
// scene's BSP index. GUI thread.
class NodeItem : public QGraphicsObject
{
    Q_OBJECT
    Q_PROPERTY(qreal glow READ glow WRITE setGlow)
public:
    enum class Kind { Crew, Agent, Tool };
    enum class Phase { Idle, Running, Ended };

    NodeItem(Kind kind, const QString &title, const QString &subtitle,
             QGraphicsItem *parent = nullptr);

    Kind kind() const { return m_kind; }
    QString title() const { return m_title; }
    QString subtitle() const { return m_subtitle; }
    QSizeF size() const { return m_size; }
    static QSizeF sizeFor(Kind kind);

    // The crew node's status colour (green available, amber busy, red offline).
    void setAccent(const QColor &color);
    QColor accent() const { return m_accent; }
    // The agent -> tool edge that lights up with this tool node.
    void setIncomingEdge(EdgeItem *edge) { m_edge = edge; }
    EdgeItem *incomingEdge() const { return m_edge; }

    // Live tool-call state (tool nodes).
    void startCall(const QString &toolCallId);
    void setProgress(const QString &toolCallId, int percent, const QString &message);
    void endCall(const QString &toolCallId, const QString &status, qint64 durationMs,
                 std::optional<int> exitCode);
    Phase phase() const { return m_phase; }
    QString toolCallId() const { return m_callId; }
    int progress() const { return m_progress; } // -1: none reported
    QString lastStatus() const { return m_status; }
    qint64 lastDurationMs() const { return m_durationMs; }
    std::optional<int> lastExitCode() const { return m_exitCode; }
    // The colour the node shows now (status colour while ended, highlight while running).
    QColor stateColor() const;
    // The detail line under the title ("42 %", "1.2 s, exit 0").
    QString detailText() const;

    // 0..1: the strength of the halo (and of the incoming edge's highlight).
    qreal glow() const { return m_glow; }
    void setGlow(qreal g);
    // How long an ended node keeps its colour before it fades back (ms).
    static void setHoldMs(int ms);
    static int holdMs();

    static QColor statusColor(const QString &callStatus);

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    void stopAnimations();
    void syncEdge();

    Kind m_kind;
    QString m_title;
    QString m_subtitle;
    QSizeF m_size;
    QColor m_accent;
    EdgeItem *m_edge = nullptr;
    Phase m_phase = Phase::Idle;
    QString m_callId;
    int m_progress = -1;
    QString m_message;
    QString m_status;
    qint64 m_durationMs = 0;
    std::optional<int> m_exitCode;
    qreal m_glow = 0;
    QPropertyAnimation *m_pulse = nullptr;
    QSequentialAnimationGroup *m_fade = nullptr;
};

// A straight line between two nodes. Drawn without antialiasing when the graph is dense;
// lit in its tool node's state colour while that node glows. GUI thread.
class EdgeItem : public QGraphicsItem
{
public:
    EdgeItem(NodeItem *from, NodeItem *to, QGraphicsItem *parent = nullptr);

    void setDense(bool dense) { m_dense = dense; }
    bool isDense() const { return m_dense; }
    void setHighlight(const QColor &color, qreal strength);
    qreal highlightStrength() const { return m_strength; }

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QLineF m_line;
    QRectF m_bounds;
    QColor m_color;
    qreal m_strength = 0;
    bool m_dense = false;
};

} // namespace crewdeck::ui
