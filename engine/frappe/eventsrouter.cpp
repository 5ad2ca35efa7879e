#include "frappe/eventsrouter.h"

#include "common/logging.h"
#include "protocol/siopacket.h"
#include "socketio/sioserver.h"
#include "json/jsonrelay.h"
#include "json/jsstring.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <chrono>
#include <optional>

namespace {

// Python's json.dumps writes NaN/Infinity for float specials: not JSON, and
// worth its own reason in the counters since it points at the publisher.
bool hasNonJsonNumberToken(const QByteArray &payload)
{
    static const QRegularExpression token(
        QStringLiteral(R"((^|[\s\[:,])-?(NaN|Infinity)\s*[,\]}])"));
    return token.match(QString::fromUtf8(payload)).hasMatch();
}

} // namespace

bool EventsRouter::drop(const QString &reason, const QByteArray &raw)
{
    ++m_dropped;
    const quint64 count = ++m_dropReasons[reason];
    // First few of each kind in full, then a reminder now and then: a broken
    // publisher must not flood the log.
    if (count <= 5 || count % 1000 == 0)
        qCWarning(lcEvents).noquote() << "skipped message on channel events:" << reason << "(seen"
                                      << count << "times):" << raw.left(200);
    if (onDropped) onDropped(reason, raw);
    return false;
}

namespace {

bool isReservedEvent(const QString &event)
{
    // socket.io-client treats an EVENT packet with one of these names as
    // invalid and drops the whole connection (Node's server throws on emit).
    static const QStringList reserved = {
        QStringLiteral("connect"),     QStringLiteral("connect_error"),
        QStringLiteral("disconnect"),  QStringLiteral("disconnecting"),
        QStringLiteral("newListener"), QStringLiteral("removeListener")};
    return reserved.contains(event);
}

// A small member value (room, namespace) as a QJsonValue: strings decoded
// directly, anything else through the general parser.
std::optional<QJsonValue> smallValue(QByteArrayView raw)
{
    if (!raw.isEmpty() && raw.front() == '"') {
        QByteArray decoded;
        if (jsonrelay::decodeString(raw, &decoded) != jsonrelay::Status::Ok) return std::nullopt;
        return QJsonValue(QString::fromUtf8(decoded));
    }
    return sio::parseJson(raw.toByteArray());
}

} // namespace

EventsRouter::Parse EventsRouter::parseFast(const QByteArray &payload, Message *m)
{
    QVarLengthArray<jsonrelay::Member, 8> members;
    if (jsonrelay::splitObject(payload, &members) != jsonrelay::Status::Ok)
        return Parse::Fallback; // the general parser names what is wrong
    QByteArrayView event, message, room, ns;
    for (const jsonrelay::Member &member : members) {
        if (member.key == "event")
            event = member.value;
        else if (member.key == "message")
            message = member.value;
        else if (member.key == "room")
            room = member.value;
        else if (member.key == "namespace")
            ns = member.value;
    }
    if (event.isEmpty() || event.front() != '"' || event.size() == 2) {
        drop(QStringLiteral("missing event name"), payload);
        return Parse::Dropped;
    }
    QByteArray eventName;
    if (jsonrelay::decodeString(event, &eventName) != jsonrelay::Status::Ok) return Parse::Fallback;
    m->event = QString::fromUtf8(eventName);
    if (isReservedEvent(m->event)) {
        drop(QStringLiteral("reserved event name"), payload);
        return Parse::Dropped;
    }
    // JSON.stringify([event, undefined]) writes null for a missing message.
    if (message.isEmpty())
        m->payloadJson = QByteArrayLiteral("null");
    else if (jsonrelay::relay(message, &m->payloadJson) != jsonrelay::Status::Ok)
        return Parse::Fallback;
    if (!room.isEmpty()) {
        const std::optional<QJsonValue> v = smallValue(room);
        if (!v) return Parse::Fallback;
        m->room = *v;
    }
    if (!ns.isEmpty()) {
        const std::optional<QJsonValue> v = smallValue(ns);
        if (!v) return Parse::Fallback;
        m->ns = *v;
    }
    return Parse::Ok;
}

bool EventsRouter::parseGeneral(const QByteArray &payload, Message *m)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(payload, &error);
    if (error.error != QJsonParseError::NoError) {
        // QJsonDocument refuses a top-level scalar ("text", 42, null) that is
        // valid JSON: report it as what it is, not as broken JSON.
        QJsonParseError wrapped;
        const QJsonDocument scalar = QJsonDocument::fromJson('[' + payload + ']', &wrapped);
        if (wrapped.error == QJsonParseError::NoError && scalar.array().size() == 1)
            return drop(QStringLiteral("not a JSON object"), payload);
        return drop(hasNonJsonNumberToken(payload)
                        ? QStringLiteral("NaN or Infinity is not valid JSON")
                        : QStringLiteral("malformed JSON (%1)").arg(error.errorString()),
                    payload);
    }
    if (!doc.isObject()) return drop(QStringLiteral("not a JSON object"), payload);
    const QJsonObject msg = doc.object();
    const QJsonValue eventValue = msg.value(QLatin1String("event"));
    if (!eventValue.isString() || eventValue.toString().isEmpty())
        return drop(QStringLiteral("missing event name"), payload);
    m->event = eventValue.toString();
    if (isReservedEvent(m->event)) return drop(QStringLiteral("reserved event name"), payload);
    const QJsonValue message = msg.value(QLatin1String("message"));
    m->payloadJson = sio::toJson(message.isUndefined() ? QJsonValue() : message);
    m->room = msg.value(QLatin1String("room"));
    m->ns = msg.value(QLatin1String("namespace"));
    return true;
}

bool EventsRouter::route(const QByteArray &payload)
{
    // Start of the monitor's publish-to-write latency (Frappe sends no timestamp).
    const qint64 receivedAtNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now().time_since_epoch())
                                    .count();
    // The fast path relays `message` byte for byte as Node would; whatever it
    // declines (bad input, rare encodings) takes the general parser, which
    // also names the reason for a drop.
    Message m;
    switch (parseFast(payload, &m)) {
    case Parse::Ok:
        break;
    case Parse::Dropped:
        return false;
    case Parse::Fallback:
        m = Message();
        if (!parseGeneral(payload, &m)) return false;
        break;
    }
    const QJsonValue &room = m.room;
    const QJsonValue &ns = m.ns;

    RoutedEvent routed;
    routed.receivedAtNs = receivedAtNs;
    routed.event = m.event;
    routed.payloadJson = std::move(m.payloadJson);
    const bool hasRoom =
        !(room.isUndefined() || room.isNull() || (room.isString() && room.toString().isEmpty()) ||
          (room.isBool() && !room.toBool()) || (room.isDouble() && room.toDouble() == 0));

    if (hasRoom) {
        if (!ns.isString() || ns.toString().isEmpty())
            return drop(QStringLiteral("room without namespace"), payload);
        routed.site = ns.toString();
        // socket.io's to() also takes a list of rooms: every member of any of
        // them, once. (An empty list reaches nobody here; Node would send to
        // the whole site.)
        QStringList rooms;
        if (room.isArray()) {
            for (const QJsonValue &r : room.toArray())
                rooms.append(jsString(r));
            routed.room = rooms.join(QLatin1Char(','));
        } else {
            routed.room = jsString(room);
            rooms.append(routed.room);
        }
        const QString nspName = QLatin1Char('/') + routed.site;
        SioNamespace *nsp = m_sio->findNamespace(nspName);
        if (nsp && !rooms.isEmpty()) {
            routed.recipients = nsp->broadcastEvent(
                [&](QByteArrayView offset) {
                    QByteArray text =
                        sio::encodeEvent(nspName, routed.event, routed.payloadJson, offset);
                    routed.bytes = int(text.size()) + 1;
                    return text;
                },
                rooms);
        }
        if (routed.recipients == 0)
            qCDebug(lcEvents).noquote() << "event" << routed.event << "published to room"
                                        << routed.room << "of" << routed.site << "with 0 members";
    } else {
        // No room: every socket of every site (Frappe's live-reload build_event).
        for (SioNamespace *nsp : m_sio->namespaces()) {
            routed.recipients += nsp->broadcastEvent([&](QByteArrayView offset) {
                QByteArray text =
                    sio::encodeEvent(nsp->name(), routed.event, routed.payloadJson, offset);
                routed.bytes = int(text.size()) + 1;
                return text;
            });
        }
    }
    ++m_routed;
    if (onRouted) onRouted(routed);
    return true;
}
