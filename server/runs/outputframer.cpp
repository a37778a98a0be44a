#include "server/runs/outputframer.h"

#include <cstring>
#include <utility>

namespace crewdeck::server {

namespace {

constexpr qsizetype kTailSlack = 64 * 1024; // trim the tail in steps, not on every read

// Largest line: "…[truncated]\n" + line must still fit one output event.
qsizetype maxLineBytes()
{
    return OutputFramer::MaxEventBytes - (OutputFramer::truncatedMarker().size() + 1);
}

// Cuts `bytes` to at most `n` bytes without splitting a UTF-8 sequence.
void chopToUtf8Boundary(QByteArray &bytes, qsizetype n)
{
    if (bytes.size() <= n)
        return;
    while (n > 0 && (static_cast<unsigned char>(bytes.at(n)) & 0xC0) == 0x80)
        --n;
    bytes.truncate(n);
}

bool allDigits(const QByteArray &s, int maxLen)
{
    if (s.isEmpty() || s.size() > maxLen)
        return false;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

} // namespace

QByteArray OutputFramer::truncatedMarker()
{
    return QByteArrayLiteral("\xE2\x80\xA6[truncated]");
}

OutputFramer::OutputFramer(qint64 outputCapBytes, int coalesceMs, QObject *parent)
    : QObject(parent), m_cap(qMax<qint64>(1, outputCapBytes)), m_coalesceMs(qMax(1, coalesceMs))
{
    m_coalesceTimer.setSingleShot(true);
    m_coalesceTimer.setInterval(m_coalesceMs);
    connect(&m_coalesceTimer, &QTimer::timeout, this, &OutputFramer::flushPending);
}

void OutputFramer::consume(const char *data, qsizetype size)
{
    if (m_finished)
        return;
    appendTail(data, size);
    const qsizetype cap = maxLineBytes();
    const char *p = data;
    const char *end = data + size;
    while (p < end) {
        const char *nl =
            static_cast<const char *>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        const char *segEnd = nl ? nl : end;
        if (!m_discardingLine) {
            const qsizetype n = segEnd - p;
            const qsizetype room = cap - m_lineBuf.size();
            if (n <= room) {
                m_lineBuf.append(p, n);
            } else {
                m_lineBuf.append(p, room);
                handleLine(std::exchange(m_lineBuf, {}), true);
                m_discardingLine = true;
            }
        }
        if (!nl)
            break;
        if (!m_discardingLine)
            handleLine(std::exchange(m_lineBuf, {}), false);
        m_lineBuf.clear();
        m_discardingLine = false;
        p = nl + 1;
    }
}

void OutputFramer::finish()
{
    if (m_finished)
        return;
    if (!m_lineBuf.isEmpty() && !m_discardingLine)
        handleLine(std::exchange(m_lineBuf, {}), false);
    m_lineBuf.clear();
    flushPending();
    m_finished = true;
    m_coalesceTimer.stop();
}

void OutputFramer::handleLine(QByteArray line, bool truncated)
{
    if (truncated) {
        const QByteArray marker = truncatedMarker();
        chopToUtf8Boundary(line, maxLineBytes() - marker.size());
        line += marker;
        appendPending(line);
        return;
    }
    if (line.endsWith('\r'))
        line.chop(1);

    static const QByteArray progressTag = QByteArrayLiteral("::progress");
    static const QByteArray tokensTag = QByteArrayLiteral("::tokens");
    if (line.startsWith(progressTag) && line.size() > progressTag.size() &&
        isBlank(line.at(progressTag.size()))) {
        const QByteArray rest = line.mid(progressTag.size()).trimmed();
        qsizetype sep = 0;
        while (sep < rest.size() && !isBlank(rest.at(sep)))
            ++sep;
        const QByteArray number = rest.left(sep);
        if (allDigits(number, 3)) {
            const int percent = number.toInt();
            if (percent <= 100) {
                flushPending(); // keep the order of plain lines and progress lines
                Q_EMIT progress(percent, QString::fromUtf8(rest.mid(sep).trimmed()));
                return;
            }
        }
    } else if (line.startsWith(tokensTag) && line.size() > tokensTag.size() &&
               isBlank(line.at(tokensTag.size()))) {
        const QByteArray number = line.mid(tokensTag.size()).trimmed();
        if (allDigits(number, 15)) {
            Q_EMIT tokens(number.toLongLong());
            return;
        }
    }
    appendPending(line);
}

bool OutputFramer::mayEmitEarly()
{
    // At most 1000 / coalesceMs output events per second (20 with the default 50 ms).
    if (!m_rateClock.isValid() || m_rateClock.elapsed() >= 1000) {
        m_rateClock.start();
        m_eventsThisSecond = 0;
    }
    return m_eventsThisSecond < qMax(1, 1000 / m_coalesceMs);
}

void OutputFramer::appendPending(const QByteArray &line)
{
    const qsizetype budget = MaxEventBytes - (truncatedMarker().size() + 1);
    // A burst that overflows one event goes out early while the rate allows; beyond that the
    // oldest pending lines are dropped (the stored tail still has them).
    if (m_pendingHasLine && m_pending.size() + 1 + line.size() > budget && mayEmitEarly())
        flushPending();
    if (m_pendingHasLine)
        m_pending += '\n';
    m_pending += line;
    m_pendingHasLine = true;
    if (m_pending.size() > budget) {
        // Drop the oldest lines; keep the newest (always whole) and about half the budget so
        // that the cut is amortised over many lines.
        qsizetype keepFrom = m_pending.size() - line.size();
        const qsizetype want = m_pending.size() - budget / 2;
        if (want < keepFrom) {
            const qsizetype nl = m_pending.indexOf('\n', want);
            if (nl >= 0 && nl + 1 < keepFrom)
                keepFrom = nl + 1;
        }
        m_pending.remove(0, keepFrom);
        m_pendingTruncated = true;
    }
    if (!m_coalesceTimer.isActive()) {
        // Leading edge: after a quiet spell the line goes out at once (a one-line tool's
        // output does not wait for the window, or for the sandbox's teardown); lines that
        // follow within the window wait for it. Still at most one event per window.
        const qint64 since = m_lastEmit.isValid() ? m_lastEmit.elapsed() : m_coalesceMs;
        if (since >= m_coalesceMs)
            flushPending();
        else
            m_coalesceTimer.start(int(m_coalesceMs - since));
    }
}

void OutputFramer::flushPending()
{
    m_coalesceTimer.stop();
    if (!m_pendingHasLine || m_finished)
        return;
    QByteArray text;
    if (m_pendingTruncated)
        text = truncatedMarker() + '\n';
    text += m_pending;
    m_pending.clear();
    m_pendingHasLine = false;
    m_pendingTruncated = false;
    if (text.isEmpty())
        return;
    if (!m_rateClock.isValid() || m_rateClock.elapsed() >= 1000) {
        m_rateClock.start();
        m_eventsThisSecond = 0;
    }
    ++m_eventsThisSecond;
    m_lastEmit.start();
    Q_EMIT output(QString::fromUtf8(text));
}

void OutputFramer::appendTail(const char *data, qsizetype size)
{
    m_tail.append(data, size);
    // Trim with some slack so that a stream of small reads does not memmove every time.
    if (m_tail.size() > m_cap + kTailSlack) {
        m_tail.remove(0, m_tail.size() - m_cap);
        m_tailTruncated = true;
    }
}

QByteArray OutputFramer::tail() const
{
    if (!m_tailTruncated && m_tail.size() <= m_cap)
        return m_tail;
    const QByteArray marker = truncatedMarker() + '\n';
    if (m_cap <= marker.size() * 2)
        return m_tail.right(m_cap);
    QByteArray body = m_tail.right(m_cap - marker.size());
    const qsizetype cutAt = m_tail.size() - body.size();
    // Start on a line boundary when the cut fell inside a line.
    if (cutAt > 0 && m_tail.at(cutAt - 1) != '\n') {
        const qsizetype nl = body.indexOf('\n');
        if (nl >= 0 && nl + 1 < body.size())
            body.remove(0, nl + 1);
        else
            while (!body.isEmpty() && (static_cast<unsigned char>(body.at(0)) & 0xC0) == 0x80)
                body.remove(0, 1);
    }
    return marker + body;
}

} // namespace crewdeck::server
