// Where the realtime server calls back into the Frappe web server (spec §2.5,
// §4.1): the base URL from configuration only (never from the client), the
// URLSearchParams form encoding of callback queries, and a join of base and
// path that refuses to leave the base's origin, because credentials and the
// socket secret ride on every callback.
// Free functions over thread-agnostic value types.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringView>
#include <QUrl>

struct EngineConfig;

enum class CallbackSource {
    AuthUrl,        // --auth-url
    WebserverHost,  // webserver_host (+ webserver_port)
    BenchWebServer, // http://127.0.0.1:<webserver_port, default 8000>
};

struct CallbackTarget {
    QUrl base; // invalid or relative when the configured value does not parse
    CallbackSource source;
};

// Where every callback goes, decided by configuration alone (issue 13): the
// client's Origin, Host or X-Frappe-Site-Name never pick the host that
// receives its cookie, its Authorization header and the socket secret.
//   1. cfg.authUrlOverride when set, verbatim (trailing slashes dropped);
//   2. else webserver_host: http:// added when it has no scheme, its own port,
//      else webserver_port, else 8000;
//   3. else the bench's own web server: http://127.0.0.1:<webserver_port>
//      (8000 when unset), which bench start and production gunicorn listen on.
CallbackTarget frappeCallbackTarget(const EngineConfig &cfg);

// One start-up log line: "callbacks: <url> (<why>)".
QString describeCallbackTarget(const EngineConfig &cfg);

// URLSearchParams' application/x-www-form-urlencoded serialisation of one
// name or value: UTF-8 (lone surrogates as U+FFFD), alphanumerics and *-._
// kept, space as '+', every other byte as uppercase %XX.
QByteArray urlSearchParamsEncode(QStringView text);

// URLSearchParams.toString(): name=value pairs, encoded as above, joined by '&'.
QByteArray urlSearchParamsQuery(const QList<QPair<QString, QString>> &pairs);

struct CallbackUrl {
    QUrl url;          // valid only when nodeError is empty
    QString nodeError; // what Node's fetch would throw, as String(error)
};

// base + pathAndQuery, concatenated as Node does, but only when the result
// stays on the base's scheme, host and port: a path such as "@evil.example/"
// would otherwise hand the caller's cookie and the socket secret to another
// host.
CallbackUrl frappeCallbackUrl(const QUrl &base, const QString &pathAndQuery);
