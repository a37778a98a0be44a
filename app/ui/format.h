#pragma once
#include "shared/money.h"

#include <QString>

namespace crewdeck::ui {

// Display formats shared by all pages (locale-aware, exact for C7T). GUI thread.
QString formatCount(qint64 n);
QString formatPercent(double fraction); // 0.935 -> "93.5 %"
QString formatMs(double ms);            // "850 ms", "1.2 s", "3 min 4 s"
QString formatC7T(Micros amount, const QString &symbol = QStringLiteral("C7T"));

} // namespace crewdeck::ui
