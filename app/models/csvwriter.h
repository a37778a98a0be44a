#pragma once
#include "shared/types.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace crewdeck::client {

// RFC 4180 CSV: a field containing a comma, a double quote, CR or LF is quoted and its
// quotes doubled; records end with CRLF; the bytes are UTF-8 without a BOM. Text that a
// spreadsheet would run as a formula (CSV injection: a crew named "=HYPERLINK(...)") is
// neutralised first. Pure functions, any thread.
namespace csv {

// OWASP's guidance for CSV injection: a cell starting with =, +, -, @, tab or CR gets a
// leading ' so that spreadsheets show it as text. Plain numbers ("-5", "1.5e-3") are left
// alone: they cannot be formulas and must stay numbers.
QString neutralizeFormula(const QString &value);
// One field: neutralised, then quoted when RFC 4180 needs it.
QByteArray field(const QString &value);
QByteArray record(const QStringList &fields);
QByteArray document(const QStringList &header, const QList<QStringList> &rows);

// One row per run: id, crew_id, crew, status, created_at, started_at, finished_at,
// duration_ms, tokens (times RFC 3339 UTC, empty when unset). `crewNames` maps crew ids to
// names (a missing id leaves the name empty).
QByteArray runs(const QList<Run> &runs, const QHash<QString, QString> &crewNames = {});
// One row per bucket of the c7t timeseries: t, balance, spent, earned (C7T, empty for null).
QByteArray ledger(const Timeseries &c7t);

} // namespace csv
} // namespace crewdeck::client
