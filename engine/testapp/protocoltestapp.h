// The protocol test application of the spec's appendix, so implementation-
// independent Engine.IO v4 / Socket.IO v5 suites can run against this server:
// `/engine.io/` echoes every message; `/socket.io/` serves `/` and `/custom`.
// Engine thread only.
#pragma once

#include "socketio/namespacehandler.h"
#include "transport/eioserver.h"

class EngineIoEchoHandler : public EioSessionHandler {
public:
    void setServer(EioServer *server) { m_server = server; }
    void onSessionOpen(EioSession *) override {}
    void onSessionPacket(EioSession *session, const eio::Packet &packet) override;
    void onSessionClosed(EioSession *, const QString &) override {}

private:
    EioServer *m_server = nullptr;
};

class SocketIoTestHandler : public NamespaceHandler {
public:
    explicit SocketIoTestHandler(bool isRoot) : m_isRoot(isRoot) {}
    void onConnection(SioSocket *socket) override;
    void onEvent(SioSocket *socket, const QString &event, const QJsonArray &args,
                 const QList<QByteArray> &attachments, const AckSender &ack) override;

private:
    bool m_isRoot;
};
