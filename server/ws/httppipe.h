#pragma once
#include <QByteArray>
#include <QTcpSocket>
#include <functional>

// The socket QHttpServer sees for one client connection. It is not a network socket: the
// FrontDoor owns the real one (TCP or TLS), reads the client's bytes itself and pushes them
// here one request at a time, and everything QHttpServer writes goes to the FrontDoor's
// `onWrite`. That is how a connection's responses stay in request order whatever the route
// (Qt 6.4 writes an async QFuture response after later sync ones), how "Connection: close" is
// honoured, and how QHttpServer works unchanged over TLS.
// Thread: the FrontDoor's (main) thread.
namespace crewdeck::server {

class HttpPipe : public QTcpSocket
{
    Q_OBJECT
public:
    using WriteSink = std::function<void(const char *data, qint64 size)>;
    using CloseSink = std::function<void()>;

    HttpPipe(QAbstractSocket *real, WriteSink onWrite, CloseSink onClose, QObject *parent);

    // Bytes of the client's request stream for QHttpServer; emits readyRead.
    void push(const QByteArray &bytes);
    // The real connection is gone: QHttpServer sees a disconnect (and deletes this object).
    void closeFromFront();

    qint64 bytesAvailable() const override;
    qint64 bytesToWrite() const override { return 0; }
    // QHttpServer calls this on a request it cannot parse: the FrontDoor closes the client.
    void disconnectFromHost() override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    QByteArray m_in;
    qsizetype m_inPos = 0;
    WriteSink m_onWrite;
    CloseSink m_onClose;
    bool m_closed = false;
};

} // namespace crewdeck::server
