#include "common/credentialmask.h"

#include <QStringList>

namespace {

constexpr qsizetype kShownChars = 4;
constexpr qsizetype kShortestShown = 12;

bool isSecretParameter(QStringView name)
{
    for (const char *secret : {"sid", "password", "token", "secret"})
        if (name.compare(QLatin1String(secret), Qt::CaseInsensitive) == 0) return true;
    return false;
}

// name=value&... with secret values masked; the names stay.
QString maskQuery(const QString &query)
{
    QStringList items = query.split(QLatin1Char('&'));
    for (QString &item : items) {
        const qsizetype eq = item.indexOf(QLatin1Char('='));
        if (eq < 0 || !isSecretParameter(QStringView(item).left(eq))) continue;
        const QByteArray value = QByteArray::fromPercentEncoding(item.mid(eq + 1).toUtf8());
        item = item.left(eq + 1) + maskSecret(value);
    }
    return items.join(QLatin1Char('&'));
}

} // namespace

QString maskSecret(QByteArrayView value)
{
    if (value.isEmpty()) return QStringLiteral("(none)");
    if (value.size() < kShortestShown) return QStringLiteral("…");
    return QString::fromUtf8(value.first(kShownChars)) + QStringLiteral("…");
}

QByteArray maskCookieHeader(const QByteArray &value)
{
    QList<QByteArray> parts;
    for (const QByteArray &raw : value.split(';')) {
        const QByteArray pair = raw.trimmed();
        if (pair.isEmpty()) continue;
        const qsizetype eq = pair.indexOf('=');
        const QByteArray shown = maskSecret(eq < 0 ? pair : pair.mid(eq + 1)).toUtf8();
        parts.append(eq < 0 ? shown : pair.left(eq + 1) + shown);
    }
    return parts.join("; ");
}

QByteArray maskAuthorizationHeader(const QByteArray &value)
{
    const QByteArray trimmed = value.trimmed();
    const qsizetype space = trimmed.indexOf(' ');
    if (space < 0) return maskSecret(trimmed).toUtf8();
    return trimmed.left(space) + ' ' + maskSecret(trimmed.mid(space + 1).trimmed()).toUtf8();
}

QList<QPair<QByteArray, QByteArray>>
maskedHeaders(const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QList<QPair<QByteArray, QByteArray>> out;
    out.reserve(headers.size());
    for (const auto &[name, value] : headers) {
        const QByteArray lower = name.toLower();
        if (lower == "cookie" || lower == "set-cookie")
            out.append({name, maskCookieHeader(value)});
        else if (lower == "authorization" || lower == "proxy-authorization")
            out.append({name, maskAuthorizationHeader(value)});
        else if (lower == "x-frappe-socket-secret")
            out.append({name, maskSecret(value).toUtf8()});
        else
            out.append({name, value});
    }
    return out;
}

QString describeCallerCredential(const QByteArray &sid, const QByteArray &authorization)
{
    if (!authorization.isEmpty())
        return QStringLiteral("Authorization ") + maskSecret(authorization);
    return QStringLiteral("sid ") + maskSecret(sid);
}

QString redactedUrl(const QUrl &url)
{
    return redactedUrlText(url.toString(QUrl::FullyEncoded));
}

QString redactedUrlText(const QString &text)
{
    QString out = text;
    const qsizetype schemeEnd = out.indexOf(QLatin1String("://"));
    const qsizetype authorityStart = schemeEnd < 0 ? 0 : schemeEnd + 3;
    qsizetype authorityEnd = out.indexOf(QLatin1Char('/'), authorityStart);
    const qsizetype queryStart = out.indexOf(QLatin1Char('?'), authorityStart);
    if (authorityEnd < 0 || (queryStart >= 0 && queryStart < authorityEnd))
        authorityEnd = queryStart;
    if (authorityEnd < 0) authorityEnd = out.size();
    const qsizetype at = out.lastIndexOf(QLatin1Char('@'), authorityEnd - 1);
    if (at >= authorityStart) {
        // Keep a user name ("default:***@"), never what follows its colon.
        const qsizetype colon = out.indexOf(QLatin1Char(':'), authorityStart);
        const qsizetype keep = (colon >= 0 && colon < at) ? colon + 1 : authorityStart;
        out.replace(keep, at - keep, QStringLiteral("***"));
    }
    const qsizetype q = out.indexOf(QLatin1Char('?'));
    if (q >= 0) out = out.left(q + 1) + maskQuery(out.mid(q + 1));
    return out;
}
