// MonitorControl: carries out the monitor's publishes and socket actions on
// the engine thread, where the Socket.IO objects live. Owned by EngineCore,
// which exposes it through queued Q_INVOKABLE methods. Thread affinity: the
// engine thread.
#pragma once

#include "engineconfig.h"
#include "monitor/monitoractions.h"

#include <QObject>
#include <functional>

class SioServer;
class Telemetry;
class RedisCommandClient;

class MonitorControl : public QObject {
    Q_OBJECT
public:
    MonitorControl(const EngineConfig &config, SioServer *sio, Telemetry *telemetry,
                   QObject *parent = nullptr);
    ~MonitorControl() override;

    // Encodes `42/site,[event,payload]` once and broadcasts it to the room.
    PublishResult publishDirect(const PublishRequest &request);
    // PUBLISH on `events` of the configured redis_queue, formatted as
    // frappe.as_json formats it; `done` runs later on this thread.
    void publishViaRedis(const PublishRequest &request, std::function<void(PublishResult)> done);
    SocketActionResult apply(const SocketAction &action);

    // The message publish_realtime would put on `events` (frappe.as_json).
    static QByteArray frappeRedisMessage(const QString &site, const QString &room,
                                         const QString &event, const QJsonValue &message);

private:
    EngineConfig m_config;
    SioServer *m_sio;
    Telemetry *m_telemetry;
    RedisCommandClient *m_redis = nullptr; // lazily, only when the console uses Redis
};
