#include "frappe/callbackurl.h"

#include "engineconfig.h"

namespace {

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

QUrl frappeCallbackBase(const EngineConfig &cfg, const QString &origin)
{
    if (!cfg.authUrlOverride.trimmed().isEmpty())
        return QUrl(withoutTrailingSlashes(cfg.authUrlOverride.trimmed()));

    if (!cfg.webserverHost.trimmed().isEmpty() && cfg.webserverPort > 0) {
        QString host = cfg.webserverHost.trimmed();
        if (!host.contains(QLatin1String("://"))) host.prepend(QLatin1String("http://"));
        const QUrl parsed(host);
        if (!parsed.isValid() || parsed.host().isEmpty()) return QUrl(host);
        // Only scheme://host:port survives, as in get_url: a path in
        // webserver_host is not a prefix of the callback paths.
        QUrl base;
        base.setScheme(parsed.scheme());
        base.setHost(parsed.host());
        base.setPort(parsed.port(cfg.webserverPort));
        return base;
    }

    const QString trimmed = withoutTrailingSlashes(origin.trimmed());
    QUrl base(trimmed);
    // Node splits the Origin on ':' and rebuilds protocol://host:port. QUrl
    // does the same for ordinary origins and also copes with IPv6 literals.
    // Without a webserver_port Node would produce ":undefined"; keeping the
    // Origin's own port is the only useful reading of that configuration.
    if (cfg.developerMode && cfg.webserverPort > 0 && base.isValid() && !base.host().isEmpty()) {
        QUrl rebuilt;
        rebuilt.setScheme(base.scheme());
        rebuilt.setHost(base.host());
        rebuilt.setPort(cfg.webserverPort);
        return rebuilt;
    }
    return base;
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
