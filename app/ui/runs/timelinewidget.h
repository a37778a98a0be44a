#pragma once
#include <QTimer>
#include <QWidget>

namespace crewdeck::client {
class ToolCallsModel;
}

namespace crewdeck::ui {

// The run's Gantt chart: one row per tool call, its bar placed by started_at and sized by
// duration_ms on a shared time axis that starts when the run started. The running call's
// bar grows with the clock. Clicking a row selects that tool call. Painted with QPainter;
// GUI thread.
class TimelineWidget : public QWidget
{
    Q_OBJECT
public:
    explicit TimelineWidget(client::ToolCallsModel *model, QWidget *parent = nullptr);

    QString selectedToolCall() const { return m_selected; }
    void setSelectedToolCall(const QString &id);
    // Geometry of a call's bar (for tests and tooltips); empty when not shown.
    QRectF barRect(const QString &toolCallId) const;
    int rowCount() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void toolCallSelected(const QString &toolCallId);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    bool event(QEvent *event) override;

private:
    struct Span
    {
        qint64 startMs = 0; // epoch ms
        qint64 endMs = 0;
    };
    Span span() const;
    int labelWidth() const;
    int rowHeight() const;
    int topMargin() const;
    int rowAt(const QPoint &pos) const;

    client::ToolCallsModel *m_model;
    QString m_selected;
    QTimer m_tick;
};

} // namespace crewdeck::ui
