// OutputFlusher: coalesces everything written to connections during one pass
// of the event loop and writes it with one sendmsg() per connection at the end
// of the pass. Qt's own buffered write would instead arm a write notifier per
// socket and cost a poll round per socket; a broadcast to N sockets would pay
// that N times. One instance per thread (forCurrentThread); engine thread only.
#pragma once

#include <QList>
#include <QObject>
#include <QPointer>

class Connection;

class OutputFlusher : public QObject {
    Q_OBJECT
public:
    static OutputFlusher *forCurrentThread();

    void markDirty(Connection *connection);
    void flushAll();

private:
    QList<QPointer<Connection>> m_dirty;
    bool m_scheduled = false;
};
