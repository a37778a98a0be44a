#pragma once
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

// Test certificates, made at test time with the `openssl` command (scripts/deps.sh installs
// it): a root CA, an intermediate CA and a server certificate for 127.0.0.1 / localhost signed
// by the intermediate, valid for two days. Made fresh for every test run rather than committed:
// nothing expires in the repository years later, and no private key lives in it.
//   - chain.pem: server certificate + intermediate (what `--tls-cert` gets: a chain);
//   - server.key: its key (`--tls-key`);
//   - root.pem: what a client must trust (`--ca-cert`); the chain leads to it;
//   - other.key: an unrelated key (the mismatched-pair case);
//   - garbage.pem: a file that holds no PEM at all.
// Main thread; the files live as long as the object.
namespace crewdeck::testsupport {

class TlsCerts
{
public:
    // False (with *error) when openssl is missing or fails.
    bool make(QString *error)
    {
        if (!m_dir.isValid())
            return fail(error, QStringLiteral("no temporary directory"));
        m_openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
        if (m_openssl.isEmpty())
            return fail(error, QStringLiteral("openssl is not installed (scripts/deps.sh)"));
        const QString ec = QStringLiteral("ec");
        const QString curve = QStringLiteral("ec_paramgen_curve:prime256v1");
        writeFile(QStringLiteral("ca.ext"),
                  "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                  "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        writeFile(QStringLiteral("leaf.ext"),
                  "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                  "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
                  "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        writeFile(QStringLiteral("garbage.pem"), "this is not a certificate\n");
        const QList<QStringList> steps = {
            {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), ec,
             QStringLiteral("-pkeyopt"), curve, QStringLiteral("-nodes"), QStringLiteral("-keyout"),
             path(QStringLiteral("root.key")), QStringLiteral("-out"),
             path(QStringLiteral("root.pem")), QStringLiteral("-days"), QStringLiteral("2"),
             QStringLiteral("-subj"), QStringLiteral("/O=CrewDeck tests/CN=CrewDeck Test Root"),
             QStringLiteral("-addext"), QStringLiteral("basicConstraints=critical,CA:TRUE"),
             QStringLiteral("-addext"), QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")},
            {QStringLiteral("req"), QStringLiteral("-newkey"), ec, QStringLiteral("-pkeyopt"),
             curve, QStringLiteral("-nodes"), QStringLiteral("-keyout"),
             path(QStringLiteral("int.key")), QStringLiteral("-out"),
             path(QStringLiteral("int.csr")), QStringLiteral("-subj"),
             QStringLiteral("/O=CrewDeck tests/CN=CrewDeck Test Intermediate")},
            {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
             path(QStringLiteral("int.csr")), QStringLiteral("-CA"),
             path(QStringLiteral("root.pem")), QStringLiteral("-CAkey"),
             path(QStringLiteral("root.key")), QStringLiteral("-CAcreateserial"),
             QStringLiteral("-out"), path(QStringLiteral("int.pem")), QStringLiteral("-days"),
             QStringLiteral("2"), QStringLiteral("-extfile"), path(QStringLiteral("ca.ext"))},
            {QStringLiteral("req"), QStringLiteral("-newkey"), ec, QStringLiteral("-pkeyopt"),
             curve, QStringLiteral("-nodes"), QStringLiteral("-keyout"),
             path(QStringLiteral("server.key")), QStringLiteral("-out"),
             path(QStringLiteral("server.csr")), QStringLiteral("-subj"),
             QStringLiteral("/O=CrewDeck tests/CN=localhost")},
            {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
             path(QStringLiteral("server.csr")), QStringLiteral("-CA"),
             path(QStringLiteral("int.pem")), QStringLiteral("-CAkey"),
             path(QStringLiteral("int.key")), QStringLiteral("-CAcreateserial"),
             QStringLiteral("-out"), path(QStringLiteral("server.pem")), QStringLiteral("-days"),
             QStringLiteral("2"), QStringLiteral("-extfile"), path(QStringLiteral("leaf.ext"))},
            {QStringLiteral("genpkey"), QStringLiteral("-algorithm"), ec,
             QStringLiteral("-pkeyopt"), curve, QStringLiteral("-out"),
             path(QStringLiteral("other.key"))},
        };
        for (const QStringList &args : steps) {
            QProcess p;
            p.setProcessChannelMode(QProcess::MergedChannels);
            p.start(m_openssl, args);
            if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit ||
                p.exitCode() != 0)
                return fail(error, QStringLiteral("openssl %1 failed: %2")
                                       .arg(args.first(), QString::fromLocal8Bit(p.readAll())));
        }
        writeFile(QStringLiteral("chain.pem"),
                  readFile(QStringLiteral("server.pem")) + readFile(QStringLiteral("int.pem")));
        return true;
    }

    QString path(const QString &name) const { return m_dir.filePath(name); }
    QString chain() const { return path(QStringLiteral("chain.pem")); }
    QString key() const { return path(QStringLiteral("server.key")); }
    QString root() const { return path(QStringLiteral("root.pem")); }
    QString otherKey() const { return path(QStringLiteral("other.key")); }
    QString garbage() const { return path(QStringLiteral("garbage.pem")); }

private:
    static bool fail(QString *error, const QString &why)
    {
        if (error)
            *error = why;
        return false;
    }
    void writeFile(const QString &name, const QByteArray &data) const
    {
        QFile f(path(name));
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            f.write(data);
    }
    QByteArray readFile(const QString &name) const
    {
        QFile f(path(name));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    QTemporaryDir m_dir;
    QString m_openssl;
};

} // namespace crewdeck::testsupport
