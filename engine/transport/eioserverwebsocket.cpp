// EioServer's WebSocket transport: the upgrade from polling (probe, upgrade
// packet, abort) and the messages and close of an upgraded session.
#include "transport/eioserver.h"

#include "common/logging.h"

void EioServer::handleUpgrade(Connection *connection, const HttpRequest &request,
                              EioSession *session)
{
    if (request.header("sec-websocket-key").isEmpty() ||
        request.header("sec-websocket-version") != "13")
        return connection->rejectUpgrade(400, "Bad request");
    if (session->closing) return connection->rejectUpgrade(400, "Bad request");
    if (session->isWebSocket() || session->probe) {
        // Upgraded or upgrading: as engine.io, accept, then close; the session never sees it.
        connection->acceptWebSocket(request, this);
        return connection->closeWebSocket();
    }
    session->probe = connection;
    m_wsOwners.insert(connection, session);
    connection->acceptWebSocket(request, this);
    m_upgradeTimers.arm(session->upgradeTimer, session);
}

void EioServer::onWebSocketMessage(Connection *connection, ws::Message &&message)
{
    EioSession *session = m_wsOwners.value(connection);
    if (!session) return;
    if (session->probe == connection) {
        onProbeMessage(session, message);
        return;
    }
    if (pongOverdue(session)) {
        destroy(session, QStringLiteral("ping timeout"));
        return;
    }
    if (message.opcode == ws::Opcode::Binary) {
        handleIncoming(session, eio::Packet::bytes(std::move(message.payload)));
        return;
    }
    auto packet = eio::decodeText(message.payload);
    if (!packet) {
        qCInfo(lcEio) << "closing session" << session->sid << ": invalid packet";
        destroy(session, QStringLiteral("parse error"));
        return;
    }
    handleIncoming(session, *packet);
}

void EioServer::onProbeMessage(EioSession *session, const ws::Message &message)
{
    if (message.opcode == ws::Opcode::Text && message.payload == "2probe" && !session->upgrading) {
        session->upgrading = true;
        session->probe->sendText("3probe");
        // Drain the polling loop so the client can send the upgrade packet.
        if (session->parkedGet) respondPoll(session);
        return;
    }
    if (message.opcode == ws::Opcode::Text && message.payload == "5" && session->upgrading) {
        finishUpgrade(session);
        return;
    }
    abortUpgrade(session);
}

void EioServer::finishUpgrade(EioSession *session)
{
    session->upgradeTimer.disarm();
    Connection *socket = session->probe;
    session->probe = nullptr;
    session->upgrading = false;
    session->upgraded = true;
    --m_traffic.pollingSessions;
    session->transport = EioSession::Transport::WebSocket;
    session->socket = socket;
    answerParkedGet(session, "6");
    for (const auto &p : std::as_const(session->queue))
        socket->sendFrame(p.wsFrame());
    session->packetsOut += session->queue.size();
    session->queue.clear();
    session->queueBytes = 0;
    qCDebug(lcEio) << "session" << session->sid << "upgraded to websocket";
}

void EioServer::abortUpgrade(EioSession *session)
{
    session->upgradeTimer.disarm();
    session->upgrading = false;
    if (Connection *probe = session->probe) {
        session->probe = nullptr;
        m_wsOwners.remove(probe);
        probe->closeWebSocket(ws::CloseNormal);
    }
}

void EioServer::onWebSocketClosed(Connection *connection, const QString &reason)
{
    EioSession *session = m_wsOwners.take(connection);
    if (!session) return;
    if (session->probe == connection) {
        session->probe = nullptr;
        session->upgrading = false;
        session->upgradeTimer.disarm();
        return;
    }
    if (session->socket == connection) {
        session->socket = nullptr;
        destroy(session, reason);
    }
}
