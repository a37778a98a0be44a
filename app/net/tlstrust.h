#pragma once
#include <QList>
#include <QSslCertificate>
#include <QSslError>
#include <QString>
#include <QStringList>

// Which servers the app trusts over https:// / wss://: the system's CAs, plus at most one extra
// certificate the user chose (`crewdeck --ca-cert FILE` or Settings), e.g. a private CA or a
// self-signed server certificate. Applied process-wide as Qt's default TLS configuration, so
// every QNetworkAccessManager request and every QWebSocket (LiveSocket) verifies against the
// same set; nothing is ever ignored (no ignoreSslErrors anywhere). Thread: the GUI thread
// (the default configuration is read by connections created afterwards).
namespace crewdeck::client::tlstrust {

// The certificates in a PEM (one or more) or DER file, or an empty list with *error set (for
// the user, translated).
QList<QSslCertificate> loadCertificateFile(const QString &path, QString *error);

// System CAs + `extra` become the trust of every TLS connection made from now on. An empty
// `extra` goes back to the system CAs alone.
void trustExtra(const QList<QSslCertificate> &extra);
// Loads `path` (empty: none) and trusts it; false with *error when it cannot be read.
bool trustExtraFile(const QString &path, QString *error);
// The extra certificates trusted now (empty: system CAs only).
QList<QSslCertificate> extraTrusted();

// Subject, issuer, validity and SHA-256 fingerprint of `cert`, one item per line (translated).
QString describe(const QSslCertificate &cert);
// What went wrong with a server's certificate, for the user: each error's text once, then the
// details of the certificate the errors are about (the server's own when known).
QString describeErrors(const QList<QSslError> &errors,
                       const QSslCertificate &peer = QSslCertificate());

} // namespace crewdeck::client::tlstrust
