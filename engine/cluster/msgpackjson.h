// msgpack <-> Socket.IO JSON, the way @socket.io/redis-adapter's parser
// (notepack.io 3) and socket.io-parser see the same values: msgpack `bin`
// is a binary attachment, which socket.io keeps in its JSON as a
// `{"_placeholder":true,"num":N}` object with the bytes beside it. Decoding
// writes JSON text directly, so map keys keep their order (as JavaScript
// objects do). Only for the cluster's .cpp files: it pulls in msgpack-cxx.
// Free functions over thread-agnostic value types.
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QString>

// Without Boost: msgpack-cxx 4 needs it only for its Boost type adaptors.
#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST
#endif
#include <msgpack.hpp>

namespace cluster {

// msgpack-cxx's packer writes into anything with write(const char *, size_t).
struct ByteSink {
    QByteArray *out;
    void write(const char *data, size_t size) { out->append(data, qsizetype(size)); }
};
using Packer = msgpack::packer<ByteSink>;

void packString(Packer &pk, const QString &s);
void packString(Packer &pk, const char *latin1);
void packBinary(Packer &pk, const QByteArray &bytes);
// Integral doubles as the smallest integer form, others as float64 (notepack's rule).
void packNumber(Packer &pk, double value);
// Placeholders that point into `attachments` become `bin`; everything else as JSON.
void packJson(Packer &pk, const QJsonValue &value, const QList<QByteArray> &attachments);

// Appends the JSON text of `object`; each `bin` (and legacy ext 0) becomes a
// placeholder and its bytes are appended to `attachments`. Timestamps (ext -1)
// become ISO strings, as Date.toJSON() gives; NaN and infinities become null,
// as JSON.stringify does.
void writeJson(QByteArray &out, const msgpack::object &object, QList<QByteArray> &attachments);

// Unpacks exactly one msgpack value (trailing bytes are an error, as in
// notepack), with bounds on container sizes and depth. Throws nothing:
// returns false and sets *error on malformed or oversized input. The result
// points into `bytes` (no copies of strings): keep them alive while using it.
bool unpackOne(const QByteArray &bytes, msgpack::object_handle &out, QString *error);

// Map lookup by string key; nullptr when absent or not a map.
const msgpack::object *mapValue(const msgpack::object &map, const char *key);
QString toQString(const msgpack::object &object); // str or bin as UTF-8; else empty
bool isString(const msgpack::object &object);
QStringList toStringList(const msgpack::object *array); // non-strings are skipped

} // namespace cluster
