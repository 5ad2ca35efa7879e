// NamespaceHandler: what an application plugs into the Socket.IO server for
// the namespaces it serves (connect middleware, connection, events,
// disconnect). Called on the engine thread only.
#pragma once

#include "protocol/siopacket.h"
#include <QJsonArray>
#include <QJsonValue>

#include <QString>
#include <functional>
#include <optional>

class SioSocket;

// Sends the acknowledgement for a client event, at most once: from values, or
// from a JSON array text already written (a handler's JSON.stringify), which
// goes out as it is, with its key order and number format.
class AckSender {
public:
    using Send =
        std::function<void(const QByteArray &argsArrayJson, const QList<QByteArray> &attachments)>;
    AckSender() = default;
    explicit AckSender(Send send) : m_send(std::move(send)) {}

    explicit operator bool() const { return bool(m_send); }
    void operator()(const QJsonArray &args, const QList<QByteArray> &attachments) const
    {
        if (m_send) m_send(sio::toJson(args), attachments);
    }
    void sendJson(const QByteArray &argsArrayJson, const QList<QByteArray> &attachments) const
    {
        if (m_send) m_send(argsArrayJson, attachments);
    }

private:
    Send m_send;
};

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
