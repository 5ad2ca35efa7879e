// RESP2 command encoding: a command is always sent as an array of bulk strings, so any byte
// (spaces, CR/LF, NUL) in a key or payload is safe. Pure function: any thread.
#pragma once

#include <QByteArray>
#include <QList>

QByteArray encodeRedisCommand(const QList<QByteArray> &argv);

// Appends to an existing buffer: lets a caller pipeline many commands in one write.
void appendRedisCommand(QByteArray *out, const QList<QByteArray> &argv);
