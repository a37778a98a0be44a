#pragma once
#include "app/ui/appsettings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace crewdeck::ui {

// Edits the remembered settings: server URL, an extra trusted certificate for https://,
// dashboard refresh interval, theme and language. The caller applies and saves what values()
// returns after accept. GUI thread.
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(const AppSettings &current, QWidget *parent = nullptr);
    AppSettings values() const;

protected:
    // Refuses OK while the extra certificate file cannot be read (the reason is shown).
    void accept() override;

private:
    AppSettings m_base;
    QLineEdit *m_server;
    QSpinBox *m_refresh;
    QComboBox *m_theme;
    QComboBox *m_language;
    QCheckBox *m_tray;
    QLineEdit *m_caCert;
    QLabel *m_caInfo;
};

} // namespace crewdeck::ui
