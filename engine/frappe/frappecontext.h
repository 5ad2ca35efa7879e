// FrappeContext: the services the Frappe handlers share (config, web client,
// Redis command connection, the Socket.IO server), owned by FrappeApp.
// Engine thread only.
#pragma once

#include "engineconfig.h"

class SioServer;
class SioSocket;
class FrappeWebClient;
class RedisCommandClient;
struct CallerIdentity;

struct FrappeContext {
    EngineConfig config;
    SioServer *sio = nullptr;
    FrappeWebClient *web = nullptr;
    RedisCommandClient *redis = nullptr; // null when no redis_queue is configured
};

// The identity callbacks to the web server carry for this socket.
CallerIdentity callerOf(const SioSocket *socket);
