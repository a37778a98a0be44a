#pragma once
#include <QByteArray>
#include <QLocale>
#include <QString>

namespace crewdeck::ui {

// What the app remembers between starts (QSettings, per user). Never the password or token.
struct AppSettings
{
    QString serverUrl;
    QString email;
    QString theme = QStringLiteral("system");    // system | light | dark
    QString language = QStringLiteral("system"); // system | en | de
    int refreshSeconds = 30;
    bool trayNotifications = true; // failed runs / offline crews while the window is inactive
    // One extra certificate (PEM or DER file) trusted for https:// servers besides the
    // system's CAs; empty: the system's CAs only. `crewdeck --ca-cert` overrides it for a run.
    QString caCertFile;
    bool rememberMe = false; // the password is in the OS keychain (never here)
    QByteArray windowGeometry;

    static AppSettings load();
    void save() const;
    // CREWDECK_API_URL, else the last used URL, else http://127.0.0.1:8080.
    static QString defaultServerUrl();
    // The UI language for a language setting: "en"/"de" as set; "system" (or anything else):
    // the first of the OS's UI languages that has a translation, else "en".
    static QString effectiveLanguage(const QString &setting, const QLocale &system);
    // The locale for numbers and dates: the OS's own for "system", en_US / de_DE for an
    // explicit language.
    static QLocale effectiveLocale(const QString &setting, const QLocale &system);
};

} // namespace crewdeck::ui
