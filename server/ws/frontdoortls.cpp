// FrontDoor: creating the connection's socket, and its TLS handshake when the port speaks TLS
// (see frontdoor.h). Thread: the FrontDoor's (main) thread.
#include "server/ws/frontdoor.h"

#include <QSslSocket>

#include "server/ws/tlsconfig.h"

namespace crewdeck::server {

void FrontDoor::setTlsConfiguration(const QSslConfiguration &config)
{
    m_tls = config;
}

QTcpSocket *FrontDoor::createSocket(qintptr socketDescriptor)
{
    if (!m_tls) {
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(socketDescriptor)) {
            delete socket;
            return nullptr;
        }
        return socket;
    }
    auto *socket = new QSslSocket(this);
    socket->setSslConfiguration(*m_tls);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return nullptr;
    }
    connect(socket, &QSslSocket::encrypted, this, [this, socket] { onTlsEncrypted(socket); });
    // Plaintext the socket encrypted is not yet sent: flushing decisions (linger, drain)
    // wait for the encrypted bytes too.
    connect(socket, &QSslSocket::encryptedBytesWritten, this,
            [this, socket] { onBytesWritten(socket); });
    connect(socket, &QAbstractSocket::errorOccurred, this, [this, socket] {
        const auto it = m_conns.find(socket);
        if (it != m_conns.end() && it->second.handshaking) {
            onTlsFailed(socket, socket->errorString());
            drop(socket);
        }
    });
    return socket;
}

void FrontDoor::onTlsEncrypted(QTcpSocket *socket)
{
    const auto it = m_conns.find(socket);
    if (it == m_conns.end() || !it->second.handshaking)
        return;
    it->second.handshaking = false;
    ++m_tlsOk; // counted, not logged: the request lines that follow are
}

void FrontDoor::onTlsFailed(QTcpSocket *socket, const QString &why)
{
    const auto it = m_conns.find(socket);
    if (it == m_conns.end() || !it->second.handshaking)
        return;
    it->second.handshaking = false;
    ++m_tlsFailed;
    qCInfo(lcTls).noquote() << "handshake failed from" << socket->peerAddress().toString() << ':'
                            << why;
}

qint64 FrontDoor::unsent(QTcpSocket *socket) const
{
    if (!m_tls)
        return socket->bytesToWrite();
    return socket->bytesToWrite() + static_cast<QSslSocket *>(socket)->encryptedBytesToWrite();
}

} // namespace crewdeck::server
