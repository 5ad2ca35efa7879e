// bcrypt password checks for the admin namespace, through libxcrypt (the
// system's crypt library), never a hand-written bcrypt. Pure functions, any
// thread (crypt_rn keeps its state in the caller's buffer). A check costs
// 2^cost rounds (about 50-100 ms at cost 10): call it off the engine thread.
#pragma once

#include <QByteArray>
#include <QString>

// True for a well-formed $2a$, $2b$ or $2y$ hash (what the Admin UI docs and
// bcryptjs produce). `why` says what is wrong otherwise.
bool isBcryptHash(const QByteArray &hash, QString *why = nullptr);

// True when `password` hashes to `hash`. $2a$ and $2y$ are checked as $2b$
// (the same algorithm for passwords without the 2011 high-bit bug). The final
// comparison is constant-time.
bool verifyBcrypt(const QByteArray &password, const QByteArray &hash);

// Compares without leaking where the first difference is (length aside).
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

// A new $2b$ hash of `password` at this cost (libxcrypt's crypt_gensalt_rn
// with system randomness); empty on failure. For --admin-hash-password.
QByteArray makeBcryptHash(const QByteArray &password, int cost = 10);
