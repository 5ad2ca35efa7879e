// OutputFlusher: coalesces everything written to connections during one pass
// of the event loop and writes it with one sendmsg() per connection at the end
// of the pass. Qt's own buffered write would instead arm a write notifier per
// socket and cost a poll round per socket; a broadcast to N sockets would pay
// that N times. One instance per thread (forCurrentThread); engine thread only.
#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <functional>

class SocketConnection;

class OutputFlusher : public QObject {
    Q_OBJECT
public:
    static OutputFlusher *forCurrentThread();

    void markDirty(SocketConnection *connection);
    // Runs `done` right after the pass that writes everything queued so far
    // (telemetry's publish-to-write latency: one call per pass, not per write).
    void afterFlush(std::function<void()> done);
    void flushAll();

private:
    void schedule();

    QList<QPointer<SocketConnection>> m_dirty;
    QList<std::function<void()>> m_afterFlush;
    bool m_scheduled = false;
};
