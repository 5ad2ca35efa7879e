#include "transport/shardconnection.h"

#include "transport/shardlink.h"

ShardConnection::ShardConnection(ShardLink *link, ShardSlotId slot, QString peer)
    : Connection(std::move(peer), link), m_link(link), m_slot(slot)
{}

void ShardConnection::post(ShardCommand::Kind kind, QByteArray bytes, qint64 number, bool flag)
{
    ShardCommand command{kind, flag, number, m_slot, std::move(bytes), {}, {}};
    m_link->send(std::move(command));
}

void ShardConnection::respond(const HttpResponse &response)
{
    if (m_mode != Mode::Http || !m_awaitingResponse) return;
    m_awaitingResponse = false;
    const bool close = response.closeConnection || m_closeAfterResponse;
    QByteArray bytes = serializedResponse(response, close, !m_headRequest);
    m_headRequest = false;
    m_bytesOut += quint64(bytes.size());
    post(ShardCommand::Kind::Respond, std::move(bytes), 0, close);
    // Same order as a SocketConnection: a closing answer ends the stream now.
    if (close) notifyClosed(QStringLiteral("transport close"));
}

void ShardConnection::acceptWebSocket(const HttpRequest &request, WebSocketHandler *handler)
{
    if (m_mode != Mode::Http || !m_awaitingResponse) return;
    m_awaitingResponse = false;
    m_mode = Mode::WebSocket;
    m_wsHandler = handler;
    post(ShardCommand::Kind::AcceptWebSocket, request.header("sec-websocket-key"));
}

void ShardConnection::sendFrame(const QByteArray &frame)
{
    if (m_mode != Mode::WebSocket || m_closeSent || frame.isEmpty()) return;
    m_bytesOut += quint64(frame.size());
    m_link->sendFrame(m_slot, frame);
}

void ShardConnection::closeWebSocket(quint16 code, const QByteArray &reason)
{
    if (m_mode != Mode::WebSocket) return;
    if (!m_closeSent) {
        m_closeSent = true;
        post(ShardCommand::Kind::CloseWebSocket, reason, code);
    }
    notifyClosed(code == ws::CloseNormal ? QStringLiteral("transport close")
                                         : QStringLiteral("transport error"));
}

void ShardConnection::abort(const QString &reason)
{
    if (isFinished()) return;
    post(ShardCommand::Kind::Abort);
    notifyClosed(reason);
}

void ShardConnection::deliverRequest(HttpRequest &&request, quint64 bytesIn,
                                     RequestHandler *handler)
{
    m_bytesIn = bytesIn;
    if (m_mode != Mode::Http) return; // closed here first; the shard hears of it
    m_awaitingResponse = true;
    m_closeAfterResponse = !request.keepAlive();
    m_headRequest = request.method == "HEAD";
    handler->handleRequest(this, std::move(request));
}

void ShardConnection::deliverMessage(ws::Message &&message, quint64 bytesIn)
{
    m_bytesIn = bytesIn;
    if (m_mode == Mode::WebSocket && m_wsHandler)
        m_wsHandler->onWebSocketMessage(this, std::move(message));
}

void ShardConnection::deliverClosed(const QString &reason, quint64 bytesIn)
{
    m_bytesIn = bytesIn;
    notifyClosed(reason);
}
