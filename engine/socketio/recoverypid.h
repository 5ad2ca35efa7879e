// RecoveryPids: the private session ids ("pid") of connection-state
// recovery, which a client presents to get its session back. A pid is the
// socket id followed by an HMAC-SHA256 tag of (namespace, socket id) under a
// key drawn when the server starts: nothing is stored per socket, only this
// process can make one, and a presented pid names its socket, so the live
// holder of a pid presented twice can be found and closed.
// A pid is a bearer secret: never log it or show it. Thread-agnostic after
// construction (the key is read only).
#pragma once

#include <QByteArray>
#include <QString>
#include <optional>

class RecoveryPids {
public:
    RecoveryPids();

    QString make(const QString &nsp, const QString &socketId) const;
    // The socket id a presented pid names, if this process made it for `nsp`.
    std::optional<QString> verify(const QString &nsp, const QString &pid) const;
    // What a session keeps instead of the pid (SHA-256), so a store shared
    // with other nodes never holds the secret itself.
    static QByteArray digest(const QString &pid);

private:
    QString tag(const QString &nsp, const QString &socketId) const;

    QByteArray m_key;
};
