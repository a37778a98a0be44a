#include "app/models/downsample.h"

#include <cmath>

namespace crewdeck::client {

QList<QPointF> downsampleMinMax(const QList<QPointF> &points, int columns)
{
    if (columns < 1)
        columns = 1;
    if (points.size() <= 2 * qsizetype(columns))
        return points;
    const double x0 = points.first().x();
    const double x1 = points.last().x();
    const double width = x1 - x0;
    if (width <= 0)
        return {points.first(), points.last()};
    QList<QPointF> out;
    out.reserve(2 * columns);
    qsizetype i = 0;
    const qsizetype n = points.size();
    while (i < n) {
        const int col =
            std::min(columns - 1, int(std::floor((points.at(i).x() - x0) / width * columns)));
        qsizetype minAt = i;
        qsizetype maxAt = i;
        qsizetype j = i + 1;
        for (; j < n; ++j) {
            const int c =
                std::min(columns - 1, int(std::floor((points.at(j).x() - x0) / width * columns)));
            if (c != col)
                break;
            if (points.at(j).y() < points.at(minAt).y())
                minAt = j;
            if (points.at(j).y() > points.at(maxAt).y())
                maxAt = j;
        }
        if (minAt == maxAt) {
            out.append(points.at(minAt));
        } else if (minAt < maxAt) {
            out.append(points.at(minAt));
            out.append(points.at(maxAt));
        } else {
            out.append(points.at(maxAt));
            out.append(points.at(minAt));
        }
        i = j;
    }
    return out;
}

} // namespace crewdeck::client
