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

FrappeStats FrappeApp::stats() const
{
    FrappeStats s;
    s.redisState = redisState();
    s.redisConfigured = m_subscriber != nullptr;
    if (m_subscriber) {
        s.redisReconnects = quint64(m_subscriber->reconnects());
        s.redisMessages = quint64(m_subscriber->messagesReceived());
        s.redisLastError = m_subscriber->lastError();
    }
    s.eventsRouted = m_router->routed();
    s.eventsDropped = m_router->dropped();
    s.dropReasons = m_router->dropReasons();
    s.sites = m_ctx.config.sites;
    return s;
}

void FrappeApp::describeHealth(QJsonObject &health) const
{
    const FrappeStats s = stats();
    QJsonObject redis{{QStringLiteral("state"), s.redisState}};
    if (s.redisConfigured) {
        redis.insert(QStringLiteral("reconnects"), qint64(s.redisReconnects));
        redis.insert(QStringLiteral("messages"), qint64(s.redisMessages));
        if (!s.redisLastError.isEmpty())
            redis.insert(QStringLiteral("last_error"), s.redisLastError);
    }
    health.insert(QStringLiteral("redis"), redis);
    QJsonObject events{{QStringLiteral("routed"), qint64(s.eventsRouted)},
                       {QStringLiteral("dropped"), qint64(s.eventsDropped)}};
    QJsonObject reasons;
    for (auto it = s.dropReasons.cbegin(); it != s.dropReasons.cend(); ++it)
        reasons.insert(it.key(), qint64(it.value()));
    events.insert(QStringLiteral("drop_reasons"), reasons);
    health.insert(QStringLiteral("events"), events);
    health.insert(QStringLiteral("sites"), QJsonArray::fromStringList(s.sites));
}
