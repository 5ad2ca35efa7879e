// HTTP/1.1 request head parsing and response serialisation for the one port
// that serves long-polling, WebSocket upgrades and /health. Pure functions and
// value types (thread-agnostic); no sockets here.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest {
    QByteArray method;
    QByteArray path;  // without the query, percent-encoding kept
    QByteArray query; // raw, without '?'
    QByteArray version;
    HeaderList headers; // names lower-cased, values trimmed, in arrival order
    QByteArray body;
    QString peer;         // remote address, for logs and limits
    QString localAddress; // the address the client connected to; "unix", or empty if unknown

    QByteArray header(const QByteArray &lowerName) const;
    bool hasHeader(const QByteArray &lowerName) const;
    // First value of a query parameter, percent- and '+'-decoded; null if absent.
    QByteArray queryValue(const QByteArray &key) const;
    bool hasQueryValue(const QByteArray &key) const;
    bool keepAlive() const;
    bool isWebSocketUpgrade() const;
};

struct HeadParseResult {
    enum Status { Incomplete, Complete, Malformed, TooLarge } status = Incomplete;
    HttpRequest request;
    qsizetype headLength = 0; // bytes up to and including the blank line
    qint64 contentLength = 0;
    QString error;
};

HeadParseResult parseRequestHead(const QByteArray &buffer, int maxHeaderBytes);

struct HttpResponse {
    int status = 200;
    QByteArray contentType = "text/plain; charset=UTF-8";
    HeaderList headers;
    QByteArray body;
    bool closeConnection = false;

    // withBody false: the answer to a HEAD request, with the headers (and
    // Content-Length) the GET would have, but no body (RFC 9110 §9.3.2).
    QByteArray serialize(bool withBody = true) const;
    static QByteArray reasonPhrase(int status);
};
