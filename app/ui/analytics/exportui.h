#pragma once
#include <QCoreApplication>
#include <QString>
#include <functional>

class QWidget;

namespace crewdeck::client {
class Exporter;
}

namespace crewdeck::ui {

// The desktop side of an export: where the save dialog starts and the progress dialog around
// an Exporter. GUI thread.
class ExportUi
{
    Q_DECLARE_TR_FUNCTIONS(ExportUi)
public:
    // The folder of the last export, else the user's Documents folder
    // (QStandardPaths::DocumentsLocation), else home; never the working directory. Kept in
    // QSettings ("export/lastFolder").
    static QString initialFolder();
    static void rememberFolder(const QString &fileName);
    // A save dialog in initialFolder() proposing `suggestedName`; remembers the chosen folder.
    // Empty when cancelled.
    static QString askFileName(QWidget *parent, const QString &suggestedName,
                               const QString &filter);
    // Starts `exporter` (takes ownership) behind a window-modal progress dialog (after 500 ms)
    // whose Cancel cancels it; `done` gets the result once.
    static void run(QWidget *parent, client::Exporter *exporter, const QString &label,
                    std::function<void(bool, const QString &)> done);
};

} // namespace crewdeck::ui
