#include "frappe/siteresolver.h"

#include <QUrl>

namespace {

// Node compares with `!=` on values that may be `undefined`, so an absent
// hostname equals only another absent one, never "" (QString's == would say
// null == empty).
bool sameHostname(const QString &a, const QString &b)
{
    return a.isNull() == b.isNull() && a == b;
}

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

bool originAllowed(const HandshakeHeaders &headers, const QStringList &allowedOrigins)
{
    if (sameHostname(frappeHostname(headers.host), frappeHostname(headers.origin))) return true;
    if (allowedOrigins.isEmpty() || headers.origin.isEmpty()) return false;
    return inAllowList(headers.origin, allowedOrigins);
}

QString describeOriginMismatch(const HandshakeHeaders &headers)
{
    const QString host = headers.host.isEmpty() ? QString() : headers.host;
    const QString origin = headers.origin.isEmpty() ? QString() : headers.origin;
    const QString hostName = frappeHostname(host);
    const QString originName = frappeHostname(origin);

    QString line = QStringLiteral("Invalid origin: Host %1 gives hostname %2, Origin %3 gives "
                                  "hostname %4; they must be equal")
                       .arg(quoted(host, "(absent)"), quoted(hostName, "(none)"),
                            quoted(origin, "(absent)"), quoted(originName, "(none)"));
    if (origin.isNull())
        line += QStringLiteral(" (no Origin header: a non-browser client must send one that "
                               "matches Host)");
    else if (!hostName.isNull() && !sameHostname(hostName, originName) &&
             hostName.compare(originName, Qt::CaseInsensitive) == 0)
        line += QStringLiteral(" (they differ only in letter case; the comparison is "
                               "case-sensitive)");
    return line;
}
