// AppRuntime's Buffer encodings: the prelude's Buffer.from(string, enc) and
// buf.toString(enc) convert through these, with Node's encoding names.
#include "scripting/appruntime.h"

QByteArray AppRuntime::bytesFromString(const QString &text, const QString &encoding) const
{
    const QString enc = encoding.toLower();
    if (enc == QLatin1String("base64") || enc == QLatin1String("base64url"))
        return QByteArray::fromBase64(text.toLatin1(), enc == QLatin1String("base64url")
                                                           ? QByteArray::Base64UrlEncoding
                                                           : QByteArray::Base64Encoding);
    if (enc == QLatin1String("hex")) return QByteArray::fromHex(text.toLatin1());
    if (enc == QLatin1String("latin1") || enc == QLatin1String("binary") ||
        enc == QLatin1String("ascii"))
        return text.toLatin1();
    if (enc == QLatin1String("utf16le") || enc == QLatin1String("ucs2") ||
        enc == QLatin1String("ucs-2") || enc == QLatin1String("utf-16le"))
        return QByteArray(reinterpret_cast<const char *>(text.utf16()), text.size() * 2);
    return text.toUtf8();
}

QString AppRuntime::bytesToString(const QByteArray &bytes, const QString &encoding) const
{
    const QString enc = encoding.toLower();
    if (enc == QLatin1String("base64")) return QString::fromLatin1(bytes.toBase64());
    if (enc == QLatin1String("base64url"))
        return QString::fromLatin1(
            bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    if (enc == QLatin1String("hex")) return QString::fromLatin1(bytes.toHex());
    if (enc == QLatin1String("latin1") || enc == QLatin1String("binary") ||
        enc == QLatin1String("ascii"))
        return QString::fromLatin1(bytes);
    if (enc == QLatin1String("utf16le") || enc == QLatin1String("ucs2") ||
        enc == QLatin1String("ucs-2") || enc == QLatin1String("utf-16le"))
        return QString(reinterpret_cast<const QChar *>(bytes.constData()), bytes.size() / 2);
    return QString::fromUtf8(bytes);
}
