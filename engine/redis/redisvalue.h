// RedisValue: one decoded RESP2 reply (nested for arrays). Plain value type: any thread;
// implicitly shared members keep copies across queued signals cheap.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

struct RedisValue {
    enum class Type { Nil, String, Status, Error, Integer, Array };

    Type type = Type::Nil;
    QByteArray string; // String (bulk), Status (+OK) and Error (-ERR ...) text
    qint64 integer = 0;
    QList<RedisValue> elements;

    bool isNil() const { return type == Type::Nil; }
    bool isError() const { return type == Type::Error; }
    bool isArray() const { return type == Type::Array; }
    // True for bulk and status strings alike: callers rarely care which one Redis chose.
    bool isText() const { return type == Type::String || type == Type::Status; }

    static RedisValue makeError(const QByteArray &text);

    // Short human-readable form for logs and test failure messages, not a wire format.
    QString describe() const;
};
