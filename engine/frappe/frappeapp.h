// FrappeApp: the Frappe realtime application on top of the Socket.IO server:
// one namespace per site with the auth middleware and core handlers, and the
// Redis `events` bridge (subscriber that survives Redis restarts, plus a
// command connection for the auth secret and open_in_editor). Created and
// used on the engine thread only.
#pragma once

#include "engineconfig.h"
#include "frappe/frappecontext.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <memory>

class SioServer;
class NamespaceHandler;
class SiteNamespaceHandler;
class EventsRouter;
class RedisSubscriber;

// The Frappe side of /health and /metrics, read at request time; both render
// this one struct, so they cannot disagree.
struct FrappeStats {
    QString redisState; // "subscribed", "connecting", ..., "not configured"
    bool redisConfigured = false;
    quint64 redisReconnects = 0;
    quint64 redisMessages = 0;
    QString redisLastError; // empty when none
    quint64 eventsRouted = 0;
    quint64 eventsDropped = 0;
    QHash<QString, quint64> dropReasons;
    QStringList sites;
};

class FrappeApp : public QObject {
    Q_OBJECT
public:
    FrappeApp(const EngineConfig &config, SioServer *sio);
    ~FrappeApp() override;

    NamespaceHandler *handlerFor(const QString &nsp);
    void start();
    void stop();
    FrappeStats stats() const;
    // The `redis`, `events` and `sites` members of /health, from stats().
    void describeHealth(QJsonObject &health) const;

    SiteNamespaceHandler *siteHandler() const { return m_handler.get(); }
    EventsRouter *router() const { return m_router.get(); }
    FrappeContext *context() { return &m_ctx; }
    QString redisState() const;

Q_SIGNALS:
    void redisStateChanged(const QString &state, const QString &detail);

private:
    FrappeContext m_ctx;
    std::unique_ptr<SiteNamespaceHandler> m_handler;
    std::unique_ptr<EventsRouter> m_router;
    RedisSubscriber *m_subscriber = nullptr;
};
