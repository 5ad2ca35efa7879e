// Site-name derivation and the origin check of the Node realtime server
// (spec §2.3 step 2, §2.4). These reproduce Node's string handling exactly,
// quirks included (no case folding, `[::1]:9000` -> `[`): the namespace a
// browser connects to must keep matching what Node would have derived.
// The origin check is stricter than Node's Host == Origin (issue 13): the
// Origin must belong to the site, or be allow-listed (spec §11.1).
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
    QString localAddress;   // the server address the client connected to (not a header)
};

// Node's get_hostname: the authority of a URL (3rd '/'-separated field when
// the value contains "://"), cut at the first ':'. Null for an empty value.
QString frappeHostname(const QString &value);

// The site a handshake belongs to; the socket's namespace must equal it
// exactly. Null when no header gives a hostname: no namespace can match that.
QString resolveSiteName(const HandshakeHeaders &headers, const QString &defaultSite);

// What a site answers to (issue 13): its folder name under sites/, the host of
// its site_config.json `host_name`, and its `domains` entries, all lower-case;
// nginxPort is its `nginx_port` (port-based multitenancy), 0 when unset.
struct SiteNames {
    QString site;
    QStringList hostnames;
    int nginxPort = 0;
};

// Whether the handshake's Origin belongs to `site` (issue 13 item 3). Accepted:
//   1. an Origin whose host is one of site.hostnames (case-insensitive);
//   2. an Origin whose host equals the Host header's host and is either the
//      IP address the client connected to (access by IP address) or
//      "localhost" on a loopback connection (local development): the page
//      came from this very machine and address;
//   3. with site.nginxPort set, an Origin on that port whose host equals the
//      Host header's host (port-based multitenancy, any server name);
//   4. an Origin listed in allowedOrigins, as scheme://host[:port], compared
//      case-insensitively with default ports filled in; "*" admits any Origin.
// A missing Origin is never accepted: a browser always sends one.
bool originBelongsToSite(const HandshakeHeaders &headers, const SiteNames &site,
                         const QStringList &allowedOrigins = {});

// One log line explaining a rejected origin: the raw headers, the hostnames
// compared and the names the site answers to, with a hint when the Origin
// header is missing.
QString describeOriginMismatch(const HandshakeHeaders &headers, const SiteNames &site = {});
