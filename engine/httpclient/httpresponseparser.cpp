#include "httpclient/httpresponseparser.h"

#include <QByteArrayView>

namespace {

// Bigger heads and chunk lines are not what a web server answers to an API
// call; refusing them bounds what a broken upstream can make us buffer.
constexpr qsizetype kMaxHeadBytes = 64 * 1024;
constexpr qsizetype kMaxLineBytes = 4096;
constexpr qsizetype kMaxTrailerBytes = 64 * 1024;

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
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

bool isFieldValueChar(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

QByteArrayView trimmed(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t'))
        text.chop(1);
    return text;
}

// Calls visit(token) for each comma-separated, trimmed, non-empty element.
template<typename Visit> void forEachListElement(QByteArrayView list, Visit visit)
{
    while (!list.isEmpty()) {
        const qsizetype comma = list.indexOf(',');
        const QByteArrayView element = comma < 0 ? list : list.first(comma);
        const QByteArrayView token = trimmed(element);
        if (!token.isEmpty()) visit(token);
        list = comma < 0 ? QByteArrayView() : list.sliced(comma + 1);
    }
}

bool equalsIgnoringCase(QByteArrayView a, const char *lowerB)
{
    return a.compare(QByteArrayView(lowerB), Qt::CaseInsensitive) == 0;
}

QString printable(QByteArrayView text)
{
    QString out;
    for (const char c : text.first(qMin<qsizetype>(text.size(), 60))) {
        const auto u = static_cast<unsigned char>(c);
        out += (u >= 0x20 && u < 0x7f) ? QChar(c) : QChar(u'?');
    }
    if (text.size() > 60) out += QStringLiteral("...");
    return out;
}

} // namespace

void HttpResponseParser::reset(bool headRequest, qint64 maxBodyBytes)
{
    m_state = State::Head;
    m_failure = Failure::None;
    m_framing = Framing::None;
    m_chunkStep = ChunkStep::Size;
    m_error.clear();
    m_head.clear();
    m_body.clear();
    m_line.clear();
    m_remaining = 0;
    m_maxBody = maxBodyBytes;
    m_received = 0;
    m_status = 0;
    m_http10 = false;
    m_keepAlive = true;
    m_headRequest = headRequest;
}

qsizetype HttpResponseParser::feed(const char *data, qsizetype size)
{
    qsizetype used = 0;
    while (used < size && (m_state == State::Head || m_state == State::Body)) {
        const qsizetype step = m_state == State::Head ? feedHead(data + used, size - used)
                                                      : feedBody(data + used, size - used);
        used += step;
        m_received += step;
    }
    return used;
}

void HttpResponseParser::finishOnEof()
{
    if (m_state == State::Body && m_framing == Framing::UntilClose) m_state = State::Complete;
}

void HttpResponseParser::fail(Failure failure, const QString &error)
{
    m_state = State::Failed;
    m_failure = failure;
    m_error = error;
    m_keepAlive = false;
}

qsizetype HttpResponseParser::feedHead(const char *data, qsizetype size)
{
    // The blank line may straddle reads: look back over the last 3 bytes.
    const qsizetype searchFrom = qMax<qsizetype>(0, m_head.size() - 3);
    const qsizetype before = m_head.size();
    const qsizetype room = kMaxHeadBytes + 4 - before;
    m_head.append(data, qMin(size, room));
    const qsizetype end = m_head.indexOf("\r\n\r\n", searchFrom);
    if (end < 0) {
        if (m_head.size() >= kMaxHeadBytes + 4)
            fail(Failure::TooLarge,
                 QStringLiteral("response head larger than %1 bytes").arg(kMaxHeadBytes));
        return m_head.size() - before;
    }
    const qsizetype used = end + 4 - before;
    m_head.truncate(end + 2); // keep each line's CRLF, drop the blank line
    if (!parseHead()) return used;
    if (m_status < 200) {
        // An interim answer (100 Continue, 103 Early Hints): the real one follows.
        m_head.clear();
        return used;
    }
    if (m_state == State::Body && m_framing == Framing::Length && m_remaining == 0)
        m_state = State::Complete;
    return used;
}

bool HttpResponseParser::parseHead()
{
    const char *pos = m_head.constData();
    const char *const end = pos + m_head.size();
    const char *lineEnd = static_cast<const char *>(memchr(pos, '\n', end - pos));
    if (!parseStatusLine(QByteArray::fromRawData(pos, lineEnd - pos))) return false;

    bool sawLength = false, sawChunked = false, sawTransferEncoding = false;
    bool connectionClose = false, connectionKeepAlive = false;
    qint64 length = 0;
    for (pos = lineEnd + 1; pos < end; pos = lineEnd + 1) {
        lineEnd = static_cast<const char *>(memchr(pos, '\n', end - pos));
        if (lineEnd == pos || lineEnd[-1] != '\r') {
            fail(Failure::Malformed, QStringLiteral("malformed response head: bare LF"));
            return false;
        }
        if (!parseHeaderLine(pos, lineEnd - 1, sawLength, length, sawChunked, sawTransferEncoding,
                             connectionClose, connectionKeepAlive))
            return false;
    }
    if (m_status < 200) {
        if (m_status == 101) {
            fail(Failure::Malformed, QStringLiteral("unexpected 101 Switching Protocols"));
            return false;
        }
        return true;
    }

    m_keepAlive = m_http10 ? connectionKeepAlive && !connectionClose : !connectionClose;
    if (m_headRequest || m_status == 204 || m_status == 304) {
        m_framing = Framing::None;
        m_state = State::Complete;
        return true;
    }
    if (sawTransferEncoding) {
        // A Content-Length beside Transfer-Encoding is a smuggling sign:
        // use the encoding, but never reuse the connection.
        if (sawLength) m_keepAlive = false;
        m_framing = sawChunked ? Framing::Chunked : Framing::UntilClose;
    } else if (sawLength) {
        if (length > m_maxBody) {
            fail(Failure::TooLarge,
                 QStringLiteral("response body of %1 bytes exceeds the limit of %2 bytes")
                     .arg(length)
                     .arg(m_maxBody));
            return false;
        }
        m_framing = Framing::Length;
        m_remaining = length;
        m_body.reserve(length);
    } else {
        m_framing = Framing::UntilClose;
    }
    if (m_framing == Framing::UntilClose) m_keepAlive = false;
    m_state = State::Body;
    return true;
}

bool HttpResponseParser::parseStatusLine(const QByteArray &lineWithCr)
{
    // "HTTP/1.1 200 OK\r": version, one space, three digits, then a space and
    // a reason (possibly empty) or nothing.
    const QByteArrayView line =
        QByteArrayView(lineWithCr).chopped(lineWithCr.endsWith('\r') ? 1 : 0);
    const bool ok = lineWithCr.endsWith('\r') && line.size() >= 12 && line.startsWith("HTTP/1.") &&
                    (line[7] == '0' || line[7] == '1') && line[8] == ' ' && isDigit(line[9]) &&
                    isDigit(line[10]) && isDigit(line[11]) && line[9] != '0' &&
                    (line.size() == 12 || line[12] == ' ');
    bool reasonOk = true;
    for (qsizetype i = 13; ok && i < line.size(); ++i)
        reasonOk = reasonOk && isFieldValueChar(line[i]);
    if (!ok || !reasonOk) {
        fail(Failure::Malformed,
             QStringLiteral("malformed status line: \"%1\"").arg(printable(line)));
        return false;
    }
    m_http10 = line[7] == '0';
    m_status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    return true;
}

bool HttpResponseParser::parseHeaderLine(const char *begin, const char *end, bool &sawLength,
                                         qint64 &length, bool &sawChunked,
                                         bool &sawTransferEncoding, bool &connectionClose,
                                         bool &connectionKeepAlive)
{
    const QByteArrayView line(begin, end - begin);
    const qsizetype colon = line.indexOf(':');
    bool ok = colon > 0;
    for (qsizetype i = 0; ok && i < colon; ++i)
        ok = isTokenChar(line[i]);
    for (qsizetype i = colon + 1; ok && i < line.size(); ++i)
        ok = isFieldValueChar(line[i]);
    if (!ok) {
        fail(Failure::Malformed,
             QStringLiteral("malformed response header line: \"%1\"").arg(printable(line)));
        return false;
    }
    const QByteArrayView name = line.first(colon);
    const QByteArrayView value = trimmed(line.sliced(colon + 1));

    if (equalsIgnoringCase(name, "content-length")) {
        bool digitsOnly = !value.isEmpty() && value.size() <= 18;
        for (const char c : value)
            digitsOnly = digitsOnly && isDigit(c);
        const qint64 parsed = digitsOnly ? value.toLongLong() : -1;
        if (parsed < 0 || (sawLength && parsed != length)) {
            fail(Failure::Malformed,
                 QStringLiteral("invalid Content-Length: \"%1\"").arg(printable(value)));
            return false;
        }
        sawLength = true;
        length = parsed;
    } else if (equalsIgnoringCase(name, "transfer-encoding")) {
        sawTransferEncoding = true;
        // Only the last coding decides the framing.
        sawChunked = false;
        forEachListElement(value, [&](QByteArrayView coding) {
            sawChunked = equalsIgnoringCase(coding, "chunked");
        });
    } else if (equalsIgnoringCase(name, "connection")) {
        forEachListElement(value, [&](QByteArrayView option) {
            if (equalsIgnoringCase(option, "close")) connectionClose = true;
            if (equalsIgnoringCase(option, "keep-alive")) connectionKeepAlive = true;
        });
    }
    return true;
}

qsizetype HttpResponseParser::feedBody(const char *data, qsizetype size)
{
    switch (m_framing) {
    case Framing::Chunked:
        return feedChunked(data, size);
    case Framing::Length: {
        const qsizetype take = qMin<qint64>(size, m_remaining);
        m_body.append(data, take);
        m_remaining -= take;
        if (m_remaining == 0) m_state = State::Complete;
        return take;
    }
    case Framing::UntilClose:
        if (appendBody(data, size)) return size;
        return 0;
    case Framing::None:
        m_state = State::Complete;
        return 0;
    }
    return 0;
}

bool HttpResponseParser::appendBody(const char *data, qsizetype size)
{
    if (m_body.size() + size > m_maxBody) {
        fail(Failure::TooLarge,
             QStringLiteral("response body exceeds the limit of %1 bytes").arg(m_maxBody));
        return false;
    }
    m_body.append(data, size);
    return true;
}

bool HttpResponseParser::takeLine(const char *data, qsizetype size, qsizetype &used,
                                  QByteArray &line)
{
    const char *newline = static_cast<const char *>(memchr(data, '\n', size));
    used = newline ? newline - data + 1 : size;
    if (m_line.size() + used > kMaxLineBytes) {
        fail(Failure::Malformed,
             QStringLiteral("chunk framing line longer than %1 bytes").arg(kMaxLineBytes));
        return false;
    }
    m_line.append(data, used);
    if (!newline) return false;
    if (m_line.size() < 2 || m_line[m_line.size() - 2] != '\r') {
        fail(Failure::Malformed, QStringLiteral("malformed chunked body: bare LF"));
        return false;
    }
    m_line.chop(2);
    line = std::move(m_line);
    m_line = QByteArray();
    return true;
}

qsizetype HttpResponseParser::feedChunked(const char *data, qsizetype size)
{
    if (m_chunkStep == ChunkStep::Data) {
        const qsizetype take = qMin<qint64>(size, m_remaining);
        if (!appendBody(data, take)) return 0;
        m_remaining -= take;
        if (m_remaining == 0) m_chunkStep = ChunkStep::DataEnd;
        return take;
    }

    qsizetype used = 0;
    QByteArray line;
    if (!takeLine(data, size, used, line)) return used;

    switch (m_chunkStep) {
    case ChunkStep::Size: {
        // chunk-size [ ";" extensions ]: extensions carry nothing we use.
        const qsizetype semicolon = line.indexOf(';');
        const QByteArrayView digits =
            QByteArrayView(line).first(semicolon < 0 ? line.size() : semicolon);
        qint64 chunk = 0;
        bool ok = !digits.isEmpty() && digits.size() <= 15;
        for (const char c : digits) {
            const int v = hexValue(c);
            ok = ok && v >= 0;
            chunk = chunk * 16 + qMax(v, 0);
        }
        if (!ok) {
            fail(Failure::Malformed,
                 QStringLiteral("malformed chunk size: \"%1\"").arg(printable(line)));
            return used;
        }
        if (chunk == 0) {
            m_chunkStep = ChunkStep::Trailer;
            m_remaining = 0; // counts trailer bytes from here on
        } else if (m_body.size() + chunk > m_maxBody) {
            fail(Failure::TooLarge,
                 QStringLiteral("response body exceeds the limit of %1 bytes").arg(m_maxBody));
        } else {
            m_chunkStep = ChunkStep::Data;
            m_remaining = chunk;
        }
        return used;
    }
    case ChunkStep::DataEnd:
        if (!line.isEmpty())
            fail(Failure::Malformed, QStringLiteral("chunk data longer than its size"));
        else
            m_chunkStep = ChunkStep::Size;
        return used;
    case ChunkStep::Trailer:
        m_remaining += used;
        if (m_remaining > kMaxTrailerBytes)
            fail(Failure::TooLarge,
                 QStringLiteral("chunked trailer larger than %1 bytes").arg(kMaxTrailerBytes));
        else if (line.isEmpty())
            m_state = State::Complete;
        return used;
    case ChunkStep::Data:
        break;
    }
    return used;
}
