// AdminNamespace: the server half of the socket.io Admin UI protocol
// (@socket.io/admin-ui 0.5.1, spec admin-ui-protocol.md) on its own static
// namespace (default /admin), which is never a Frappe site and never reaches
// the Frappe auth callback. It authenticates admin clients (AdminAuth),
// sends config, server_stats every statsIntervalMs and, in development mode,
// all_sockets plus the live socket/room/event mirror (as a SioObserver, fed
// through AdminObserverTee); it runs join/leave/_disconnect unless read-only.
// Thread affinity: the engine thread; created there by EngineCore::start().
#pragma once

#include "admin/adminconfig.h"
#include "socketio/namespacehandler.h"
#include "socketio/sioserver.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <functional>

class AdminAuth;

class AdminNamespace : public QObject, public NamespaceHandler, public SioObserver {
    Q_OBJECT
public:
    AdminNamespace(const AdminConfig &config, QStringList siteNamespaces, SioServer *sio,
                   QObject *parent = nullptr);
    ~AdminNamespace() override;

    const QString &name() const { return m_config.namespaceName; }
    const AdminConfig &config() const { return m_config; }
    bool development() const { return m_config.development; }
    QStringList supportedFeatures() const;
    void start();
    void stop();
    // Extra fields our own server adds to each stats tick (the desktop
    // monitor reads them; the stock UI ignores the event). Called per tick.
    void setExtraStatsProvider(std::function<QJsonObject()> provider)
    {
        m_extraStats = std::move(provider);
    }

    // NamespaceHandler
    void authorize(SioSocket *socket, const QJsonValue &auth,
                   std::function<void(std::optional<QString>)> done) override;
    void onConnection(SioSocket *socket) override;
    void onEvent(SioSocket *socket, const QString &event, const QJsonArray &args,
                 const QList<QByteArray> &attachments, const AckSender &ack) override;

    // SioObserver, development mode only (AdminObserverTee forwards)
    void socketConnected(SioSocket *socket) override;
    void socketDisconnected(SioSocket *socket, const QString &reason) override;
    void clientEvent(SioSocket *socket, const sio::Packet &packet) override;
    void tracedServerPacket(SioSocket *socket, const QByteArray &eioText) override;
    void roomJoined(SioSocket *socket, const QString &room) override;
    void roomLeft(SioSocket *socket, const QString &room) override;

    // The stats object of a tick (aggregated events drained when `drain`).
    QJsonObject serverStats(bool drain);

private:
    bool adminsConnected() const;
    // Sends [event, ...args] to every admin socket (a namespace broadcast).
    void broadcast(const QString &event, const QJsonArray &args);
    void sendTo(SioSocket *socket, const QString &event, const QJsonArray &args);
    void sampleTraffic();
    void emitStats();
    void runCommand(SioSocket *admin, const QString &event, const QJsonArray &args);
    QList<SioSocket *> targets(const QString &nsp, const QJsonValue &filter) const;
    QJsonArray allSockets() const;

    AdminConfig m_config;
    QStringList m_siteNamespaces;
    SioServer *m_sio;
    AdminAuth *m_auth;
    QTimer m_statsTimer{this};
    QTimer m_sampleTimer{this};
    QElapsedTimer m_uptime;
    std::function<QJsonObject()> m_extraStats;
    // Aggregated events since the last tick: key "timestamp|type|subType".
    QHash<QString, QJsonObject> m_aggregated;
    QStringList m_aggregatedOrder;
    EioTraffic m_lastTraffic;
};

// Forwards the Socket.IO server's observer callbacks to the telemetry (as
// before) and to the admin namespace in development mode. Per-packet traces
// reach the telemetry only for the sockets it traces itself. Engine thread.
class AdminObserverTee : public SioObserver {
public:
    AdminObserverTee(SioObserver *primary, std::function<bool(SioSocket *)> primaryTraces,
                     AdminNamespace *admin)
        : m_primary(primary), m_primaryTraces(std::move(primaryTraces)), m_admin(admin)
    {}
    void socketConnected(SioSocket *s) override;
    void socketDisconnected(SioSocket *s, const QString &reason) override
    {
        m_primary->socketDisconnected(s, reason);
        m_admin->socketDisconnected(s, reason);
    }
    void connectRefused(const QString &nsp, const HttpRequest &r, const QString &e) override
    {
        m_primary->connectRefused(nsp, r, e);
    }
    void recoveryAttempted(const QString &nsp, SioSocket *s, bool recovered, const QString &failure,
                           int replayed) override
    {
        m_primary->recoveryAttempted(nsp, s, recovered, failure, replayed);
    }
    void clientEvent(SioSocket *s, const sio::Packet &p) override
    {
        m_primary->clientEvent(s, p);
        m_admin->clientEvent(s, p);
    }
    void tracedClientPacket(SioSocket *s, const sio::Packet &p) override
    {
        if (m_primaryTraces(s)) m_primary->tracedClientPacket(s, p);
    }
    void tracedServerPacket(SioSocket *s, const QByteArray &text) override
    {
        if (m_primaryTraces(s)) m_primary->tracedServerPacket(s, text);
        m_admin->tracedServerPacket(s, text);
    }
    void roomJoined(SioSocket *s, const QString &room) override
    {
        m_primary->roomJoined(s, room);
        m_admin->roomJoined(s, room);
    }
    void roomLeft(SioSocket *s, const QString &room) override
    {
        m_primary->roomLeft(s, room);
        m_admin->roomLeft(s, room);
    }

private:
    SioObserver *m_primary;
    std::function<bool(SioSocket *)> m_primaryTraces;
    AdminNamespace *m_admin;
};
