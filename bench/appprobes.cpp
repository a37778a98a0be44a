#include "bench/appprobes.h"
#include "bench/benchutil.h"

#include <QCoreApplication>
#include <QPaintEvent>
#include <QWidget>

using namespace Qt::StringLiterals;

namespace crewdeck::bench {

bool PaintTimer::eventFilter(QObject *watched, QEvent *event)
{
    if (m_inside || event->type() != QEvent::Paint || watched != target || !painted)
        return false;
    const QRegion region = static_cast<QPaintEvent *>(event)->region();
    const qint64 start = monoNs();
    m_inside = true;
    QCoreApplication::sendEvent(target, event);
    m_inside = false;
    const qint64 end = monoNs();
    painted(region, start, end, nowNs());
    return true; // already painted
}

StallProbe::StallProbe(std::function<qint64()> events) : m_events(std::move(events))
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(1);
    QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] { tick(); });
}

void StallProbe::tick()
{
    const qint64 now = monoNs();
    const qint64 cpu = threadCpuNs();
    const qint64 events = m_events();
    if (m_lastTick) {
        const qint64 stall = now - m_lastTick - 1000000;
        if (stall > maxStallNs) {
            maxStallNs = stall;
            maxStallCpuNs = cpu - m_lastThreadCpu;
            maxStallEvents = events - m_lastEvents;
            maxStallAt = now;
            maxStallAfter = m_lastEvents;
        }
        if (stall > 16000000) {
            ++stallsOver16;
            if ((cpu - m_lastThreadCpu) * 2 > now - m_lastTick)
                ++busyStallsOver16;
        }
    }
    m_lastTick = now;
    m_lastThreadCpu = cpu;
    m_lastEvents = events;
}

// Built by concatenation: `m%101` would be a QString::arg place marker.
QString printerCommand(const QString &python, int rate, int seconds)
{
    return python + u" -c 'import sys,time\n"_s + u"r="_s + QString::number(rate) + u"\nn="_s +
           QString::number(qint64(rate) * seconds) +
           u"\nw=sys.stdout.write\nf=sys.stdout.flush\nt=time.time_ns\ns=time.time()\n"
           "i=0\nk=0\n"
           "while i<n:\n"
           " k+=1\n"
           " j=min(n,k*r//100)\n"
           " w(\"\".join([\"::progress %d t=%d\\n\"%(m%101,t()) for m in range(i,j)]))\n"
           " f()\n"
           " i=j\n"
           " d=s+k/100-time.time()\n"
           " if d>0: time.sleep(d)\n'"_s;
}

qint64 stampOf(const QString &message)
{
    if (!message.startsWith(u"t="))
        return 0;
    qint64 v = 0;
    for (qsizetype k = 2; k < message.size(); ++k) {
        const char16_t c = message.at(k).unicode();
        if (c < u'0' || c > u'9')
            break;
        v = v * 10 + (c - u'0');
    }
    return v;
}

} // namespace crewdeck::bench
