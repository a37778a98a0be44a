#pragma once
#include "app/net/apiclient.h"

#include <QDialog>
#include <functional>

class QBoxLayout;
class QDialogButtonBox;

namespace crewdeck::ui {

class ErrorLabel;

// The validate -> send -> error flow the form dialogs share (new crew, new run, rent).
// accept() asks the subclass's submit() to validate the form and send it: a field error is
// shown and the dialog stays open; while the request is out OK is disabled and a second
// accept() does nothing; a failed request shows failureText() and enables OK again; success
// runs the subclass's handler (its signal) and closes the dialog. GUI thread.
class FormDialog : public QDialog
{
    Q_OBJECT
public:
    // What the error line shows (empty while hidden).
    QString errorText() const;
    QDialogButtonBox *buttons() const { return m_buttons; }

public Q_SLOTS:
    void accept() override;

protected:
    // Creates the error line ("errorLabel") and OK/Cancel with OK labelled `okText`; the
    // subclass places them with addFooter().
    FormDialog(const QString &okText, QWidget *parent);
    void addFooter(QBoxLayout *layout);

    // Validates the form. Invalid: false with the message in *error. Valid: sends the request
    // with replyHandler() as its callback and returns true.
    virtual bool submit(QString *error) = 0;
    // The line shown for a failed request; the server's message unless overridden.
    virtual QString failureText(const client::ApiFailure &failure) const;
    virtual void showError(const QString &text);

    // The callback for submit()'s request: `onOk` gets the answer before the dialog closes.
    template <typename T> client::ApiCallback<T> replyHandler(std::function<void(const T &)> onOk)
    {
        return [this, onOk = std::move(onOk)](const client::ApiResult<T> &r) {
            if (!finishSend(r.ok() ? nullptr : &r.failure))
                return;
            onOk(*r.value);
            QDialog::accept();
        };
    }

private:
    // The request is back: OK enabled again; a failure is shown (false).
    bool finishSend(const client::ApiFailure *failure);

    ErrorLabel *m_error;
    QDialogButtonBox *m_buttons;
    bool m_sending = false;
};

} // namespace crewdeck::ui
