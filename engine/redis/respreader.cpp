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
    m_error.clear();
}

qsizetype RespReader::pendingBytes() const
{
    return qsizetype(m_reader->len - m_reader->pos);
}

void RespReader::feed(const char *data, qsizetype size)
{
    // Only fails when the reader already holds an error, which next() reports.
    redisReaderFeed(m_reader, data, size_t(size));
}

RespReader::Status RespReader::next(RedisValue *out)
{
    if (!m_error.isEmpty()) return Status::Error;
    void *reply = nullptr;
    if (redisReaderGetReply(m_reader, &reply) != REDIS_OK) {
        m_error = QStringLiteral("protocol error: %1").arg(QString::fromUtf8(m_reader->errstr));
        return Status::Error;
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
