#include "redis/respencoder.h"

void appendRedisCommand(QByteArray *out, const QList<QByteArray> &argv)
{
    // No reserve() here: an exact-size reserve per command would defeat QByteArray's
    // geometric growth when many commands are appended to one pipeline buffer.
    out->append('*').append(QByteArray::number(argv.size())).append("\r\n");
    for (const QByteArray &a : argv) {
        out->append('$').append(QByteArray::number(a.size())).append("\r\n");
        out->append(a).append("\r\n");
    }
}

QByteArray encodeRedisCommand(const QList<QByteArray> &argv)
{
    qsizetype size = 16;
    for (const QByteArray &a : argv)
        size += a.size() + 16;
    QByteArray out;
    out.reserve(size);
    appendRedisCommand(&out, argv);
    return out;
}
