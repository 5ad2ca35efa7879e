#include "monitor/monitorcontrol.h"

#include "common/logging.h"
#include "protocol/siopacket.h"
#include "redis/rediscommandclient.h"
#include "socketio/sioserver.h"
#include "telemetry/telemetry.h"
#include "transport/eiosession.h"
#include "json/pythonjson.h"

#include <QJsonObject>

MonitorControl::MonitorControl(const EngineConfig &config, SioServer *sio, Telemetry *telemetry,
                               QObject *parent)
    : QObject(parent), m_config(config), m_sio(sio), m_telemetry(telemetry)
{}

MonitorControl::~MonitorControl() = default;

QByteArray MonitorControl::frappeRedisMessage(const QString &site, const QString &room,
                                              const QString &event, const QJsonValue &message)
{
    QJsonObject object{{QStringLiteral("event"), event},
                       {QStringLiteral("message"), message},
                       {QStringLiteral("namespace"), site},
                       {QStringLiteral("room"), room.isEmpty() ? QJsonValue() : QJsonValue(room)}};
    return pythonJsonDumps(object, 1);
}

PublishResult MonitorControl::publishDirect(const PublishRequest &request)
{
    const qint64 receivedAtNs = Telemetry::steadyNowNs();
    PublishResult result;
    result.id = request.id;
    const auto payload = sio::parseJson(request.payloadJson);
    if (!payload) {
        result.error = QStringLiteral("the payload is not valid JSON");
        return result;
    }
    if (request.event.isEmpty()) {
        result.error = QStringLiteral("no event name");
        return result;
    }
    const QString nsp = namespaceOfSite(request.site);
    const QByteArray compact = sio::toJson(*payload);
    result.wire = OutPacket::message(sio::encodeEvent(nsp, request.event, compact)).text;
    result.ok = true;
    if (SioNamespace *ns = m_sio->findNamespace(nsp)) {
        const QStringList rooms =
            request.room.isEmpty() ? QStringList() : QStringList{request.room};
        result.recipients = ns->broadcastEvent(
            [&](QByteArrayView offset) {
                QByteArray text = sio::encodeEvent(nsp, request.event, compact, offset);
                result.wire = OutPacket::message(text).text; // as sent, offset included
                return text;
            },
            rooms);
        if (result.recipients > 0) m_telemetry->broadcastQueued(receivedAtNs);
    }
    m_telemetry->consolePublished(Telemetry::siteOf(nsp), request.room, request.event, compact,
                                  result.recipients, QStringLiteral("direct"));
    qCInfo(lcEngine).noquote() << "monitor published" << request.event << "to"
                               << (request.room.isEmpty() ? QStringLiteral("(all)") : request.room)
                               << "of" << nsp << "->" << result.recipients << "socket(s)";
    return result;
}

void MonitorControl::publishViaRedis(const PublishRequest &request,
                                     std::function<void(PublishResult)> done)
{
    PublishResult result;
    result.id = request.id;
    result.viaRedis = true;
    const auto payload = sio::parseJson(request.payloadJson);
    if (!payload) {
        result.error = QStringLiteral("the payload is not valid JSON");
        done(result);
        return;
    }
    if (m_config.redisUrl.isEmpty()) {
        result.error = QStringLiteral("no Redis configured (redis_queue)");
        done(result);
        return;
    }
    if (!m_redis) {
        QString error;
        const auto endpoint = RedisEndpoint::parse(m_config.redisUrl, &error);
        if (!endpoint) {
            result.error = error;
            done(result);
            return;
        }
        m_redis = new RedisCommandClient(*endpoint, this);
    }
    const QString site = Telemetry::siteOf(namespaceOfSite(request.site));
    result.wire = frappeRedisMessage(site, request.room, request.event, *payload);
    m_redis->publish("events", result.wire,
                     [result, done = std::move(done)](qint64 receivers, QString error) mutable {
                         result.ok = error.isEmpty();
                         result.error = error;
                         result.recipients = int(qMax<qint64>(0, receivers));
                         done(result);
                     });
}

SocketActionResult MonitorControl::apply(const SocketAction &requested)
{
    SocketAction action = requested;
    if (action.nsp.isEmpty()) {
        // Only the id is known (the inspector's "trace connection"; the GUI
        // may hold no socket rows): find its namespace here.
        for (const SioNamespace *candidate : m_sio->namespaces())
            if (candidate->socket(action.socketId)) action.nsp = candidate->name();
    }
    SioNamespace *ns = m_sio->findNamespace(action.nsp);
    SioSocket *socket = ns ? ns->socket(action.socketId) : nullptr;
    if (!socket) return {false, QStringLiteral("socket %1 is gone").arg(action.socketId)};
    const QString site = Telemetry::siteOf(action.nsp);
    switch (action.kind) {
    case SocketAction::Kind::Disconnect:
        socket->disconnect(false);
        return {true, QStringLiteral("disconnected %1").arg(action.socketId)};
    case SocketAction::Kind::Join:
        if (action.room.isEmpty()) return {false, QStringLiteral("no room given")};
        socket->join(action.room);
        return {true, QStringLiteral("%1 joined %2").arg(action.socketId, action.room)};
    case SocketAction::Kind::Leave:
        socket->leave(action.room);
        return {true, QStringLiteral("%1 left %2").arg(action.socketId, action.room)};
    case SocketAction::Kind::Emit: {
        const auto payload = sio::parseJson(action.payloadJson);
        if (!payload) return {false, QStringLiteral("the payload is not valid JSON")};
        if (action.event.isEmpty()) return {false, QStringLiteral("no event name")};
        socket->emitEvent(action.event, QJsonArray{*payload});
        m_telemetry->consolePublished(site, QString(), action.event, sio::toJson(*payload), 1,
                                      QStringLiteral("to one socket"), action.socketId);
        return {true, QStringLiteral("sent %1 to %2").arg(action.event, action.socketId)};
    }
    case SocketAction::Kind::Trace:
    case SocketAction::Kind::Untrace: {
        const bool on = action.kind == SocketAction::Kind::Trace;
        m_telemetry->setTraced(action.nsp, action.socketId, on);
        return {true, QStringLiteral("%1 tracing of %2")
                          .arg(on ? QStringLiteral("started") : QStringLiteral("stopped"),
                               action.socketId)};
    }
    }
    return {false, QStringLiteral("unknown action")};
}
