#pragma once
#include "app/net/livesocket.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>
#include <QWidget>

namespace crewdeck::ui {

// Shows how alive the mission socket is: a pulsing dot and a short text.
//   green "Live"; amber "Connecting…" / "Reconnecting – retry in 3 s";
//   red "Offline" (no socket) or "Stale – last heard 12 s ago" (Live, but silent for more
//   than one heartbeat interval). GUI thread; re-evaluates four times a second.
class LiveIndicator : public QWidget
{
    Q_OBJECT
public:
    enum class Mode { Offline, Connecting, Live, Reconnecting, Stale };
    Q_ENUM(Mode)

    explicit LiveIndicator(QWidget *parent = nullptr);
    void setSocket(client::LiveSocket *socket);

    Mode mode() const { return m_mode; }
    QString text() const { return m_text; }
    QColor color() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return sizeHint(); }

Q_SIGNALS:
    void modeChanged(crewdeck::ui::LiveIndicator::Mode mode);

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    void reevaluate();

    QPointer<client::LiveSocket> m_socket;
    QTimer m_tick;
    QElapsedTimer m_clock;
    Mode m_mode = Mode::Offline;
    QString m_text;
};

} // namespace crewdeck::ui
