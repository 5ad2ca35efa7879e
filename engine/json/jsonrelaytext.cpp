#include "json/jsonrelaytext.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace jsonrelay::text {

int hexValue(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void appendUtf8(QByteArray *out, char32_t cp)
{
    char buf[4];
    int n;
    if (cp < 0x80) {
        buf[0] = char(cp);
        n = 1;
    } else if (cp < 0x800) {
        buf[0] = char(0xC0 | (cp >> 6));
        buf[1] = char(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        buf[0] = char(0xE0 | (cp >> 12));
        buf[1] = char(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = char(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        buf[0] = char(0xF0 | (cp >> 18));
        buf[1] = char(0x80 | ((cp >> 12) & 0x3F));
        buf[2] = char(0x80 | ((cp >> 6) & 0x3F));
        buf[3] = char(0x80 | (cp & 0x3F));
        n = 4;
    }
    out->append(buf, n);
}

void appendEscapedUnit(QByteArray *out, char32_t unit)
{
    static const char hex[] = "0123456789abcdef";
    const char buf[6] = {'\\',
                         'u',
                         hex[(unit >> 12) & 0xF],
                         hex[(unit >> 8) & 0xF],
                         hex[(unit >> 4) & 0xF],
                         hex[unit & 0xF]};
    out->append(buf, 6);
}

// One code unit or code point as JSON.stringify writes it inside a string.
void appendRelayed(QByteArray *out, char32_t cp)
{
    switch (cp) {
    case '"':
        out->append("\\\"", 2);
        return;
    case '\\':
        out->append("\\\\", 2);
        return;
    case '\b':
        out->append("\\b", 2);
        return;
    case '\f':
        out->append("\\f", 2);
        return;
    case '\n':
        out->append("\\n", 2);
        return;
    case '\r':
        out->append("\\r", 2);
        return;
    case '\t':
        out->append("\\t", 2);
        return;
    default:
        break;
    }
    if (cp < 0x20 || (cp >= 0xD800 && cp <= 0xDFFF))
        appendEscapedUnit(out, cp); // control characters and lone surrogates
    else
        appendUtf8(out, cp);
}

// Length of the well-formed UTF-8 sequence starting at p (lead byte >= 0x80), or 0.
int utf8SequenceLength(const unsigned char *p, const unsigned char *end)
{
    const unsigned char b0 = p[0];
    int n;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0) lo = 0xA0; // no overlong forms
        if (b0 == 0xED) hi = 0x9F; // no UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F; // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (end - p < n) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (int i = 2; i < n; ++i)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return n;
}

// Number#toString for a finite double, as JSON.stringify prints numbers.
void appendJsNumber(QByteArray *out, double v)
{
    if (v == 0) { // -0 prints as 0
        out->append('0');
        return;
    }
    if (v < 0) {
        out->append('-');
        v = -v;
    }
    // Shortest round-trip digits, as V8 picks them; then ECMA-262's layout.
    char sci[64];
    const auto res = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
    const char *end = res.ptr;
    const char *e = std::find(static_cast<const char *>(sci), end, 'e');
    char digits[32];
    int k = 0;
    for (const char *q = sci; q != e; ++q)
        if (*q != '.') digits[k++] = *q;
    int exponent = 0;
    std::from_chars(e + (e[1] == '+' ? 2 : 1), end, exponent);
    const int n = exponent + 1; // the decimal point sits after n digits
    if (k <= n && n <= 21) {
        out->append(digits, k);
        out->append(QByteArray(n - k, '0'));
    } else if (0 < n && n <= 21) {
        out->append(digits, n);
        out->append('.');
        out->append(digits + n, k - n);
    } else if (-6 < n && n <= 0) {
        out->append("0.", 2);
        out->append(QByteArray(-n, '0'));
        out->append(digits, k);
    } else {
        out->append(digits[0]);
        if (k > 1) {
            out->append('.');
            out->append(digits + 1, k - 1);
        }
        out->append('e');
        out->append(n - 1 >= 0 ? '+' : '-');
        out->append(QByteArray::number(std::abs(n - 1)));
    }
}

} // namespace jsonrelay::text
