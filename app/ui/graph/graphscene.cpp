#include "app/ui/graph/graphscene.h"
#include "app/ui/graph/graphitems.h"
#include "app/ui/theme.h"

#include <QtMath>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

GraphLayout GraphLayout::compute(const QList<int> &toolsPerAgent)
{
    GraphLayout l;
    const int n = int(toolsPerAgent.size());
    int maxTools = 0;
    for (int t : toolsPerAgent)
        maxTools = qMax(maxTools, t);
    l.agents.reserve(n);
    l.tools.reserve(n);

    if (n <= CircleMaxAgents) {
        l.crew = {0, 0};
        // Each agent's tools fan out behind it, far enough apart not to touch; the circle
        // gives every agent the arc its fan needs.
        constexpr qreal toolDistance = 170;
        const qreal toolChord = NodeItem::sizeFor(NodeItem::Kind::Tool).width() + 20;
        const qreal fanStep = 2 * qAsin(qMin<qreal>(1, toolChord / (2 * toolDistance)));
        const qreal fanHalf = (maxTools - 1) / 2.0 * fanStep;
        const qreal fanWidth = 2 * toolDistance * qSin(qMin<qreal>(fanHalf, M_PI / 2)) + toolChord;
        const qreal arc =
            qMax<qreal>(NodeItem::sizeFor(NodeItem::Kind::Agent).width() + 40, fanWidth + 30);
        const qreal radius = qMax<qreal>(260, n * arc / (2 * M_PI));
        for (int i = 0; i < n; ++i) {
            const qreal a = -M_PI / 2 + 2 * M_PI * i / qMax(1, n);
            const QPointF dir(qCos(a), qSin(a));
            const QPointF agent = dir * radius;
            l.agents.append(agent);
            QList<QPointF> tools;
            const int t = toolsPerAgent.at(i);
            for (int k = 0; k < t; ++k) {
                const qreal off = (k - (t - 1) / 2.0) * fanStep;
                const QPointF d(qCos(a + off), qSin(a + off));
                tools.append(agent + d * toolDistance);
            }
            l.tools.append(tools);
        }
        return l;
    }

    // Rows: each agent owns a column cell with its tools stacked beneath it.
    const QSizeF agentSize = NodeItem::sizeFor(NodeItem::Kind::Agent);
    const QSizeF toolSize = NodeItem::sizeFor(NodeItem::Kind::Tool);
    const qreal cellW = qMax(agentSize.width(), toolSize.width() + 24) + 36;
    const qreal cellH = agentSize.height() + maxTools * (toolSize.height() + 14) + 70;
    const int cols = qMax(1, int(qCeil(qSqrt(n * cellH / cellW))));
    const int rows = (n + cols - 1) / cols;
    const qreal width = cols * cellW;
    l.crew = {0, -cellH * 0.55 - 60};
    for (int i = 0; i < n; ++i) {
        const int row = i / cols;
        const int col = i % cols;
        // Centre a short last row under the crew.
        const int inRow = row == rows - 1 ? n - row * cols : cols;
        const qreal rowLeft = -inRow * cellW / 2;
        const QPointF agent(rowLeft + col * cellW + cellW / 2,
                            row * cellH + agentSize.height() / 2);
        l.agents.append(agent);
        QList<QPointF> tools;
        for (int k = 0; k < toolsPerAgent.at(i); ++k)
            tools.append(agent + QPointF(18, agentSize.height() / 2 + 10 + toolSize.height() / 2 +
                                                 k * (toolSize.height() + 14)));
        l.tools.append(tools);
    }
    Q_UNUSED(width)
    return l;
}

GraphScene::GraphScene(QObject *parent) : QGraphicsScene(parent)
{
    // A static BSP index: setCrew() builds all geometry once, animations only repaint (no
    // bounding rect ever changes), so the index is never rebuilt while events stream in.
    setItemIndexMethod(QGraphicsScene::BspTreeIndex);
}

void GraphScene::setCrew(const Crew &crew)
{
    clear();
    m_agents.clear();
    m_agentNames.clear();
    m_tools.clear();
    m_callNodes.clear();
    m_crewNode = nullptr;
    m_nodeCount = 0;
    m_edgeCount = 0;
    m_crewId = crew.id;
    if (crew.id.isEmpty()) {
        setSceneRect(QRectF());
        return;
    }

    QList<int> toolCounts;
    int edges = 0;
    for (const Agent &a : crew.agents) {
        toolCounts.append(int(a.tools.size()));
        edges += 1 + int(a.tools.size());
    }
    const GraphLayout layout = GraphLayout::compute(toolCounts);
    const bool dense = edges >= DenseEdges;

    m_crewNode = new NodeItem(NodeItem::Kind::Crew, crew.name,
                              tr("%n agent(s)", nullptr, int(crew.agents.size())));
    m_crewNode->setPos(layout.crew);
    m_crewNode->setAccent(crewStatusColor(crew.status));
    addItem(m_crewNode);
    ++m_nodeCount;

    for (int i = 0; i < crew.agents.size(); ++i) {
        const Agent &a = crew.agents.at(i);
        auto *agent = new NodeItem(NodeItem::Kind::Agent, a.name, a.role);
        agent->setPos(layout.agents.at(i));
        addItem(agent);
        ++m_nodeCount;
        m_agents.insert(a.id, agent);
        m_agentNames.insert(a.id, a.name);
        auto *edge = new EdgeItem(m_crewNode, agent);
        edge->setDense(dense);
        addItem(edge);
        ++m_edgeCount;
        for (int k = 0; k < a.tools.size(); ++k) {
            auto *tool = new NodeItem(NodeItem::Kind::Tool, a.tools.at(k), a.name);
            tool->setPos(layout.tools.at(i).at(k));
            addItem(tool);
            ++m_nodeCount;
            auto *te = new EdgeItem(agent, tool);
            te->setDense(dense);
            addItem(te);
            ++m_edgeCount;
            tool->setIncomingEdge(te);
            m_tools.insert(key(a.id, a.tools.at(k)), tool);
        }
    }
    const QRectF bounds = itemsBoundingRect();
    setSceneRect(bounds.adjusted(-80, -80, 80, 80));
}

void GraphScene::setCrewStatus(const QString &status)
{
    if (m_crewNode)
        m_crewNode->setAccent(crewStatusColor(status));
}

NodeItem *GraphScene::toolNode(const QString &agentId, const QString &tool) const
{
    return m_tools.value(key(agentId, tool));
}

QString GraphScene::agentName(const QString &agentId) const
{
    return m_agentNames.value(agentId);
}

NodeItem *GraphScene::nodeForCall(const QString &agentId, const QString &toolCallId,
                                  const QString &tool)
{
    if (!tool.isEmpty())
        if (NodeItem *n = toolNode(agentId, tool))
            return n;
    return m_callNodes.value(toolCallId);
}

bool GraphScene::applyCall(const client::ToolActivityModel::Call &call)
{
    using Phase = client::ToolActivityModel::Phase;
    if (call.crewId != m_crewId || m_crewId.isEmpty())
        return false;
    NodeItem *n = nodeForCall(call.agentId, call.toolCallId, call.tool);
    if (!n)
        return false;
    const bool running =
        n->phase() == NodeItem::Phase::Running && n->toolCallId() == call.toolCallId;
    QString phase;
    switch (call.phase) {
    case Phase::Start:
        m_callNodes.insert(call.toolCallId, n);
        n->startCall(call.toolCallId);
        phase = u"start"_s;
        break;
    case Phase::Progress:
        // A call first seen mid-way (the page opened while it ran): start it on the node.
        if (!running) {
            m_callNodes.insert(call.toolCallId, n);
            n->startCall(call.toolCallId);
        }
        n->setProgress(call.toolCallId, call.progress, call.message);
        phase = u"progress"_s;
        break;
    case Phase::End:
        m_callNodes.remove(call.toolCallId);
        n->endCall(call.toolCallId, call.status, call.durationMs, call.exitCode);
        phase = u"end"_s;
        break;
    }
    ++m_applied;
    Q_EMIT toolActivity(call.agentId, call.tool.isEmpty() ? n->title() : call.tool, call.toolCallId,
                        phase);
    return true;
}

} // namespace crewdeck::ui
