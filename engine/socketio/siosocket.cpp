#include "socketio/siosocket.h"

#include "socketio/sioserver.h"

SioSocket::SioSocket(SioServer *server, SioClient *client, QString nspName, QString id)
    : m_server(server), m_client(client), m_nspName(std::move(nspName)), m_id(std::move(id))
{}

const HttpRequest &SioSocket::handshake() const
{
    return m_client->session->handshake;
}

QByteArray SioSocket::eioSid() const
{
    return m_client->session->sid;
}

bool SioSocket::isWebSocket() const
{
    return m_client->session->isWebSocket();
}

bool SioSocket::wasUpgraded() const
{
    return m_client->session->upgraded;
}

void SioSocket::emitEvent(const QString &event, const QJsonArray &args,
                          const QList<QByteArray> &attachments, AckCallback ack)
{
    sio::Packet packet;
    packet.type = sio::PacketType::Event;
    packet.nsp = m_nspName;
    QJsonArray data{event};
    for (const auto &a : args)
        data.append(a);
    packet.data = data;
    packet.attachments = attachments;
    if (ack) {
        packet.ackId = m_nextAckId++;
        m_acks.insert(*packet.ackId, std::move(ack));
    }
    if (!ack && m_nsp && m_nsp->recovery()) {
        m_nsp->sendKept(std::move(packet), {this}, {m_id}, {});
        return;
    }
    ++eventsOut;
    m_server->sendPacket(this, packet);
}

void SioSocket::emitEventJson(const QString &event, const QByteArray &argsArrayJson,
                              const QList<QByteArray> &attachments, AckCallback ack)
{
    sio::Packet packet;
    packet.type = sio::PacketType::Event;
    packet.nsp = m_nspName;
    packet.dataJson = sio::eventDataJson(event, argsArrayJson);
    packet.attachments = attachments;
    if (ack) {
        packet.ackId = m_nextAckId++;
        m_acks.insert(*packet.ackId, std::move(ack));
    }
    if (!ack && m_nsp && m_nsp->recovery()) {
        m_nsp->sendKept(std::move(packet), {this}, {m_id}, {});
        return;
    }
    ++eventsOut;
    m_server->sendPacket(this, packet);
}

void SioSocket::sendEncoded(const QByteArray &sioText)
{
    m_server->deliver(this, OutPacket::message(sioText));
}

bool SioSocket::join(const QString &room)
{
    return m_nsp && m_nsp->join(this, room);
}

void SioSocket::leave(const QString &room)
{
    if (m_nsp) m_nsp->leave(this, room);
}

void SioSocket::disconnect(bool closeTransport)
{
    m_server->disconnectSocket(this, closeTransport, QStringLiteral("server namespace disconnect"));
}
