// ShardConnection: the engine thread's stand-in for a socket that an I/O shard
// owns. It keeps the same state a SocketConnection keeps (mode, request in
// progress) so callers get the same answers synchronously, and turns every call
// into a ShardCommand for the shard; what the shard reports comes in through
// the deliver*() methods. Thread affinity: the engine thread; made and deleted
// by its ShardLink.
#pragma once

#include "transport/connection.h"
#include "transport/shardmessages.h"

class ShardLink;

class ShardConnection : public Connection {
    Q_OBJECT
public:
    ShardConnection(ShardLink *link, ShardSlotId slot, QString peer);

    ShardSlotId slot() const { return m_slot; }

    void respond(const HttpResponse &response) override;
    void acceptWebSocket(const HttpRequest &request, WebSocketHandler *handler) override;
    void sendFrame(const QByteArray &frame) override;
    void closeWebSocket(quint16 code = ws::CloseNormal, const QByteArray &reason = {}) override;
    void abort(const QString &reason) override;

    // From the shard, in the order it saw them.
    void deliverRequest(HttpRequest &&request, quint64 bytesIn, RequestHandler *handler);
    void deliverMessage(ws::Message &&message, quint64 bytesIn);
    void deliverClosed(const QString &reason, quint64 bytesIn);

private:
    void post(ShardCommand::Kind kind, QByteArray bytes = {}, qint64 number = 0, bool flag = false);

    ShardLink *m_link;
    ShardSlotId m_slot;
};
