#include "app/models/csvwriter.h"
#include "shared/timeutil.h"

#include <QJsonValue>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace crewdeck::client::csv {

// A whole number as this writer prints it (and as a spreadsheet reads it): "-5", "987.65",
// "1e-07". Such a cell cannot be a formula, so a leading '-' or '+' stays as it is.
static bool isPlainNumber(const QString &value)
{
    static const QRegularExpression re(u"^[-+]?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$"_s);
    return re.match(value).hasMatch();
}

QString neutralizeFormula(const QString &value)
{
    if (value.isEmpty() || isPlainNumber(value))
        return value;
    const QChar c = value.front();
    if (c == u'=' || c == u'+' || c == u'-' || c == u'@' || c == u'\t' || c == u'\r')
        return u'\'' + value;
    return value;
}

QByteArray field(const QString &value)
{
    const QByteArray utf8 = neutralizeFormula(value).toUtf8();
    bool quote = false;
    for (char c : utf8) {
        if (c == ',' || c == '"' || c == '\r' || c == '\n') {
            quote = true;
            break;
        }
    }
    if (!quote)
        return utf8;
    QByteArray out;
    out.reserve(utf8.size() + 8);
    out.append('"');
    for (char c : utf8) {
        if (c == '"')
            out.append('"');
        out.append(c);
    }
    out.append('"');
    return out;
}

QByteArray record(const QStringList &fields)
{
    QByteArray out;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            out.append(',');
        out.append(field(fields.at(i)));
    }
    out.append("\r\n");
    return out;
}

QByteArray document(const QStringList &header, const QList<QStringList> &rows)
{
    QByteArray out = record(header);
    for (const QStringList &r : rows)
        out.append(record(r));
    return out;
}

static QString timeText(const QDateTime &t)
{
    return t.isValid() ? toRfc3339(t) : QString();
}

// JSON numbers as the shortest exact text (C7T amounts have at most 6 decimals).
static QString numberText(const QJsonValue &v)
{
    if (!v.isDouble())
        return {};
    return QString::number(v.toDouble(), 'g', 15);
}

QByteArray runs(const QList<Run> &list, const QHash<QString, QString> &crewNames)
{
    QList<QStringList> rows;
    rows.reserve(list.size());
    for (const Run &r : list) {
        rows.append({r.id, r.crewId, crewNames.value(r.crewId), r.status, timeText(r.createdAt),
                     timeText(r.startedAt), timeText(r.finishedAt),
                     r.durationMs ? QString::number(*r.durationMs) : QString(),
                     QString::number(r.tokens)});
    }
    return document({u"id"_s, u"crew_id"_s, u"crew"_s, u"status"_s, u"created_at"_s,
                     u"started_at"_s, u"finished_at"_s, u"duration_ms"_s, u"tokens"_s},
                    rows);
}

QByteArray ledger(const Timeseries &c7t)
{
    QList<QStringList> rows;
    rows.reserve(c7t.points.size());
    for (const TimeseriesPoint &p : c7t.points) {
        rows.append({timeText(p.t), p.value ? QString::number(*p.value, 'g', 15) : QString(),
                     numberText(p.extra.value(u"spent"_s)),
                     numberText(p.extra.value(u"earned"_s))});
    }
    return document({u"t"_s, u"balance"_s, u"spent"_s, u"earned"_s}, rows);
}

} // namespace crewdeck::client::csv
