#include "frappe/callbackurl.h"

#include "engineconfig.h"

namespace {

// bench serve's and gunicorn's default port, which bench writes as webserver_port.
constexpr int kFrappeDefaultWebPort = 8000;

QString withoutTrailingSlashes(QString text)
{
    while (text.endsWith(QLatin1Char('/')))
        text.chop(1);
    return text;
}

bool isHttpScheme(const QString &scheme)
{
    return scheme == QLatin1String("http") || scheme == QLatin1String("https");
}

// URLSearchParams serialises USVStrings: a lone surrogate becomes U+FFFD, where
// QString::toUtf8() would write '?'.
QByteArray wellFormedUtf8(QStringView text)
{
    QString clean;
    clean.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c.isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate()) {
            clean.append(c);
            clean.append(text[++i]);
        } else if (c.isSurrogate()) {
            clean.append(QChar(QChar::ReplacementCharacter));
        } else {
            clean.append(c);
        }
    }
    return clean.toUtf8();
}

} // namespace

CallbackTarget frappeCallbackTarget(const EngineConfig &cfg)
{
    const int webPort = cfg.webserverPort > 0 ? cfg.webserverPort : kFrappeDefaultWebPort;
    if (!cfg.authUrlOverride.trimmed().isEmpty())
        return {QUrl(withoutTrailingSlashes(cfg.authUrlOverride.trimmed())),
                CallbackSource::AuthUrl};

    if (!cfg.webserverHost.trimmed().isEmpty()) {
        QString host = cfg.webserverHost.trimmed();
        if (!host.contains(QLatin1String("://"))) host.prepend(QLatin1String("http://"));
        const QUrl parsed(host);
        if (!parsed.isValid() || parsed.host().isEmpty())
            return {QUrl(host), CallbackSource::WebserverHost};
        // Only scheme://host:port survives, as in get_url: a path in
        // webserver_host is not a prefix of the callback paths.
        QUrl base;
        base.setScheme(parsed.scheme());
        base.setHost(parsed.host());
        base.setPort(parsed.port(webPort));
        return {base, CallbackSource::WebserverHost};
    }

    // Node would use the client's Origin here, which lets any client name the
    // host that receives its cookie and the socket secret. The bench's own web
    // server listens on webserver_port of this machine (bench start, gunicorn
    // behind nginx); X-Frappe-Site-Name on every callback picks the site.
    QUrl base;
    base.setScheme(QStringLiteral("http"));
    base.setHost(QStringLiteral("127.0.0.1"));
    base.setPort(webPort);
    return {base, CallbackSource::BenchWebServer};
}

QString describeCallbackTarget(const EngineConfig &cfg)
{
    const CallbackTarget target = frappeCallbackTarget(cfg);
    const QString url = target.base.toString(QUrl::RemovePassword | QUrl::FullyEncoded);
    switch (target.source) {
    case CallbackSource::AuthUrl:
        return QStringLiteral("callbacks: %1 (--auth-url)").arg(url);
    case CallbackSource::WebserverHost:
        return QStringLiteral("callbacks: %1 (webserver_host)").arg(url);
    case CallbackSource::BenchWebServer:
        break;
    }
    return QStringLiteral("callbacks: %1 (the bench's own web server on webserver_port%2; set "
                          "webserver_host or --auth-url when it runs elsewhere)")
        .arg(url, cfg.webserverPort > 0 ? QString() : QStringLiteral(", default 8000"));
}

QByteArray urlSearchParamsEncode(QStringView text)
{
    static const char hex[] = "0123456789ABCDEF";
    const QByteArray utf8 = wellFormedUtf8(text);
    QByteArray out;
    out.reserve(utf8.size() * 3);
    for (const char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        const bool alnum =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum || c == '*' || c == '-' || c == '.' || c == '_') {
            out.append(ch);
        } else if (c == ' ') {
            out.append('+');
        } else {
            out.append('%');
            out.append(hex[c >> 4]);
            out.append(hex[c & 0x0f]);
        }
    }
    return out;
}

QByteArray urlSearchParamsQuery(const QList<QPair<QString, QString>> &pairs)
{
    QByteArray out;
    for (const auto &[name, value] : pairs) {
        if (!out.isEmpty()) out.append('&');
        out.append(urlSearchParamsEncode(name));
        out.append('=');
        out.append(urlSearchParamsEncode(value));
    }
    return out;
}

CallbackUrl frappeCallbackUrl(const QUrl &base, const QString &pathAndQuery)
{
    const QString baseText = withoutTrailingSlashes(base.toString(QUrl::FullyEncoded));
    const QString joined = baseText + pathAndQuery;
    const QString unparsable = QStringLiteral("TypeError: Failed to parse URL from ") + joined;
    if (!base.isValid() || base.isRelative() || base.host().isEmpty()) return {{}, unparsable};
    if (!isHttpScheme(base.scheme())) return {{}, QStringLiteral("TypeError: fetch failed")};
    if (!pathAndQuery.startsWith(QLatin1Char('/')) || pathAndQuery.startsWith(QLatin1String("//")))
        return {{},
                QStringLiteral("TypeError: callback path must start with a single '/': ") +
                    pathAndQuery};

    const QUrl url(joined, QUrl::TolerantMode);
    if (!url.isValid()) return {{}, unparsable};
    if (url.scheme() != base.scheme() || url.host() != base.host() || url.port() != base.port() ||
        !url.userInfo().isEmpty())
        return {{},
                QStringLiteral("TypeError: callback path leaves the web server's origin: ") +
                    pathAndQuery};
    return {url, {}};
}
