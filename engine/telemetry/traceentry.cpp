#include "telemetry/traceentry.h"

QString TraceEntry::kindName(Kind kind)
{
    switch (kind) {
    case Kind::RedisIn:
        return QStringLiteral("redis");
    case Kind::RedisDropped:
        return QStringLiteral("dropped");
    case Kind::ConsolePublish:
        return QStringLiteral("console");
    case Kind::ClientEvent:
        return QStringLiteral("from client");
    case Kind::ServerPacket:
        return QStringLiteral("to client");
    case Kind::Connect:
        return QStringLiteral("connect");
    case Kind::Disconnect:
        return QStringLiteral("disconnect");
    case Kind::Refused:
        return QStringLiteral("refused");
    }
    return {};
}
