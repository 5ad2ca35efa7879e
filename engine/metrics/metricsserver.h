// MetricsServer: Prometheus /metrics on its own listener, bound to 127.0.0.1
// only, so counters never leak through the public socket.io port or a proxy
// in front of it. Off unless EngineConfig::metricsPort >= 0. The page is
// produced by a callback at scrape time (renderMetrics). Thread affinity:
// the engine thread; created by EngineCore::start().
#pragma once

#include "transport/connection.h"

#include <QObject>
#include <functional>

class Listener;

class MetricsServer : public QObject, public RequestHandler {
    Q_OBJECT
public:
    using Renderer = std::function<QByteArray()>;

    MetricsServer(Renderer render, QObject *parent = nullptr);
    ~MetricsServer() override;

    // port 0 picks a free one. Logs the URL on success.
    bool listen(quint16 port, QString *error);
    void close();
    quint16 port() const;

    // RequestHandler
    void handleRequest(Connection *connection, HttpRequest &&request) override;

private:
    Renderer m_render;
    Listener *m_listener = nullptr;
};
