#include "frappe/frappeapp.h"

#include "common/logging.h"
#include "frappe/eventsrouter.h"
#include "frappe/frappewebclient.h"
#include "frappe/sitenamespacehandler.h"
#include "redis/rediscommandclient.h"
#include "redis/redisendpoint.h"
#include "redis/redissubscriber.h"
#include "socketio/sioserver.h"

#include <QJsonArray>
#include <QMetaEnum>

FrappeApp::FrappeApp(const EngineConfig &config, SioServer *sio)
{
    m_ctx.config = config;
    m_ctx.sio = sio;
    m_ctx.web = new FrappeWebClient(config, this);
    m_handler = std::make_unique<SiteNamespaceHandler>(&m_ctx);
    m_router = std::make_unique<EventsRouter>(sio);
    if (config.redisUrl.isEmpty()) {
        qCWarning(lcRedis) << "no redis_queue configured: events published by Frappe will not "
                              "reach clients (set redis_queue or --redis)";
        return;
    }
    QString error;
    const auto endpoint = RedisEndpoint::parse(config.redisUrl, &error);
    if (!endpoint) {
        // The URL may carry a password: name the setting, not its value.
        qCWarning(lcRedis).noquote() << "redis_queue is not a usable Redis URL:" << error;
        return;
    }
    m_ctx.redis = new RedisCommandClient(*endpoint, this);
    m_subscriber = new RedisSubscriber(*endpoint, this);
    m_subscriber->setReconnectBackoff(config.redisReconnectMinMs, config.redisReconnectMaxMs);
    m_subscriber->subscribe("events");
    connect(m_subscriber, &RedisSubscriber::message, this,
            [this](const QByteArray &, const QByteArray &payload) { m_router->route(payload); });
    connect(m_subscriber, &RedisSubscriber::stateChanged, this,
            [this](RedisSubscriber::State, const QString &detail) {
                Q_EMIT redisStateChanged(redisState(), detail);
            });

    // The web side only answers get_user_info for callers that present the
    // secret it keeps in redis_queue; read it again before every callback.
    RedisCommandClient *redis = m_ctx.redis;
    m_ctx.web->setSecretProvider([redis](std::function<void(std::optional<QByteArray>)> give) {
        redis->get("socketio_auth_secret", [give](std::optional<QByteArray> value, QString error) {
            if (!error.isEmpty())
                qCDebug(lcAuth).noquote() << "socketio_auth_secret not readable:" << error;
            give(value);
        });
    });
}

FrappeApp::~FrappeApp() = default;

NamespaceHandler *FrappeApp::handlerFor(const QString &nsp)
{
    // `/` exists in every socket.io server but nothing useful can happen there
    // (Node admits it unauthenticated and deaf): refuse it.
    if (nsp.size() < 2 || !nsp.startsWith(QLatin1Char('/'))) return nullptr;
    return m_handler.get();
}

void FrappeApp::start()
{
    if (m_subscriber) m_subscriber->start();
}

void FrappeApp::stop()
{
    if (m_subscriber) m_subscriber->stop();
}

QString FrappeApp::redisState() const
{
    if (!m_subscriber) return QStringLiteral("not configured");
    const char *key =
        QMetaEnum::fromType<RedisSubscriber::State>().valueToKey(int(m_subscriber->state()));
    return QString::fromLatin1(key ? key : "?").toLower();
}

void FrappeApp::describeHealth(QJsonObject &health) const
{
    QJsonObject redis{{QStringLiteral("state"), redisState()}};
    if (m_subscriber) {
        redis.insert(QStringLiteral("reconnects"), qint64(m_subscriber->reconnects()));
        redis.insert(QStringLiteral("messages"), qint64(m_subscriber->messagesReceived()));
        if (!m_subscriber->lastError().isEmpty())
            redis.insert(QStringLiteral("last_error"), m_subscriber->lastError());
    }
    health.insert(QStringLiteral("redis"), redis);
    QJsonObject events{{QStringLiteral("routed"), qint64(m_router->routed())},
                       {QStringLiteral("dropped"), qint64(m_router->dropped())}};
    QJsonObject reasons;
    for (auto it = m_router->dropReasons().begin(); it != m_router->dropReasons().end(); ++it)
        reasons.insert(it.key(), qint64(it.value()));
    events.insert(QStringLiteral("drop_reasons"), reasons);
    health.insert(QStringLiteral("events"), events);
    QJsonArray sites;
    for (const QString &s : m_ctx.config.sites)
        sites.append(s);
    health.insert(QStringLiteral("sites"), sites);
}
