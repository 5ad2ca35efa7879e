// RedisEndpoint: where a Redis server lives and how to log in, parsed from the URL forms that
// Frappe configs carry (redis_queue, redis_cache). Plain value type: any thread.
#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>

struct RedisEndpoint {
    QString host;
    quint16 port = 6379;
    QString unixPath; // non-empty: connect to this Unix domain socket instead of host:port
    int db = 0;
    QString username; // Redis 6 ACL user; empty means the legacy single-password AUTH
    QString password;

    bool isUnix() const { return !unixPath.isEmpty(); }

    // For logs and the GUI: never contains the password (a set one shows as "***").
    QString display() const;

    // Accepts, as leniently as node-redis and redis-py do:
    //   redis://[user[:pass]@]host[:port][/db][?db=N&password=P&username=U]
    //   redis://:pass@host            unix:///path/to.sock[?db=N&password=P]
    //   host:port   host   [::1]:6380   /path/to.sock
    // Fails with a readable reason for an unknown scheme (rediss:// is refused: no TLS), a bad
    // port or a bad database number.
    static std::optional<RedisEndpoint> parse(const QString &url, QString *error = nullptr);
};
