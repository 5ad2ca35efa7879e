#include "frappe/siteresolver.h"

#include <QHostAddress>
#include <QUrl>

namespace {

int defaultPort(const QString &scheme)
{
    if (scheme == QLatin1String("http") || scheme == QLatin1String("ws")) return 80;
    if (scheme == QLatin1String("https") || scheme == QLatin1String("wss")) return 443;
    return -1;
}

// Canonical form for the allow-list, so that "https://App.example.com/" and
// "https://app.example.com:443" name the same origin. Values that are not a
// bare scheme://host[:port] (e.g. the opaque origin "null") compare as
// lower-cased text.
QString originKey(const QString &origin)
{
    QString text = origin.trimmed();
    if (text.endsWith(QLatin1Char('/'))) text.chop(1);
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme().isEmpty() || url.host().isEmpty() || !url.path().isEmpty() ||
        url.hasQuery() || url.hasFragment() || !url.userInfo().isEmpty())
        return text.toLower();

    const QString scheme = url.scheme().toLower();
    QString host = url.host().toLower();
    if (host.contains(QLatin1Char(':'))) host = QLatin1Char('[') + host + QLatin1Char(']');
    QString key = scheme + QStringLiteral("://") + host;
    const int port = url.port(defaultPort(scheme));
    if (port >= 0) key += QLatin1Char(':') + QString::number(port);
    return key;
}

bool inAllowList(const QString &origin, const QStringList &allowedOrigins)
{
    const QString key = originKey(origin);
    for (const QString &entry : allowedOrigins) {
        const QString trimmed = entry.trimmed();
        if (trimmed.isEmpty()) continue;
        if (trimmed == QLatin1String("*") || originKey(trimmed) == key) return true;
    }
    return false;
}

// The host of an http(s) Origin, lower-case, without IPv6 brackets; null when
// the Origin is not a plain scheme://host[:port].
QString originHost(const QString &origin, int *port = nullptr)
{
    const QUrl url(origin.trimmed(), QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")) ||
        url.host().isEmpty() || !url.userInfo().isEmpty())
        return {};
    if (port) *port = url.port(defaultPort(scheme));
    return url.host().toLower();
}

// The host of a Host header ("name:port", "[v6]:port"), lower-case.
QString hostHeaderHost(const QString &host)
{
    if (host.trimmed().isEmpty()) return {};
    const QUrl url(QStringLiteral("http://") + host.trimmed(), QUrl::StrictMode);
    if (!url.isValid() || !url.userInfo().isEmpty() || !url.path().isEmpty()) return {};
    return url.host().toLower();
}

// Whether the Origin host names the address the client connected to.
bool isConnectedAddress(const QString &host, const QString &localAddress)
{
    const QHostAddress local(localAddress);
    if (local.isNull()) return false;
    if (host == QLatin1String("localhost")) return local.isLoopback();
    const QHostAddress address(host);
    return !address.isNull() && address.isEqual(local, QHostAddress::TolerantConversion);
}

QString quoted(const QString &value, const char *whenAbsent)
{
    if (value.isNull()) return QLatin1String(whenAbsent);
    return QLatin1Char('"') + value + QLatin1Char('"');
}

} // namespace

QString frappeHostname(const QString &value)
{
    if (value.isEmpty()) return {};
    QString hostname = value;
    // Node: url.split("/")[2]. A "://" guarantees at least three fields.
    if (hostname.contains(QLatin1String("://"))) hostname = hostname.split(QLatin1Char('/')).at(2);
    const qsizetype colon = hostname.indexOf(QLatin1Char(':'));
    if (colon >= 0) hostname = hostname.left(colon);
    // An empty result is a real value in Node (""), distinct from undefined.
    if (hostname.isNull()) hostname = QStringLiteral("");
    return hostname;
}

QString resolveSiteName(const HandshakeHeaders &headers, const QString &defaultSite)
{
    if (!headers.siteNameHeader.isEmpty()) return frappeHostname(headers.siteNameHeader);
    const QString host = frappeHostname(headers.host);
    if (!defaultSite.isEmpty() &&
        (host == QLatin1String("localhost") || host == QLatin1String("127.0.0.1")))
        return defaultSite;
    if (!headers.origin.isEmpty()) return frappeHostname(headers.origin);
    return host;
}

bool originBelongsToSite(const HandshakeHeaders &headers, const SiteNames &site,
                         const QStringList &allowedOrigins)
{
    if (headers.origin.isEmpty()) return false;
    if (!allowedOrigins.isEmpty() && inAllowList(headers.origin, allowedOrigins)) return true;
    int port = -1;
    const QString host = originHost(headers.origin, &port);
    if (host.isEmpty()) return false;
    if (site.hostnames.contains(host)) return true;
    const bool sameAsHost = host == hostHeaderHost(headers.host);
    if (sameAsHost && isConnectedAddress(host, headers.localAddress)) return true;
    return sameAsHost && site.nginxPort > 0 && port == site.nginxPort;
}

QString describeOriginMismatch(const HandshakeHeaders &headers, const SiteNames &site)
{
    const QString host = headers.host.isEmpty() ? QString() : headers.host;
    const QString origin = headers.origin.isEmpty() ? QString() : headers.origin;
    const QString originName = originHost(origin);

    QString line = QStringLiteral("Invalid origin: Origin %1 (host %2) is not a name of site %3 "
                                  "(%4), nor the address the client connected to (Host %5), nor "
                                  "in realtime_allowed_origins")
                       .arg(quoted(origin, "(absent)"), quoted(originName, "(none)"),
                            quoted(site.site, "(none)"),
                            site.hostnames.isEmpty() ? QStringLiteral("no names")
                                                     : site.hostnames.join(QStringLiteral(", ")),
                            quoted(host, "(absent)"));
    if (site.nginxPort > 0)
        line += QStringLiteral(", nor on its nginx_port %1").arg(site.nginxPort);
    if (origin.isNull())
        line += QStringLiteral(" (no Origin header: a non-browser client must send the site's "
                               "own origin)");
    return line;
}
