#include "metrics/metricsserver.h"

#include "common/logging.h"
#include "transport/listener.h"

MetricsServer::MetricsServer(Renderer render, QObject *parent)
    : QObject(parent), m_render(std::move(render))
{
    ConnectionLimits limits;
    limits.maxPayload = 4096; // scrapes are GETs; nothing big ever comes in
    m_listener = new Listener(this, limits, this);
}

MetricsServer::~MetricsServer() = default;

bool MetricsServer::listen(quint16 port, QString *error)
{
    if (!m_listener->listenTcp(QHostAddress::LocalHost, port, error)) return false;
    qCInfo(lcEngine).noquote() << "Prometheus metrics on: http://127.0.0.1:" +
                                      QString::number(m_listener->tcpPort()) + "/metrics";
    return true;
}

void MetricsServer::close()
{
    m_listener->close();
}

quint16 MetricsServer::port() const
{
    return m_listener->tcpPort();
}

void MetricsServer::handleRequest(Connection *connection, HttpRequest &&request)
{
    if (request.isWebSocketUpgrade()) {
        connection->rejectUpgrade(404, "not found");
        return;
    }
    if (request.path != "/metrics") {
        connection->respond(
            {404, "text/plain; charset=UTF-8", {}, "not found; try /metrics\n", false});
        return;
    }
    if (request.method != "GET" && request.method != "HEAD") {
        connection->respond({405,
                             "text/plain; charset=UTF-8",
                             {{"Allow", "GET, HEAD"}},
                             "method not allowed\n",
                             false});
        return;
    }
    const QByteArray body = request.method == "HEAD" ? QByteArray() : m_render();
    connection->respond({200, "text/plain; version=0.0.4; charset=utf-8", {}, body, false});
}
