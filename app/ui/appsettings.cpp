#include "app/ui/appsettings.h"

#include <QSettings>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

AppSettings AppSettings::load()
{
    QSettings s;
    AppSettings a;
    a.serverUrl = s.value(u"server/url"_s).toString();
    a.email = s.value(u"login/email"_s).toString();
    a.theme = s.value(u"ui/theme"_s, a.theme).toString();
    a.language = s.value(u"ui/language"_s, a.language).toString();
    a.refreshSeconds =
        qBound(5, s.value(u"dashboard/refreshSeconds"_s, a.refreshSeconds).toInt(), 3600);
    a.windowGeometry = s.value(u"window/geometry"_s).toByteArray();
    a.trayNotifications = s.value(u"notifications/tray"_s, a.trayNotifications).toBool();
    a.caCertFile = s.value(u"tls/caCertFile"_s).toString();
    a.rememberMe = s.value(u"login/remember"_s, a.rememberMe).toBool();
    return a;
}

void AppSettings::save() const
{
    QSettings s;
    s.setValue(u"server/url"_s, serverUrl);
    s.setValue(u"login/email"_s, email);
    s.setValue(u"ui/theme"_s, theme);
    s.setValue(u"ui/language"_s, language);
    s.setValue(u"dashboard/refreshSeconds"_s, refreshSeconds);
    s.setValue(u"window/geometry"_s, windowGeometry);
    s.setValue(u"notifications/tray"_s, trayNotifications);
    s.setValue(u"tls/caCertFile"_s, caCertFile);
}

QString AppSettings::defaultServerUrl()
{
    const QString env = qEnvironmentVariable("CREWDECK_API_URL").trimmed();
    if (!env.isEmpty())
        return env;
    const QString last = QSettings().value(u"server/url"_s).toString();
    if (!last.isEmpty())
        return last;
    return u"http://127.0.0.1:8080"_s;
}

QString AppSettings::effectiveLanguage(const QString &setting, const QLocale &system)
{
    if (setting == u"en"_s || setting == u"de"_s)
        return setting;
    for (const QString &ui : system.uiLanguages()) {
        const QString lang = ui.section(u'-', 0, 0).toLower();
        if (lang == u"de"_s || lang == u"en"_s)
            return lang;
    }
    return u"en"_s;
}

QLocale AppSettings::effectiveLocale(const QString &setting, const QLocale &system)
{
    if (setting == u"de"_s)
        return QLocale(QLocale::German, QLocale::Germany);
    if (setting == u"en"_s)
        return QLocale(QLocale::English, QLocale::UnitedStates);
    // "C" (LANG unset, LANG=C) has no grouping and ISO-ish formats; en_US reads better.
    if (system.language() == QLocale::C)
        return QLocale(QLocale::English, QLocale::UnitedStates);
    return system;
}

} // namespace crewdeck::ui
