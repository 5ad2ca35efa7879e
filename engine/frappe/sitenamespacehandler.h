// The NamespaceHandler of every `/<site>` namespace: the auth middleware,
// then core rooms and events, then the apps' handlers.js (when scripting is
// available). Engine thread only.
#pragma once

#include "frappe/authmiddleware.h"
#include "frappe/corehandlers.h"
#include "socketio/namespacehandler.h"

class SiteNamespaceHandler : public NamespaceHandler {
public:
    explicit SiteNamespaceHandler(FrappeContext *ctx) : m_auth(ctx), m_core(ctx) {}

    AuthMiddleware &auth() { return m_auth; }

    // Hooks for app handlers (custom apps' handlers.js), set where the engine
    // is composed (EngineCore), so frappe/ needs nothing of scripting/.
    std::function<void(SioSocket *)> onAttach;
    std::function<void(SioSocket *, const QString &, const QJsonArray &, const QList<QByteArray> &,
                       const AckSender &)>
        onAppEvent;
    std::function<void(SioSocket *, const QString &)> onDetach;

    void authorize(SioSocket *socket, const QJsonValue &auth,
                   std::function<void(std::optional<QString>)> done) override
    {
        m_auth.run(socket, auth, std::move(done));
    }
    // Connection-state recovery is offered on every site namespace (when on).
    bool recoverable() const override { return true; }
    void onConnection(SioSocket *socket) override
    {
        m_core.onConnection(socket);
        if (onAttach) onAttach(socket);
    }
    void onEvent(SioSocket *socket, const QString &event, const QJsonArray &args,
                 const QList<QByteArray> &attachments, const AckSender &ack) override
    {
        m_core.handle(socket, event, args);
        // Every app that listens gets the event too, as in Node, where core
        // and app handlers are all listeners on the same socket.
        if (onAppEvent) onAppEvent(socket, event, args, attachments, ack);
    }
    void onDisconnect(SioSocket *socket, const QString &reason) override
    {
        m_core.onDisconnect(socket);
        if (onDetach) onDetach(socket, reason);
    }

private:
    AuthMiddleware m_auth;
    CoreHandlers m_core;
};
