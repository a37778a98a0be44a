// Native conventions (issue 17): with a German system locale and no settings the UI is German
// and numbers/dates are formatted the German way; an explicit language in Settings still wins.
// The OS colour scheme: a dark platform palette or GTK_THEME=...:dark gives the dark palette,
// with light/dark overrides. main() below sets the German environment before Qt reads it.
#include "app/ui/appcontroller.h"
#include "app/ui/appsettings.h"
#include "app/ui/logindialog.h"
#include "app/ui/theme.h"

#include <QApplication>
#include <QComboBox>
#include <QPalette>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace crewdeck::ui;

class TestNative : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void germanSystemGivesGermanUi();
    void explicitLanguageOverridesTheSystem();
    void effectiveLanguageRules();
    void colorSchemeFromPaletteAndGtkTheme();
    void systemThemeFollowsTheOs();

private:
    QTemporaryDir m_settingsDir;
};

void TestNative::initTestCase()
{
    QCoreApplication::setOrganizationName(u"CrewDeckTest"_s);
    QCoreApplication::setApplicationName(u"tst_native"_s);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QSettings().clear();
    QCOMPARE(QLocale::system().language(), QLocale::German); // from main()'s environment
}

void TestNative::germanSystemGivesGermanUi()
{
    QCOMPARE(AppSettings::load().language, u"system"_s); // nothing set
    AppController ctl;
    ctl.start();
    QCOMPARE(ctl.language(), u"de"_s);
    QVERIFY(ctl.loginDialog());
    QCOMPARE(ctl.loginDialog()->windowTitle(), u"Bei CrewDeck anmelden"_s);
    // The system's formats: German grouping and decimal separator, German dates.
    QCOMPARE(QLocale().toString(1234567.5, 'f', 1), u"1.234.567,5"_s);
    QCOMPARE(QLocale().toString(QDate(2026, 3, 4), QLocale::ShortFormat), u"04.03.26"_s);
}

void TestNative::explicitLanguageOverridesTheSystem()
{
    QSettings().setValue(u"ui/language"_s, u"en"_s);
    AppController ctl;
    ctl.start();
    QCOMPARE(ctl.language(), u"en"_s);
    QCOMPARE(ctl.loginDialog()->windowTitle(), u"Log in to CrewDeck"_s);
    QCOMPARE(QLocale().toString(1234.5, 'f', 1), u"1,234.5"_s);
    ctl.setLanguage(u"system"_s);
    QCOMPARE(ctl.language(), u"de"_s);
    QSettings().remove(u"ui/language"_s);
}

void TestNative::effectiveLanguageRules()
{
    const QLocale at(QLocale::German, QLocale::Austria);
    const QLocale fr(QLocale::French, QLocale::France);
    QCOMPARE(AppSettings::effectiveLanguage(u"system"_s, at), u"de"_s);
    QCOMPARE(AppSettings::effectiveLocale(u"system"_s, at), at);        // de_AT formats, not de_DE
    QCOMPARE(AppSettings::effectiveLanguage(u"system"_s, fr), u"en"_s); // no French: English
    QCOMPARE(AppSettings::effectiveLocale(u"system"_s, fr), fr);        // but French numbers
    QCOMPARE(AppSettings::effectiveLanguage(u"en"_s, at), u"en"_s);
    QCOMPARE(AppSettings::effectiveLocale(u"de"_s, fr), QLocale(QLocale::German, QLocale::Germany));
    QCOMPARE(AppSettings::effectiveLocale(u"system"_s, QLocale::c()),
             QLocale(QLocale::English, QLocale::UnitedStates));
}

void TestNative::colorSchemeFromPaletteAndGtkTheme()
{
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x20));
    dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    QPalette light;
    light.setColor(QPalette::Window, QColor(0xf0, 0xf0, 0xf0));
    light.setColor(QPalette::WindowText, Qt::black);
    QCOMPARE(paletteColorScheme(dark), ColorScheme::Dark);
    QCOMPARE(paletteColorScheme(light), ColorScheme::Light);
    QCOMPARE(gtkThemeColorScheme(u"Adwaita:dark"_s), ColorScheme::Dark);
    QCOMPARE(gtkThemeColorScheme(u"Yaru-dark"_s), ColorScheme::Dark);
    QCOMPARE(gtkThemeColorScheme(u"Adwaita"_s), ColorScheme::Unknown);
    QCOMPARE(gtkThemeColorScheme(QString()), ColorScheme::Unknown);
}

void TestNative::systemThemeFollowsTheOs()
{
    // The offscreen platform's palette is light; no session bus here, so GTK_THEME decides.
    qunsetenv("GTK_THEME");
    applyTheme(u"system"_s);
    QCOMPARE(appliedColorScheme(), ColorScheme::Light);
    qputenv("GTK_THEME", "Adwaita:dark");
    applyTheme(u"system"_s);
    QCOMPARE(appliedColorScheme(), ColorScheme::Dark);
    QCOMPARE(paletteColorScheme(QApplication::palette()), ColorScheme::Dark);
    applyTheme(u"light"_s); // the override wins over the OS
    QCOMPARE(appliedColorScheme(), ColorScheme::Light);
    QCOMPARE(paletteColorScheme(QApplication::palette()), ColorScheme::Light);
    qunsetenv("GTK_THEME");
    applyTheme(u"dark"_s);
    QCOMPARE(appliedColorScheme(), ColorScheme::Dark);
    applyTheme(u"system"_s);
    QCOMPARE(appliedColorScheme(), ColorScheme::Light);
}

int main(int argc, char *argv[])
{
    // A German desktop session, as Qt reads it at start-up (QLocale::system()).
    qputenv("LANG", "de_DE.UTF-8");
    qputenv("LC_ALL", "de_DE.UTF-8");
    qputenv("LANGUAGE", "de_DE:de");
    qunsetenv("DBUS_SESSION_BUS_ADDRESS"); // the portal must not answer for the desktop
    QApplication app(argc, argv);
    app.setAttribute(Qt::AA_Use96Dpi, true);
    TestNative t;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&t, argc, argv);
}

#include "tst_native.moc"
