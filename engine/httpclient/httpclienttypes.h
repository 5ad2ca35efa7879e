// Value types of HttpClient: what a caller sends and what comes back.
// Thread-agnostic plain values.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHashFunctions>
#include <QString>

// Where a request goes: one keep-alive pool exists per distinct origin.
struct HttpOrigin {
    bool tls = false;
    QString host; // a name, an IPv4 literal or a bare IPv6 literal (no brackets)
    quint16 port = 0;

    bool operator==(const HttpOrigin &other) const
    {
        return tls == other.tls && port == other.port && host == other.host;
    }
};

inline size_t qHash(const HttpOrigin &origin, size_t seed = 0)
{
    return qHashMulti(seed, origin.tls, origin.host, origin.port);
}

struct HttpClientRequest {
    HttpOrigin origin;
    QByteArray method = "GET";
    QByteArray target = "/"; // origin-form: path and query, already percent-encoded
    // Complete header lines ("Name: value\r\n" each), sent verbatim after Host.
    // The client adds Host, Connection and, when there is a body or the method
    // carries one, Content-Length; the caller must not set those.
    QByteArray headerLines;
    QByteArray body;
    int timeoutMs = 0; // 0: no deadline of the client's own (the caller may cancel())
};

struct HttpClientResponse {
    enum class Error {
        None,
        InvalidRequest,   // refused before anything was sent
        ConnectFailed,    // refused, unreachable, host not found, TLS handshake
        ConnectionClosed, // closed or reset before the response was complete
        MalformedResponse,
        ResponseTooLarge,
        Timeout,
    };

    Error error = Error::None;
    QString errorString; // one readable line when error != None
    int status = 0;
    QByteArray head; // the raw final response head (status line and header lines)
    QByteArray body; // decoded from chunked framing when it was chunked

    bool ok() const { return error == Error::None; }
    // The value of the first header with this name (ASCII case-insensitive),
    // with surrounding whitespace removed; empty when absent.
    QByteArray header(QByteArrayView name) const;
};
