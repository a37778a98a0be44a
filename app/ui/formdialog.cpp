#include "app/ui/formdialog.h"

#include "app/ui/errorlabel.h"

#include <QBoxLayout>
#include <QDialogButtonBox>
#include <QPushButton>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

FormDialog::FormDialog(const QString &okText, QWidget *parent) : QDialog(parent)
{
    m_error = new ErrorLabel(this);
    m_error->setObjectName(u"errorLabel"_s);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(okText);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &FormDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &FormDialog::reject);
}

void FormDialog::addFooter(QBoxLayout *layout)
{
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
}

QString FormDialog::errorText() const
{
    return m_error->shownText();
}

void FormDialog::showError(const QString &text)
{
    m_error->showError(text);
}

QString FormDialog::failureText(const client::ApiFailure &failure) const
{
    return failure.message;
}

void FormDialog::accept()
{
    if (m_sending)
        return;
    // Sending state first: the reply never arrives inside submit(), but if it did it would
    // find the state it expects.
    QPushButton *ok = m_buttons->button(QDialogButtonBox::Ok);
    const bool okWasEnabled = ok->isEnabled(); // the new-run dialog keeps it off until crews load
    m_sending = true;
    ok->setEnabled(false);
    showError({});
    QString error;
    if (!submit(&error)) {
        m_sending = false;
        ok->setEnabled(okWasEnabled);
        showError(error);
    }
}

bool FormDialog::finishSend(const client::ApiFailure *failure)
{
    m_sending = false;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(true);
    if (failure) {
        showError(failureText(*failure));
        return false;
    }
    return true;
}

} // namespace crewdeck::ui
