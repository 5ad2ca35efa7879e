// JSON text relayed the way Node relays it: what JSON.stringify(JSON.parse(text))
// prints, computed in one pass over the bytes without building a document.
//
// Why: every Redis `events` message is parsed and its `message` re-encoded into
// a Socket.IO packet. A QJsonDocument round trip costs two allocating passes per
// event (a fifth of the engine's CPU for targeted events) and sorts object keys,
// so third-party payloads came out reordered. Node keeps insertion order, with
// JavaScript's one exception: integer-like keys ("0", "7", ...) come first, in
// ascending order. This rewriter follows V8 exactly: whitespace dropped, string
// escapes normalised (\/ and \u00e9 become literal, control characters get the
// short or \u00xx form, lone surrogates stay escaped), numbers printed as
// Number#toString prints them (1.0 -> 1, 1E5 -> 100000, -0 -> 0, 1e400 -> null),
// duplicate keys keep the first position and the last value.
//
// It accepts exactly what JSON.parse accepts, except inputs it leaves to the
// caller's slower path: invalid UTF-8 inside strings (Node would substitute
// U+FFFD) and nesting deeper than MaxDepth.
// Pure functions; any thread.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QVarLengthArray>

namespace jsonrelay {

inline constexpr int MaxDepth = 512;

enum class Status {
    Ok,
    Invalid,     // JSON.parse would throw
    Unsupported, // valid or not, this fast path declines (see above)
};

// Appends the relayed form of one JSON value (surrounding whitespace allowed)
// to *out. On anything but Ok, *out is left as it was.
Status relay(QByteArrayView text, QByteArray *out);

struct Member {
    QByteArray key;       // decoded (escapes resolved), UTF-8
    QByteArrayView value; // the raw value text inside the input
};

// Splits a top-level JSON object into its members, validating the whole text as
// relay() does. Duplicate keys: only the last one is kept, as JSON.parse does.
Status splitObject(QByteArrayView text, QVarLengthArray<Member, 8> *members);

// Decodes a JSON string literal (raw text including the quotes) to UTF-8.
// Lone surrogates are refused (Unsupported), as is anything that is not a string.
Status decodeString(QByteArrayView literal, QByteArray *out);

} // namespace jsonrelay
