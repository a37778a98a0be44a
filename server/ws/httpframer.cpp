#include "server/ws/httpframer.h"

#include <QList>

namespace crewdeck::server {
namespace {

// RFC 9110 token characters (method and header names).
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(const QByteArray &s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

// Chunked encoding overhead allowance: a body of many tiny chunks costs more wire bytes than
// its data; beyond this the request is refused as too large as well, so that one-byte chunks
// cannot make the socket buffer grow far past the limit.
constexpr qint64 kChunkOverheadAllowance = 256 * 1024;
constexpr int kMaxChunkLine = 1024;

} // namespace

HttpFramer::Verdict HttpFramer::feed(const char *data, qint64 size)
{
    qint64 pos = 0;
    while (pos < size) {
        const Step s = step(data + pos, size - pos);
        if (s.verdict != Verdict::Ok)
            return s.verdict;
        pos += s.consumed;
    }
    return Verdict::Ok;
}

HttpFramer::Step HttpFramer::step(const char *data, qint64 size)
{
    qint64 pos = 0;
    const int completedBefore = m_completed;
    const int headsBefore = m_headsSeen;
    // Returns at the first verdict, or right after a head or a request completed.
    const auto done = [&](Verdict v) {
        Step s;
        s.verdict = v;
        s.consumed = pos;
        s.event = m_completed != completedBefore ? Event::Request
                  : m_headsSeen != headsBefore   ? Event::Head
                                                 : Event::None;
        return s;
    };
    while (pos < size) {
        if (m_completed != completedBefore || m_headsSeen != headsBefore)
            return done(Verdict::Ok);
        switch (m_state) {
        case State::Upgraded:
            pos = size;
            return done(Verdict::Ok);
        case State::Head: {
            // Empty lines before a request line are ignored (RFC 9112 2.2).
            if (m_buf.isEmpty()) {
                while (pos < size && (data[pos] == '\r' || data[pos] == '\n'))
                    ++pos;
                if (pos == size)
                    return done(Verdict::Ok);
            }
            const qint64 before = m_buf.size();
            const qint64 room = qint64(m_maxHead) + 4 - before;
            const qint64 take = qMin(room, size - pos);
            m_buf.append(data + pos, take);
            const qsizetype end = m_buf.indexOf("\r\n\r\n", qMax<qsizetype>(0, before - 3));
            if (end < 0) {
                if (m_buf.size() > m_maxHead)
                    return done(Verdict::HeadTooLarge);
                // A request line must come first: refuse garbage early instead of waiting for
                // a terminator that may never arrive.
                const qsizetype firstLineEnd = m_buf.indexOf("\r\n");
                if (firstLineEnd >= 0) {
                    const QList<QByteArray> parts = m_buf.left(firstLineEnd).split(' ');
                    if (parts.size() != 3 || !isToken(parts[0]) || !parts[2].startsWith("HTTP/1."))
                        return done(Verdict::BadRequest);
                }
                pos += take;
                break;
            }
            const qsizetype headLen = end + 4;
            if (headLen > m_maxHead)
                return done(Verdict::HeadTooLarge);
            pos += headLen - before; // bytes of this call that belong to the head
            const QByteArray head = m_buf.left(end);
            m_buf.clear();
            const Verdict v = parseHead(head);
            if (v != Verdict::Ok)
                return done(v);
            break;
        }
        case State::Body: {
            const qint64 take = qMin(m_remaining, size - pos);
            m_remaining -= take;
            pos += take;
            if (m_remaining == 0)
                finishRequest();
            break;
        }
        case State::ChunkSize: {
            const char c = data[pos++];
            ++m_wireTotal;
            if (c != '\n') {
                m_buf.append(c);
                if (m_buf.size() > kMaxChunkLine)
                    return done(Verdict::BadRequest);
                break;
            }
            QByteArray line = m_buf;
            m_buf.clear();
            if (line.endsWith('\r'))
                line.chop(1);
            const qsizetype semi = line.indexOf(';');
            if (semi >= 0)
                line.truncate(semi);
            line = line.trimmed();
            if (line.isEmpty() || line.size() > 15)
                return done(Verdict::BadRequest);
            bool ok = false;
            const qint64 chunk = line.toLongLong(&ok, 16);
            if (!ok || chunk < 0)
                return done(Verdict::BadRequest);
            m_bodyTotal += chunk;
            if (m_bodyTotal > m_maxBody)
                return done(Verdict::BodyTooLarge);
            if (chunk == 0) {
                m_state = State::Trailer;
                m_trailerBytes = 0;
            } else {
                m_remaining = chunk;
                m_state = State::ChunkData;
            }
            break;
        }
        case State::ChunkData: {
            const qint64 take = qMin(m_remaining, size - pos);
            m_remaining -= take;
            m_wireTotal += take;
            pos += take;
            if (m_remaining == 0)
                m_state = State::ChunkDataEnd;
            break;
        }
        case State::ChunkDataEnd: {
            const char c = data[pos++];
            ++m_wireTotal;
            if (c == '\n')
                m_state = State::ChunkSize;
            else if (c != '\r')
                return done(Verdict::BadRequest);
            break;
        }
        case State::Trailer: {
            const char c = data[pos++];
            ++m_wireTotal;
            if (++m_trailerBytes > m_maxHead)
                return done(Verdict::HeadTooLarge);
            if (c != '\n') {
                if (c != '\r')
                    m_buf.append(c);
                break;
            }
            const bool emptyLine = m_buf.isEmpty();
            m_buf.clear();
            if (emptyLine)
                finishRequest();
            break;
        }
        }
        if (m_wireTotal > m_maxBody + kChunkOverheadAllowance)
            return done(Verdict::BodyTooLarge);
    }
    return done(Verdict::Ok);
}

HttpFramer::Verdict HttpFramer::parseHead(const QByteArray &head)
{
    const auto bad = [this](const char *why) {
        m_why = why;
        return Verdict::BadRequest;
    };
    const QList<QByteArray> lines = head.split('\n');
    QByteArray requestLine = lines.value(0);
    if (requestLine.endsWith('\r'))
        requestLine.chop(1);
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty() ||
        (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0")) {
        return bad("malformed request line");
    }
    const bool isGet = parts[0] == "GET";
    m_http10 = parts[2] == "HTTP/1.0";

    qint64 contentLength = -1;
    bool chunked = false;
    bool hasTransferEncoding = false;
    bool upgradeWebSocket = false;
    bool connClose = false;
    bool connKeepAlive = false;
    int hosts = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArray line = lines[i];
        if (line.endsWith('\r'))
            line.chop(1);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.left(colon)))
            return bad("malformed header line");
        const QByteArray name = line.left(colon).toLower();
        const QByteArray raw = line.mid(colon + 1);
        // RFC 9110 5.5: NUL, CR and LF are never valid in a field value (a bare CR is how
        // one header can be made to look like two to a less careful parser).
        if (raw.contains('\0') || raw.contains('\r'))
            return bad("NUL, CR or LF in a header value");
        const QByteArray value = raw.trimmed();
        if (name == "content-length") {
            bool ok = false;
            const qint64 n = value.toLongLong(&ok);
            if (!ok || n < 0 || value.isEmpty() || value.front() == '+' ||
                (contentLength >= 0 && contentLength != n)) {
                // Digits only, and repeated headers must agree (request smuggling).
                if (ok && n > m_maxBody)
                    return Verdict::BodyTooLarge;
                return bad("invalid Content-Length");
            }
            contentLength = n;
        } else if (name == "transfer-encoding") {
            hasTransferEncoding = true;
            const QList<QByteArray> codings = value.toLower().split(',');
            chunked = codings.last().trimmed() == "chunked";
        } else if (name == "host") {
            ++hosts;
        } else if (name == "authorization") {
            m_authorization = true;
        } else if (name == "connection") {
            for (const QByteArray &option : value.toLower().split(',')) {
                const QByteArray o = option.trimmed();
                connClose = connClose || o == "close";
                connKeepAlive = connKeepAlive || o == "keep-alive";
            }
        } else if (name == "upgrade") {
            for (const QByteArray &proto : value.toLower().split(',')) {
                if (proto.trimmed() == "websocket")
                    upgradeWebSocket = true;
            }
        }
    }
    // RFC 9112 3.2: an HTTP/1.1 request without Host, or any with more than one, is a 400.
    if ((!m_http10 && hosts == 0) || hosts > 1)
        return bad(hosts == 0 ? "missing Host header" : "more than one Host header");
    // RFC 9112 6.3: both framings at once is the request-smuggling shape; refuse and close.
    if (hasTransferEncoding && contentLength >= 0)
        return bad("both Content-Length and Transfer-Encoding");
    m_wantsClose = connClose || (m_http10 && !connKeepAlive);
    m_bodyLength = hasTransferEncoding ? -1 : qMax<qint64>(contentLength, 0);
    ++m_headsSeen;

    // Any head may upgrade, not only the first: a proxy (nginx with a keepalive upstream)
    // sends the upgrade over a connection that already carried plain requests. Heads are only
    // parsed at a request boundary, so everything before it was a complete request.
    if (isGet && upgradeWebSocket) {
        m_upgrade = true;
        m_state = State::Upgraded;
        return Verdict::Ok;
    }
    if (hasTransferEncoding) {
        // A request body whose length cannot be determined is refused (RFC 9112 6.3).
        if (!chunked)
            return bad("unsupported Transfer-Encoding");
        m_bodyTotal = 0;
        m_wireTotal = 0;
        m_state = State::ChunkSize;
        return Verdict::Ok;
    }
    if (contentLength > m_maxBody)
        return Verdict::BodyTooLarge;
    if (contentLength > 0) {
        m_remaining = contentLength;
        m_state = State::Body;
    } else {
        finishRequest();
    }
    return Verdict::Ok;
}

void HttpFramer::finishRequest()
{
    ++m_completed;
    m_state = State::Head;
    m_remaining = 0;
    m_bodyTotal = 0;
    m_wireTotal = 0;
    m_buf.clear();
}

} // namespace crewdeck::server
