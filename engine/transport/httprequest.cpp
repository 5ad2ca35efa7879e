#include "transport/httprequest.h"

namespace {

// A query name or value as application/x-www-form-urlencoded means it; most
// have nothing to decode and are only copied.
QByteArray decodeQueryPart(QByteArrayView part)
{
    QByteArray v = part.toByteArray();
    if (!part.contains('%') && !part.contains('+')) return v;
    v.replace('+', ' ');
    return QByteArray::fromPercentEncoding(v);
}

bool queryNameIs(QByteArrayView name, const QByteArray &key)
{
    if (!name.contains('%') && !name.contains('+')) return name == key;
    return decodeQueryPart(name) == key;
}

bool isTokenChar(char c)
{
    return c > 32 && c < 127 && c != ':' && c != '(' && c != ')' && c != ',' && c != ';' &&
           c != '<' && c != '>' && c != '@' && c != '[' && c != ']' && c != '"' && c != '/' &&
           c != '?' && c != '=' && c != '{' && c != '}' && c != '\\';
}

// What browsers, socket.io clients and proxies send, shared instead of
// allocated for every request: a WebSocket handshake's head is kept for the
// whole life of its session, a dozen small heap blocks per client otherwise.
QByteArray sharedToken(QByteArrayView text, Qt::CaseSensitivity cs)
{
    static const QByteArray known[] = {
        QByteArrayLiteral("GET"),
        QByteArrayLiteral("POST"),
        QByteArrayLiteral("HTTP/1.1"),
        QByteArrayLiteral("HTTP/1.0"),
        QByteArrayLiteral("host"),
        QByteArrayLiteral("connection"),
        QByteArrayLiteral("upgrade"),
        QByteArrayLiteral("origin"),
        QByteArrayLiteral("cookie"),
        QByteArrayLiteral("authorization"),
        QByteArrayLiteral("user-agent"),
        QByteArrayLiteral("accept"),
        QByteArrayLiteral("accept-encoding"),
        QByteArrayLiteral("accept-language"),
        QByteArrayLiteral("cache-control"),
        QByteArrayLiteral("pragma"),
        QByteArrayLiteral("content-type"),
        QByteArrayLiteral("content-length"),
        QByteArrayLiteral("referer"),
        QByteArrayLiteral("sec-websocket-key"),
        QByteArrayLiteral("sec-websocket-version"),
        QByteArrayLiteral("sec-websocket-extensions"),
        QByteArrayLiteral("sec-fetch-dest"),
        QByteArrayLiteral("sec-fetch-mode"),
        QByteArrayLiteral("sec-fetch-site"),
        QByteArrayLiteral("x-frappe-site-name"),
        QByteArrayLiteral("x-forwarded-for"),
        QByteArrayLiteral("x-forwarded-proto"),
        QByteArrayLiteral("x-real-ip"),
        QByteArrayLiteral("websocket"),
        QByteArrayLiteral("Upgrade"),
        QByteArrayLiteral("keep-alive"),
        QByteArrayLiteral("13"),
    };
    for (const QByteArray &k : known)
        if (k.size() == text.size() && QByteArrayView(k).compare(text, cs) == 0) return k;
    return {};
}

bool headerHasToken(const QByteArray &value, const QByteArray &token)
{
    for (const QByteArray &part : value.split(','))
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0) return true;
    return false;
}

} // namespace

QByteArray HttpRequest::header(const QByteArray &lowerName) const
{
    for (const auto &h : headers)
        if (h.first == lowerName) return h.second;
    return {};
}

bool HttpRequest::hasHeader(const QByteArray &lowerName) const
{
    for (const auto &h : headers)
        if (h.first == lowerName) return true;
    return false;
}

QByteArray HttpRequest::queryValue(const QByteArray &key) const
{
    // Scanned in place: every request is routed by three of these, and
    // copying each pair cost about 19 allocations per handshake.
    qsizetype start = 0;
    while (start <= query.size()) {
        qsizetype end = query.indexOf('&', start);
        if (end < 0) end = query.size();
        const QByteArrayView pair(query.constData() + start, end - start);
        const qsizetype eq = pair.indexOf('=');
        if (queryNameIs(eq < 0 ? pair : pair.first(eq), key))
            return eq < 0 ? QByteArray("") : decodeQueryPart(pair.sliced(eq + 1));
        start = end + 1;
    }
    return {};
}

bool HttpRequest::hasQueryValue(const QByteArray &key) const
{
    return !queryValue(key).isNull();
}

bool HttpRequest::keepAlive() const
{
    const QByteArray conn = header("connection");
    if (version == "HTTP/1.0") return headerHasToken(conn, "keep-alive");
    return !headerHasToken(conn, "close");
}

bool HttpRequest::isWebSocketUpgrade() const
{
    return headerHasToken(header("upgrade"), "websocket");
}

HeadParseResult parseRequestHead(const QByteArray &buffer, int maxHeaderBytes)
{
    HeadParseResult r;
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0) {
        if (buffer.size() > maxHeaderBytes) {
            r.status = HeadParseResult::TooLarge;
            r.error = QStringLiteral("request head larger than %1 bytes").arg(maxHeaderBytes);
        }
        return r;
    }
    if (end + 4 > maxHeaderBytes) {
        r.status = HeadParseResult::TooLarge;
        r.error = QStringLiteral("request head larger than %1 bytes").arg(maxHeaderBytes);
        return r;
    }
    r.headLength = end + 4;
    const QList<QByteArray> lines = buffer.left(end).split('\n');
    auto malformed = [&r](const QString &why) {
        r.status = HeadParseResult::Malformed;
        r.error = why;
        return r;
    };
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3 || !requestLine.at(2).startsWith("HTTP/1."))
        return malformed(QStringLiteral("bad request line"));
    HttpRequest &req = r.request;
    req.method = sharedToken(requestLine.at(0), Qt::CaseSensitive);
    if (req.method.isNull()) req.method = requestLine.at(0);
    for (char c : req.method)
        if (!isTokenChar(c)) return malformed(QStringLiteral("bad method"));
    const QByteArray target = requestLine.at(1);
    if (!target.startsWith('/')) return malformed(QStringLiteral("bad request target"));
    const qsizetype q = target.indexOf('?');
    req.path = q < 0 ? target : target.left(q);
    req.query = q < 0 ? QByteArray() : target.mid(q + 1);
    req.version = sharedToken(requestLine.at(2), Qt::CaseSensitive);
    if (req.version.isNull()) req.version = requestLine.at(2);
    req.headers.reserve(lines.size() - 1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArray line = lines.at(i);
        if (line.endsWith('\r')) line.chop(1);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) return malformed(QStringLiteral("bad header line"));
        const QByteArrayView rawName(line.constData(), colon);
        for (char c : rawName)
            if (!isTokenChar(c)) return malformed(QStringLiteral("bad header name"));
        QByteArray name = sharedToken(rawName, Qt::CaseInsensitive);
        if (name.isNull()) name = rawName.toByteArray().toLower();
        QByteArray value = line.mid(colon + 1).trimmed();
        if (QByteArray shared = sharedToken(value, Qt::CaseSensitive); !shared.isNull())
            value = shared;
        req.headers.append({std::move(name), std::move(value)});
    }
    if (req.hasHeader("transfer-encoding"))
        return malformed(QStringLiteral("chunked request bodies are not supported"));
    const QByteArray cl = req.header("content-length");
    if (!cl.isEmpty()) {
        bool ok = false;
        r.contentLength = cl.toLongLong(&ok);
        if (!ok || r.contentLength < 0) return malformed(QStringLiteral("bad content-length"));
    }
    r.status = HeadParseResult::Complete;
    return r;
}

QByteArray HttpResponse::reasonPhrase(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

QByteArray HttpResponse::serialize(bool withBody) const
{
    QByteArray out;
    out.reserve(body.size() + 256);
    out.append("HTTP/1.1 ").append(QByteArray::number(status)).append(' ');
    out.append(reasonPhrase(status)).append("\r\n");
    if (!contentType.isEmpty() && status != 204)
        out.append("Content-Type: ").append(contentType).append("\r\n");
    if (status != 204)
        out.append("Content-Length: ").append(QByteArray::number(body.size())).append("\r\n");
    for (const auto &h : headers)
        out.append(h.first).append(": ").append(h.second).append("\r\n");
    if (closeConnection) out.append("Connection: close\r\n");
    out.append("\r\n");
    if (withBody) out.append(body);
    return out;
}
