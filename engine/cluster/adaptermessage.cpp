#include "cluster/adaptermessage.h"

#include "cluster/msgpackjson.h"
#include "protocol/siopacket.h"

#include <QJsonDocument>

namespace cluster {

namespace {

int flagCount(const BroadcastFlags &f)
{
    return int(f.isVolatile) + int(f.compress.has_value()) + int(f.timeoutMs.has_value()) +
           int(f.expectSingleResponse);
}

// Only the flags that are set, in the order socket.io's operators add them.
void packFlags(Packer &pk, const BroadcastFlags &f)
{
    pk.pack_map(uint32_t(flagCount(f)));
    if (f.isVolatile) {
        packString(pk, "volatile");
        pk.pack_true();
    }
    if (f.compress) {
        packString(pk, "compress");
        *f.compress ? pk.pack_true() : pk.pack_false();
    }
    if (f.timeoutMs) {
        packString(pk, "timeout");
        pk.pack_int64(*f.timeoutMs);
    }
    if (f.expectSingleResponse) {
        packString(pk, "expectSingleResponse");
        pk.pack_true();
    }
}

void packStrings(Packer &pk, const QStringList &list)
{
    pk.pack_array(uint32_t(list.size()));
    for (const QString &s : list)
        packString(pk, s);
}

void packOpts(Packer &pk, const BroadcastOpts &opts)
{
    pk.pack_map(3);
    packString(pk, "rooms");
    packStrings(pk, opts.rooms);
    packString(pk, "except");
    packStrings(pk, opts.except);
    packString(pk, "flags");
    packFlags(pk, opts.flags);
}

void packEvent(Packer &pk, const QString &nsp, const QJsonArray &data,
               const QList<QByteArray> &attachments)
{
    pk.pack_map(3);
    packString(pk, "type");
    pk.pack_int(2);
    packString(pk, "data");
    pk.pack_array(uint32_t(data.size()));
    for (const QJsonValue &v : data)
        packJson(pk, v, attachments);
    packString(pk, "nsp");
    packString(pk, nsp);
}

BroadcastFlags flagsFrom(const msgpack::object *flags)
{
    BroadcastFlags f;
    if (!flags) return f;
    if (const auto *v = mapValue(*flags, "volatile"))
        f.isVolatile = v->type == msgpack::type::BOOLEAN && v->via.boolean;
    if (const auto *v = mapValue(*flags, "compress"); v && v->type == msgpack::type::BOOLEAN)
        f.compress = v->via.boolean;
    if (const auto *v = mapValue(*flags, "timeout")) {
        if (v->type == msgpack::type::POSITIVE_INTEGER)
            f.timeoutMs = qint64(qMin<quint64>(v->via.u64, quint64(1) << 40));
        else if (v->type == msgpack::type::FLOAT64 || v->type == msgpack::type::FLOAT32)
            f.timeoutMs = qint64(qBound(0.0, v->via.f64, double(quint64(1) << 40)));
    }
    if (const auto *v = mapValue(*flags, "expectSingleResponse"))
        f.expectSingleResponse = v->type == msgpack::type::BOOLEAN && v->via.boolean;
    return f;
}

BroadcastOpts optsFrom(const msgpack::object *opts)
{
    BroadcastOpts o;
    if (!opts) return o;
    o.rooms = toStringList(mapValue(*opts, "rooms"));
    o.except = toStringList(mapValue(*opts, "except"));
    o.flags = flagsFrom(mapValue(*opts, "flags"));
    return o;
}

bool readEvent(const msgpack::object &packet, EventPacket &out, QString *error)
{
    const msgpack::object *data = mapValue(packet, "data");
    if (!data || data->type != msgpack::type::ARRAY || data->via.array.size == 0 ||
        !isString(data->via.array.ptr[0])) {
        if (error) *error = QStringLiteral("packet.data is not [eventName, ...args]");
        return false;
    }
    if (const msgpack::object *nsp = mapValue(packet, "nsp"); nsp && isString(*nsp))
        out.nsp = toQString(*nsp);
    writeJson(out.dataJson, *data, out.attachments);
    return true;
}

QJsonArray stringsToJson(const QStringList &list)
{
    QJsonArray a;
    for (const QString &s : list)
        a.append(s);
    return a;
}

QStringList stringsFromJson(const QJsonValue &v)
{
    QStringList list;
    for (const QJsonValue &item : v.toArray()) {
        if (item.isString())
            list.append(item.toString());
        else if (item.isDouble())
            list.append(QString::number(qint64(item.toDouble())));
    }
    return list;
}

} // namespace

QByteArray encodeBroadcast(const QString &uid, const QString &nsp, const QJsonArray &data,
                           const QList<QByteArray> &attachments, const BroadcastOpts &opts)
{
    QByteArray out;
    ByteSink sink{&out};
    Packer pk(sink);
    pk.pack_array(3);
    packString(pk, uid);
    packEvent(pk, nsp, data, attachments);
    packOpts(pk, opts);
    return out;
}

std::optional<BroadcastMessage> decodeBroadcast(const QByteArray &bytes, QString *error)
{
    msgpack::object_handle handle;
    if (!unpackOne(bytes, handle, error)) return std::nullopt;
    const msgpack::object &root = handle.get();
    if (root.type != msgpack::type::ARRAY || root.via.array.size < 2 ||
        !isString(root.via.array.ptr[0]) || root.via.array.ptr[1].type != msgpack::type::MAP) {
        if (error) *error = QStringLiteral("not a broadcast: expected [uid, packet, opts]");
        return std::nullopt;
    }
    BroadcastMessage message;
    message.uid = toQString(root.via.array.ptr[0]);
    if (!readEvent(root.via.array.ptr[1], message.packet, error)) return std::nullopt;
    if (root.via.array.size >= 3) message.opts = optsFrom(&root.via.array.ptr[2]);
    return message;
}

QByteArray broadcastChannel(const QByteArray &prefix, const QString &nsp, const BroadcastOpts &opts)
{
    QByteArray channel = prefix + '#' + nsp.toUtf8() + '#';
    if (opts.rooms.size() == 1) channel += opts.rooms.first().toUtf8() + '#';
    return channel;
}

std::optional<ControlMessage> decodeControl(const QByteArray &bytes, QString *error)
{
    ControlMessage message;
    if (bytes.startsWith('{')) {
        const auto value = sio::parseJson(bytes);
        if (!value || !value->isObject()) {
            if (error) *error = QStringLiteral("malformed JSON");
            return std::nullopt;
        }
        message.fields = value->toObject();
    } else {
        msgpack::object_handle handle;
        if (!unpackOne(bytes, handle, error)) return std::nullopt;
        const msgpack::object &root = handle.get();
        if (root.type != msgpack::type::MAP) {
            if (error) *error = QStringLiteral("not a msgpack map");
            return std::nullopt;
        }
        QByteArray json;
        writeJson(json, root, message.attachments);
        const auto value = sio::parseJson(json);
        if (!value || !value->isObject()) {
            if (error) *error = QStringLiteral("msgpack message not representable as JSON");
            return std::nullopt;
        }
        message.fields = value->toObject();
        const QJsonValue type = message.fields.value(QLatin1String("type"));
        if (type.toInt(-1) == int(RequestType::Broadcast)) {
            const msgpack::object *packet = mapValue(root, "packet");
            if (!packet || !readEvent(*packet, message.packet, error)) return std::nullopt;
        }
    }
    const QJsonValue type = message.fields.value(QLatin1String("type"));
    if (type.isDouble()) message.type = type.toInt();
    message.uid = message.fields.value(QLatin1String("uid")).toString();
    message.requestId = message.fields.value(QLatin1String("requestId")).toString();
    return message;
}

QJsonObject optsToJson(const BroadcastOpts &opts)
{
    QJsonObject o{{QStringLiteral("rooms"), stringsToJson(opts.rooms)},
                  {QStringLiteral("except"), stringsToJson(opts.except)}};
    const BroadcastFlags &f = opts.flags;
    if (flagCount(f)) {
        QJsonObject flags;
        if (f.isVolatile) flags.insert(QStringLiteral("volatile"), true);
        if (f.compress) flags.insert(QStringLiteral("compress"), *f.compress);
        if (f.timeoutMs) flags.insert(QStringLiteral("timeout"), double(*f.timeoutMs));
        if (f.expectSingleResponse) flags.insert(QStringLiteral("expectSingleResponse"), true);
        o.insert(QStringLiteral("flags"), flags);
    }
    return o;
}

BroadcastOpts optsFromJson(const QJsonValue &value)
{
    const QJsonObject o = value.toObject();
    BroadcastOpts opts;
    opts.rooms = stringsFromJson(o.value(QLatin1String("rooms")));
    opts.except = stringsFromJson(o.value(QLatin1String("except")));
    const QJsonObject flags = o.value(QLatin1String("flags")).toObject();
    opts.flags.isVolatile = flags.value(QLatin1String("volatile")).toBool();
    if (flags.value(QLatin1String("compress")).isBool())
        opts.flags.compress = flags.value(QLatin1String("compress")).toBool();
    if (flags.value(QLatin1String("timeout")).isDouble())
        opts.flags.timeoutMs = qint64(flags.value(QLatin1String("timeout")).toDouble());
    return opts;
}

QByteArray encodeJson(const QJsonObject &message)
{
    return QJsonDocument(message).toJson(QJsonDocument::Compact);
}

QByteArray encodeBroadcastRequest(const QString &uid, const QString &requestId, const QString &nsp,
                                  const QJsonArray &data, const QList<QByteArray> &attachments,
                                  const BroadcastOpts &opts)
{
    QByteArray out;
    ByteSink sink{&out};
    Packer pk(sink);
    pk.pack_map(5);
    packString(pk, "uid");
    packString(pk, uid);
    packString(pk, "requestId");
    packString(pk, requestId);
    packString(pk, "type");
    pk.pack_int(int(RequestType::Broadcast));
    packString(pk, "packet");
    packEvent(pk, nsp, data, attachments);
    packString(pk, "opts");
    packOpts(pk, opts);
    return out;
}

QByteArray encodeBroadcastAck(const QString &requestId, const QJsonValue &firstArg,
                              const QList<QByteArray> &attachments)
{
    QByteArray out;
    ByteSink sink{&out};
    Packer pk(sink);
    pk.pack_map(3);
    packString(pk, "type");
    pk.pack_int(int(RequestType::BroadcastAck));
    packString(pk, "requestId");
    packString(pk, requestId);
    packString(pk, "packet");
    packJson(pk, firstArg, attachments);
    return out;
}

} // namespace cluster
