#pragma once
#include <QColor>
#include <QIcon>
#include <QString>

class QApplication;

namespace crewdeck::ui {

// Colours that carry meaning, the same everywhere in the app.
namespace StatusColors {
QColor available(); // green
QColor busy();      // amber
QColor offline();   // red
QColor live();      // green
QColor warning();   // amber
QColor error();     // red
} // namespace StatusColors

// Crew status ("available" | "busy" | "offline") -> its colour.
QColor crewStatusColor(const QString &status);
// Translated crew status for display.
QString crewStatusText(const QString &status);
// A 12 px dot in the crew status colour (combo boxes, trees, the market table).
QIcon crewStatusDot(const QString &status);
// Run state -> colour (running/queued amber, succeeded green, failed/cancelled red).
QColor runStatusColor(const QString &status);
QString runStatusText(const QString &status);

// "system" | "light" | "dark": sets the Fusion palette accordingly. GUI thread.
void applyTheme(const QString &theme);

// An icon from the embedded resources (":/icons/<name>.svg").
QIcon icon(const QString &name);

} // namespace crewdeck::ui
