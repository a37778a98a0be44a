#pragma once
#include <QList>
#include <QPointF>

namespace crewdeck::client {

// Reduces a series sorted by x to at most 2 * columns points for a plot `columns` pixels
// wide: per pixel column the minimum and maximum y (in x order), so spikes stay visible.
// Returns the input unchanged when it already has at most 2 * columns points. Any thread.
QList<QPointF> downsampleMinMax(const QList<QPointF> &points, int columns);

} // namespace crewdeck::client
