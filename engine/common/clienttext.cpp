#include "common/clienttext.h"

#include <algorithm>

QString clientText(QStringView text, qsizetype max)
{
    const qsizetype kept = std::min(text.size(), std::max<qsizetype>(max, 0));
    QString out;
    out.reserve(kept + 32);
    for (qsizetype i = 0; i < kept; ++i) {
        const QChar c = text.at(i);
        const char16_t u = c.unicode();
        if (u == '\r')
            out.append(QLatin1String("\\r"));
        else if (u == '\n')
            out.append(QLatin1String("\\n"));
        else if (u == '\t')
            out.append(QLatin1String("\\t"));
        else if (u < 0x20 || u == 0x7f || u == 0x2028 || u == 0x2029 || u == 0x85)
            out.append(QStringLiteral("\\x%1").arg(uint(u), 2, 16, QLatin1Char('0')));
        else
            out.append(c);
    }
    if (kept < text.size()) out.append(QStringLiteral("... (%1 characters)").arg(text.size()));
    return out;
}

QString clientText(const QByteArray &utf8, qsizetype max)
{
    // Decode only what can be shown (a UTF-8 character is at most 4 bytes).
    const qsizetype window = std::min<qsizetype>(utf8.size(), max * 4 + 4);
    const QString decoded = QString::fromUtf8(utf8.constData(), window);
    if (window == utf8.size() && decoded.size() <= max) return clientText(decoded, max);
    return clientText(QStringView(decoded).left(max), max) +
           QStringLiteral("... (%1 bytes)").arg(utf8.size());
}
