#include "transport/shardlink.h"

#include "common/epolleventdispatcher.h"
#include "transport/shardconnection.h"
#include "transport/shardworker.h"

ShardLink::ShardLink(int index, RequestHandler *handler, ConnectionLimits limits, QObject *parent)
    : QObject(parent), m_handler(handler)
{
    m_worker = new ShardWorker(limits, &m_inbox, &m_outbox, [this] {
        // In the shard thread: wake the engine thread once per batch.
        QMetaObject::invokeMethod(this, &ShardLink::drainEvents, Qt::QueuedConnection);
    });
    m_thread.setObjectName(QStringLiteral("rt-io-%1").arg(index));
}

ShardLink::~ShardLink()
{
    stop();
    delete m_worker;
}

void ShardLink::start()
{
    if (m_running) return;
    // Same dispatcher choice as the engine thread (RT_EVENT_DISPATCHER=qt
    // falls back to Qt's own).
    if (qEnvironmentVariable("RT_EVENT_DISPATCHER") != QLatin1String("qt"))
        m_thread.setEventDispatcher(new EpollEventDispatcher);
    m_worker->moveToThread(&m_thread);
    m_thread.start();
    m_running = true;
}

void ShardLink::stop()
{
    if (!m_running) return;
    m_running = false;
    if (!m_pending.empty()) m_inbox.post(m_pending);
    QMetaObject::invokeMethod(m_worker, &ShardWorker::shutdown, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    // What the shard reported last (its Closed reports) still settles the counts.
    drainEvents();
}

int ShardLink::connectionCount() const
{
    return m_worker->connectionCount();
}

void ShardLink::adopt(qintptr fd, const QString &peer)
{
    ShardCommand command{ShardCommand::Kind::Adopt, false, qint64(fd), 0, {}, peer, {}};
    send(std::move(command));
}

void ShardLink::send(ShardCommand &&command)
{
    m_lastFrameSource = QByteArray();
    m_pending.push_back(std::move(command));
    if (!m_submitQueued && m_running) {
        // One post per pass: everything this pass queues goes in one batch.
        m_submitQueued = true;
        QMetaObject::invokeMethod(this, &ShardLink::submit, Qt::QueuedConnection);
    }
}

void ShardLink::sendFrame(ShardSlotId slot, const QByteArray &frame)
{
    if (!m_lastFrameSource.isNull() && m_lastFrameSource.constData() == frame.constData() &&
        m_lastFrameSource.size() == frame.size()) {
        m_pending.back().moreSlots.push_back(slot);
        return;
    }
    ShardCommand command{ShardCommand::Kind::Frame,
                         false,
                         0,
                         slot,
                         QByteArray(frame.constData(), frame.size()),
                         {},
                         {}};
    send(std::move(command));
    m_lastFrameSource = frame;
}

void ShardLink::submit()
{
    m_submitQueued = false;
    m_lastFrameSource = QByteArray();
    if (m_pending.empty() || !m_running) return;
    if (m_inbox.post(m_pending))
        QMetaObject::invokeMethod(m_worker, &ShardWorker::drainInbox, Qt::QueuedConnection);
}

void ShardLink::drainEvents()
{
    m_outbox.take(m_events);
    for (ShardEvent &event : m_events)
        handle(event);
    m_events.clear();
}

void ShardLink::handle(ShardEvent &event)
{
    const quint32 index = shardSlotIndex(event.slot);
    ShardConnection *standIn =
        index < m_standIns.size() && m_standIns[index] && m_standIns[index]->slot() == event.slot
            ? m_standIns[index]
            : nullptr;
    switch (event.kind) {
    case ShardEvent::Kind::Request:
        if (!standIn) {
            if (!m_running) return;
            if (index >= m_standIns.size()) m_standIns.resize(index + 1, nullptr);
            standIn = new ShardConnection(this, event.slot, event.request.peer);
            m_standIns[index] = standIn;
        }
        standIn->deliverRequest(std::move(event.request), event.bytesIn, m_handler);
        return;
    case ShardEvent::Kind::Message:
        if (standIn) standIn->deliverMessage(std::move(event.message), event.bytesIn);
        return;
    case ShardEvent::Kind::Closed:
        if (standIn) {
            m_standIns[index] = nullptr;
            standIn->deliverClosed(event.reason, event.bytesIn);
            // Callers up the stack of this drain may not hold it, but
            // QPointers elsewhere still see it go at a safe point.
            standIn->deleteLater();
        }
        if (m_closedObserver) m_closedObserver(event.peer);
        return;
    }
}
