#pragma once
#include <QLoggingCategory>
#include <QSslConfiguration>
#include <QString>
#include <optional>

// "crewdeck.tls": handshakes and the certificate at start (declared here, not in
// shared/logging.h, since only the server's TLS code logs to it).
Q_DECLARE_LOGGING_CATEGORY(lcTls)

// The server side of `serve --tls-cert FILE --tls-key FILE` (docs/protocol.md, "Command line"):
// loads a PEM certificate file (the leaf first, then any intermediates: the chain is sent to
// clients as it is) and a PEM private key, checks that the key belongs to the leaf, and
// builds the QSslConfiguration every accepted connection uses: TLS 1.2 or newer, no client
// certificates. The key/certificate match is checked with OpenSSL itself (X509_check_private_key),
// because Qt exposes no way to compare a private key with a certificate's public key; a
// mismatch would otherwise only show as failed handshakes at run time.
// Thread: any (pure function of the two files).
namespace crewdeck::server {

struct TlsFiles
{
    QString certFile;
    QString keyFile;
};

// The configuration, or nullopt with *error set to ONE line that names the file at fault and
// says what is wrong ("--tls-key /etc/x.key: the private key does not match the certificate in
// /etc/x.pem"). main() prints it and exits 2.
std::optional<QSslConfiguration> loadServerTls(const TlsFiles &files, QString *error);

// "CN=..., valid until 2027-01-01" for the startup log line.
QString describeServerCertificate(const QSslConfiguration &config);

} // namespace crewdeck::server
