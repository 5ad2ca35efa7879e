#include "transport/connection.h"

Connection::Connection(QString peer, QObject *parent) : QObject(parent), m_peer(std::move(peer)) {}

Connection::~Connection()
{
    m_closedCallback = nullptr;
}

void Connection::rejectUpgrade(int status, const QByteArray &message)
{
    respond({status, "text/plain", {}, message, true});
}

QByteArray Connection::serializedResponse(const HttpResponse &response, bool close, bool withBody)
{
    if (close && !response.closeConnection) {
        HttpResponse copy = response;
        copy.closeConnection = true;
        return copy.serialize(withBody);
    }
    return response.serialize(withBody);
}

bool Connection::notifyClosed(const QString &reason)
{
    if (m_finished) return false;
    m_finished = true;
    m_mode = Mode::Closed;
    auto callback = std::move(m_closedCallback);
    m_closedCallback = nullptr;
    WebSocketHandler *ws = m_wsHandler;
    m_wsHandler = nullptr;
    if (ws) ws->onWebSocketClosed(this, reason);
    if (callback) callback(this);
    return true;
}
