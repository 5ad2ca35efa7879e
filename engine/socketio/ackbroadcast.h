// broadcastWithAcks: socket.io's `nsp.timeout(ms).emit(..., cb)` /
// `emitWithAck` on top of a namespace's adapter. It is complete when every
// node serving the namespace (serverCount) reported its client count and that
// many clients answered; otherwise the timeout ends it with socket.io's error
// and the answers that came. Engine thread; `done` is called exactly once,
// always from the event loop (never before the call returns), and may run
// after the adapter is gone.
#pragma once

#include "socketio/broadcastoptions.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <functional>

class SioAdapter;

struct AckAnswer {
    QJsonValue value; // the client's first ack argument, binary as placeholders
    QList<QByteArray> attachments;
};

// error: empty when complete, else "operation has timed out" (socket.io's text).
using AckBroadcastDone = std::function<void(QString error, QList<AckAnswer> answers)>;

void broadcastWithAcks(SioAdapter *adapter, const QJsonArray &data,
                       const QList<QByteArray> &attachments, BroadcastOptions opts,
                       qint64 timeoutMs, AckBroadcastDone done);
