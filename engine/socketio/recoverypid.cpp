#include "socketio/recoverypid.h"

#include "common/randomid.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>

namespace {
constexpr qsizetype kTagLength = 22; // base64url characters: 132 bits of the MAC
}

RecoveryPids::RecoveryPids() : m_key(32, Qt::Uninitialized)
{
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(m_key.data()),
                                          m_key.size() / 4);
}

QString RecoveryPids::tag(const QString &nsp, const QString &socketId) const
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, m_key);
    mac.addData(nsp.toUtf8());
    mac.addData("\n", 1);
    mac.addData(socketId.toUtf8());
    return QString::fromLatin1(
        mac.result()
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)
            .left(kTagLength));
}

QString RecoveryPids::make(const QString &nsp, const QString &socketId) const
{
    return socketId + tag(nsp, socketId);
}

std::optional<QString> RecoveryPids::verify(const QString &nsp, const QString &pid) const
{
    if (pid.size() != randomid::kLength + kTagLength) return std::nullopt;
    const QString socketId = pid.left(randomid::kLength);
    const QString expected = tag(nsp, socketId);
    // Constant time: how much of a guess matched must not show in the timing.
    ushort diff = 0;
    for (qsizetype i = 0; i < kTagLength; ++i)
        diff |= expected.at(i).unicode() ^ pid.at(randomid::kLength + i).unicode();
    if (diff != 0) return std::nullopt;
    return socketId;
}

QByteArray RecoveryPids::digest(const QString &pid)
{
    return QCryptographicHash::hash(pid.toUtf8(), QCryptographicHash::Sha256);
}
