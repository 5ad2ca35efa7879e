// The messages of the @socket.io/redis-adapter 8.x classic protocol (spec
// redis-adapter-interop.md sections 2-3): the msgpack broadcast
// `[uid, packet, opts]`, the requests (JSON, or msgpack for BROADCAST with
// acks) and their responses. Encoders write Node's key order, so messages
// with the same uid and ids are byte for byte what Node sends. No I/O.
// Free functions over thread-agnostic value types.
#pragma once

#include "socketio/broadcastoptions.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace cluster {

enum class RequestType : int {
    Sockets = 0,
    AllRooms = 1,
    RemoteJoin = 2,
    RemoteLeave = 3,
    RemoteDisconnect = 4,
    RemoteFetch = 5,
    ServerSideEmit = 6,
    Broadcast = 7,
    BroadcastClientCount = 8,
    BroadcastAck = 9,
};

using BroadcastOpts = BroadcastOptions; // `local` is never on the wire

// An EVENT packet as the adapter carries it: `data` is [eventName, ...args]
// with binary as placeholders into `attachments`.
struct EventPacket {
    QString nsp = QStringLiteral("/");
    QByteArray dataJson; // compact JSON text of the data array
    QList<QByteArray> attachments;
};

struct BroadcastMessage {
    QString uid;
    EventPacket packet;
    BroadcastOpts opts;
};

// [uid, {type:2, data, nsp}, {rooms, except, flags}]
QByteArray encodeBroadcast(const QString &uid, const QString &nsp, const QJsonArray &data,
                           const QList<QByteArray> &attachments, const BroadcastOpts &opts);
std::optional<BroadcastMessage> decodeBroadcast(const QByteArray &bytes, QString *error);

// The channel a broadcast goes to: P#N#<room># for exactly one room, P#N# otherwise.
QByteArray broadcastChannel(const QByteArray &prefix, const QString &nsp,
                            const BroadcastOpts &opts);

// Anything on the request or response channels. JSON ('{' first) or msgpack.
struct ControlMessage {
    QJsonObject fields; // every field; binary values as placeholders
    QList<QByteArray> attachments;
    std::optional<int> type; // absent in some responses
    QString uid;
    QString requestId;
    // BROADCAST (7) requests only: the packet's data, key order kept.
    EventPacket packet;
};
std::optional<ControlMessage> decodeControl(const QByteArray &bytes, QString *error);

QJsonObject optsToJson(const BroadcastOpts &opts); // {rooms, except} (+flags when set)
BroadcastOpts optsFromJson(const QJsonValue &value);

// JSON requests and responses (types 0-6 and 8).
QByteArray encodeJson(const QJsonObject &message);
// BROADCAST (7): {uid, requestId, type, packet:{type,data,nsp}, opts:{rooms,except,flags}}
QByteArray encodeBroadcastRequest(const QString &uid, const QString &requestId, const QString &nsp,
                                  const QJsonArray &data, const QList<QByteArray> &attachments,
                                  const BroadcastOpts &opts);
// BROADCAST_ACK (9): {type, requestId, packet: <first ack argument>}
QByteArray encodeBroadcastAck(const QString &requestId, const QJsonValue &firstArg,
                              const QList<QByteArray> &attachments);

} // namespace cluster
