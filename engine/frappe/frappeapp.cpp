#include "frappe/frappeapp.h"

#include "socketio/sioserver.h"

FrappeApp::FrappeApp(const EngineConfig &config, SioServer *sio) : m_config(config), m_sio(sio) {}

FrappeApp::~FrappeApp() = default;

NamespaceHandler *FrappeApp::handlerFor(const QString &)
{
    return nullptr;
}

void FrappeApp::start() {}

void FrappeApp::stop() {}

void FrappeApp::describeHealth(QJsonObject &) const {}
