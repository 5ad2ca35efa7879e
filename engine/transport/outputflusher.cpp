#include "transport/outputflusher.h"

#include "transport/connection.h"

#include <QThreadStorage>

OutputFlusher *OutputFlusher::forCurrentThread()
{
    static QThreadStorage<OutputFlusher *> perThread;
    if (!perThread.hasLocalData()) perThread.setLocalData(new OutputFlusher);
    return perThread.localData();
}

void OutputFlusher::markDirty(Connection *connection)
{
    m_dirty.append(connection);
    if (!m_scheduled) {
        m_scheduled = true;
        QMetaObject::invokeMethod(this, &OutputFlusher::flushAll, Qt::QueuedConnection);
    }
}

void OutputFlusher::flushAll()
{
    m_scheduled = false;
    const QList<QPointer<Connection>> dirty = std::move(m_dirty);
    m_dirty.clear();
    for (const QPointer<Connection> &c : dirty)
        if (c) c->flushPending();
}
