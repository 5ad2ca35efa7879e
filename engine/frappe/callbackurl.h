// Where the realtime server calls back into the Frappe web server (spec §2.5,
// §4.1): Node's realtime/utils.get_url rules for the base URL, the
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

// The base URL of callbacks for a client whose handshake carried `origin`:
// cfg.authUrlOverride when set; else webserver_host (http:// added when it
// has no scheme, webserver_port when it has no port) when both webserver_host
// and webserver_port are set; else the Origin, with its port replaced by
// webserver_port in developer mode. An empty or unparsable source yields an
// invalid or relative QUrl, which frappeCallbackUrl() reports.
QUrl frappeCallbackBase(const EngineConfig &cfg, const QString &origin);

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
