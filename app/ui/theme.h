#pragma once
#include <QColor>
#include <QIcon>
#include <QString>

class QApplication;
class QPalette;

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

// Light or dark, as the OS prefers it.
enum class ColorScheme { Unknown, Light, Dark };
// Dark when the palette's window is darker than its text (a platform theme in dark mode).
ColorScheme paletteColorScheme(const QPalette &palette);
// GTK_THEME ("Adwaita:dark" or a name ending in "-dark"): the one preference some Linux
// desktops expose without D-Bus.
ColorScheme gtkThemeColorScheme(const QString &gtkTheme);
// The OS's preference as known now: the XDG desktop portal's answer (Linux, once it came),
// else GTK_THEME, else the platform palette captured before the app set its own.
ColorScheme systemColorScheme();

// "system" | "light" | "dark": sets the Fusion palette accordingly ("system": light or dark
// as systemColorScheme() says). On Linux, the first call also asks the desktop portal for
// org.freedesktop.appearance color-scheme (asynchronously: no start-up cost) and follows its
// changes while the setting is "system". GUI thread.
void applyTheme(const QString &theme);
// The scheme the app's palette has now.
ColorScheme appliedColorScheme();

// An icon from the embedded resources (":/icons/<name>.svg").
QIcon icon(const QString &name);

} // namespace crewdeck::ui
