// Site-name derivation and the origin check of the Node realtime server
// (spec §2.3 step 2, §2.4). These reproduce Node's string handling exactly,
// quirks included (no case folding, `[::1]:9000` -> `[`): the namespace a
// browser connects to must keep matching what Node would have derived.
// The only addition is an opt-in allow-list of origins (spec §11.1).
// Free functions over thread-agnostic value types.
//
// Absent vs empty: Node tests headers for truthiness, so an empty header acts
// exactly like a missing one. A null or empty QString therefore means "absent"
// on input. On output a null QString stands for Node's `undefined`, while an
// empty non-null QString is a real (if useless) empty hostname, e.g. for
// "http://"; the two compare unequal in the origin check, as in Node.
#pragma once

#include <QString>
#include <QStringList>

struct HandshakeHeaders {
    QString host;           // Host
    QString origin;         // Origin
    QString siteNameHeader; // X-Frappe-Site-Name (set by bench's nginx)
};

// Node's get_hostname: the authority of a URL (3rd '/'-separated field when
// the value contains "://"), cut at the first ':'. Null for an empty value.
QString frappeHostname(const QString &value);

// The site a handshake belongs to; the socket's namespace must equal it
// exactly. Null when no header gives a hostname: no namespace can match that.
QString resolveSiteName(const HandshakeHeaders &headers, const QString &defaultSite);

// Node's rule: hostname(Host) == hostname(Origin), case-sensitive; both absent
// passes, only Origin absent fails. allowedOrigins (empty by default, so the
// default is Node's behaviour) additionally admits an Origin listed there as
// scheme://host[:port], compared case-insensitively with default ports
// filled in; an entry "*" admits any Origin. A missing Origin is never
// admitted through the list: the list names origins, and there is none.
bool originAllowed(const HandshakeHeaders &headers, const QStringList &allowedOrigins = {});

// One log line explaining a rejected origin: the raw headers and the hostnames
// that were compared, with a hint when they differ only in case or when the
// Origin header is missing.
QString describeOriginMismatch(const HandshakeHeaders &headers);
