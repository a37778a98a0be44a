#pragma once
#include <QElapsedTimer>
#include <QGraphicsView>

namespace crewdeck::ui {

// The zoomable, pannable view of a GraphScene: wheel and +/- zoom around the cursor, drag
// to pan, fit-to-view. Tuned for big graphs (smart viewport updates, no painter state
// saves) and measures its own paint time for the performance test. GUI thread.
class GraphView : public QGraphicsView
{
    Q_OBJECT
public:
    explicit GraphView(QWidget *parent = nullptr);

    static constexpr qreal MinScale = 0.03;
    static constexpr qreal MaxScale = 4.0;

    qreal zoomLevel() const;
    void setZoomLevel(qreal scale);

    struct PaintStats
    {
        int paints = 0;
        double totalMs = 0;
        double maxMs = 0;
        double lastMs = 0;
    };
    PaintStats paintStats() const { return m_stats; }
    void resetPaintStats() { m_stats = {}; }

public Q_SLOTS:
    void zoomIn();
    void zoomOut();
    void fitToView();

Q_SIGNALS:
    void zoomChanged(qreal scale);

protected:
    void wheelEvent(QWheelEvent *event) override;
    void paintEvent(QPaintEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void zoomBy(qreal factor);
    // Set by fitToView(), cleared by a manual zoom: while set, a resize fits again (the page
    // may be built before it has its final size).
    bool m_autoFit = true;
    PaintStats m_stats;
};

} // namespace crewdeck::ui
