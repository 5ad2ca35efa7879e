#include "transport/outputflusher.h"

#include "transport/socketconnection.h"

#include <QThreadStorage>

OutputFlusher *OutputFlusher::forCurrentThread()
{
    static QThreadStorage<OutputFlusher *> perThread;
    if (!perThread.hasLocalData()) perThread.setLocalData(new OutputFlusher);
    return perThread.localData();
}

void OutputFlusher::markDirty(SocketConnection *connection)
{
    m_dirty.append(connection);
    schedule();
}

void OutputFlusher::afterFlush(std::function<void()> done)
{
    m_afterFlush.append(std::move(done));
    schedule();
}

void OutputFlusher::schedule()
{
    if (!m_scheduled) {
        m_scheduled = true;
        QMetaObject::invokeMethod(this, &OutputFlusher::flushAll, Qt::QueuedConnection);
    }
}

void OutputFlusher::flushAll()
{
    m_scheduled = false;
    const QList<QPointer<SocketConnection>> dirty = std::move(m_dirty);
    m_dirty.clear();
    for (const QPointer<SocketConnection> &c : dirty)
        if (c) c->flushPending();
    const QList<std::function<void()>> done = std::move(m_afterFlush);
    m_afterFlush.clear();
    for (const auto &callback : done)
        callback();
}
