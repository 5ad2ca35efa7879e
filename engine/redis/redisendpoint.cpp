#include "redis/redisendpoint.h"

#include <QUrl>

namespace {

bool fail(QString *error, const QString &why)
{
    if (error) *error = why;
    return false;
}

QString decode(const QString &s)
{
    return QUrl::fromPercentEncoding(s.toUtf8());
}

// Digits only: QString::toInt would also take "+5" or " 5", which no Redis client accepts.
std::optional<qint64> parseNumber(const QString &s)
{
    if (s.isEmpty() || s.size() > 9) return std::nullopt;
    for (QChar c : s) {
        if (!c.isDigit()) return std::nullopt;
    }
    return s.toLongLong();
}

bool parseDb(const QString &s, RedisEndpoint *ep, QString *error)
{
    const auto n = parseNumber(s);
    if (!n) return fail(error, QStringLiteral("bad database '%1' (expected a number)").arg(s));
    ep->db = int(*n);
    return true;
}

// userinfo is "user:pass", ":pass" or "user"; the password may itself contain ':'.
void parseUserInfo(const QString &userInfo, RedisEndpoint *ep)
{
    const qsizetype colon = userInfo.indexOf(u':');
    if (colon < 0) {
        ep->username = decode(userInfo);
        return;
    }
    ep->username = decode(userInfo.left(colon));
    ep->password = decode(userInfo.mid(colon + 1));
}

bool parseQuery(const QString &query, RedisEndpoint *ep, QString *error)
{
    for (const QString &pair : query.split(u'&', Qt::SkipEmptyParts)) {
        const qsizetype eq = pair.indexOf(u'=');
        const QString key = decode(pair.left(eq)).toLower();
        const QString value = eq < 0 ? QString() : decode(pair.mid(eq + 1));
        if (key == u"db") {
            if (!parseDb(value, ep, error)) return false;
        } else if (key == u"password") {
            ep->password = value;
        } else if (key == u"username" || key == u"user") {
            ep->username = value;
        }
        // Other redis-py options (timeouts, encoding, ...) have no meaning here: ignored.
    }
    return true;
}

bool parseHostPort(const QString &authority, RedisEndpoint *ep, QString *error)
{
    QString host = authority;
    QString port;
    if (authority.startsWith(u'[')) {
        const qsizetype close = authority.indexOf(u']');
        if (close < 0)
            return fail(error, QStringLiteral("unterminated IPv6 address '%1'").arg(authority));
        host = authority.mid(1, close - 1);
        const QString tail = authority.mid(close + 1);
        if (!tail.isEmpty() && !tail.startsWith(u':'))
            return fail(error, QStringLiteral("unexpected '%1' after IPv6 address").arg(tail));
        port = tail.mid(1);
    } else if (authority.count(u':') == 1) {
        const qsizetype colon = authority.indexOf(u':');
        host = authority.left(colon);
        port = authority.mid(colon + 1);
    }
    // More than one ':' without brackets can only be a bare IPv6 address: no port then.

    ep->host = host.isEmpty() ? QStringLiteral("localhost") : host; // node-redis default
    if (port.isEmpty()) return true;
    const auto n = parseNumber(port);
    if (!n || *n < 1 || *n > 65535)
        return fail(error, QStringLiteral("bad port '%1' (expected 1-65535)").arg(port));
    ep->port = quint16(*n);
    return true;
}

// Splits "userinfo@rest" at the LAST '@', so an unencoded '@' or '/' in a password still works.
QString takeUserInfo(const QString &main, RedisEndpoint *ep)
{
    const qsizetype at = main.lastIndexOf(u'@');
    if (at < 0) return main;
    parseUserInfo(main.left(at), ep);
    return main.mid(at + 1);
}

bool parseTcp(const QString &main, RedisEndpoint *ep, QString *error)
{
    const QString hostAndPath = takeUserInfo(main, ep);
    const qsizetype slash = hostAndPath.indexOf(u'/');
    const QString authority = slash < 0 ? hostAndPath : hostAndPath.left(slash);
    if (!parseHostPort(authority, ep, error)) return false;
    const QString path = slash < 0 ? QString() : hostAndPath.mid(slash + 1);
    if (path.isEmpty()) return true;
    return parseDb(path.endsWith(u'/') ? path.chopped(1) : path, ep, error);
}

bool parseUnix(const QString &main, RedisEndpoint *ep, QString *error)
{
    // redis-py form: unix://[user[:pass]@]/path/to.sock
    const qsizetype at = main.lastIndexOf(u'@');
    QString path = main;
    if (at >= 0 && main.mid(at + 1).startsWith(u'/')) {
        parseUserInfo(main.left(at), ep);
        path = main.mid(at + 1);
    }
    if (path.isEmpty()) return fail(error, QStringLiteral("missing socket path in unix:// URL"));
    ep->unixPath = decode(path);
    return true;
}

} // namespace

QString RedisEndpoint::display() const
{
    QString credentials;
    if (!username.isEmpty() || !password.isEmpty()) {
        credentials = username;
        if (!password.isEmpty()) credentials += QStringLiteral(":***");
        credentials += u'@';
    }
    if (isUnix()) {
        QString s = QStringLiteral("unix://") + credentials + unixPath;
        if (db != 0) s += QStringLiteral("?db=%1").arg(db);
        return s;
    }
    const QString h = host.contains(u':') ? u'[' + host + u']' : host;
    QString s = QStringLiteral("redis://%1%2:%3").arg(credentials, h).arg(port);
    if (db != 0) s += QStringLiteral("/%1").arg(db);
    return s;
}

std::optional<RedisEndpoint> RedisEndpoint::parse(const QString &url, QString *error)
{
    const QString s = url.trimmed();
    if (s.isEmpty()) {
        fail(error, QStringLiteral("empty Redis URL"));
        return std::nullopt;
    }

    QString scheme;
    QString rest = s;
    const qsizetype sep = s.indexOf(QStringLiteral("://"));
    if (sep >= 0) {
        scheme = s.left(sep).toLower();
        rest = s.mid(sep + 3);
    } else if (s.startsWith(u'/')) {
        scheme = QStringLiteral("unix");
    } else {
        scheme = QStringLiteral("redis"); // bare host[:port][/db]
    }

    if (scheme == u"rediss") {
        fail(error, QStringLiteral("TLS (rediss://) is not supported; use redis:// or unix://"));
        return std::nullopt;
    }
    if (scheme != u"redis" && scheme != u"unix") {
        fail(error, QStringLiteral("unsupported scheme '%1://' in Redis URL (expected redis:// or "
                                   "unix://)")
                        .arg(scheme));
        return std::nullopt;
    }

    // A '?' is never valid unencoded inside a password, so the first one starts the query.
    const qsizetype q = rest.indexOf(u'?');
    const QString main = q < 0 ? rest : rest.left(q);
    const QString query = q < 0 ? QString() : rest.mid(q + 1);

    RedisEndpoint ep;
    QString why;
    const bool ok = (scheme == u"unix" ? parseUnix(main, &ep, &why) : parseTcp(main, &ep, &why)) &&
                    parseQuery(query, &ep, &why);
    if (!ok) {
        // The URL itself is not echoed: it may carry a password.
        fail(error, QStringLiteral("invalid Redis URL: %1").arg(why));
        return std::nullopt;
    }
    return ep;
}
