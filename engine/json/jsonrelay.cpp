#include "json/jsonrelay.h"

#include "json/jsonrelaytext.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <unordered_map>

namespace jsonrelay {
using namespace text;
namespace {

// Where the scanner writes: the relayed text, the decoded string content, or
// nowhere (validation only, for the values splitObject() merely locates).
enum class StringMode { Relay, Decode };

class Scanner {
public:
    Scanner(const char *begin, const char *end) : m_p(begin), m_end(end) {}

    const char *pos() const { return m_p; }
    bool atEnd() const { return m_p == m_end; }

    void skipWhitespace()
    {
        while (m_p != m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }

    bool peek(char c) const { return m_p != m_end && *m_p == c; }

    Status value(QByteArray *out, int depth)
    {
        if (m_p == m_end) return Status::Invalid;
        switch (*m_p) {
        case '{':
            return object(out, depth + 1);
        case '[':
            return array(out, depth + 1);
        case '"':
            return string(out, StringMode::Relay);
        case 't':
            return literal("true", out);
        case 'f':
            return literal("false", out);
        case 'n':
            return literal("null", out);
        default:
            return number(out);
        }
    }

    Status string(QByteArray *out, StringMode mode);

private:
    Status literal(const char *word, QByteArray *out)
    {
        const size_t n = std::strlen(word);
        if (size_t(m_end - m_p) < n || std::memcmp(m_p, word, n) != 0) return Status::Invalid;
        if (out) out->append(word, qsizetype(n));
        m_p += n;
        return Status::Ok;
    }

    Status array(QByteArray *out, int depth);
    Status object(QByteArray *out, int depth);
    Status validateObjectMembers(int depth);
    Status relayObjectMembers(QByteArray *out, int depth);
    Status number(QByteArray *out);

    const char *m_p;
    const char *m_end;
};

Status Scanner::string(QByteArray *out, StringMode mode)
{
    ++m_p; // the opening quote
    if (out && mode == StringMode::Relay) out->append('"');
    for (;;) {
        const char *run = m_p;
        while (m_p != m_end) {
            const unsigned char c = static_cast<unsigned char>(*m_p);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
            ++m_p;
        }
        if (out && m_p != run) out->append(run, m_p - run);
        if (m_p == m_end) return Status::Invalid;
        const unsigned char c = static_cast<unsigned char>(*m_p);
        if (c == '"') {
            ++m_p;
            if (out && mode == StringMode::Relay) out->append('"');
            return Status::Ok;
        }
        if (c < 0x20) return Status::Invalid; // raw control characters are not JSON
        if (c >= 0x80) {
            const int n = utf8SequenceLength(reinterpret_cast<const unsigned char *>(m_p),
                                             reinterpret_cast<const unsigned char *>(m_end));
            if (n == 0) return Status::Unsupported; // Node would put U+FFFD here
            if (out) out->append(m_p, n);
            m_p += n;
            continue;
        }
        // A backslash escape.
        if (m_end - m_p < 2) return Status::Invalid;
        const char e = m_p[1];
        m_p += 2;
        char32_t cp;
        switch (e) {
        case '"':
            cp = '"';
            break;
        case '\\':
            cp = '\\';
            break;
        case '/':
            cp = '/';
            break;
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u': {
            auto readUnit = [this](char32_t *unit) {
                if (m_end - m_p < 4) return false;
                char32_t v = 0;
                for (int i = 0; i < 4; ++i) {
                    const int h = hexValue(m_p[i]);
                    if (h < 0) return false;
                    v = (v << 4) | char32_t(h);
                }
                m_p += 4;
                *unit = v;
                return true;
            };
            if (!readUnit(&cp)) return Status::Invalid;
            if (cp >= 0xD800 && cp <= 0xDBFF && m_end - m_p >= 6 && m_p[0] == '\\' &&
                m_p[1] == 'u') {
                const char *save = m_p;
                m_p += 2;
                char32_t low;
                if (!readUnit(&low)) return Status::Invalid;
                if (low >= 0xDC00 && low <= 0xDFFF)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                else
                    m_p = save; // a lone high surrogate; the next escape stands alone
            }
            if (mode == StringMode::Decode && cp >= 0xD800 && cp <= 0xDFFF)
                return Status::Unsupported; // not representable in UTF-8
            break;
        }
        default:
            return Status::Invalid;
        }
        if (out) {
            if (mode == StringMode::Relay)
                appendRelayed(out, cp);
            else
                appendUtf8(out, cp);
        }
    }
}

Status Scanner::array(QByteArray *out, int depth)
{
    if (depth > MaxDepth) return Status::Unsupported;
    ++m_p;
    if (out) out->append('[');
    skipWhitespace();
    if (peek(']')) {
        ++m_p;
        if (out) out->append(']');
        return Status::Ok;
    }
    for (;;) {
        skipWhitespace();
        if (const Status s = value(out, depth); s != Status::Ok) return s;
        skipWhitespace();
        if (peek(',')) {
            ++m_p;
            if (out) out->append(',');
            continue;
        }
        if (peek(']')) {
            ++m_p;
            if (out) out->append(']');
            return Status::Ok;
        }
        return Status::Invalid;
    }
}

// Integer-like keys ("0" .. "4294967294", no leading zeros) are what JS
// orders first; quoted is the relayed key including its quotes.
bool arrayIndexKey(QByteArrayView quoted, quint32 *index)
{
    const QByteArrayView digits = quoted.sliced(1, quoted.size() - 2);
    if (digits.isEmpty() || digits.size() > 10) return false;
    if (digits.size() > 1 && digits.front() == '0') return false;
    quint64 v = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + quint64(c - '0');
    }
    if (v > 4294967294ULL) return false;
    *index = quint32(v);
    return true;
}

// Where one relayed member sits in the output: offsets in *out.
struct MemberSpan {
    qsizetype keyStart, keyEnd, valueEnd;
};

// What the members seen so far imply: whether JS would print this object in a
// different order than the input (integer-like keys after others or out of
// order, duplicate keys), so relayObject() must rebuild it at the end.
class OrderCheck {
public:
    void note(const QByteArray &out, const QVarLengthArray<MemberSpan, 16> &spans,
              const MemberSpan &span)
    {
        if (m_rebuild) return;
        const QByteArrayView key(out.constData() + span.keyStart, span.keyEnd - span.keyStart);
        quint32 index;
        if (arrayIndexKey(key, &index)) {
            if (m_sawNamedKey || qint64(index) <= m_lastIndex) m_rebuild = true;
            m_lastIndex = index;
        } else {
            m_sawNamedKey = true;
        }
        // Duplicates: Python never writes them, so a linear look suffices up
        // to a size where a map pays off; larger objects are left to the
        // rebuild, which checks for duplicates itself.
        if (spans.size() >= 64) {
            m_rebuild = true;
            return;
        }
        for (const MemberSpan &other : spans) {
            if (QByteArrayView(out.constData() + other.keyStart, other.keyEnd - other.keyStart) ==
                key) {
                m_rebuild = true;
                return;
            }
        }
    }
    bool rebuild() const { return m_rebuild; }

private:
    bool m_rebuild = false;
    bool m_sawNamedKey = false;
    qint64 m_lastIndex = -1;
};

// Rewrites the object relayed at objectStart in JS order: first occurrence of
// each key, holding its last value; then integer-like keys moved to the front
// in ascending order.
void rebuildInJsOrder(QByteArray *out, qsizetype objectStart,
                      const QVarLengthArray<MemberSpan, 16> &spans)
{
    const QByteArray text = out->mid(objectStart);
    auto keyOf = [&](const MemberSpan &s) {
        return std::string(text.constData() + (s.keyStart - objectStart),
                           size_t(s.keyEnd - s.keyStart));
    };
    struct Final {
        std::string key;
        QByteArrayView value; // ':' excluded
        bool isIndex;
        quint32 index;
    };
    std::vector<Final> members;
    members.reserve(size_t(spans.size()));
    std::unordered_map<std::string, size_t> seen;
    for (const MemberSpan &s : spans) {
        std::string key = keyOf(s);
        const QByteArrayView value(text.constData() + (s.keyEnd - objectStart) + 1,
                                   s.valueEnd - s.keyEnd - 1);
        if (auto it = seen.find(key); it != seen.end()) {
            members[it->second].value = value;
            continue;
        }
        Final f{key, value, false, 0};
        f.isIndex = arrayIndexKey(QByteArrayView(key.data(), qsizetype(key.size())), &f.index);
        seen.emplace(std::move(key), members.size());
        members.push_back(std::move(f));
    }
    std::stable_partition(members.begin(), members.end(), [](const Final &f) { return f.isIndex; });
    const auto firstNamed =
        std::find_if(members.begin(), members.end(), [](const Final &f) { return !f.isIndex; });
    std::sort(members.begin(), firstNamed,
              [](const Final &a, const Final &b) { return a.index < b.index; });
    out->truncate(objectStart);
    out->append('{');
    for (size_t i = 0; i < members.size(); ++i) {
        if (i) out->append(',');
        out->append(members[i].key.data(), qsizetype(members[i].key.size()));
        out->append(':');
        out->append(members[i].value);
    }
    out->append('}');
}

Status Scanner::object(QByteArray *out, int depth)
{
    if (depth > MaxDepth) return Status::Unsupported;
    ++m_p;
    skipWhitespace();
    if (peek('}')) {
        ++m_p;
        if (out) out->append("{}", 2);
        return Status::Ok;
    }
    return out ? relayObjectMembers(out, depth) : validateObjectMembers(depth);
}

// Validation only (the values splitObject() merely locates).
Status Scanner::validateObjectMembers(int depth)
{
    for (;;) {
        skipWhitespace();
        if (!peek('"')) return Status::Invalid;
        if (const Status s = string(nullptr, StringMode::Relay); s != Status::Ok) return s;
        skipWhitespace();
        if (!peek(':')) return Status::Invalid;
        ++m_p;
        skipWhitespace();
        if (const Status s = value(nullptr, depth); s != Status::Ok) return s;
        skipWhitespace();
        if (peek(',')) {
            ++m_p;
            continue;
        }
        if (peek('}')) {
            ++m_p;
            return Status::Ok;
        }
        return Status::Invalid;
    }
}

// Members are written in input order while their places are noted; the rare
// objects that JS would reorder are rebuilt from those notes at the end.
Status Scanner::relayObjectMembers(QByteArray *out, int depth)
{
    const qsizetype objectStart = out->size();
    out->append('{');
    QVarLengthArray<MemberSpan, 16> spans;
    OrderCheck order;
    for (;;) {
        skipWhitespace();
        if (!peek('"')) return Status::Invalid;
        MemberSpan span;
        span.keyStart = out->size();
        if (const Status s = string(out, StringMode::Relay); s != Status::Ok) return s;
        span.keyEnd = out->size();
        skipWhitespace();
        if (!peek(':')) return Status::Invalid;
        ++m_p;
        out->append(':');
        skipWhitespace();
        if (const Status s = value(out, depth); s != Status::Ok) return s;
        span.valueEnd = out->size();
        order.note(*out, spans, span);
        spans.append(span);

        skipWhitespace();
        if (peek(',')) {
            ++m_p;
            out->append(',');
            continue;
        }
        if (peek('}')) {
            ++m_p;
            break;
        }
        return Status::Invalid;
    }
    out->append('}');
    if (order.rebuild()) rebuildInJsOrder(out, objectStart, spans);
    return Status::Ok;
}

Status Scanner::number(QByteArray *out)
{
    const char *start = m_p;
    if (peek('-')) ++m_p;
    if (m_p == m_end || *m_p < '0' || *m_p > '9') return Status::Invalid;
    const char *intStart = m_p;
    if (*m_p == '0')
        ++m_p;
    else
        while (m_p != m_end && *m_p >= '0' && *m_p <= '9')
            ++m_p;
    const qsizetype intDigits = m_p - intStart;
    bool plainInteger = true;
    if (peek('.')) {
        plainInteger = false;
        ++m_p;
        const char *fracStart = m_p;
        while (m_p != m_end && *m_p >= '0' && *m_p <= '9')
            ++m_p;
        if (m_p == fracStart) return Status::Invalid;
    }
    if (peek('e') || peek('E')) {
        plainInteger = false;
        ++m_p;
        if (peek('+') || peek('-')) ++m_p;
        const char *expStart = m_p;
        while (m_p != m_end && *m_p >= '0' && *m_p <= '9')
            ++m_p;
        if (m_p == expStart) return Status::Invalid;
    }
    if (!out) return Status::Ok;
    // Integers that a double holds exactly print as written (the common case).
    if (plainInteger && intDigits <= 15) {
        if (m_p - start == 2 && start[0] == '-' && start[1] == '0')
            out->append('0');
        else
            out->append(start, m_p - start);
        return Status::Ok;
    }
    double v = 0;
    const auto res = std::from_chars(start, m_p, v);
    if (res.ec == std::errc::result_out_of_range) {
        // Too large: Infinity, which JSON.stringify prints as null; too small: (-)0.
        const char *mantissaEnd =
            std::find_if(start, m_p, [](char c) { return c == 'e' || c == 'E'; });
        int exp10 = 0;
        if (mantissaEnd != m_p) {
            const char *q = mantissaEnd + 1;
            if (*q == '+') ++q;
            long long parsed = 0;
            if (std::from_chars(q, m_p, parsed).ec == std::errc::result_out_of_range)
                parsed = (*q == '-') ? -100000 : 100000;
            exp10 = int(std::clamp<long long>(parsed, -100000, 100000));
        }
        // Position of the first non-zero digit relative to the decimal point.
        int magnitude = 0;
        bool found = false;
        int place = int(intDigits) - 1;
        for (const char *q = intStart; q != mantissaEnd; ++q) {
            if (*q == '.') continue;
            if (*q != '0') {
                magnitude = place;
                found = true;
                break;
            }
            --place;
        }
        if (found && magnitude + exp10 > 0)
            out->append("null", 4);
        else
            out->append('0');
        return Status::Ok;
    }
    if (res.ec != std::errc() || res.ptr != m_p) return Status::Invalid;
    appendJsNumber(out, v);
    return Status::Ok;
}

} // namespace

Status relay(QByteArrayView text, QByteArray *out)
{
    const qsizetype mark = out->size();
    Scanner s(text.data(), text.data() + text.size());
    s.skipWhitespace();
    Status status = s.value(out, 0);
    if (status == Status::Ok) {
        s.skipWhitespace();
        if (!s.atEnd()) status = Status::Invalid;
    }
    if (status != Status::Ok) out->truncate(mark);
    return status;
}

Status splitObject(QByteArrayView text, QVarLengthArray<Member, 8> *members)
{
    members->clear();
    Scanner s(text.data(), text.data() + text.size());
    s.skipWhitespace();
    if (!s.peek('{')) {
        const Status status = s.value(nullptr, 0);
        return status == Status::Ok ? Status::Invalid : status; // not an object
    }
    // Walk the members here (not Scanner::object) to note where each value lies.
    Scanner body(s.pos() + 1, text.data() + text.size());
    body.skipWhitespace();
    if (body.peek('}')) {
        Scanner rest(body.pos() + 1, text.data() + text.size());
        rest.skipWhitespace();
        return rest.atEnd() ? Status::Ok : Status::Invalid;
    }
    for (;;) {
        body.skipWhitespace();
        if (!body.peek('"')) return Status::Invalid;
        Member m;
        if (const Status st = body.string(&m.key, StringMode::Decode); st != Status::Ok) return st;
        body.skipWhitespace();
        if (!body.peek(':')) return Status::Invalid;
        Scanner afterColon(body.pos() + 1, text.data() + text.size());
        afterColon.skipWhitespace();
        const char *valueStart = afterColon.pos();
        if (const Status st = afterColon.value(nullptr, 1); st != Status::Ok) return st;
        m.value = QByteArrayView(valueStart, afterColon.pos() - valueStart);
        body = afterColon;
        bool replaced = false;
        for (Member &other : *members) {
            if (other.key == m.key) {
                other.value = m.value;
                replaced = true;
                break;
            }
        }
        if (!replaced) members->append(std::move(m));
        body.skipWhitespace();
        if (body.peek(',')) {
            body = Scanner(body.pos() + 1, text.data() + text.size());
            continue;
        }
        if (body.peek('}')) {
            Scanner rest(body.pos() + 1, text.data() + text.size());
            rest.skipWhitespace();
            return rest.atEnd() ? Status::Ok : Status::Invalid;
        }
        return Status::Invalid;
    }
}

Status decodeString(QByteArrayView literal, QByteArray *out)
{
    Scanner s(literal.data(), literal.data() + literal.size());
    if (!s.peek('"')) return Status::Unsupported;
    QByteArray decoded;
    const Status status = s.string(&decoded, StringMode::Decode);
    if (status != Status::Ok) return status;
    if (!s.atEnd()) return Status::Unsupported;
    *out = std::move(decoded);
    return Status::Ok;
}

} // namespace jsonrelay
