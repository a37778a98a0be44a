#include "server/ws/httppipe.h"

#include <cstring>

namespace crewdeck::server {

HttpPipe::HttpPipe(QAbstractSocket *real, WriteSink onWrite, CloseSink onClose, QObject *parent)
    : QTcpSocket(parent), m_onWrite(std::move(onWrite)), m_onClose(std::move(onClose))
{
    // QHttpServerRequest takes the client address from here (rate limits and logs use it).
    setPeerAddress(real->peerAddress());
    setPeerPort(real->peerPort());
    setLocalAddress(real->localAddress());
    setLocalPort(real->localPort());
    setSocketState(QAbstractSocket::ConnectedState);
    QIODevice::open(QIODevice::ReadWrite);
}

void HttpPipe::push(const QByteArray &bytes)
{
    if (m_closed || bytes.isEmpty())
        return;
    if (m_inPos == m_in.size()) {
        m_in = bytes;
        m_inPos = 0;
    } else {
        m_in.append(bytes);
    }
    Q_EMIT readyRead();
}

qint64 HttpPipe::bytesAvailable() const
{
    return QIODevice::bytesAvailable() + (m_in.size() - m_inPos);
}

qint64 HttpPipe::readData(char *data, qint64 maxSize)
{
    const qint64 n = qMin<qint64>(maxSize, m_in.size() - m_inPos);
    if (n <= 0)
        return m_closed ? -1 : 0;
    std::memcpy(data, m_in.constData() + m_inPos, size_t(n));
    m_inPos += n;
    if (m_inPos == m_in.size()) {
        m_in.clear();
        m_inPos = 0;
    }
    return n;
}

qint64 HttpPipe::writeData(const char *data, qint64 size)
{
    if (m_closed)
        return -1;
    if (m_onWrite)
        m_onWrite(data, size);
    return size;
}

void HttpPipe::disconnectFromHost()
{
    if (m_closed)
        return;
    const CloseSink onClose = std::move(m_onClose);
    closeFromFront();
    if (onClose)
        onClose();
}

void HttpPipe::closeFromFront()
{
    if (m_closed)
        return;
    m_closed = true;
    m_onWrite = nullptr;
    m_onClose = nullptr;
    m_in.clear();
    m_inPos = 0;
    setSocketState(QAbstractSocket::UnconnectedState);
    Q_EMIT stateChanged(QAbstractSocket::UnconnectedState);
    Q_EMIT readChannelFinished();
    Q_EMIT disconnected();
    QIODevice::close();
}

} // namespace crewdeck::server
