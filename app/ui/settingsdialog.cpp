#include "app/ui/settingsdialog.h"
#include "app/net/tlstrust.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

SettingsDialog::SettingsDialog(const AppSettings &current, QWidget *parent)
    : QDialog(parent), m_base(current)
{
    setObjectName(u"settingsDialog"_s);
    setWindowTitle(tr("Settings"));
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;

    m_server = new QLineEdit(current.serverUrl, this);
    m_server->setObjectName(u"serverEdit"_s);
    form->addRow(tr("&Server:"), m_server);

    // One extra certificate to trust for https:// (a private CA or a self-signed server).
    m_caCert = new QLineEdit(current.caCertFile, this);
    m_caCert->setObjectName(u"caCertEdit"_s);
    m_caCert->setPlaceholderText(tr("None: the system's certificate authorities only"));
    auto *browse = new QPushButton(tr("&Browse…"), this);
    browse->setObjectName(u"caCertBrowse"_s);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, tr("Certificate to trust"), m_caCert->text(),
            tr("Certificates (*.pem *.crt *.cer *.der);;All files (*)"));
        if (!file.isEmpty())
            m_caCert->setText(file);
    });
    auto *caRow = new QHBoxLayout;
    caRow->addWidget(m_caCert, 1);
    caRow->addWidget(browse);
    form->addRow(tr("Also &trust certificate:"), caRow);
    m_caInfo = new QLabel(this);
    m_caInfo->setObjectName(u"caCertInfo"_s);
    m_caInfo->setWordWrap(true);
    m_caInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(QString(), m_caInfo);
    const auto showCa = [this] {
        const QString file = m_caCert->text().trimmed();
        if (file.isEmpty()) {
            m_caInfo->clear();
            return;
        }
        QString error;
        const QList<QSslCertificate> certs = client::tlstrust::loadCertificateFile(file, &error);
        m_caInfo->setText(certs.isEmpty() ? error : client::tlstrust::describe(certs.first()));
    };
    connect(m_caCert, &QLineEdit::editingFinished, this, showCa);
    connect(m_caCert, &QLineEdit::textChanged, this, showCa);
    showCa();

    m_refresh = new QSpinBox(this);
    m_refresh->setObjectName(u"refreshSpin"_s);
    m_refresh->setRange(5, 3600);
    m_refresh->setSuffix(tr(" s"));
    m_refresh->setValue(current.refreshSeconds);
    form->addRow(tr("Dashboard &refresh every:"), m_refresh);

    m_theme = new QComboBox(this);
    m_theme->setObjectName(u"themeCombo"_s);
    m_theme->addItem(tr("System"), u"system"_s);
    m_theme->addItem(tr("Light"), u"light"_s);
    m_theme->addItem(tr("Dark"), u"dark"_s);
    m_theme->setCurrentIndex(qMax(0, m_theme->findData(current.theme)));
    form->addRow(tr("&Theme:"), m_theme);

    m_language = new QComboBox(this);
    m_language->setObjectName(u"languageCombo"_s);
    // Language names in their own language, as users look for them.
    m_language->addItem(tr("System default"), u"system"_s);
    m_language->addItem(u"English"_s, u"en"_s);
    m_language->addItem(u"Deutsch"_s, u"de"_s);
    m_language->setCurrentIndex(qMax(0, m_language->findData(current.language)));
    form->addRow(tr("&Language:"), m_language);

    m_tray = new QCheckBox(
        tr("Notify me of failed runs and offline crews while CrewDeck is in the background"), this);
    m_tray->setObjectName(u"trayCheck"_s);
    m_tray->setChecked(current.trayNotifications);
    form->addRow(tr("&Notifications:"), m_tray);
    layout->addLayout(form);

    auto *note = new QLabel(tr("A new server address is used at the next login; a trusted "
                               "certificate from the next connection on."),
                            this);
    note->setWordWrap(true);
    note->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(note);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

AppSettings SettingsDialog::values() const
{
    AppSettings a = m_base;
    a.serverUrl = m_server->text().trimmed();
    a.refreshSeconds = m_refresh->value();
    a.theme = m_theme->currentData().toString();
    a.language = m_language->currentData().toString();
    a.trayNotifications = m_tray->isChecked();
    a.caCertFile = m_caCert->text().trimmed();
    return a;
}

void SettingsDialog::accept()
{
    const QString file = m_caCert->text().trimmed();
    QString error;
    if (!file.isEmpty() && client::tlstrust::loadCertificateFile(file, &error).isEmpty()) {
        m_caInfo->setText(error);
        m_caCert->setFocus();
        return;
    }
    QDialog::accept();
}

} // namespace crewdeck::ui
