#include "app/ui/graph/graphview.h"

#include <QKeyEvent>
#include <QResizeEvent>
#include <QShowEvent>
#include <QWheelEvent>
#include <QtMath>

namespace crewdeck::ui {

GraphView::GraphView(QWidget *parent) : QGraphicsView(parent)
{
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    // Items set their own render hints; nodes and edges restore nothing they did not touch.
    setOptimizationFlags(QGraphicsView::DontSavePainterState |
                         QGraphicsView::DontAdjustForAntialiasing);
    setRenderHint(QPainter::Antialiasing, false);
    setRenderHint(QPainter::TextAntialiasing, true);
    setCacheMode(QGraphicsView::CacheBackground);
    setFrameShape(QFrame::NoFrame);
    setFocusPolicy(Qt::StrongFocus);
}

qreal GraphView::zoomLevel() const
{
    return transform().m11();
}

void GraphView::setZoomLevel(qreal scale)
{
    m_autoFit = false;
    scale = qBound(MinScale, scale, MaxScale);
    const qreal current = zoomLevel();
    if (qFuzzyCompare(scale, current))
        return;
    this->scale(scale / current, scale / current);
    Q_EMIT zoomChanged(zoomLevel());
}

void GraphView::zoomBy(qreal factor)
{
    setZoomLevel(zoomLevel() * factor);
}

void GraphView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    if (m_autoFit)
        fitToView();
}

void GraphView::showEvent(QShowEvent *event)
{
    QGraphicsView::showEvent(event);
    if (m_autoFit)
        fitToView();
}

void GraphView::zoomIn()
{
    const auto anchor = transformationAnchor();
    setTransformationAnchor(QGraphicsView::AnchorViewCenter);
    zoomBy(1.25);
    setTransformationAnchor(anchor);
}

void GraphView::zoomOut()
{
    const auto anchor = transformationAnchor();
    setTransformationAnchor(QGraphicsView::AnchorViewCenter);
    zoomBy(1 / 1.25);
    setTransformationAnchor(anchor);
}

void GraphView::fitToView()
{
    m_autoFit = true;
    if (!scene())
        return;
    const QRectF r = scene()->itemsBoundingRect().adjusted(-30, -30, 30, 30);
    if (r.isEmpty())
        return;
    fitInView(r, Qt::KeepAspectRatio);
    // fitInView may go beyond the limits for tiny or huge graphs.
    const qreal s = qBound(MinScale, zoomLevel(), 1.5);
    if (!qFuzzyCompare(s, zoomLevel())) {
        const qreal f = s / zoomLevel();
        scale(f, f);
        centerOn(r.center());
    }
    Q_EMIT zoomChanged(zoomLevel());
}

void GraphView::wheelEvent(QWheelEvent *event)
{
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    zoomBy(qPow(1.0015, delta)); // one notch (120) = about 20 %
    event->accept();
}

void GraphView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Plus || event->key() == Qt::Key_Equal)
        zoomIn();
    else if (event->key() == Qt::Key_Minus)
        zoomOut();
    else if (event->key() == Qt::Key_0)
        fitToView();
    else
        QGraphicsView::keyPressEvent(event);
}

void GraphView::paintEvent(QPaintEvent *event)
{
    QElapsedTimer t;
    t.start();
    QGraphicsView::paintEvent(event);
    const double ms = t.nsecsElapsed() / 1e6;
    ++m_stats.paints;
    m_stats.totalMs += ms;
    m_stats.lastMs = ms;
    m_stats.maxMs = qMax(m_stats.maxMs, ms);
}

} // namespace crewdeck::ui
