#pragma once
#include <QByteArray>
#include <QByteArrayList>

namespace crewdeck::testsupport {

// The value of one sample line ("name value") of a Prometheus text page (/metrics); -1 when
// the name is absent.
inline double metricValue(const QByteArray &text, const QByteArray &name)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(QByteArray(name + ' ')))
            return line.mid(name.size() + 1).toDouble();
    }
    return -1;
}

} // namespace crewdeck::testsupport
