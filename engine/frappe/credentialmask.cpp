#include "frappe/credentialmask.h"

#include <QList>

namespace {
constexpr qsizetype kShownChars = 4;
constexpr qsizetype kShortestShown = 12;
} // namespace

QString maskCredential(const QByteArray &value)
{
    if (value.isEmpty()) return QStringLiteral("(none)");
    if (value.size() < kShortestShown) return QStringLiteral("…");
    return QString::fromLatin1(value.left(kShownChars)) + QStringLiteral("…");
}

QString describeCallerCredential(const QByteArray &sid, const QByteArray &authorization)
{
    if (!authorization.isEmpty())
        return QStringLiteral("Authorization ") + maskCredential(authorization);
    return QStringLiteral("sid ") + maskCredential(sid);
}

QString redactedUrl(const QUrl &url)
{
    if (!url.hasQuery()) return url.toString(QUrl::FullyEncoded);
    QList<QByteArray> items = url.query(QUrl::FullyEncoded).toLatin1().split('&');
    for (QByteArray &item : items) {
        if (item.startsWith("sid="))
            item = "sid=" + maskCredential(QByteArray::fromPercentEncoding(item.mid(4))).toUtf8();
    }
    QUrl copy = url;
    copy.setQuery(QString());
    return copy.toString(QUrl::FullyEncoded) + QLatin1Char('?') +
           QString::fromUtf8(items.join('&'));
}
