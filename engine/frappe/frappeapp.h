// FrappeApp: the Frappe realtime application on top of the Socket.IO server:
// one namespace per site, the auth middleware, core room handlers and the
// Redis `events` bridge. Engine thread only.
#pragma once

#include "engineconfig.h"

#include <QJsonObject>
#include <QObject>

class SioServer;
class NamespaceHandler;

class FrappeApp : public QObject {
    Q_OBJECT
public:
    FrappeApp(const EngineConfig &config, SioServer *sio);
    ~FrappeApp() override;

    NamespaceHandler *handlerFor(const QString &nsp);
    void start();
    void stop();
    void describeHealth(QJsonObject &health) const;

private:
    EngineConfig m_config;
    SioServer *m_sio;
};
