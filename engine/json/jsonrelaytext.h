// The character- and number-level writers of the JSON relay (jsonrelay.h):
// UTF-8 and \u escapes as JSON.stringify writes them inside strings, UTF-8
// validation, and numbers as Number#toString prints them. Pure functions;
// any thread.
#pragma once

#include <QByteArray>

namespace jsonrelay::text {

// 0..15 for a hex digit, -1 otherwise.
int hexValue(char c);
void appendUtf8(QByteArray *out, char32_t cp);
// \uXXXX for one UTF-16 code unit.
void appendEscapedUnit(QByteArray *out, char32_t unit);
// One code unit or code point as JSON.stringify writes it inside a string.
void appendRelayed(QByteArray *out, char32_t cp);
// Length of the well-formed UTF-8 sequence starting at p (lead byte >= 0x80), or 0.
int utf8SequenceLength(const unsigned char *p, const unsigned char *end);
// Number#toString for a finite double, as JSON.stringify prints numbers.
void appendJsNumber(QByteArray *out, double v);

} // namespace jsonrelay::text
