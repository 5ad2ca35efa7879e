// Turns the cluster settings of an EngineConfig into a running RedisCluster
// behind a SioServer's namespaces. Engine thread.
#pragma once

#include <QString>

struct EngineConfig;
class QObject;
class ClusterLink;
class SioServer;

// nullptr with an empty *error when the config asks for no cluster; nullptr
// with *error set when it asks for one that cannot be made.
ClusterLink *startCluster(const EngineConfig &config, SioServer *sio, QObject *parent,
                          QString *error);
