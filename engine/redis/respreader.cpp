#include "redis/respreader.h"

#include <hiredis/hiredis.h>

namespace {

RedisValue convert(const redisReply *r)
{
    RedisValue v;
    switch (r->type) {
    case REDIS_REPLY_STRING:
        v.type = RedisValue::Type::String;
        v.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_STATUS:
        v.type = RedisValue::Type::Status;
        v.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_ERROR:
        v.type = RedisValue::Type::Error;
        v.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        v.type = RedisValue::Type::Integer;
        v.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        v.type = RedisValue::Type::Array;
        v.elements.reserve(qsizetype(r->elements));
        for (size_t i = 0; i < r->elements; ++i)
            v.elements.append(convert(r->element[i]));
        break;
    default: // REDIS_REPLY_NIL, and a nil multi-bulk (*-1) arrives as NIL too
        break;
    }
    return v;
}

} // namespace

RespReader::RespReader(qsizetype maxPendingBytes) : m_maxPending(maxPendingBytes)
{
    reset();
}

RespReader::~RespReader()
{
    redisReaderFree(m_reader);
}

void RespReader::reset()
{
    if (m_reader) redisReaderFree(m_reader);
    m_reader = redisReaderCreate();
    Q_CHECK_PTR(m_reader);
    m_unfed.clear();
    m_unfedPos = 0;
    m_error.clear();
}

qsizetype RespReader::pendingBytes() const
{
    return qsizetype(m_reader->len - m_reader->pos) + (m_unfed.size() - m_unfedPos);
}

void RespReader::feed(const QByteArray &data)
{
    feed(data.constData(), data.size());
}

void RespReader::feed(const char *data, qsizetype size)
{
    if (size <= 0) return;
    if (m_unfedPos > m_unfed.size() / 2) { // keep the buffer from creeping forward
        m_unfed.remove(0, m_unfedPos);
        m_unfedPos = 0;
    }
    m_unfed.append(data, size);
}

bool RespReader::feedNextSlice()
{
    const qsizetype left = m_unfed.size() - m_unfedPos;
    if (left == 0) return false;
    const qsizetype n = qMin(left, FeedSliceBytes);
    // Only fails when the reader already holds an error, which next() reports.
    redisReaderFeed(m_reader, m_unfed.constData() + m_unfedPos, size_t(n));
    m_unfedPos += n;
    if (m_unfedPos == m_unfed.size()) {
        // resize(0) keeps the allocation for the next burst; a huge one is let go.
        if (m_unfed.capacity() > 4 * 1024 * 1024)
            m_unfed.clear();
        else
            m_unfed.resize(0);
        m_unfedPos = 0;
    }
    return true;
}

RespReader::Status RespReader::next(RedisValue *out)
{
    if (!m_error.isEmpty()) return Status::Error;
    void *reply = nullptr;
    for (;;) {
        if (redisReaderGetReply(m_reader, &reply) != REDIS_OK) {
            m_error = QStringLiteral("protocol error: %1").arg(QString::fromUtf8(m_reader->errstr));
            return Status::Error;
        }
        if (reply || !feedNextSlice()) break;
    }
    if (!reply) {
        // Checked only once the complete replies are out, so a big read of many small
        // replies is never mistaken for one oversized reply.
        if (pendingBytes() > m_maxPending) {
            m_error = QStringLiteral("reply larger than %1 bytes").arg(m_maxPending);
            return Status::Error;
        }
        return Status::NeedMore;
    }
    *out = convert(static_cast<const redisReply *>(reply));
    freeReplyObject(reply);
    return Status::Reply;
}
