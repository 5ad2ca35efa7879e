#include "cluster/msgpackjson.h"

#include "protocol/siopacket.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

#include <cmath>

namespace cluster {

namespace {

// Bounds for one message: every byte already came through a bounded Redis
// reply, these stop a small hostile message from claiming huge containers or
// recursing deeply (msgpack-cxx allocates an array's slots up front).
constexpr std::size_t MaxContainerEntries = 1'000'000;
constexpr std::size_t MaxDepth = 64;

bool isPlaceholder(const QJsonObject &o, const QList<QByteArray> &attachments, qsizetype *index)
{
    if (o.size() != 2 || o.value(QLatin1String("_placeholder")) != QJsonValue(true)) return false;
    const QJsonValue num = o.value(QLatin1String("num"));
    if (!num.isDouble()) return false;
    const double n = num.toDouble();
    if (n < 0 || n >= double(attachments.size()) || n != std::floor(n)) return false;
    *index = qsizetype(n);
    return true;
}

void appendJsonString(QByteArray &out, const char *p, std::size_t n)
{
    bool ascii = true;
    for (std::size_t i = 0; i < n; ++i)
        if (static_cast<unsigned char>(p[i]) >= 0x80) {
            ascii = false;
            break;
        }
    QByteArray repaired;
    if (!ascii) {
        // A peer may send any bytes as `str`; clients must still get valid
        // UTF-8 text frames, so invalid sequences become U+FFFD.
        repaired = QString::fromUtf8(p, qsizetype(n)).toUtf8();
        p = repaired.constData();
        n = std::size_t(repaired.size());
    }
    static const char hex[] = "0123456789abcdef";
    out.append('"');
    std::size_t run = 0; // start of the bytes not yet copied
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(p[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(p + run, qsizetype(i - run));
        run = i + 1;
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        default: {
            const char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            out.append(esc, 6);
        }
        }
    }
    out.append(p + run, qsizetype(n - run));
    out.append('"');
}

void appendPlaceholder(QByteArray &out, QList<QByteArray> &attachments, QByteArray bytes)
{
    out.append("{\"_placeholder\":true,\"num\":")
        .append(QByteArray::number(attachments.size()))
        .append('}');
    attachments.append(std::move(bytes));
}

void appendDouble(QByteArray &out, double d)
{
    if (!std::isfinite(d)) {
        out.append("null");
        return;
    }
    if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
        out.append(QByteArray::number(qint64(d)));
        return;
    }
    out.append(sio::toJson(QJsonValue(d)));
}

// The msgpack timestamp extension (type -1) in its three sizes, as Date.toJSON().
bool appendTimestamp(QByteArray &out, const msgpack::object_ext &ext)
{
    const auto *d = reinterpret_cast<const unsigned char *>(ext.data());
    auto be = [d](int from, int n) {
        quint64 v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 8) | d[from + i];
        return v;
    };
    qint64 seconds = 0;
    quint64 nanos = 0;
    if (ext.size == 4) {
        seconds = qint64(be(0, 4));
    } else if (ext.size == 8) {
        const quint64 v = be(0, 8);
        nanos = v >> 34;
        seconds = qint64(v & 0x3ffffffffULL);
    } else if (ext.size == 12) {
        nanos = be(0, 4);
        seconds = qint64(be(4, 8));
    } else {
        return false;
    }
    const QDateTime t =
        QDateTime::fromMSecsSinceEpoch(seconds * 1000 + qint64(nanos / 1000000), Qt::UTC);
    out.append('"').append(t.toString(Qt::ISODateWithMs).toLatin1()).append('"');
    return true;
}

void appendKey(QByteArray &out, const msgpack::object &key, QList<QByteArray> &attachments)
{
    // A JavaScript object key is String(key).
    if (key.type == msgpack::type::STR) {
        appendJsonString(out, key.via.str.ptr, key.via.str.size);
        return;
    }
    QByteArray text;
    writeJson(text, key, attachments);
    if (key.type == msgpack::type::NIL) text = "null";
    appendJsonString(out, text.constData(), std::size_t(text.size()));
}

} // namespace

void packString(Packer &pk, const QString &s)
{
    const QByteArray utf8 = s.toUtf8();
    pk.pack_str(uint32_t(utf8.size()));
    pk.pack_str_body(utf8.constData(), uint32_t(utf8.size()));
}

void packString(Packer &pk, const char *latin1)
{
    const auto n = uint32_t(strlen(latin1));
    pk.pack_str(n);
    pk.pack_str_body(latin1, n);
}

void packBinary(Packer &pk, const QByteArray &bytes)
{
    pk.pack_bin(uint32_t(bytes.size()));
    pk.pack_bin_body(bytes.constData(), uint32_t(bytes.size()));
}

void packNumber(Packer &pk, double value)
{
    if (std::isfinite(value) && value == std::floor(value) && value >= -9223372036854775808.0 &&
        value < 18446744073709551616.0) {
        if (value < 0)
            pk.pack_int64(qint64(value));
        else
            pk.pack_uint64(quint64(value));
        return;
    }
    pk.pack_double(value);
}

void packJson(Packer &pk, const QJsonValue &value, const QList<QByteArray> &attachments)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        pk.pack_nil();
        return;
    case QJsonValue::Bool:
        value.toBool() ? pk.pack_true() : pk.pack_false();
        return;
    case QJsonValue::Double:
        packNumber(pk, value.toDouble());
        return;
    case QJsonValue::String:
        packString(pk, value.toString());
        return;
    case QJsonValue::Array: {
        const QJsonArray a = value.toArray();
        pk.pack_array(uint32_t(a.size()));
        for (const QJsonValue &v : a)
            packJson(pk, v, attachments);
        return;
    }
    case QJsonValue::Object: {
        const QJsonObject o = value.toObject();
        qsizetype index = 0;
        if (isPlaceholder(o, attachments, &index)) {
            packBinary(pk, attachments.at(index));
            return;
        }
        pk.pack_map(uint32_t(o.size()));
        for (auto it = o.begin(); it != o.end(); ++it) {
            packString(pk, it.key());
            packJson(pk, it.value(), attachments);
        }
        return;
    }
    }
}

void writeJson(QByteArray &out, const msgpack::object &o, QList<QByteArray> &attachments)
{
    switch (o.type) {
    case msgpack::type::NIL:
        out.append("null");
        return;
    case msgpack::type::BOOLEAN:
        out.append(o.via.boolean ? "true" : "false");
        return;
    case msgpack::type::POSITIVE_INTEGER:
        // Beyond 2^53 a JavaScript number is inexact too; keep its value.
        if (o.via.u64 > (quint64(1) << 53))
            appendDouble(out, double(o.via.u64));
        else
            out.append(QByteArray::number(o.via.u64));
        return;
    case msgpack::type::NEGATIVE_INTEGER:
        if (o.via.i64 < -(qint64(1) << 53))
            appendDouble(out, double(o.via.i64));
        else
            out.append(QByteArray::number(o.via.i64));
        return;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
        appendDouble(out, o.via.f64);
        return;
    case msgpack::type::STR:
        appendJsonString(out, o.via.str.ptr, o.via.str.size);
        return;
    case msgpack::type::BIN:
        appendPlaceholder(out, attachments, QByteArray(o.via.bin.ptr, qsizetype(o.via.bin.size)));
        return;
    case msgpack::type::EXT: {
        const msgpack::object_ext ext = o.via.ext;
        if (ext.type() == -1 && appendTimestamp(out, ext)) return;
        const QByteArray body(ext.data(), qsizetype(ext.size));
        if (ext.type() == 0) { // legacy ArrayBuffer
            appendPlaceholder(out, attachments, body);
            return;
        }
        // notepack gives [type, Buffer] for unknown extensions.
        out.append('[').append(QByteArray::number(int(ext.type()))).append(',');
        appendPlaceholder(out, attachments, body);
        out.append(']');
        return;
    }
    case msgpack::type::ARRAY:
        out.append('[');
        for (uint32_t i = 0; i < o.via.array.size; ++i) {
            if (i) out.append(',');
            writeJson(out, o.via.array.ptr[i], attachments);
        }
        out.append(']');
        return;
    case msgpack::type::MAP:
        out.append('{');
        for (uint32_t i = 0; i < o.via.map.size; ++i) {
            if (i) out.append(',');
            appendKey(out, o.via.map.ptr[i].key, attachments);
            out.append(':');
            writeJson(out, o.via.map.ptr[i].val, attachments);
        }
        out.append('}');
        return;
    }
    out.append("null");
}

bool unpackOne(const QByteArray &bytes, msgpack::object_handle &out, QString *error)
{
    const msgpack::unpack_limit limit(MaxContainerEntries, MaxContainerEntries, 0xffffffff,
                                      0xffffffff, 0xffffffff, MaxDepth);
    std::size_t offset = 0;
    // Strings and binaries point into `bytes` instead of being copied.
    auto reference = [](msgpack::type::object_type, std::size_t, void *) { return true; };
    try {
        out = msgpack::unpack(bytes.constData(), std::size_t(bytes.size()), offset, reference,
                              nullptr, limit);
    } catch (const std::exception &e) {
        if (error)
            *error = QStringLiteral("malformed msgpack: %1").arg(QString::fromUtf8(e.what()));
        return false;
    }
    if (offset != std::size_t(bytes.size())) {
        if (error)
            *error = QStringLiteral("malformed msgpack: %1 trailing bytes")
                         .arg(std::size_t(bytes.size()) - offset);
        return false;
    }
    return true;
}

const msgpack::object *mapValue(const msgpack::object &map, const char *key)
{
    if (map.type != msgpack::type::MAP) return nullptr;
    const std::size_t n = strlen(key);
    for (uint32_t i = 0; i < map.via.map.size; ++i) {
        const msgpack::object &k = map.via.map.ptr[i].key;
        if (k.type == msgpack::type::STR && k.via.str.size == n &&
            memcmp(k.via.str.ptr, key, n) == 0)
            return &map.via.map.ptr[i].val;
    }
    return nullptr;
}

bool isString(const msgpack::object &o)
{
    return o.type == msgpack::type::STR;
}

QString toQString(const msgpack::object &o)
{
    if (o.type == msgpack::type::STR)
        return QString::fromUtf8(o.via.str.ptr, qsizetype(o.via.str.size));
    if (o.type == msgpack::type::BIN)
        return QString::fromUtf8(o.via.bin.ptr, qsizetype(o.via.bin.size));
    return {};
}

QStringList toStringList(const msgpack::object *array)
{
    QStringList list;
    if (!array || array->type != msgpack::type::ARRAY) return list;
    list.reserve(qsizetype(array->via.array.size));
    for (uint32_t i = 0; i < array->via.array.size; ++i) {
        const msgpack::object &item = array->via.array.ptr[i];
        if (item.type == msgpack::type::STR)
            list.append(toQString(item));
        else if (item.type == msgpack::type::POSITIVE_INTEGER) // socket.io rooms may be numbers
            list.append(QString::number(item.via.u64));
        else if (item.type == msgpack::type::NEGATIVE_INTEGER)
            list.append(QString::number(item.via.i64));
    }
    return list;
}

} // namespace cluster
