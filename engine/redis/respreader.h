// RespReader: incremental RESP2 reply parser. Feed bytes as they arrive, take replies out one by
// one; no I/O, no timers. Engine thread: create and use on one thread.
//
// Wraps hiredis's reader (read.h) rather than a hand-written parser: it is the parser every
// hiredis user runs in production, it resumes on partial input and it reports protocol errors
// with a readable text. hiredis 0.14 has no cap on a single reply, so this class adds one.
#pragma once

#include "redis/redisvalue.h"

#include <QByteArray>
#include <QString>

struct redisReader;

class RespReader {
public:
    // Above Redis's own 32 MB pubsub output-buffer hard limit, so a reply this big can only
    // mean a broken or hostile peer.
    static constexpr qsizetype DefaultMaxPendingBytes = 64 * 1024 * 1024;

    enum class Status { Reply, NeedMore, Error };

    explicit RespReader(qsizetype maxPendingBytes = DefaultMaxPendingBytes);
    ~RespReader();
    RespReader(const RespReader &) = delete;
    RespReader &operator=(const RespReader &) = delete;

    // Keeps the bytes and hands them to hiredis a slice at a time (see next()).
    void feed(const char *data, qsizetype size);
    void feed(const QByteArray &data);

    // Reply: *out holds the next reply. NeedMore: wait for more bytes. Error: the stream is
    // unusable (protocol error or a reply over the limit) until reset(); see errorString().
    Status next(RedisValue *out);

    void setMaxPendingBytes(qsizetype bytes) { m_maxPending = bytes; }

    QString errorString() const { return m_error; }
    // Bytes fed but not yet returned as replies (a partial reply in flight).
    qsizetype pendingBytes() const;
    // Drops all buffered input and any error: for a fresh connection.
    void reset();

private:
    // hiredis shifts its whole remaining buffer down after every reply once
    // 1 KB is consumed, so one big read of many small replies fed at once
    // costs O(bytes x replies) in memmove (26% of the engine's CPU in the
    // bench's targeted scenario). Fed a slice at a time, each shift moves at
    // most a slice.
    static constexpr qsizetype FeedSliceBytes = 4096;
    bool feedNextSlice();

    redisReader *m_reader = nullptr;
    QByteArray m_unfed;       // received, not yet given to hiredis
    qsizetype m_unfedPos = 0; // start of the unfed part of m_unfed
    qsizetype m_maxPending;
    QString m_error;
};
