// ShardWorker: the I/O side of one shard. It owns the sockets the engine thread
// handed it (as SocketConnections), applies the commands their engine-thread
// stand-ins (ShardConnection) queue, and reports requests, WebSocket messages
// and closes back. Reading, HTTP and frame parsing, and every write and
// sendmsg() of these sockets happen here, so N shards spread that work, the
// bulk of a broadcast's cost, over N cores. Thread affinity: its shard thread
// (moved there by ShardLink before the thread starts); drainInbox() and
// shutdown() are invoked from the engine thread through queued calls only.
#pragma once

#include "transport/connection.h"
#include "transport/shardmessages.h"

#include <QObject>
#include <atomic>
#include <functional>

class SocketConnection;

class ShardWorker : public QObject, public RequestHandler, public WebSocketHandler {
    Q_OBJECT
public:
    // `wakeEngine` is called (in this thread) when `outbox` went from empty
    // to non-empty; it must queue a drain on the engine thread.
    ShardWorker(ConnectionLimits limits, Mailbox<ShardCommand> *inbox, Mailbox<ShardEvent> *outbox,
                std::function<void()> wakeEngine);
    ~ShardWorker() override;

    // Applies every command posted so far.
    void drainInbox();
    // Applies what is queued, writes it out, then closes every socket.
    void shutdown();

    // Sockets this shard holds right now; readable from any thread.
    int connectionCount() const { return m_count.load(std::memory_order_relaxed); }

    // RequestHandler / WebSocketHandler for the sockets of this shard.
    void handleRequest(Connection *connection, HttpRequest &&request) override;
    void onWebSocketMessage(Connection *connection, ws::Message &&message) override;
    void onWebSocketClosed(Connection *connection, const QString &reason) override;

private:
    void apply(ShardCommand &command);
    void adopt(qintptr fd, const QString &peer);
    void onConnectionClosed(Connection *connection);
    SocketConnection *connectionAt(ShardSlotId slot) const;
    void report(ShardEvent &&event);
    void flushOutbox();

    ConnectionLimits m_limits;
    Mailbox<ShardCommand> *m_inbox;
    Mailbox<ShardEvent> *m_outbox;
    std::function<void()> m_wakeEngine;
    std::vector<ShardCommand> m_commands; // reused between drains
    std::vector<ShardEvent> m_events;     // this pass's reports, not yet posted
    bool m_flushQueued = false;
    // Slot table: index -> socket, with a generation per index (see ShardSlotId).
    std::vector<SocketConnection *> m_slots;
    std::vector<quint32> m_generations;
    std::vector<quint32> m_freeSlots;
    QString m_closeReason; // onWebSocketClosed's reason, for the closed callback right after
    std::atomic<int> m_count{0};
};
