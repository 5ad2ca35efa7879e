#include "telemetry/headermask.h"

QByteArray maskCookieHeader(const QByteArray &value)
{
    QList<QByteArray> parts;
    for (const QByteArray &raw : value.split(';')) {
        const QByteArray pair = raw.trimmed();
        if (pair.isEmpty()) continue;
        const qsizetype eq = pair.indexOf('=');
        parts.append(eq < 0 ? QByteArray("***") : pair.left(eq) + "=***");
    }
    return parts.join("; ");
}

QByteArray maskAuthorizationHeader(const QByteArray &value)
{
    const QByteArray trimmed = value.trimmed();
    const qsizetype space = trimmed.indexOf(' ');
    return space < 0 ? QByteArray("***") : trimmed.left(space) + " ***";
}

HeaderList maskedHeaders(const HeaderList &headers)
{
    HeaderList out;
    out.reserve(headers.size());
    for (const auto &[name, value] : headers) {
        const QByteArray lower = name.toLower();
        if (lower == "cookie")
            out.append({name, maskCookieHeader(value)});
        else if (lower == "authorization" || lower == "proxy-authorization")
            out.append({name, maskAuthorizationHeader(value)});
        else if (lower == "x-frappe-socket-secret")
            out.append({name, "***"});
        else
            out.append({name, value});
    }
    return out;
}
