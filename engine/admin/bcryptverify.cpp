#include "admin/bcryptverify.h"

#include <crypt.h>

#include <cstring>
#include <memory>

namespace {

constexpr char kBcryptAlphabet[] =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

} // namespace

bool isBcryptHash(const QByteArray &hash, QString *why)
{
    auto fail = [why](const char *text) {
        if (why) *why = QString::fromLatin1(text);
        return false;
    };
    // "$2b$" + 2-digit cost + "$" + 22 salt chars + 31 hash chars = 60.
    if (hash.size() != 60) return fail("a bcrypt hash is 60 characters long");
    if (!(hash.startsWith("$2a$") || hash.startsWith("$2b$") || hash.startsWith("$2y$")))
        return fail("a bcrypt hash starts with $2a$, $2b$ or $2y$");
    const char c1 = hash.at(4), c2 = hash.at(5);
    if (c1 < '0' || c1 > '9' || c2 < '0' || c2 > '9' || hash.at(6) != '$')
        return fail("the cost field after the prefix must be two digits and '$'");
    const int cost = (c1 - '0') * 10 + (c2 - '0');
    if (cost < 4 || cost > 31) return fail("the bcrypt cost must be from 04 to 31");
    for (qsizetype i = 7; i < hash.size(); ++i)
        if (!std::strchr(kBcryptAlphabet, hash.at(i)))
            return fail("the salt and hash part holds a character outside bcrypt's alphabet");
    return true;
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a.at(i) ^ b.at(i));
    return diff == 0;
}

bool verifyBcrypt(const QByteArray &password, const QByteArray &hash)
{
    if (!isBcryptHash(hash)) return false;
    // bcrypt reads at most 72 bytes and stops at NUL; a password with a NUL
    // would be truncated silently, so refuse it instead.
    if (password.contains('\0')) return false;
    // libxcrypt implements 2a/2b/2y; 2b is the reference for modern hashes.
    QByteArray setting = hash;
    setting[2] = 'b';
    auto data = std::make_unique<crypt_data>();
    std::memset(data.get(), 0, sizeof(crypt_data));
    const char *out =
        crypt_rn(password.constData(), setting.constData(), data.get(), int(sizeof(crypt_data)));
    if (!out || out[0] == '*') return false;
    const QByteArray computed(out);
    const bool equal = constantTimeEquals(computed, setting);
    std::memset(data.get(), 0, sizeof(crypt_data)); // the buffer held the password
    return equal;
}

QByteArray makeBcryptHash(const QByteArray &password, int cost)
{
    if (password.contains('\0')) return {};
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting,
                          int(sizeof setting)))
        return {};
    auto data = std::make_unique<crypt_data>();
    std::memset(data.get(), 0, sizeof(crypt_data));
    const char *out = crypt_rn(password.constData(), setting, data.get(), int(sizeof(crypt_data)));
    QByteArray hash = out && out[0] != '*' ? QByteArray(out) : QByteArray();
    std::memset(data.get(), 0, sizeof(crypt_data));
    return hash;
}
