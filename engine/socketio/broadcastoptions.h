// BroadcastOptions: whom a broadcast or a cluster-wide socket operation
// targets, as socket.io's adapters take it: the union of `rooms` (every
// socket when empty) minus the sockets in any `except` room (socket ids are
// rooms too), plus the flags. Thread-agnostic value type.
#pragma once

#include <QString>
#include <QStringList>
#include <optional>

struct BroadcastFlags {
    bool local = false; // this node only: never sent to the cluster
    bool isVolatile = false;
    std::optional<bool> compress;
    std::optional<qint64> timeoutMs;
    bool expectSingleResponse = false;
};

struct BroadcastOptions {
    QStringList rooms;
    QStringList except;
    BroadcastFlags flags;
};
