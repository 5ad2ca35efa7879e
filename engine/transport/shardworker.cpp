#include "transport/shardworker.h"

#include "common/logging.h"
#include "transport/outputflusher.h"
#include "transport/socketconnection.h"

ShardWorker::ShardWorker(ConnectionLimits limits, Mailbox<ShardCommand> *inbox,
                         Mailbox<ShardEvent> *outbox, std::function<void()> wakeEngine)
    : m_limits(limits), m_inbox(inbox), m_outbox(outbox), m_wakeEngine(std::move(wakeEngine))
{}

ShardWorker::~ShardWorker() = default;

void ShardWorker::drainInbox()
{
    m_inbox->take(m_commands);
    for (ShardCommand &command : m_commands)
        apply(command);
    m_commands.clear();
}

void ShardWorker::apply(ShardCommand &command)
{
    using Kind = ShardCommand::Kind;
    switch (command.kind) {
    case Kind::Adopt:
        adopt(qintptr(command.number), command.text);
        return;
    case Kind::Frame:
        if (SocketConnection *connection = connectionAt(command.slot))
            connection->sendFrame(command.bytes);
        for (ShardSlotId slot : command.moreSlots)
            if (SocketConnection *connection = connectionAt(slot))
                connection->sendFrame(command.bytes);
        return;
    default:
        break;
    }
    SocketConnection *connection = connectionAt(command.slot);
    if (!connection) return; // closed meanwhile; its stand-in hears of it
    switch (command.kind) {
    case Kind::Respond:
        connection->respondWith(command.bytes, command.flag);
        break;
    case Kind::AcceptWebSocket:
        connection->acceptWebSocketKey(command.bytes, this);
        break;
    case Kind::CloseWebSocket:
        connection->closeWebSocket(quint16(command.number), command.bytes);
        break;
    case Kind::Abort:
        connection->abort(QStringLiteral("transport close"));
        break;
    default:
        break;
    }
}

void ShardWorker::adopt(qintptr fd, const QString &peer)
{
    quint32 index;
    if (!m_freeSlots.empty()) {
        index = m_freeSlots.back();
        m_freeSlots.pop_back();
    } else {
        index = quint32(m_slots.size());
        m_slots.push_back(nullptr);
        m_generations.push_back(0);
    }
    auto *connection = new SocketConnection(fd, peer, this, m_limits, this);
    connection->setTag(makeShardSlotId(index, m_generations[index]));
    connection->setClosedCallback([this](Connection *c) { onConnectionClosed(c); });
    m_slots[index] = connection;
    m_count.fetch_add(1, std::memory_order_relaxed);
}

SocketConnection *ShardWorker::connectionAt(ShardSlotId slot) const
{
    const quint32 index = shardSlotIndex(slot);
    if (index >= m_slots.size()) return nullptr;
    SocketConnection *connection = m_slots[index];
    return connection && connection->tag() == slot ? connection : nullptr;
}

void ShardWorker::handleRequest(Connection *connection, HttpRequest &&request)
{
    auto *socket = static_cast<SocketConnection *>(connection);
    ShardEvent event{ShardEvent::Kind::Request, socket->tag(), socket->bytesIn()};
    event.request = std::move(request);
    report(std::move(event));
}

void ShardWorker::onWebSocketMessage(Connection *connection, ws::Message &&message)
{
    auto *socket = static_cast<SocketConnection *>(connection);
    ShardEvent event{ShardEvent::Kind::Message, socket->tag(), socket->bytesIn()};
    event.message = std::move(message);
    report(std::move(event));
}

void ShardWorker::onWebSocketClosed(Connection *, const QString &reason)
{
    // The closed callback follows at once and reports it.
    m_closeReason = reason;
}

void ShardWorker::onConnectionClosed(Connection *connection)
{
    auto *socket = static_cast<SocketConnection *>(connection);
    const ShardSlotId slot = socket->tag();
    const QString reason = m_closeReason.isNull() ? QStringLiteral("transport close")
                                                  : std::exchange(m_closeReason, {});
    report({ShardEvent::Kind::Closed, slot, socket->bytesIn(), {}, {}, reason, socket->peer()});
    const quint32 index = shardSlotIndex(slot);
    m_slots[index] = nullptr;
    ++m_generations[index];
    m_freeSlots.push_back(index);
    m_count.fetch_sub(1, std::memory_order_relaxed);
}

void ShardWorker::report(ShardEvent &&event)
{
    m_events.push_back(std::move(event));
    if (!m_flushQueued) {
        // One post per pass: the queued call runs once this pass's handlers are done.
        m_flushQueued = true;
        QMetaObject::invokeMethod(this, &ShardWorker::flushOutbox, Qt::QueuedConnection);
    }
}

void ShardWorker::flushOutbox()
{
    m_flushQueued = false;
    if (m_events.empty()) return;
    if (m_outbox->post(m_events)) m_wakeEngine();
}

void ShardWorker::shutdown()
{
    drainInbox();
    OutputFlusher::forCurrentThread()->flushAll();
    for (SocketConnection *connection : m_slots)
        if (connection) connection->abort(QStringLiteral("server shutting down"));
    // Delete them here, in their own thread, while its dispatcher still exists.
    const auto sockets = findChildren<SocketConnection *>(Qt::FindDirectChildrenOnly);
    qDeleteAll(sockets);
    flushOutbox();
}
