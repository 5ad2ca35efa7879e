// HttpResponseParser: a strict, incremental HTTP/1.x response parser for one
// response at a time (the client never pipelines). It checks the status line
// and every header line, frames the body by Content-Length, chunked encoding
// or the end of the connection, skips interim 1xx responses, and enforces a
// size cap, so a misbehaving web server ends in one clear error instead of a
// hang or unbounded memory.
// Thread-agnostic: a plain value owned by one HttpConnection.
#pragma once

#include <QByteArray>
#include <QString>

class HttpResponseParser {
public:
    enum class State { Head, Body, Complete, Failed };
    enum class Failure { None, Malformed, TooLarge };

    // Prepares for the next response. A HEAD request's answer has no body
    // whatever its headers say.
    void reset(bool headRequest, qint64 maxBodyBytes);

    // Consumes bytes; stops at the end of the response or at the first error.
    // Returns how many bytes it used: anything left over arrived after a
    // complete response.
    qsizetype feed(const char *data, qsizetype size);
    // The peer closed the connection: that completes a body framed by the
    // end of the connection and fails anything else.
    void finishOnEof();

    State state() const { return m_state; }
    Failure failure() const { return m_failure; }
    QString error() const { return m_error; }
    bool receivedAnything() const { return m_received > 0; }

    int status() const { return m_status; }
    // False when the server announced Connection: close, answered HTTP/1.0
    // without keep-alive, or framed the body by closing the connection.
    bool keepAlive() const { return m_keepAlive; }
    QByteArray takeHead() { return std::move(m_head); }
    QByteArray takeBody() { return std::move(m_body); }

private:
    enum class Framing { None, Length, Chunked, UntilClose };
    enum class ChunkStep { Size, Data, DataEnd, Trailer };

    qsizetype feedHead(const char *data, qsizetype size);
    qsizetype feedBody(const char *data, qsizetype size);
    qsizetype feedChunked(const char *data, qsizetype size);
    bool parseHead();
    bool parseStatusLine(const QByteArray &line);
    bool parseHeaderLine(const char *begin, const char *end, bool &sawLength, qint64 &length,
                         bool &sawChunked, bool &sawTransferEncoding, bool &connectionClose,
                         bool &connectionKeepAlive);
    bool appendBody(const char *data, qsizetype size);
    bool takeLine(const char *data, qsizetype size, qsizetype &used, QByteArray &line);
    void fail(Failure failure, const QString &error);

    State m_state = State::Head;
    Failure m_failure = Failure::None;
    Framing m_framing = Framing::None;
    ChunkStep m_chunkStep = ChunkStep::Size;
    QString m_error;
    QByteArray m_head;
    QByteArray m_body;
    QByteArray m_line; // a chunk-size or trailer line that arrived in pieces
    qint64 m_remaining = 0;
    qint64 m_maxBody = 0;
    qint64 m_received = 0;
    int m_status = 0;
    bool m_http10 = false;
    bool m_keepAlive = true;
    bool m_headRequest = false;
};
