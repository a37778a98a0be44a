#pragma once
// Internal to crewdeck_store: what the files implementing SqlStore share (sqlstore.cpp is the
// connection and statement plumbing; sqlorgs.cpp, sqlruns.cpp, sqlanalytics.cpp,
// sqlledger.cpp, sqlevents.cpp and sqlprune.cpp hold the queries, one file per reason to change).
// Not included outside server/store. Same thread rules as SqlStore (its owning thread only).
#include "server/store/sqlstore.h"
#include "shared/timeutil.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaType>
#include <QVariant>
#include <limits>
#include <type_traits>

namespace crewdeck::server::sqlstore {

using namespace Qt::StringLiterals;

// QSQLITE binds a null QString as SQL NULL: NOT NULL text columns get "" instead.
inline QVariant text(const QString &s)
{
    return s.isNull() ? QVariant(u""_s) : QVariant(s);
}
// Optional text columns: NULL for empty.
inline QVariant textOrNull(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}
inline QVariant intOrNull(std::optional<qint64> v)
{
    return v ? QVariant(*v) : QVariant(QMetaType::fromType<qint64>());
}
inline QString compactJson(const QJsonArray &a)
{
    return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact));
}
inline QString compactJson(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}
inline QJsonArray parseArray(const QString &s)
{
    return QJsonDocument::fromJson(s.toUtf8()).array();
}
inline QJsonObject parseObject(const QString &s)
{
    return QJsonDocument::fromJson(s.toUtf8()).object();
}

inline const QString FinishedStates = u"('succeeded', 'failed', 'cancelled')"_s;
// run_hourly rows are keyed by the start of the run's created_at hour (migration 3).
constexpr qint64 HourMs = 3600000;
// A latency bucket that ended this long ago is closed: no run can finish into it any more.
constexpr qint64 LatencyMemoMarginMs = 10 * 60 * 1000;

// One result row, read by column index. Numbers go through SqlStore::int64Of() (PostgreSQL
// NUMERIC arrives as a decimal string); times are ms since the epoch in the schema.
class Row
{
public:
    explicit Row(const QSqlQuery &q) : m_q(q) {}
    QVariant value(int i) const { return m_q.value(i); }
    bool isNull(int i) const { return m_q.value(i).isNull(); }
    QString str(int i) const { return m_q.value(i).toString(); }
    qint64 i64(int i) const { return SqlStore::int64Of(m_q.value(i)); }
    int i32(int i) const { return m_q.value(i).toInt(); }
    QDateTime time(int i) const { return fromMs(i64(i)); }
    // NULL reads as an invalid QDateTime / nullopt.
    QDateTime timeOrNull(int i) const { return isNull(i) ? QDateTime() : time(i); }
    std::optional<qint64> i64OrNull(int i) const
    {
        return isNull(i) ? std::nullopt : std::optional<qint64>(i64(i));
    }

private:
    const QSqlQuery &m_q;
};

// The one row loader: every row of an executed SELECT through `fromRow(const Row &)`. A
// failed statement (no query) gives an empty list and, when asked, *ok = false.
template <typename Fn>
auto collect(std::optional<SqlStore::Stmt> q, Fn fromRow, bool *ok = nullptr)
    -> QList<std::invoke_result_t<Fn &, const Row &>>
{
    QList<std::invoke_result_t<Fn &, const Row &>> out;
    if (ok)
        *ok = q.has_value();
    if (!q)
        return out;
    while (q->next())
        out.append(fromRow(Row(*q)));
    return out;
}

// The rows of a bucketed timeseries query (column 0: the bucket) through `perRow(i, row)`,
// `i` being the bucket's index in `grid` (a SqlStore::SeriesGrid); rows outside the grid are
// skipped. False when the statement failed. The statement is finished on return.
template <typename Grid, typename Fn>
bool forEachBucketRow(std::optional<SqlStore::Stmt> q, const Grid &grid, Fn perRow)
{
    if (!q)
        return false;
    while (q->next()) {
        const qint64 i = grid.indexOf(q->value(0));
        if (i >= 0)
            perRow(i, Row(*q));
    }
    return true;
}

// The WHERE clause (without a seq condition) selecting one stream, mirroring
// StreamKey::matches(), and its bound values (sqlevents.cpp).
QString streamWhere(const StreamKey &key, QVariantList *binds);

// The first element, for lookups by key that load through a list.
template <typename T> std::optional<T> firstOf(const QList<T> &list)
{
    return list.isEmpty() ? std::nullopt : std::optional<T>(list.first());
}

} // namespace crewdeck::server::sqlstore

namespace crewdeck::server {

// Rolls back on scope exit unless commit() succeeded. Not nestable: public methods that
// open one never call another public method that opens one while it is active.
class SqlStore::Transaction
{
public:
    explicit Transaction(SqlStore &store, WriteLock lock = WriteLock::Data)
        : m_store(store), m_active(store.beginWrite(lock))
    {
    }
    ~Transaction()
    {
        if (m_active)
            m_store.rollback();
    }
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    bool ok() const { return m_active; }
    bool commit()
    {
        if (!m_active)
            return false;
        m_active = false;
        if (m_store.commit())
            return true;
        m_store.rollback();
        return false;
    }

private:
    SqlStore &m_store;
    bool m_active;
};

} // namespace crewdeck::server
