#pragma once
#include <QByteArray>
#include <QtGlobal>

// A small streaming HTTP/1.1 request framer: it follows request boundaries on one connection
// (head -> Content-Length body or chunked body -> next head) without keeping bodies, so the
// front door can enforce the head and body limits before QHttpServer buffers anything.
// It keeps at most one request head (bounded by maxHeadBytes) and one chunk-size line.
// Thread: whichever thread owns the socket (the server's main thread).
namespace crewdeck::server {

class HttpFramer
{
public:
    enum class Verdict { Ok, HeadTooLarge, BodyTooLarge, BadRequest };

    HttpFramer(qint64 maxBodyBytes, int maxHeadBytes)
        : m_maxBody(maxBodyBytes), m_maxHead(maxHeadBytes)
    {
    }

    // What the last step() finished: nothing yet, a request head (its properties are below),
    // or a whole request (head and body).
    enum class Event { None, Head, Request };
    struct Step
    {
        Verdict verdict = Verdict::Ok;
        Event event = Event::None;
        qint64 consumed = 0; // bytes of this call up to (and including) the event
    };

    // Consumes up to `size` new bytes of the request stream and stops right after a head or a
    // request is complete, so the caller learns request boundaries. On a violation the framer
    // must not be fed again. After a WebSocket upgrade head the rest of the stream is not HTTP
    // and is consumed without looking.
    Step step(const char *data, qint64 size);
    // step() until `size` bytes are consumed; returns the first violation.
    Verdict feed(const char *data, qint64 size);

    // Set once the first complete head has been parsed.
    bool headComplete() const { return m_headsSeen > 0; }
    // A head (the first or a later one on a keep-alive connection) was `GET` with
    // `Upgrade: websocket`: the rest of the stream is not HTTP.
    bool isWebSocketUpgrade() const { return m_upgrade; }
    // Between requests: no partial head or body pending.
    bool atBoundary() const { return m_state == State::Head && m_buf.isEmpty(); }
    // Requests fully received so far (head and body).
    int completedRequests() const { return m_completed; }
    // Part of a head is buffered (the head timeout runs), or a body is being received.
    bool inHead() const { return m_state == State::Head && !m_buf.isEmpty(); }
    bool inBody() const { return m_state != State::Head && m_state != State::Upgraded; }

    // Of the last complete head: the client asked to close after the response (RFC 9112 9.3:
    // "Connection: close", or HTTP/1.0 without "Connection: keep-alive"); it was HTTP/1.0;
    // its Content-Length (-1: chunked or none).
    bool wantsClose() const { return m_wantsClose; }
    bool isHttp10() const { return m_http10; }
    // Some head on this connection carried an Authorization header.
    bool sawAuthorization() const { return m_authorization; }
    qint64 bodyLength() const { return m_bodyLength; }
    // Why the last BadRequest verdict was given (for the error message).
    const char *badRequestReason() const { return m_why; }

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Upgraded };
    Verdict parseHead(const QByteArray &head);
    void finishRequest();

    qint64 m_maxBody;
    int m_maxHead;
    State m_state = State::Head;
    QByteArray m_buf;       // the head being collected, or the current chunk/trailer line
    qint64 m_remaining = 0; // bytes left in the Content-Length body or current chunk
    qint64 m_bodyTotal = 0; // decoded body bytes of the current request (chunked)
    qint64 m_wireTotal = 0; // encoded body bytes of the current request (chunked)
    qint64 m_trailerBytes = 0;
    int m_headsSeen = 0;
    int m_completed = 0;
    bool m_upgrade = false;
    bool m_wantsClose = false;
    bool m_http10 = false;
    bool m_authorization = false;
    qint64 m_bodyLength = -1;
    const char *m_why = "malformed HTTP request";
};

} // namespace crewdeck::server
