#include "app/ui/settingsdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
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

    auto *note = new QLabel(tr("A new server address is used at the next login."), this);
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
    return a;
}

} // namespace crewdeck::ui
