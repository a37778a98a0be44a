#pragma once
#include "app/models/toolactivitymodel.h"
#include "shared/events.h"
#include "shared/types.h"

#include <QGraphicsScene>
#include <QHash>
#include <QPointF>

namespace crewdeck::ui {

class EdgeItem;
class NodeItem;

// Where the nodes of a crew go. Up to CircleMaxAgents agents: the crew in the centre, the
// agents on a circle around it and each agent's tools fanned out behind it. More agents:
// the crew on top and the agents in a grid of rows, each with its tools stacked beneath,
// which stays readable (no overlaps, short edges) up to hundreds of agents.
struct GraphLayout
{
    static constexpr int CircleMaxAgents = 12;
    QPointF crew;
    QList<QPointF> agents;
    QList<QList<QPointF>> tools; // per agent, per tool

    static GraphLayout compute(const QList<int> &toolsPerAgent);
};

// The scene of one crew: nodes for the crew, its agents and their tools, and edges between
// them; tool_* events light up the agent -> tool edge and the tool node. Uses the BSP index:
// the geometry is static after setCrew() and the animations only repaint. GUI thread.
class GraphScene : public QGraphicsScene
{
    Q_OBJECT
public:
    explicit GraphScene(QObject *parent = nullptr);

    // Rebuilds everything for `crew` (its agents and their tools).
    void setCrew(const Crew &crew);
    QString crewId() const { return m_crewId; }
    void setCrewStatus(const QString &status);

    // Shows the state of one tool call of this crew (ToolActivityModel::callUpdated, after
    // every event); false for other crews' calls and calls of tools it has no node for.
    bool applyCall(const crewdeck::client::ToolActivityModel::Call &call);

    NodeItem *crewNode() const { return m_crewNode; }
    NodeItem *agentNode(const QString &agentId) const { return m_agents.value(agentId); }
    NodeItem *toolNode(const QString &agentId, const QString &tool) const;
    QString agentName(const QString &agentId) const;
    int nodeCount() const { return m_nodeCount; }
    int edgeCount() const { return m_edgeCount; }
    qint64 toolEventsApplied() const { return m_applied; }

    // Edges are drawn without antialiasing from this many edges on.
    static constexpr int DenseEdges = 150;

Q_SIGNALS:
    // phase: "start" | "progress" | "end", after the node was updated.
    void toolActivity(const QString &agentId, const QString &tool, const QString &toolCallId,
                      const QString &phase);

private:
    static QString key(const QString &agentId, const QString &tool)
    {
        return agentId + u'\x1f' + tool;
    }
    NodeItem *nodeForCall(const QString &agentId, const QString &toolCallId, const QString &tool);

    QString m_crewId;
    NodeItem *m_crewNode = nullptr;
    QHash<QString, NodeItem *> m_agents;
    QHash<QString, QString> m_agentNames;
    QHash<QString, NodeItem *> m_tools;     // key(agent, tool) -> node
    QHash<QString, NodeItem *> m_callNodes; // tool_call_id -> node (progress has no tool)
    int m_nodeCount = 0;
    int m_edgeCount = 0;
    qint64 m_applied = 0;
};

} // namespace crewdeck::ui
