#include "redis/redisvalue.h"

#include <QStringList>

RedisValue RedisValue::makeError(const QByteArray &text)
{
    RedisValue v;
    v.type = Type::Error;
    v.string = text;
    return v;
}

QString RedisValue::describe() const
{
    switch (type) {
    case Type::Nil:
        return QStringLiteral("(nil)");
    case Type::String:
        return u'"' + QString::fromUtf8(string) + u'"';
    case Type::Status:
        return QString::fromUtf8(string);
    case Type::Error:
        return QStringLiteral("(error) ") + QString::fromUtf8(string);
    case Type::Integer:
        return QStringLiteral("(integer) %1").arg(integer);
    case Type::Array: {
        QStringList parts;
        for (const RedisValue &e : elements)
            parts << e.describe();
        return u'[' + parts.join(QStringLiteral(", ")) + u']';
    }
    }
    return {};
}
