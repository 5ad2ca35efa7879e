#include "httpclient/httpclienttypes.h"

QByteArray HttpClientResponse::header(QByteArrayView name) const
{
    // The head was validated when it was parsed: CRLF-terminated lines, the
    // first one the status line, the rest "name:value".
    qsizetype pos = head.indexOf('\n');
    while (pos >= 0 && pos + 1 < head.size()) {
        const qsizetype start = pos + 1;
        const qsizetype end = head.indexOf('\n', start);
        if (end < 0) break;
        const QByteArrayView line(head.constData() + start, end - 1 - start);
        const qsizetype colon = line.indexOf(':');
        if (colon == name.size() && line.first(colon).compare(name, Qt::CaseInsensitive) == 0)
            return line.sliced(colon + 1).toByteArray().trimmed();
        pos = end;
    }
    return {};
}
