// RedisAdapter: a namespace's adapter when the node is part of a Redis
// cluster (RedisCluster). Every operation acts on this node's sockets at once
// (the in-memory base) and is published for the other nodes; what other nodes
// publish is applied here. Requests from any node (ours or Node socket.io's)
// are answered, so their fetchSockets, allRooms and acknowledged broadcasts
// never wait for a timeout. Owned by its SioNamespace; engine thread only.
#pragma once

#include "cluster/adaptermessage.h"
#include "socketio/sioadapter.h"

#include <QPointer>

class RedisCluster;

class RedisAdapter : public SioAdapter {
public:
    RedisAdapter(SioNamespace *nsp, RedisCluster *cluster);
    ~RedisAdapter() override;

    const QString &name() const { return m_name; }
    bool isLocalOnly() const override { return false; }

    int broadcast(const QJsonArray &data, const QList<QByteArray> &attachments,
                  const BroadcastOptions &opts) override;
    void addSockets(const BroadcastOptions &opts, const QStringList &rooms) override;
    void delSockets(const BroadcastOptions &opts, const QStringList &rooms) override;
    void disconnectSockets(const BroadcastOptions &opts, bool close) override;
    void broadcastWithAck(const QJsonArray &data, const QList<QByteArray> &attachments,
                          const BroadcastOptions &opts, ClientCountReceived clientCount,
                          AckReceived ack) override;
    void fetchSockets(const BroadcastOptions &opts, SocketsDone done) override;
    void allRooms(RoomsDone done) override;
    void serverCount(std::function<void(int count)> done) override;
    void serverSideEmit(const QJsonArray &data) override;
    void serverSideEmitWithAck(const QJsonArray &data, ServerSideDone done) override;
    RemoteBroadcast remoteBroadcaster() const override;

    // From RedisCluster: a broadcast published on P#N#[room#] (room filter already applied).
    void onBroadcast(const QByteArray &payload);
    // From RedisCluster: a message on P-request#N#. May delete this adapter
    // (a disconnect removing the namespace's last socket).
    void onRequest(const QByteArray &payload);
    // True when this node has the room (the cheap filter before decoding).
    bool hasRoom(const QString &room) const;

private:
    void respond(const QString &requesterUid, const QJsonObject &response);
    void answerBroadcastWithAck(const cluster::ControlMessage &request);
    void remoteJoinLeave(const cluster::ControlMessage &request, bool join);
    void remoteDisconnect(const cluster::ControlMessage &request);
    QJsonObject publishedOpts(const BroadcastOptions &opts) const;

    QPointer<RedisCluster> m_cluster;
    QString m_name;
};

// SocketDetails as REMOTE_FETCH carries them, and back.
QJsonObject socketDetailsToJson(const SocketDetails &details);
SocketDetails socketDetailsFromJson(const QJsonObject &object, const QString &node);
