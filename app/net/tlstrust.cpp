#include "app/net/tlstrust.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QSslConfiguration>
#include <optional>

using namespace Qt::StringLiterals;

namespace crewdeck::client::tlstrust {
namespace {

QList<QSslCertificate> &extraList()
{
    static QList<QSslCertificate> extra;
    return extra;
}

QString names(const QStringList &parts)
{
    return parts.join(u", "_s);
}

QString distinguished(const QSslCertificate &cert, bool issuer)
{
    const auto info = [&](QSslCertificate::SubjectInfo what) {
        return issuer ? cert.issuerInfo(what) : cert.subjectInfo(what);
    };
    QStringList parts;
    if (const QString cn = names(info(QSslCertificate::CommonName)); !cn.isEmpty())
        parts << u"CN="_s + cn;
    if (const QString o = names(info(QSslCertificate::Organization)); !o.isEmpty())
        parts << u"O="_s + o;
    if (const QString c = names(info(QSslCertificate::CountryName)); !c.isEmpty())
        parts << u"C="_s + c;
    if (parts.isEmpty())
        return issuer ? cert.issuerDisplayName() : cert.subjectDisplayName();
    return parts.join(u", "_s);
}

} // namespace

QList<QSslCertificate> loadCertificateFile(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error =
                QCoreApplication::translate("TlsTrust", "Cannot read the certificate file %1: %2")
                    .arg(path, f.errorString());
        return {};
    }
    const QByteArray data = f.readAll();
    QList<QSslCertificate> certs = QSslCertificate::fromData(data, QSsl::Pem);
    if (certs.isEmpty())
        certs = QSslCertificate::fromData(data, QSsl::Der);
    certs.removeIf([](const QSslCertificate &c) { return c.isNull(); });
    if (certs.isEmpty() && error)
        *error = QCoreApplication::translate("TlsTrust",
                                             "The file %1 holds no certificate (PEM or DER).")
                     .arg(path);
    return certs;
}

// Qt's default configuration as it was before the first extra certificate: it reads the
// system CAs on demand, at the first TLS handshake that needs them.
std::optional<QSslConfiguration> &qtDefault()
{
    static std::optional<QSslConfiguration> original;
    return original;
}

void trustExtra(const QList<QSslCertificate> &extra)
{
    extraList() = extra;
    if (extra.isEmpty()) {
        // The system's CAs alone: Qt's own default, untouched. Listing them here
        // (systemCaCertificates) read and parsed every file in /etc/ssl/certs at every start,
        // for http:// servers too: 238 ms and 8 MB of RSS of the app's cold start (issue 17).
        if (qtDefault())
            QSslConfiguration::setDefaultConfiguration(*qtDefault());
        return;
    }
    if (!qtDefault())
        qtDefault() = QSslConfiguration::defaultConfiguration();
    QSslConfiguration config = *qtDefault();
    // Setting the CA list replaces Qt's on-demand system store: the system CAs are listed
    // explicitly, then the extra ones.
    QList<QSslCertificate> cas = QSslConfiguration::systemCaCertificates();
    cas += extra;
    config.setCaCertificates(cas);
    QSslConfiguration::setDefaultConfiguration(config);
}

bool trustExtraFile(const QString &path, QString *error)
{
    if (path.isEmpty()) {
        trustExtra({});
        return true;
    }
    const QList<QSslCertificate> certs = loadCertificateFile(path, error);
    if (certs.isEmpty())
        return false;
    trustExtra(certs);
    return true;
}

QList<QSslCertificate> extraTrusted()
{
    return extraList();
}

QString describe(const QSslCertificate &cert)
{
    if (cert.isNull())
        return QCoreApplication::translate("TlsTrust", "(no certificate)");
    const QByteArray sha = QCryptographicHash::hash(cert.toDer(), QCryptographicHash::Sha256);
    return QCoreApplication::translate(
               "TlsTrust", "Subject: %1\nIssuer: %2\nValid from %3 to %4\nSHA-256 fingerprint: %5")
        .arg(distinguished(cert, false), distinguished(cert, true),
             cert.effectiveDate().toUTC().toString(u"yyyy-MM-dd HH:mm 'UTC'"_s),
             cert.expiryDate().toUTC().toString(u"yyyy-MM-dd HH:mm 'UTC'"_s),
             QString::fromLatin1(sha.toHex(':').toUpper()));
}

QString describeErrors(const QList<QSslError> &errors, const QSslCertificate &peer)
{
    QStringList texts;
    QSslCertificate about = peer; // the server's own certificate when known
    for (const QSslError &e : errors) {
        QString text = e.errorString();
        // An error about another certificate of the chain (an intermediate) names it.
        if (!e.certificate().isNull() && !peer.isNull() && e.certificate() != peer)
            text = QCoreApplication::translate("TlsTrust", "%1 (at \"%2\" in the chain)")
                       .arg(text, distinguished(e.certificate(), false));
        if (!texts.contains(text))
            texts << text;
        if (about.isNull() && !e.certificate().isNull())
            about = e.certificate();
    }
    return QCoreApplication::translate("TlsTrust",
                                       "The server's certificate is not trusted: %1\n%2")
        .arg(texts.join(u"; "_s), describe(about));
}

} // namespace crewdeck::client::tlstrust
