// What crosses between the engine thread and an I/O shard thread: commands to
// a shard's sockets, and what its sockets report back, each addressed by slot
// id, plus the Mailbox that carries them. A batch crosses once per event-loop
// pass, so a broadcast to the shard's thousand sockets is one lock and one
// wake-up, not a thousand. Value types; Mailbox is thread-safe.
#pragma once

#include "protocol/wsframe.h"
#include "transport/httprequest.h"

#include <QMutex>
#include <QString>
#include <vector>

// A socket of a shard: its index in the shard's slot table and that slot's
// generation, so a command for a socket that has since closed (and whose slot
// was reused) is dropped instead of reaching a stranger.
using ShardSlotId = quint64;

inline ShardSlotId makeShardSlotId(quint32 index, quint32 generation)
{
    return (quint64(generation) << 32) | index;
}
inline quint32 shardSlotIndex(ShardSlotId id)
{
    return quint32(id);
}

// Engine thread -> shard.
struct ShardCommand {
    enum class Kind : quint8 {
        Adopt,           // an accepted descriptor in `number`, the peer address in `text`
        Frame,           // a complete WebSocket frame in `bytes`, for `slot` and `moreSlots`
        Respond,         // a serialized HTTP response in `bytes`; `flag`: close after it
        AcceptWebSocket, // the Sec-WebSocket-Key in `bytes`
        CloseWebSocket,  // close code in `number`, reason in `bytes`
        Abort,
    };
    Kind kind;
    bool flag = false;
    qint64 number = 0;
    ShardSlotId slot = 0;
    QByteArray bytes;
    QString text;
    // A broadcast frame goes to many sockets of the shard as one command.
    std::vector<ShardSlotId> moreSlots;
};

// Shard -> engine thread.
struct ShardEvent {
    enum class Kind : quint8 {
        Request, // `request`; a new slot's first event
        Message, // a WebSocket message
        Closed,  // the socket is gone, `reason` says why; sent for every adopted socket
    };
    Kind kind;
    ShardSlotId slot = 0;
    quint64 bytesIn = 0; // the socket's total so far, for the monitor
    HttpRequest request;
    ws::Message message{ws::Opcode::Text, {}};
    QString reason; // Closed: the close reason; with the peer address in `peer`
    QString peer;
};

template<typename T> class Mailbox {
public:
    // Appends the batch and empties it; true when the mailbox was empty, i.e.
    // the receiver needs a wake-up (one is already on its way otherwise).
    bool post(std::vector<T> &batch)
    {
        QMutexLocker lock(&m_mutex);
        const bool wasEmpty = m_items.empty();
        if (wasEmpty) {
            m_items.swap(batch);
        } else {
            m_items.insert(m_items.end(), std::make_move_iterator(batch.begin()),
                           std::make_move_iterator(batch.end()));
            batch.clear();
        }
        return wasEmpty;
    }
    // Everything posted so far; `into` must be empty (its capacity is reused).
    void take(std::vector<T> &into)
    {
        QMutexLocker lock(&m_mutex);
        m_items.swap(into);
    }

private:
    QMutex m_mutex;
    std::vector<T> m_items;
};
