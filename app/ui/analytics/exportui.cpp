#include "app/ui/analytics/exportui.h"
#include "app/models/exporter.h"
#include "app/ui/analytics/pdfexporter.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QProgressDialog>
#include <QSettings>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

QString ExportUi::initialFolder()
{
    const QString last = QSettings().value(u"export/lastFolder"_s).toString();
    if (!last.isEmpty() && QFileInfo(last).isDir())
        return last;
    const QString docs = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (!docs.isEmpty() && QFileInfo(docs).isDir())
        return docs;
    return QDir::homePath();
}

void ExportUi::rememberFolder(const QString &fileName)
{
    const QString dir = QFileInfo(fileName).absolutePath();
    if (!dir.isEmpty())
        QSettings().setValue(u"export/lastFolder"_s, dir);
}

QString ExportUi::askFileName(QWidget *parent, const QString &suggestedName, const QString &filter)
{
    const QString file = QFileDialog::getSaveFileName(
        parent, tr("Export"), QDir(initialFolder()).filePath(suggestedName), filter);
    if (!file.isEmpty())
        rememberFolder(file);
    return file;
}

void ExportUi::run(QWidget *parent, client::Exporter *exporter, const QString &label,
                   std::function<void(bool, const QString &)> done)
{
    exporter->setParent(parent);
    auto *progress = new QProgressDialog(label, tr("Cancel"), 0, 0, parent);
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(500);
    QObject::connect(exporter, &client::Exporter::progress, progress, [progress](int n) {
        progress->setLabelText(tr("Collecting runs\u2026 %1").arg(n));
    });
    QObject::connect(progress, &QProgressDialog::canceled, exporter, &client::Exporter::cancel);
    QObject::connect(exporter, &client::Exporter::finished, exporter,
                     [exporter, progress, done](bool ok, const QString &message) {
                         exporter->deleteLater();
                         progress->deleteLater();
                         done(ok, message);
                     });
    if (auto *pdf = qobject_cast<PdfExporter *>(exporter)) {
        QObject::connect(pdf, &PdfExporter::pagesPlanned, progress, [progress](int pages) {
            progress->setLabelText(tr("Writing the report\u2026"));
            progress->setRange(0, pages);
        });
        QObject::connect(pdf, &PdfExporter::pageWritten, progress, &QProgressDialog::setValue);
    }
    exporter->start();
}

} // namespace crewdeck::ui
