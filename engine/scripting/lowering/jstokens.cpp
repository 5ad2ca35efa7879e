#include "scripting/lowering/jstokens.h"

#include <QStringList>

namespace {

bool identStart(QChar c)
{
    return c.isLetter() || c == QLatin1Char('_') || c == QLatin1Char('$') || c == QLatin1Char('\\');
}
bool identPart(QChar c)
{
    return identStart(c) || c.isDigit() || c.isMark() || c.unicode() == 0x200C ||
           c.unicode() == 0x200D;
}

class Lexer {
public:
    Lexer(const QString &src, const char *pass) : s(src), m_pass(pass) {}

    bool run(QList<Token> &out, QString *error)
    {
        QList<bool> braces; // true: the `${` of a template literal
        QList<bool> parens; // true: the head of if/while/for/with
        while (true) {
            skipSpace();
            if (i >= s.size()) return true;
            const qsizetype start = i;
            const QChar c = s[i];
            if (c == QLatin1Char('`')) {
                ++i;
                if (!templateChunk(out, start, Tok::TplWhole, Tok::TplHead, braces, error))
                    return false;
            } else if (c == QLatin1Char('}') && !braces.isEmpty() && braces.last()) {
                braces.removeLast();
                ++i;
                if (!templateChunk(out, start, Tok::TplTail, Tok::TplMiddle, braces, error))
                    return false;
            } else if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
                ++i;
                while (i < s.size() && s[i] != c) {
                    if (s[i] == QLatin1Char('\\')) ++i;
                    ++i;
                }
                if (i >= s.size()) return fail(error, start, "unterminated string");
                ++i;
                push(out, Tok::String, start);
            } else if (c.isDigit() ||
                       (c == QLatin1Char('.') && i + 1 < s.size() && s[i + 1].isDigit())) {
                while (i < s.size() && (s[i].isLetterOrNumber() || s[i] == QLatin1Char('.') ||
                                        s[i] == QLatin1Char('_')))
                    ++i;
                push(out, Tok::Number, start);
            } else if (identStart(c)) {
                while (i < s.size() && identPart(s[i]))
                    ++i;
                push(out, Tok::Ident, start);
            } else if (c == QLatin1Char('/') && regexAllowed(out)) {
                ++i;
                bool inClass = false;
                while (i < s.size() && (inClass || s[i] != QLatin1Char('/'))) {
                    if (s[i] == QLatin1Char('\n')) return fail(error, start, "unterminated regex");
                    if (s[i] == QLatin1Char('\\'))
                        ++i;
                    else if (s[i] == QLatin1Char('['))
                        inClass = true;
                    else if (s[i] == QLatin1Char(']'))
                        inClass = false;
                    ++i;
                }
                if (i >= s.size()) return fail(error, start, "unterminated regex");
                ++i;
                while (i < s.size() && identPart(s[i]))
                    ++i;
                push(out, Tok::Regex, start);
            } else {
                static const char *multi[] = {"=>", "?.", "..."};
                qsizetype len = 1;
                for (const char *m : multi) {
                    const QLatin1StringView mv(m);
                    if (QStringView(s).mid(i).startsWith(mv)) {
                        // `a?.5:b` is a conditional, not optional chaining.
                        if (mv == QLatin1String("?.") && i + 2 < s.size() && s[i + 2].isDigit())
                            continue;
                        len = mv.size();
                        break;
                    }
                }
                if (c == QLatin1Char('{')) braces.append(false);
                if (c == QLatin1Char('}') && !braces.isEmpty()) braces.removeLast();
                if (c == QLatin1Char('(')) parens.append(opensControlHead(out));
                if (c == QLatin1Char(')'))
                    m_closedControlHead = !parens.isEmpty() && parens.takeLast();
                i += len;
                push(out, Tok::Punct, start);
            }
        }
    }

private:
    void push(QList<Token> &out, Tok type, qsizetype start)
    {
        out.append({type, start, i, QStringView(s).mid(start, i - start)});
    }

    bool fail(QString *error, qsizetype at, const char *what)
    {
        const qsizetype line = QStringView(s).left(at).count(QLatin1Char('\n')) + 1;
        *error = QStringLiteral("%1: %2 at line %3")
                     .arg(QLatin1String(m_pass), QLatin1String(what))
                     .arg(line);
        return false;
    }

    bool templateChunk(QList<Token> &out, qsizetype start, Tok closed, Tok open,
                       QList<bool> &braces, QString *error)
    {
        while (i < s.size()) {
            if (s[i] == QLatin1Char('\\')) {
                i += 2;
                continue;
            }
            if (s[i] == QLatin1Char('`')) {
                ++i;
                push(out, closed, start);
                return true;
            }
            if (s[i] == QLatin1Char('$') && i + 1 < s.size() && s[i + 1] == QLatin1Char('{')) {
                i += 2;
                braces.append(true);
                push(out, open, start);
                return true;
            }
            ++i;
        }
        return fail(error, start, "unterminated template literal");
    }

    void skipSpace()
    {
        while (i < s.size()) {
            if (s[i].isSpace()) {
                ++i;
            } else if (s[i] == QLatin1Char('/') && i + 1 < s.size() &&
                       s[i + 1] == QLatin1Char('/')) {
                while (i < s.size() && s[i] != QLatin1Char('\n'))
                    ++i;
            } else if (s[i] == QLatin1Char('/') && i + 1 < s.size() &&
                       s[i + 1] == QLatin1Char('*')) {
                const qsizetype end = s.indexOf(QLatin1String("*/"), i + 2);
                i = end < 0 ? s.size() : end + 2;
            } else {
                return;
            }
        }
    }

    static bool opensControlHead(const QList<Token> &out)
    {
        if (out.isEmpty() || out.last().type != Tok::Ident) return false;
        const QStringView k = out.last().text;
        return k == QLatin1String("if") || k == QLatin1String("while") ||
               k == QLatin1String("for") || k == QLatin1String("with");
    }

    // After `)` a `/` divides, unless the `)` ends an if/while/for head:
    // `if (x) /re/.test(s)`.
    bool regexAllowed(const QList<Token> &out) const
    {
        if (out.isEmpty()) return true;
        const Token &t = out.last();
        switch (t.type) {
        case Tok::Number:
        case Tok::String:
        case Tok::Regex:
        case Tok::TplWhole:
        case Tok::TplTail:
            return false;
        case Tok::Ident: {
            static const QStringList keywords = {
                QStringLiteral("return"), QStringLiteral("typeof"),    QStringLiteral("case"),
                QStringLiteral("do"),     QStringLiteral("else"),      QStringLiteral("in"),
                QStringLiteral("of"),     QStringLiteral("new"),       QStringLiteral("delete"),
                QStringLiteral("void"),   QStringLiteral("throw"),     QStringLiteral("yield"),
                QStringLiteral("await"),  QStringLiteral("instanceof")};
            return keywords.contains(t.text.toString());
        }
        case Tok::Punct:
            if (t.text == QLatin1String(")")) return m_closedControlHead;
            return t.text != QLatin1String("]") && t.text != QLatin1String("}");
        default:
            return true;
        }
    }

    const QString &s;
    const char *m_pass;
    qsizetype i = 0;
    bool m_closedControlHead = false; // the last `)` ended an if/while/for/with head
};

bool isPunct(const Token &t, const char *text)
{
    return t.type == Tok::Punct && t.text == QLatin1String(text);
}

// Whether an expression can end with this token (for the ASI check).
bool endsExpression(const Token &t)
{
    switch (t.type) {
    case Tok::Number:
    case Tok::String:
    case Tok::Regex:
    case Tok::TplWhole:
    case Tok::TplTail:
        return true;
    case Tok::Ident: {
        static const QStringList operators = {
            QStringLiteral("typeof"), QStringLiteral("new"),  QStringLiteral("delete"),
            QStringLiteral("void"),   QStringLiteral("in"),   QStringLiteral("instanceof"),
            QStringLiteral("await"),  QStringLiteral("yield")};
        return !operators.contains(t.text.toString());
    }
    case Tok::Punct:
        return isPunct(t, ")") || isPunct(t, "]") || isPunct(t, "}");
    default:
        return false;
    }
}

// Whether token k, first on its line, continues the expression before it
// (so no semicolon is inserted): binary operators, `.`, calls, templates.
bool continuesExpression(const QList<Token> &toks, qsizetype k)
{
    const Token &t = toks[k];
    if (t.type == Tok::TplHead || t.type == Tok::TplWhole) return true;
    if (t.type == Tok::Ident)
        return t.text == QLatin1String("in") || t.text == QLatin1String("instanceof");
    if (t.type != Tok::Punct) return false;
    // `#name` starts the next class member, `@` a decorator.
    if (isPunct(t, "{") || isPunct(t, "!") || isPunct(t, "~") || isPunct(t, "}") ||
        isPunct(t, ";") || isPunct(t, "#") || isPunct(t, "@"))
        return false;
    // `++`/`--` on a new line belong to the next statement.
    if ((isPunct(t, "+") || isPunct(t, "-")) && k + 1 < toks.size() && toks[k + 1].text == t.text &&
        toks[k + 1].start == t.end)
        return false;
    return true;
}

} // namespace

bool tokenizeJs(const QString &source, QList<Token> &out, QString *error, const char *pass)
{
    Lexer lexer(source, pass);
    return lexer.run(out, error);
}

bool opensGroup(const Token &t)
{
    return t.type == Tok::TplHead || isPunct(t, "(") || isPunct(t, "[") || isPunct(t, "{");
}

bool closesGroup(const Token &t)
{
    return t.type == Tok::TplTail || isPunct(t, ")") || isPunct(t, "]") || isPunct(t, "}");
}

bool tokenIs(const QList<Token> &toks, qsizetype k, const char *text)
{
    return k >= 0 && k < toks.size() && toks[k].type != Tok::String &&
           toks[k].text == QLatin1String(text);
}

qsizetype matchingClose(const QList<Token> &toks, qsizetype k)
{
    int depth = 0;
    for (qsizetype j = k; j < toks.size(); ++j) {
        if (opensGroup(toks[j]))
            ++depth;
        else if (closesGroup(toks[j]) && --depth == 0)
            return j;
    }
    return -1;
}

qsizetype matchingOpen(const QList<Token> &toks, qsizetype k)
{
    int depth = 0;
    for (qsizetype j = k; j >= 0; --j) {
        if (closesGroup(toks[j]))
            ++depth;
        else if (opensGroup(toks[j]) && --depth == 0)
            return j;
    }
    return -1;
}

bool lineBreakBefore(const QString &source, const QList<Token> &toks, qsizetype k)
{
    if (k <= 0 || k >= toks.size()) return false;
    return QStringView(source)
        .mid(toks[k - 1].end, toks[k].start - toks[k - 1].end)
        .contains(QLatin1Char('\n'));
}

bool adjacent(const QList<Token> &toks, qsizetype a, qsizetype b)
{
    return a >= 0 && b < toks.size() && toks[a].end == toks[b].start;
}

qsizetype lineOf(const QString &source, const QList<Token> &toks, qsizetype k)
{
    const qsizetype at = k < toks.size() ? toks[k].start : source.size();
    return QStringView(source).left(at).count(QLatin1Char('\n')) + 1;
}

qsizetype assignmentExpressionEnd(const QString &source, const QList<Token> &toks, qsizetype k)
{
    if (k >= toks.size() || closesGroup(toks[k]) || toks[k].type == Tok::TplMiddle ||
        isPunct(toks[k], ",") || isPunct(toks[k], ";"))
        return -1;
    int conditionals = 0;
    qsizetype last = -1;
    for (qsizetype j = k; j < toks.size(); ++j) {
        const Token &t = toks[j];
        if (last >= 0 && lineBreakBefore(source, toks, j) && endsExpression(toks[last]) &&
            !continuesExpression(toks, j))
            break;
        if (closesGroup(t) || t.type == Tok::TplMiddle || isPunct(t, ",") || isPunct(t, ";")) break;
        if (opensGroup(t)) {
            j = matchingClose(toks, j);
            if (j < 0) return -1;
        } else if (isPunct(t, "?")) {
            if (adjacent(toks, j, j + 1) && isPunct(toks[j + 1], "?"))
                ++j; // `??`
            else
                ++conditionals;
        } else if (isPunct(t, ":")) {
            if (conditionals == 0) break;
            --conditionals;
        }
        last = j;
    }
    return last;
}
