// ShardedAdapter: a namespace's adapter in a sharded Pub/Sub cluster
// (ShardedCluster). Acts on this node's sockets at once, publishes for the
// others, applies and answers what they publish. Owned by its SioNamespace;
// engine thread only.
#pragma once

#include "cluster/adaptermessage.h"
#include "socketio/sioadapter.h"

#include <QPointer>

class ShardedCluster;

class ShardedAdapter : public SioAdapter {
public:
    ShardedAdapter(SioNamespace *nsp, ShardedCluster *cluster);
    ~ShardedAdapter() override;

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
    void serverCount(std::function<void(int count)> done) override;
    void serverSideEmit(const QJsonArray &data) override;
    // Not implemented for the sharded protocol: fails at once, saying so.
    void serverSideEmitWithAck(const QJsonArray &data, ServerSideDone done) override;
    RemoteBroadcast remoteBroadcaster() const override;

    // A decoded message of another node for this namespace. May delete this
    // adapter (a disconnect removing the namespace's last socket).
    void onMessage(int type, const QString &fromUid, const QJsonObject &data,
                   const QList<QByteArray> &attachments);

private:
    void answerBroadcastWithAck(const QString &fromUid, const QJsonObject &data,
                                const QList<QByteArray> &attachments);

    QPointer<ShardedCluster> m_cluster;
    QString m_name;
};

// ClusterMessage data of a broadcast: {packet:{type:2,data}, opts}.
QJsonObject shardedBroadcastData(const QJsonArray &data, const BroadcastOptions &opts);
