// ShardLink: the engine thread's end of one I/O shard. It starts the shard's
// thread and ShardWorker, hands it accepted sockets, batches the commands of
// its ShardConnections and posts them once per event-loop pass, and turns the
// shard's reports into calls on the engine's RequestHandler and on the stand-ins.
// Thread affinity: the engine thread (the worker lives in its own thread).
#pragma once

#include "transport/connection.h"
#include "transport/shardmessages.h"

#include <QObject>
#include <QThread>
#include <functional>

class ShardConnection;
class ShardWorker;

class ShardLink : public QObject {
    Q_OBJECT
public:
    ShardLink(int index, RequestHandler *handler, ConnectionLimits limits,
              QObject *parent = nullptr);
    ~ShardLink() override;

    // Called with the peer of each socket the shard reports closed (the
    // Listener's per-address counts).
    void setClosedObserver(std::function<void(const QString &peer)> observer)
    {
        m_closedObserver = std::move(observer);
    }

    void start();
    // Posts what is queued, lets the shard write it and close its sockets,
    // and ends the thread. Blocks until then; idempotent.
    void stop();

    // Takes ownership of an accepted descriptor (TCP or Unix-domain).
    void adopt(qintptr fd, const QString &peer);

    // For ShardConnection.
    void send(ShardCommand &&command);
    // A WebSocket frame for `slot`. Consecutive sends of one broadcast buffer
    // become one command carrying a private copy of it: the shard then never
    // touches the reference count the engine thread keeps bumping for its own
    // sockets (a cache line bouncing between cores at every delivery doubled
    // the CPU of a fanout).
    void sendFrame(ShardSlotId slot, const QByteArray &frame);

    // Sockets the shard holds now (any thread may read it; tests and the monitor).
    int connectionCount() const;

private:
    void submit();
    void drainEvents();
    void handle(ShardEvent &event);

    RequestHandler *m_handler;
    Mailbox<ShardCommand> m_inbox; // to the shard
    Mailbox<ShardEvent> m_outbox;  // from the shard
    QThread m_thread;
    ShardWorker *m_worker = nullptr;
    std::vector<ShardCommand> m_pending; // this pass's commands, not yet posted
    bool m_submitQueued = false;
    // The buffer the last pending command copied, held so that its address
    // cannot be reused by another frame while it identifies the group.
    QByteArray m_lastFrameSource;
    std::vector<ShardEvent> m_events;          // reused between drains
    std::vector<ShardConnection *> m_standIns; // by slot index
    std::function<void(const QString &)> m_closedObserver;
    bool m_running = false;
};
