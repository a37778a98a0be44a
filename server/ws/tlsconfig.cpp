#include "server/ws/tlsconfig.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcTls, "crewdeck.tls")

namespace crewdeck::server {
namespace {

// Reads a whole file, or says why not (one line, naming the flag and the file).
std::optional<QByteArray> readPem(const QString &flag, const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = u"%1 %2: no such file"_s.arg(flag, path);
        return std::nullopt;
    }
    if (!info.isFile()) {
        *error = u"%1 %2: not a regular file"_s.arg(flag, path);
        return std::nullopt;
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = u"%1 %2: cannot read it (%3)"_s.arg(flag, path, f.errorString());
        return std::nullopt;
    }
    return f.readAll();
}

// Never prompts for a passphrase (OpenSSL's default callback would read the terminal).
int noPassphrase(char *, int, int, void *)
{
    return -1;
}

struct BioFree
{
    void operator()(BIO *b) const { BIO_free(b); }
};
struct X509Free
{
    void operator()(X509 *x) const { X509_free(x); }
};
struct PkeyFree
{
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};

// True when the private key in `keyPem` belongs to the first certificate in `certPem`.
bool keyMatchesLeaf(const QByteArray &certPem, const QByteArray &keyPem)
{
    std::unique_ptr<BIO, BioFree> certBio(
        BIO_new_mem_buf(certPem.constData(), int(certPem.size())));
    std::unique_ptr<BIO, BioFree> keyBio(BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())));
    if (!certBio || !keyBio)
        return false;
    std::unique_ptr<X509, X509Free> leaf(
        PEM_read_bio_X509(certBio.get(), nullptr, noPassphrase, nullptr));
    std::unique_ptr<EVP_PKEY, PkeyFree> key(
        PEM_read_bio_PrivateKey(keyBio.get(), nullptr, noPassphrase, nullptr));
    const bool ok = leaf && key && X509_check_private_key(leaf.get(), key.get()) == 1;
    ERR_clear_error(); // nothing of this attempt may show up in a later TLS error
    return ok;
}

} // namespace

std::optional<QSslConfiguration> loadServerTls(const TlsFiles &files, QString *error)
{
    QString dummy;
    if (!error)
        error = &dummy;
    const QString certFlag = u"--tls-cert"_s;
    const QString keyFlag = u"--tls-key"_s;
    if (!QSslSocket::supportsSsl()) {
        *error = u"%1 %2: TLS is not available in this build of Qt (no OpenSSL 3 backend: is "
                 u"libssl3 installed?)"_s.arg(certFlag, files.certFile);
        return std::nullopt;
    }
    const auto certPem = readPem(certFlag, files.certFile, error);
    if (!certPem)
        return std::nullopt;
    const QList<QSslCertificate> chain = QSslCertificate::fromData(*certPem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        *error = u"%1 %2: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file"_s.arg(
            certFlag, files.certFile);
        return std::nullopt;
    }
    const auto keyPem = readPem(keyFlag, files.keyFile, error);
    if (!keyPem)
        return std::nullopt;
    if (keyPem->contains("ENCRYPTED")) {
        *error = u"%1 %2: the private key is encrypted; the server cannot ask for a passphrase "
                 u"(decrypt it with `openssl pkey -in KEY -out KEY.plain`)"_s.arg(keyFlag,
                                                                                  files.keyFile);
        return std::nullopt;
    }
    QSslKey key;
    for (const QSsl::KeyAlgorithm alg : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        key = QSslKey(*keyPem, alg, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        *error = u"%1 %2: no PEM private key (RSA, EC or DSA, unencrypted) in the file"_s.arg(
            keyFlag, files.keyFile);
        return std::nullopt;
    }
    if (!keyMatchesLeaf(*certPem, *keyPem)) {
        *error = u"%1 %2: the private key does not match the certificate in %3 (the first "
                 u"certificate of the file must be the server's own)"_s.arg(keyFlag, files.keyFile,
                                                                            files.certFile);
        return std::nullopt;
    }

    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setProtocol(QSsl::TlsV1_2OrLater);
    config.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates
    config.setLocalCertificateChain(chain);
    config.setPrivateKey(key);
    return config;
}

QString describeServerCertificate(const QSslConfiguration &config)
{
    const QSslCertificate leaf = config.localCertificate();
    const QString cn = leaf.subjectInfo(QSslCertificate::CommonName).join(u", "_s);
    return u"certificate CN=%1, %2 in the chain, valid %3 to %4"_s.arg(
        cn.isEmpty() ? u"(none)"_s : cn, QString::number(config.localCertificateChain().size()),
        leaf.effectiveDate().toUTC().toString(Qt::ISODate),
        leaf.expiryDate().toUTC().toString(Qt::ISODate));
}

} // namespace crewdeck::server
