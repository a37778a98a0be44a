#pragma once
#include <QByteArray>
#include <QString>

namespace crewdeck::ui {

// What the app remembers between starts (QSettings, per user). Never the password or token.
struct AppSettings
{
    QString serverUrl;
    QString email;
    QString theme = QStringLiteral("system"); // system | light | dark
    QString language = QStringLiteral("en");  // en | de
    int refreshSeconds = 30;
    bool trayNotifications = true; // failed runs / offline crews while the window is inactive
    // One extra certificate (PEM or DER file) trusted for https:// servers besides the
    // system's CAs; empty: the system's CAs only. `crewdeck --ca-cert` overrides it for a run.
    QString caCertFile;
    QByteArray windowGeometry;

    static AppSettings load();
    void save() const;
    // CREWDECK_API_URL, else the last used URL, else http://127.0.0.1:8080.
    static QString defaultServerUrl();
};

} // namespace crewdeck::ui
