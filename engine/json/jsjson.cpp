#include "json/jsjson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace {

// V8 builds its JSON.parse errors from the first offending UTF-16 position;
// QJsonParseError's offsets and wording differ, so this validator walks the
// text the way V8's JsonParser does and only decides on the message. Qt then
// builds the value from text already known to be valid.
class V8JsonValidator {
public:
    explicit V8JsonValidator(QStringView text) : m_text(text) {}

    QString run()
    {
        skipWhitespace();
        if (!value(0)) return m_error;
        skipWhitespace();
        if (m_pos < m_text.size())
            return QStringLiteral("Unexpected non-whitespace character after JSON at position ") +
                   QString::number(m_pos);
        return {};
    }

private:
    // Deeper than any web-server answer; keeps the recursion bounded.
    static constexpr int kMaxDepth = 512;
    // V8's kMaxContextCharacters: how much source an "Unexpected token" quotes.
    static constexpr qsizetype kContext = 10;

    bool atEnd() const { return m_pos >= m_text.size(); }
    QChar peek() const { return atEnd() ? QChar() : m_text[m_pos]; }

    void skipWhitespace()
    {
        while (!atEnd()) {
            const char16_t c = m_text[m_pos].unicode();
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            ++m_pos;
        }
    }

    QString at(qsizetype pos, const char *what) const
    {
        return QString::fromLatin1(what) + QStringLiteral(" in JSON at position ") +
               QString::number(pos);
    }

    bool fail(QString message)
    {
        m_error = std::move(message);
        return false;
    }

    // V8's ReportUnexpectedToken for the character at the cursor.
    bool unexpected()
    {
        if (atEnd()) return fail(QStringLiteral("Unexpected end of JSON input"));
        const char16_t c = peek().unicode();
        if (c == '"') return fail(at(m_pos, "Unexpected string"));
        if (c == '-' || (c >= '0' && c <= '9')) return fail(at(m_pos, "Unexpected number"));

        for (const char *special : {"undefined", "NaN", "Infinity", "[object Object]"}) {
            if (m_text == QLatin1String(special))
                return fail(QLatin1Char('"') + m_text.toString() +
                            QStringLiteral("\" is not valid JSON"));
        }

        const QString token(peek());
        const qsizetype length = m_text.size();
        QString quoted;
        if (length < 2 * kContext + 1) {
            quoted = QLatin1Char('"') + m_text.toString() + QLatin1Char('"');
        } else if (m_pos < kContext) {
            quoted = QLatin1Char('"') + m_text.left(m_pos + kContext).toString() +
                     QStringLiteral("\"...");
        } else if (m_pos < length - kContext) {
            quoted = QStringLiteral("...\"") +
                     m_text.mid(m_pos - kContext, 2 * kContext).toString() +
                     QStringLiteral("\"...");
        } else {
            quoted = QStringLiteral("...\"") + m_text.mid(m_pos - kContext).toString() +
                     QLatin1Char('"');
        }
        return fail(QStringLiteral("Unexpected token '") + token + QStringLiteral("', ") + quoted +
                    QStringLiteral(" is not valid JSON"));
    }

    bool value(int depth)
    {
        if (depth > kMaxDepth) return fail(at(m_pos, "Maximum nesting depth exceeded"));
        switch (peek().unicode()) {
        case '{':
            return object(depth + 1);
        case '[':
            return array(depth + 1);
        case '"':
            return string();
        case 't':
            return literal(u"true");
        case 'f':
            return literal(u"false");
        case 'n':
            return literal(u"null");
        default:
            if (peek() == QLatin1Char('-') || isAsciiDigit(peek())) return number();
            return unexpected();
        }
    }

    bool literal(QStringView word)
    {
        for (const QChar expected : word) {
            if (atEnd() || peek() != expected) return unexpected();
            ++m_pos;
        }
        return true;
    }

    static bool isAsciiDigit(QChar c) { return c.unicode() >= '0' && c.unicode() <= '9'; }
    static bool isAsciiHexDigit(QChar c)
    {
        const char16_t u = c.unicode();
        return isAsciiDigit(c) || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F');
    }

    bool digits(const char *whenNone)
    {
        if (!isAsciiDigit(peek())) return fail(at(m_pos, whenNone));
        while (isAsciiDigit(peek()))
            ++m_pos;
        return true;
    }

    bool number()
    {
        if (peek() == QLatin1Char('-')) {
            ++m_pos;
            if (!isAsciiDigit(peek())) return fail(at(m_pos, "No number after minus sign"));
        }
        if (peek() == QLatin1Char('0')) {
            ++m_pos;
            if (isAsciiDigit(peek())) return unexpected();
        } else {
            while (isAsciiDigit(peek()))
                ++m_pos;
        }
        if (peek() == QLatin1Char('.')) {
            ++m_pos;
            if (!digits("Unterminated fractional number")) return false;
        }
        if (peek() == QLatin1Char('e') || peek() == QLatin1Char('E')) {
            ++m_pos;
            if (peek() == QLatin1Char('+') || peek() == QLatin1Char('-')) ++m_pos;
            if (!digits("Exponent part is missing a number")) return false;
        }
        return true;
    }

    bool string()
    {
        ++m_pos; // opening quote
        while (true) {
            if (atEnd()) return fail(at(m_pos, "Unterminated string"));
            const char16_t c = peek().unicode();
            if (c == '"') {
                ++m_pos;
                return true;
            }
            if (c < 0x20) return fail(at(m_pos, "Bad control character in string literal"));
            ++m_pos;
            if (c != '\\') continue;
            if (atEnd()) return fail(QStringLiteral("Unexpected end of JSON input"));
            const char16_t escaped = peek().unicode();
            if (escaped == 'u') {
                ++m_pos;
                for (int i = 0; i < 4; ++i, ++m_pos) {
                    if (!isAsciiHexDigit(peek())) return fail(at(m_pos, "Bad Unicode escape"));
                }
                continue;
            }
            if (!QStringView(u"\"\\/bfnrt").contains(QChar(escaped)))
                return fail(at(m_pos, "Bad escaped character"));
            ++m_pos;
        }
    }

    bool array(int depth)
    {
        ++m_pos; // '['
        skipWhitespace();
        if (peek() == QLatin1Char(']')) {
            ++m_pos;
            return true;
        }
        while (true) {
            if (!value(depth)) return false;
            skipWhitespace();
            if (peek() == QLatin1Char(']')) {
                ++m_pos;
                return true;
            }
            if (peek() != QLatin1Char(','))
                return fail(at(m_pos, "Expected ',' or ']' after array element"));
            ++m_pos;
            skipWhitespace();
        }
    }

    bool object(int depth)
    {
        ++m_pos; // '{'
        skipWhitespace();
        if (peek() == QLatin1Char('}')) {
            ++m_pos;
            return true;
        }
        // V8 words the first property's errors differently from later ones.
        if (peek() != QLatin1Char('"')) return fail(at(m_pos, "Expected property name or '}'"));
        bool first = true;
        while (true) {
            if (!string()) return false;
            skipWhitespace();
            if (peek() != QLatin1Char(':')) {
                if (first) return fail(at(m_pos, "Expected ':' after property name"));
                return unexpected();
            }
            ++m_pos;
            skipWhitespace();
            if (!value(depth)) return false;
            skipWhitespace();
            if (peek() == QLatin1Char('}')) {
                ++m_pos;
                return true;
            }
            if (peek() != QLatin1Char(','))
                return fail(at(m_pos, "Expected ',' or '}' after property value"));
            ++m_pos;
            skipWhitespace();
            if (peek() != QLatin1Char('"'))
                return fail(at(m_pos, "Expected double-quoted property name"));
            first = false;
        }
    }

    QStringView m_text;
    qsizetype m_pos = 0;
    QString m_error;
};

} // namespace

QString jsJsonSyntaxError(QStringView text)
{
    return V8JsonValidator(text).run();
}

JsJsonResult jsJsonParse(const QByteArray &body)
{
    // fetch decodes the body as UTF-8 (invalid bytes become U+FFFD) and drops
    // one leading BOM before JSON.parse sees it.
    QString text = QString::fromUtf8(body);
    if (text.startsWith(QChar(0xFEFF))) text.remove(0, 1);

    JsJsonResult result;
    const QString syntax = jsJsonSyntaxError(text);
    if (!syntax.isEmpty()) {
        result.error = QStringLiteral("SyntaxError: ") + syntax;
        return result;
    }

    // QJsonDocument only takes objects and arrays at the top level; wrapping
    // lets scalars through, and the validator already ruled out anything
    // that could close the wrapper early.
    QJsonParseError qtError;
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray("[") + text.toUtf8() + QByteArray("]"), &qtError);
    if (qtError.error != QJsonParseError::NoError || !doc.isArray() || doc.array().size() != 1) {
        result.error = QStringLiteral("SyntaxError: ") + qtError.errorString();
        return result;
    }
    result.ok = true;
    result.value = doc.array().at(0);
    return result;
}

bool jsTruthy(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool:
        return value.toBool();
    case QJsonValue::Double: {
        const double d = value.toDouble();
        return d != 0 && d == d; // 0, -0 and NaN are falsy
    }
    case QJsonValue::String:
        return !value.toString().isEmpty();
    case QJsonValue::Array:
    case QJsonValue::Object:
        return true;
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return false;
    }
    return false;
}

QJsonValue jsProperty(const QJsonValue &value, const QString &key, QString *typeError)
{
    if (value.isNull() || value.isUndefined()) {
        if (typeError) {
            *typeError = QStringLiteral("TypeError: Cannot read properties of ") +
                         (value.isNull() ? QStringLiteral("null") : QStringLiteral("undefined")) +
                         QStringLiteral(" (reading '") + key + QStringLiteral("')");
        }
        return QJsonValue(QJsonValue::Undefined);
    }
    if (value.isObject()) return value.toObject().value(key);
    return QJsonValue(QJsonValue::Undefined);
}
