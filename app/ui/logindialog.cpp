#include "app/ui/logindialog.h"
#include "app/net/apiclient.h"
#include "app/net/authsession.h"
#include "app/ui/appsettings.h"
#include "app/ui/credentialstore.h"
#include "app/ui/errorlabel.h"
#include "app/ui/iconview.h"
#include "app/ui/spinner.h"
#include "app/ui/theme.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace crewdeck::ui {

LoginDialog::LoginDialog(client::ApiClient *api, CredentialStore *store, QWidget *parent)
    : QDialog(parent), m_api(api), m_store(store)
{
    setObjectName(u"loginDialog"_s);
    setWindowTitle(tr("Log in to CrewDeck"));
    setWindowIcon(icon(u"crewdeck"_s));
    const int em = fontMetrics().height();

    auto *layout = new QVBoxLayout(this);
    auto *head = new QHBoxLayout;
    head->addWidget(new IconView(icon(u"crewdeck"_s), 3.0, this));
    auto *title = new QLabel(tr("CrewDeck"), this);
    QFont tf = title->font();
    tf.setPointSizeF(tf.pointSizeF() * 1.6);
    tf.setWeight(QFont::Bold);
    title->setFont(tf);
    head->addWidget(title, 1);
    layout->addLayout(head);

    auto *form = new QFormLayout;
    m_server = new QLineEdit(AppSettings::defaultServerUrl(), this);
    m_server->setObjectName(u"serverEdit"_s);
    m_server->setPlaceholderText(u"http://127.0.0.1:8080"_s);
    m_email = new QLineEdit(QSettings().value(u"login/email"_s).toString(), this);
    m_email->setObjectName(u"emailEdit"_s);
    m_email->setPlaceholderText(tr("you@example.com"));
    m_password = new QLineEdit(this);
    m_password->setObjectName(u"passwordEdit"_s);
    m_password->setEchoMode(QLineEdit::Password);
    form->addRow(tr("&Server:"), m_server);
    form->addRow(tr("&E-mail:"), m_email);
    form->addRow(tr("&Password:"), m_password);
    m_remember = new QCheckBox(tr("&Remember me on this computer"), this);
    m_remember->setObjectName(u"rememberCheck"_s);
    const QString unavailable =
        m_store ? m_store->unavailableReason() : tr("No keychain is available.");
    if (unavailable.isEmpty()) {
        m_remember->setChecked(QSettings().value(u"login/remember"_s).toBool());
        m_remember->setToolTip(tr("Keeps your password in the system keychain. "
                                  "Signing out forgets it."));
    } else {
        m_remember->setEnabled(false);
        m_remember->setToolTip(unavailable);
    }
    form->addRow(QString(), m_remember);
    layout->addLayout(form);

    m_error = new ErrorLabel(this);
    m_error->setObjectName(u"errorLabel"_s);
    m_error->setMinimumWidth(em * 20);
    layout->addWidget(m_error);

    auto *bottom = new QHBoxLayout;
    m_spinner = new Spinner(this);
    m_spinner->setFixedSize(em * 3 / 2, em * 3 / 2);
    m_spinner->hide();
    bottom->addWidget(m_spinner);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_login = buttons->addButton(tr("&Log in"), QDialogButtonBox::AcceptRole);
    m_login->setObjectName(u"loginButton"_s);
    m_login->setDefault(true);
    bottom->addWidget(buttons, 1);
    layout->addLayout(bottom);
    connect(buttons, &QDialogButtonBox::accepted, this, &LoginDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &LoginDialog::reject);

    (m_email->text().isEmpty() ? m_email : m_password)->setFocus();
}

void LoginDialog::setServerUrl(const QString &url)
{
    m_server->setText(url);
}
void LoginDialog::setEmail(const QString &email)
{
    m_email->setText(email);
}
void LoginDialog::setPassword(const QString &password)
{
    m_password->setText(password);
}
QString LoginDialog::serverUrl() const
{
    return m_server->text();
}
QString LoginDialog::email() const
{
    return m_email->text();
}
QString LoginDialog::errorText() const
{
    return m_error->shownText();
}

void LoginDialog::setMessage(const QString &text)
{
    m_error->showError(text);
}

void LoginDialog::setBusy(bool busy)
{
    m_busy = busy;
    m_spinner->setVisible(busy);
    m_login->setEnabled(!busy);
    m_server->setEnabled(!busy);
    m_email->setEnabled(!busy);
    m_password->setEnabled(!busy);
    m_remember->setEnabled(!busy && m_store && m_store->isAvailable());
}

void LoginDialog::submit()
{
    if (m_busy)
        return;
    const QUrl url = client::AuthSession::normalizeServerUrl(m_server->text());
    if (!url.isValid()) {
        setMessage(tr("Enter the server address, e.g. http://127.0.0.1:8080."));
        m_server->setFocus();
        return;
    }
    if (m_email->text().trimmed().isEmpty()) {
        setMessage(tr("Enter your e-mail address."));
        m_email->setFocus();
        return;
    }
    if (m_password->text().isEmpty()) {
        setMessage(tr("Enter your password."));
        m_password->setFocus();
        return;
    }
    setMessage({});
    setBusy(true);
    const QString email = m_email->text().trimmed();
    m_api->login(url, email, m_password->text(), this,
                 [this, url, email](const client::ApiResult<LoginResponse> &r) {
                     setBusy(false);
                     if (!r.ok()) {
                         setMessage(r.failure.message);
                         if (r.failure.isUnreachable())
                             Q_EMIT serverUnreachable(url, email, m_password->text());
                         Q_EMIT loginFailed(r.failure.message);
                         m_password->setFocus();
                         m_password->selectAll();
                         return;
                     }
                     m_accepted = {url.toString(), email, std::nullopt};
                     if (m_store && m_remember->isEnabled()) {
                         const QString key = CredentialStore::keyFor(url, email);
                         if (m_remember->isChecked())
                             m_store->write(key, m_password->text(), m_store, {});
                         else
                             m_store->remove(key);
                         m_accepted.remember = m_remember->isChecked();
                     }
                     m_password->clear();
                     accept();
                 });
    Q_EMIT loginStarted();
}

void LoginDialog::remember(const Accepted &login)
{
    QSettings s;
    s.setValue(u"server/url"_s, login.serverUrl);
    s.setValue(u"login/email"_s, login.email);
    if (login.remember)
        s.setValue(u"login/remember"_s, *login.remember);
}

} // namespace crewdeck::ui
