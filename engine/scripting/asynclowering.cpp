#include "scripting/asynclowering.h"

#include <QList>
#include <algorithm>

namespace {

enum class Tok { Ident, Punct, Number, String, Regex, TplWhole, TplHead, TplMiddle, TplTail };

struct Token {
    Tok type;
    qsizetype start;
    qsizetype end;
    QStringView text;
};

bool identStart(QChar c)
{
    return c.isLetter() || c == QLatin1Char('_') || c == QLatin1Char('$') || c == QLatin1Char('\\');
}
bool identPart(QChar c)
{
    return identStart(c) || c.isDigit() || c.isMark() || c.unicode() == 0x200C ||
           c.unicode() == 0x200D;
}

// Splits JavaScript source into tokens. Only as precise as the rewrite
// needs: it must never mistake string, template, regex or comment contents
// for code, and must pair brackets.
class Lexer {
public:
    explicit Lexer(const QString &src) : s(src) {}

    bool run(QList<Token> &out, QString *error)
    {
        QList<bool> braces; // true: the `${` of a template literal
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
        *error = QStringLiteral("async lowering: %1 at line %2").arg(QLatin1String(what)).arg(line);
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

    static bool regexAllowed(const QList<Token> &out)
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
            return t.text != QLatin1String(")") && t.text != QLatin1String("]") &&
                   t.text != QLatin1String("}");
        default:
            return true;
        }
    }

    const QString &s;
    qsizetype i = 0;
};

bool opens(const Token &t)
{
    return t.type == Tok::TplHead ||
           (t.type == Tok::Punct && (t.text == QLatin1String("(") || t.text == QLatin1String("[") ||
                                     t.text == QLatin1String("{")));
}
bool closes(const Token &t)
{
    return t.type == Tok::TplTail ||
           (t.type == Tok::Punct && (t.text == QLatin1String(")") || t.text == QLatin1String("]") ||
                                     t.text == QLatin1String("}")));
}
bool is(const QList<Token> &toks, qsizetype k, const char *text)
{
    return k >= 0 && k < toks.size() && toks[k].type != Tok::String &&
           toks[k].text == QLatin1String(text);
}

// Index of the token closing the group opened at `k` (or -1).
qsizetype matching(const QList<Token> &toks, qsizetype k)
{
    int depth = 0;
    for (qsizetype j = k; j < toks.size(); ++j) {
        if (opens(toks[j]))
            ++depth;
        else if (closes(toks[j]) && --depth == 0)
            return j;
    }
    return -1;
}

struct Edit {
    qsizetype pos;
    qsizetype remove;
    QString text;
    int rank;  // at one position: 0 closing inserts, 1 opening inserts, 2 replacements
    int order; // closings inner first (later added first), openings outer first
};

class Rewriter {
public:
    Rewriter(const QString &src, const QList<Token> &toks) : s(src), t(toks) {}

    bool run(QString *error)
    {
        for (qsizetype k = 0; k < t.size(); ++k) {
            if (is(t, k, "{") && t[k].type == Tok::Punct) {
                objectSpread(k);
                continue;
            }
            if (t[k].type != Tok::Ident || is(t, k - 1, ".") || is(t, k - 1, "?.")) continue;
            if (t[k].text == QLatin1String("async")) {
                if (!asyncAt(k, error)) return false;
            } else if (t[k].text == QLatin1String("await") && inAsyncRegion(t[k].start)) {
                if (k + 1 >= t.size() || closes(t[k + 1]) || is(t, k + 1, ";") || is(t, k + 1, ","))
                    continue; // `await` used as a name
                const qsizetype last = operandEnd(k + 1);
                if (last < 0) return fail(error, k, "cannot find the operand of await");
                add(t[k].start, 5, QStringLiteral("(yield"), 2);
                add(t[last].end, 0, QStringLiteral(")"), 0);
            }
        }
        return true;
    }

    QString apply() const
    {
        QList<Edit> edits = m_edits;
        std::stable_sort(edits.begin(), edits.end(), [](const Edit &a, const Edit &b) {
            if (a.pos != b.pos) return a.pos < b.pos;
            if (a.rank != b.rank) return a.rank < b.rank;
            return a.rank == 0 ? a.order > b.order : a.order < b.order;
        });
        QString out;
        out.reserve(s.size() + edits.size() * 32);
        qsizetype at = 0;
        for (const Edit &e : edits) {
            if (e.pos < at) continue; // overlapping removal; cannot happen for valid input
            out += QStringView(s).mid(at, e.pos - at);
            out += e.text;
            at = e.pos + e.remove;
        }
        out += QStringView(s).mid(at);
        return out;
    }

private:
    bool fail(QString *error, qsizetype k, const char *what)
    {
        const qsizetype line = QStringView(s).left(t[k].start).count(QLatin1Char('\n')) + 1;
        *error = QStringLiteral("async lowering: %1 at line %2").arg(QLatin1String(what)).arg(line);
        return false;
    }

    void add(qsizetype pos, qsizetype remove, QString text, int rank)
    {
        m_edits.append({pos, remove, std::move(text), rank, int(m_edits.size())});
    }

    bool inAsyncRegion(qsizetype pos) const
    {
        return std::any_of(m_regions.begin(), m_regions.end(),
                           [pos](const auto &r) { return pos >= r.first && pos < r.second; });
    }

    // `{ ... }` at `open`: becomes `{ return __rt_async(function* () { ... }, this, args); }`.
    bool wrapBlock(qsizetype open, const QString &args, QString *error)
    {
        const qsizetype close = matching(t, open);
        if (close < 0) return fail(error, open, "unbalanced braces");
        add(t[open].end, 0,
            QStringLiteral(" return %1(function* () {").arg(QLatin1String(kAsyncRunnerName)), 1);
        add(t[close].start, 0, QStringLiteral("}, this, %1);").arg(args), 0);
        m_regions.append({t[open].end, t[close].start});
        return true;
    }

    bool arrowBody(qsizetype arrow, QString *error)
    {
        const qsizetype body = arrow + 1;
        if (body >= t.size()) return fail(error, arrow, "arrow without a body");
        if (is(t, body, "{")) return wrapBlock(body, QStringLiteral("[]"), error);
        // Expression body: up to the first , ; ) ] } at its own depth.
        qsizetype last = body;
        int depth = 0;
        for (qsizetype j = body; j < t.size(); ++j) {
            if (depth == 0 && t[j].type == Tok::Punct &&
                (t[j].text == QLatin1String(",") || t[j].text == QLatin1String(";")))
                break;
            if (closes(t[j]) && depth == 0) break;
            if (opens(t[j]))
                ++depth;
            else if (closes(t[j]))
                --depth;
            last = j;
        }
        add(t[body].start, 0,
            QStringLiteral("%1(function* () { return ").arg(QLatin1String(kAsyncRunnerName)), 1);
        add(t[last].end, 0, QStringLiteral(" }, this, [])"), 0);
        m_regions.append({t[body].start, t[last].end});
        return true;
    }

    bool asyncAt(qsizetype k, QString *error)
    {
        const qsizetype n = k + 1;
        if (n >= t.size()) return true;
        // A line break after `async` makes it an identifier (no ASI hazard handled).
        if (is(t, n, "function")) {
            if (is(t, n + 1, "*")) return fail(error, k, "async generators are not supported");
            qsizetype p = n + 1;
            if (p < t.size() && t[p].type == Tok::Ident) ++p;
            if (!is(t, p, "(")) return fail(error, k, "async function without parameters");
            const qsizetype pc = matching(t, p);
            if (pc < 0 || !is(t, pc + 1, "{"))
                return fail(error, k, "async function without a body");
            add(t[k].start, 5, QString(), 2);
            return wrapBlock(pc + 1, QStringLiteral("arguments"), error);
        }
        if (is(t, n, "*")) return fail(error, k, "async generator methods are not supported");
        if (t[n].type == Tok::Ident && is(t, n + 1, "=>")) { // async x => ...
            add(t[k].start, 5, QString(), 2);
            return arrowBody(n + 1, error);
        }
        if (is(t, n, "(")) { // async (...) => ...   or a call of a function named async
            const qsizetype pc = matching(t, n);
            if (pc < 0 || !is(t, pc + 1, "=>")) return true;
            add(t[k].start, 5, QString(), 2);
            return arrowBody(pc + 1, error);
        }
        // Method: async name(...) {...}, async [expr](...) {...}, async "name"(...) {...}
        qsizetype p = -1;
        if (t[n].type == Tok::Ident || t[n].type == Tok::String || t[n].type == Tok::Number)
            p = n + 1;
        else if (is(t, n, "[")) {
            const qsizetype bc = matching(t, n);
            if (bc > 0) p = bc + 1;
        }
        if (p > 0 && is(t, p, "(")) {
            const qsizetype pc = matching(t, p);
            if (pc > 0 && is(t, pc + 1, "{")) {
                add(t[k].start, 5, QString(), 2);
                return wrapBlock(pc + 1, QStringLiteral("arguments"), error);
            }
        }
        return true; // `async` used as an identifier
    }

    // `{a, ...b, c}` -> `Object.assign({}, {a, }, b, { c})`. Only `{` with a
    // `...` at its own level qualify (blocks and class bodies never have one);
    // declarations' destructuring patterns are left alone (V4 rejects object
    // rest there either way).
    void objectSpread(qsizetype open)
    {
        if (is(t, open - 1, "const") || is(t, open - 1, "let") || is(t, open - 1, "var")) return;
        const qsizetype close = matching(t, open);
        if (close < 0) return;
        QList<qsizetype> spreads;
        int depth = 0;
        for (qsizetype j = open + 1; j < close; ++j) {
            if (opens(t[j]))
                ++depth;
            else if (closes(t[j]))
                --depth;
            else if (depth == 0 && t[j].type == Tok::Punct && t[j].text == QLatin1String("..."))
                spreads.append(j);
        }
        if (spreads.isEmpty()) return;
        add(t[open].start, 1, QStringLiteral("Object.assign({}, {"), 2);
        for (const qsizetype dots : spreads) {
            add(t[dots].start, 3, QStringLiteral("}, "), 2);
            // The spread expression ends at the next comma of this level or the close.
            int d = 0;
            qsizetype j = dots + 1;
            for (; j < close; ++j) {
                if (opens(t[j]))
                    ++d;
                else if (closes(t[j]))
                    --d;
                else if (d == 0 && is(t, j, ","))
                    break;
            }
            if (j < close)
                add(t[j].start, 1, QStringLiteral(", {"), 2);
            else
                add(t[close].start, 0, QStringLiteral(", {"), 0);
        }
        add(t[close].start, 1, QStringLiteral("})"), 2);
    }

    // Last token of the unary-expression operand starting at `k`.
    qsizetype operandEnd(qsizetype k) const
    {
        static const QStringList prefix = {
            QStringLiteral("!"),      QStringLiteral("~"),      QStringLiteral("+"),
            QStringLiteral("-"),      QStringLiteral("typeof"), QStringLiteral("void"),
            QStringLiteral("delete"), QStringLiteral("await"),  QStringLiteral("new")};
        while (k < t.size() && (t[k].type == Tok::Punct || t[k].type == Tok::Ident) &&
               prefix.contains(t[k].text.toString()))
            ++k;
        if (k >= t.size()) return -1;
        qsizetype last;
        if (opens(t[k])) {
            last = matching(t, k);
        } else if (t[k].type == Tok::Ident && t[k].text == QLatin1String("function")) {
            qsizetype b = k + 1;
            while (b < t.size() && !is(t, b, "{"))
                ++b;
            last = b < t.size() ? matching(t, b) : -1;
        } else if (closes(t[k]) || (t[k].type == Tok::Punct && !is(t, k, "."))) {
            return -1;
        } else {
            last = k;
        }
        if (last < 0) return -1;
        while (last + 1 < t.size()) {
            const qsizetype n = last + 1;
            if ((is(t, n, ".") || is(t, n, "?.")) && n + 1 < t.size()) {
                last = opens(t[n + 1]) ? matching(t, n + 1) : n + 1;
            } else if (is(t, n, "(") || is(t, n, "[") || t[n].type == Tok::TplHead) {
                last = matching(t, n);
            } else if (t[n].type == Tok::TplWhole) {
                last = n;
            } else {
                break;
            }
            if (last < 0) return -1;
        }
        return last;
    }

    const QString &s;
    const QList<Token> &t;
    QList<Edit> m_edits;
    QList<QPair<qsizetype, qsizetype>> m_regions;
};

} // namespace

QString lowerModernSyntax(const QString &source, QString *error)
{
    error->clear();
    if (!source.contains(QLatin1String("async")) && !source.contains(QLatin1String("...")))
        return source;
    QList<Token> tokens;
    Lexer lexer(source);
    if (!lexer.run(tokens, error)) return source;
    Rewriter rewriter(source, tokens);
    if (!rewriter.run(error)) return source;
    return rewriter.apply();
}
