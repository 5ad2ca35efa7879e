#include "testapp/protocoltestapp.h"

#include "socketio/siosocket.h"

void EngineIoEchoHandler::onSessionPacket(EioSession *session, const eio::Packet &packet)
{
    if (!m_server) return;
    if (packet.binary)
        m_server->sendBinary(session, packet.data);
    else
        m_server->sendMessage(session, packet.data);
}

void SocketIoTestHandler::onConnection(SioSocket *socket)
{
    socket->emitEvent(QStringLiteral("auth"), QJsonArray{socket->auth()});
}

void SocketIoTestHandler::onEvent(SioSocket *socket, const QString &event, const QJsonArray &args,
                                  const QList<QByteArray> &attachments, const AckSender &ack)
{
    if (!m_isRoot) return;
    if (event == QLatin1String("message")) {
        socket->emitEvent(QStringLiteral("message-back"), args, attachments);
    } else if (event == QLatin1String("message-with-ack") && ack) {
        ack(args, attachments);
    }
}
