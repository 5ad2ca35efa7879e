#include "frappe/eventsrouter.h"

#include "common/logging.h"
#include "frappe/jsstring.h"
#include "protocol/siopacket.h"
#include "socketio/sioserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <chrono>

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

bool EventsRouter::route(const QByteArray &payload)
{
    // Start of the monitor's publish-to-write latency (Frappe sends no timestamp).
    const qint64 receivedAtNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now().time_since_epoch())
                                    .count();
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
    // socket.io-client treats an EVENT packet with one of these names as
    // invalid and drops the whole connection (Node's server throws on emit).
    static const QStringList reserved = {
        QStringLiteral("connect"),     QStringLiteral("connect_error"),
        QStringLiteral("disconnect"),  QStringLiteral("disconnecting"),
        QStringLiteral("newListener"), QStringLiteral("removeListener")};
    if (reserved.contains(eventValue.toString()))
        return drop(QStringLiteral("reserved event name"), payload);

    RoutedEvent routed;
    routed.receivedAtNs = receivedAtNs;
    routed.event = eventValue.toString();
    const QJsonValue message = msg.value(QLatin1String("message"));
    // JSON.stringify([event, undefined]) writes null for a missing message.
    routed.payloadJson = sio::toJson(message.isUndefined() ? QJsonValue() : message);
    const QJsonValue room = msg.value(QLatin1String("room"));
    const bool hasRoom =
        !(room.isUndefined() || room.isNull() || (room.isString() && room.toString().isEmpty()) ||
          (room.isBool() && !room.toBool()) || (room.isDouble() && room.toDouble() == 0));
    const QJsonValue ns = msg.value(QLatin1String("namespace"));

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
            const QByteArray text = sio::encodeEvent(nspName, routed.event, routed.payloadJson);
            routed.bytes = int(text.size()) + 1;
            routed.recipients = nsp->broadcast(text, rooms);
        }
        if (routed.recipients == 0)
            qCDebug(lcEvents).noquote() << "event" << routed.event << "published to room"
                                        << routed.room << "of" << routed.site << "with 0 members";
    } else {
        // No room: every socket of every site (Frappe's live-reload build_event).
        for (SioNamespace *nsp : m_sio->namespaces()) {
            const QByteArray text = sio::encodeEvent(nsp->name(), routed.event, routed.payloadJson);
            routed.bytes = int(text.size()) + 1;
            routed.recipients += nsp->broadcast(text);
        }
    }
    ++m_routed;
    if (onRouted) onRouted(routed);
    return true;
}
