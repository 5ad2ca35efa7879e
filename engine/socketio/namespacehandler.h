// NamespaceHandler: what an application plugs into the Socket.IO server for
// the namespaces it serves (connect middleware, connection, events,
// disconnect). Called on the engine thread only.
#pragma once

#include <QJsonArray>
#include <QJsonValue>
#include <QString>
#include <functional>
#include <optional>

class SioSocket;

// Sends the acknowledgement for a client event, at most once.
using AckSender = std::function<void(const QJsonArray &args, const QList<QByteArray> &attachments)>;

class NamespaceHandler {
public:
    virtual ~NamespaceHandler() = default;

    // Connect middleware. Call `done` exactly once (now or later) with no value
    // to admit the socket, or with the CONNECT_ERROR message to refuse it.
    // `socket` stays valid until `done` is called or the client goes away (in
    // which case calling `done` later is harmless).
    virtual void authorize(SioSocket *socket, const QJsonValue &auth,
                           std::function<void(std::optional<QString> error)> done)
    {
        Q_UNUSED(socket);
        Q_UNUSED(auth);
        done(std::nullopt);
    }
    // Whether this namespace offers connection-state recovery (when the
    // server has it on): pid in the CONNECT reply, offsets on events.
    virtual bool recoverable() const { return false; }
    virtual void onConnection(SioSocket *socket) = 0;
    virtual void onEvent(SioSocket *socket, const QString &event, const QJsonArray &args,
                         const QList<QByteArray> &attachments, const AckSender &ack) = 0;
    virtual void onDisconnect(SioSocket *socket, const QString &reason)
    {
        Q_UNUSED(socket);
        Q_UNUSED(reason);
    }
};
