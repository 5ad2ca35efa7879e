// SioAdapter: a namespace's adapter, the seam socket.io has between a
// namespace and where its sockets live. This base class is the in-memory
// adapter: every operation acts on this node's sockets only, which is what a
// single node needs. A cluster adapter (cluster/redisadapter.h) derives from
// it and adds the other nodes. Local rooms and sockets stay in SioNamespace;
// the adapter selects from them.
//
// Frappe's `events` delivery does not come through here: each node delivers
// those to its own sockets (SioNamespace::broadcast), so they are never
// re-published to the cluster.
//
// Owned by its SioNamespace (created when the namespace is, deleted with it);
// engine thread only. Callbacks may run before the call returns (local
// answers) or later (cluster answers); a namespace can be gone by then.
#pragma once

#include "socketio/broadcastoptions.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <functional>

class SioNamespace;
class SioServer;
class SioSocket;

// A socket as fetchSockets() returns it (socket.io's RemoteSocket fields).
struct SocketDetails {
    QString id;
    QJsonObject handshake; // headers, time, address, xdomain, secure, issued, url, query, auth
    QStringList rooms;     // its own id room included
    QJsonObject data;
    QString node; // empty: this node; else the uid of the node that answered
};

class SioAdapter {
public:
    explicit SioAdapter(SioNamespace *nsp) : m_nsp(nsp) {}
    virtual ~SioAdapter() = default;
    SioAdapter(const SioAdapter &) = delete;
    SioAdapter &operator=(const SioAdapter &) = delete;

    SioNamespace *nsp() const { return m_nsp; }
    // True for the in-memory adapter: callers may keep their single-node fast paths.
    virtual bool isLocalOnly() const { return true; }

    // Sends the EVENT `data` ([eventName, ...args], binary values as
    // placeholders into `attachments`) to the selected sockets. Returns the
    // number reached on this node.
    virtual int broadcast(const QJsonArray &data, const QList<QByteArray> &attachments,
                          const BroadcastOptions &opts);
    // An acknowledged broadcast (socket.io's broadcastWithAck): the selected
    // sockets get the EVENT with an ack id. `clientCount` is called once per
    // node that sent it (this one included) with how many sockets it reached
    // there, `ack` once per client answer with its first argument. Nothing
    // says when all came: see ackbroadcast.h, which waits for serverCount().
    using ClientCountReceived = std::function<void(int clientCount)>;
    using AckReceived =
        std::function<void(const QJsonValue &firstArg, const QList<QByteArray> &attachments)>;
    virtual void broadcastWithAck(const QJsonArray &data, const QList<QByteArray> &attachments,
                                  const BroadcastOptions &opts, ClientCountReceived clientCount,
                                  AckReceived ack);
    // socketsJoin / socketsLeave / disconnectSockets of the selected sockets.
    virtual void addSockets(const BroadcastOptions &opts, const QStringList &rooms);
    virtual void delSockets(const BroadcastOptions &opts, const QStringList &rooms);
    virtual void disconnectSockets(const BroadcastOptions &opts, bool close);

    using SocketsDone = std::function<void(QList<SocketDetails> sockets, QString error)>;
    virtual void fetchSockets(const BroadcastOptions &opts, SocketsDone done);
    using RoomsDone = std::function<void(QStringList rooms, QString error)>;
    // Every room name of every node (socket-id rooms included), no duplicates.
    virtual void allRooms(RoomsDone done);
    // Nodes serving this namespace, this one included.
    virtual void serverCount(std::function<void(int count)> done) { done(1); }
    // Sends `data` to the server-side listeners of the other nodes (none here).
    virtual void serverSideEmit(const QJsonArray &data) { Q_UNUSED(data); }
    // serverSideEmitWithAck: one answer (the listener's first ack argument)
    // per other node, or an error at the timeout with those that came. With
    // no other node: none, at once.
    using ServerSideDone = std::function<void(QJsonArray answers, QString error)>;
    virtual void serverSideEmitWithAck(const QJsonArray &data, ServerSideDone done)
    {
        Q_UNUSED(data);
        done({}, QString());
    }
    // Broadcasts to the other nodes only, usable after this adapter (and its
    // namespace) are gone, e.g. when an answer comes after the namespace's
    // last local socket left. Empty for the in-memory adapter.
    using RemoteBroadcast = std::function<void(const QJsonArray &data, const BroadcastOptions &)>;
    virtual RemoteBroadcast remoteBroadcaster() const { return {}; }

    // --- the in-memory part, for subclasses and callers that want this node only
    // The selected sockets of this node, in connection order.
    QList<SioSocket *> localSockets(const BroadcastOptions &opts) const;
    int localBroadcast(const QJsonArray &data, const QList<QByteArray> &attachments,
                       const BroadcastOptions &opts);
    // As localBroadcast, for data already as compact JSON text (a relayed broadcast).
    int localBroadcastJson(const QByteArray &dataJson, const QList<QByteArray> &attachments,
                           const BroadcastOptions &opts);
    void localAddSockets(const BroadcastOptions &opts, const QStringList &rooms);
    void localDelSockets(const BroadcastOptions &opts, const QStringList &rooms);
    // May delete this adapter (the namespace goes with its last socket):
    // nothing may touch the adapter after it returns.
    void localDisconnectSockets(const BroadcastOptions &opts, bool close);
    QList<SocketDetails> localSocketDetails(const BroadcastOptions &opts) const;
    QStringList localRooms() const;
    static SocketDetails describe(const SioSocket *socket);

private:
    // dataJson: the EVENT's data array as compact JSON text.
    int deliverJson(const QByteArray &dataJson, const BroadcastOptions &opts);

    SioNamespace *m_nsp;
};
