#include "admin/adminserialize.h"

#include "common/credentialmask.h"
#include "socketio/siosocket.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLocale>
#include <QTimeZone>
#include <QUrlQuery>

namespace admin {

namespace {

// Query parameters that may carry a credential or a recovery token.
bool isSecretQueryKey(const QString &key)
{
    const QString k = key.toLower();
    for (const char *secret : {"sid", "token", "auth", "password", "secret", "api_key",
                               "api_secret", "pid", "offset", "session", "sessionid"})
        if (k == QLatin1String(secret)) return true;
    return false;
}

QJsonObject queryObject(const QByteArray &rawQuery)
{
    QJsonObject query;
    const QUrlQuery parsed(QString::fromUtf8(rawQuery));
    for (const auto &[key, value] : parsed.queryItems(QUrl::FullyDecoded)) {
        if (query.contains(key)) continue; // first value wins, as HttpRequest::queryValue
        query.insert(key, isSecretQueryKey(key) ? maskSecret(value.toUtf8()) : value);
    }
    return query;
}

QString redactedUrl(const HttpRequest &request)
{
    if (request.query.isEmpty()) return QString::fromUtf8(request.path);
    QStringList parts;
    for (const QByteArray &pair : request.query.split('&')) {
        const qsizetype eq = pair.indexOf('=');
        const QByteArray key = eq < 0 ? pair : pair.left(eq);
        const QString decodedKey = QUrl::fromPercentEncoding(key);
        parts.append(isSecretQueryKey(decodedKey) && eq >= 0
                         ? QString::fromUtf8(key) + QLatin1Char('=') +
                               maskSecret(QByteArray::fromPercentEncoding(pair.mid(eq + 1)))
                         : QString::fromUtf8(pair));
    }
    return QString::fromUtf8(request.path) + QLatin1Char('?') + parts.join(QLatin1Char('&'));
}

// JS Date.prototype.toString() in UTC: "Tue Dec 08 2026 00:59:49 GMT+0000
// (Coordinated Universal Time)". Shown as is by the UI.
QString jsDateString(qint64 ms)
{
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    return QLocale::c().toString(t, QStringLiteral("ddd MMM dd yyyy HH:mm:ss")) +
           QStringLiteral(" GMT+0000 (Coordinated Universal Time)");
}

} // namespace

QString isoTime(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
}

QString isoNow()
{
    return isoTime(QDateTime::currentMSecsSinceEpoch());
}

QJsonObject socketData(const SioSocket *socket)
{
    QJsonObject data;
    if (!socket->user.isEmpty()) {
        data.insert(QStringLiteral("user"), socket->user);
        data.insert(QStringLiteral("user_type"), socket->userType);
    }
    if (!socket->siteName.isEmpty()) data.insert(QStringLiteral("site"), socket->siteName);
    return data;
}

QJsonObject serializeSocket(const SioSocket *socket)
{
    const HttpRequest &hs = socket->handshake();
    QJsonObject headers;
    for (const auto &[name, value] : maskedHeaders(hs.headers))
        headers.insert(QString::fromLatin1(name), QString::fromUtf8(value));
    QString address = hs.peer;
    // As the Admin UI server: the proxy's view of the client first.
    if (const QByteArray cf = hs.header("cf-connecting-ip"); !cf.isEmpty())
        address = QString::fromUtf8(cf);
    else if (const QByteArray xff = hs.header("x-forwarded-for"); !xff.isEmpty())
        address = QString::fromUtf8(xff);
    const qint64 issued = socket->connectedAtMs();
    const QJsonObject handshake{
        {QStringLiteral("address"), address},
        {QStringLiteral("headers"), headers},
        {QStringLiteral("query"), queryObject(hs.query)},
        {QStringLiteral("issued"), double(issued)},
        {QStringLiteral("secure"), false},
        {QStringLiteral("time"), jsDateString(issued)},
        {QStringLiteral("url"), redactedUrl(hs)},
        {QStringLiteral("xdomain"), hs.hasHeader("origin")},
    };
    QJsonArray rooms{socket->id()}; // its own room first, as socket.io lists them
    for (const QString &room : socket->rooms())
        if (room != socket->id()) rooms.append(room);
    return {
        {QStringLiteral("id"), socket->id()},
        {QStringLiteral("clientId"), QString::fromLatin1(socket->eioSid().left(12))},
        {QStringLiteral("transport"),
         socket->isWebSocket() ? QStringLiteral("websocket") : QStringLiteral("polling")},
        {QStringLiteral("nsp"), socket->nspName()},
        {QStringLiteral("data"), socketData(socket)},
        {QStringLiteral("handshake"), handshake},
        {QStringLiteral("rooms"), rooms},
    };
}

} // namespace admin
