#pragma once
#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

// Turns a tool's raw output bytes into events: splits lines (each capped at 64 KiB, cut lines
// marked "…[truncated]"), parses `::progress <0-100> <message>` and `::tokens <n>`, coalesces
// other lines into at most one output() per coalescing window (at most 64 KiB each, at most
// 1000 / coalesceMs per second; a burst beyond that drops its oldest lines from the event,
// never from the stored tail) and keeps the stored tail of the raw output, capped.
// No process here: ToolProcess feeds it, tests feed it bytes directly.
//
// Thread: the thread that created it (its coalescing timer lives there).
namespace crewdeck::server {

class OutputFramer : public QObject
{
    Q_OBJECT
public:
    // Limit of one output() event and of one line, in UTF-8 bytes.
    static constexpr qsizetype MaxEventBytes = 64 * 1024;
    static QByteArray truncatedMarker(); // "…[truncated]" (UTF-8)

    OutputFramer(qint64 outputCapBytes, int coalesceMs, QObject *parent = nullptr);

    void consume(const char *data, qsizetype size);
    // The end of the output: delivers the last (unterminated) line and everything pending,
    // then emits nothing more. Idempotent.
    void finish();
    // The stored tail: the last outputCapBytes of the raw output, "…[truncated]\n" first
    // (starting on a line boundary where possible) when it was cut. Call after finish().
    QByteArray tail() const;

Q_SIGNALS:
    void output(const QString &text);                   // coalesced plain lines, joined with \n
    void progress(int percent, const QString &message); // one per `::progress` line
    void tokens(qint64 n);                              // one per `::tokens` line

private:
    void handleLine(QByteArray line, bool truncated);
    void appendPending(const QByteArray &line);
    bool mayEmitEarly();
    void flushPending();
    void appendTail(const char *data, qsizetype size);

    qint64 m_cap;
    int m_coalesceMs;
    bool m_finished = false;
    QTimer m_coalesceTimer;
    QByteArray m_lineBuf;          // current incomplete line
    bool m_discardingLine = false; // the current line went over the cap: skip to '\n'
    QByteArray m_pending;          // coalesced plain lines (UTF-8, joined with '\n')
    bool m_pendingHasLine = false;
    bool m_pendingTruncated = false;
    QElapsedTimer m_rateClock; // output events per second
    QElapsedTimer m_lastEmit;  // the last output(): the coalescing window runs from there
    int m_eventsThisSecond = 0;
    QByteArray m_tail;
    bool m_tailTruncated = false;
};

} // namespace crewdeck::server
