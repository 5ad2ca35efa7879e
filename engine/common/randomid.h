// randomId: the 20-character base64url ids of Engine.IO sessions and
// Socket.IO sockets (15 random bytes, no padding), as the reference server
// makes them. Written straight into the destination string: one draw from
// the system generator and no intermediate QByteArray, once per connection.
// Thread-agnostic (QRandomGenerator::system() is thread-safe).
#pragma once

#include <QByteArray>
#include <QRandomGenerator>
#include <QString>

namespace randomid {

constexpr qsizetype kLength = 20;

template<typename Char> void fill(Char *out)
{
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    const auto *bytes = reinterpret_cast<const uchar *>(words);
    for (int i = 0; i < 15; i += 3) {
        const quint32 group = quint32(bytes[i]) << 16 | quint32(bytes[i + 1]) << 8 | bytes[i + 2];
        *out++ = Char(kAlphabet[group >> 18]);
        *out++ = Char(kAlphabet[(group >> 12) & 63]);
        *out++ = Char(kAlphabet[(group >> 6) & 63]);
        *out++ = Char(kAlphabet[group & 63]);
    }
}

inline QByteArray bytes()
{
    QByteArray id(kLength, Qt::Uninitialized);
    fill(id.data());
    return id;
}

inline QString string()
{
    QString id(kLength, Qt::Uninitialized);
    fill(id.data());
    return id;
}

} // namespace randomid
