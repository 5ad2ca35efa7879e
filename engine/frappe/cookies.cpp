#include "frappe/cookies.h"

#include <QList>

QHash<QByteArray, QByteArray> parseCookieHeader(const QByteArray &header)
{
    QHash<QByteArray, QByteArray> cookies;
    for (const QByteArray &part : header.split(';')) {
        const qsizetype eq = part.indexOf('=');
        if (eq < 0) continue;
        const QByteArray name = part.left(eq).trimmed();
        if (name.isEmpty() || cookies.contains(name)) continue;
        QByteArray value = part.mid(eq + 1).trimmed();
        if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
            value = value.mid(1, value.size() - 2);
        cookies.insert(name, value.contains('%') ? QByteArray::fromPercentEncoding(value) : value);
    }
    return cookies;
}
