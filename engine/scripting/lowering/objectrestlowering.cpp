#include "scripting/lowering/objectrestlowering.h"

#include "scripting/lowering/jstokens.h"
#include "scripting/lowering/sourceedits.h"

#include <QSet>
#include <QStringList>

namespace {

bool isDeclarationKeyword(const QList<Token> &t, qsizetype k)
{
    return tokenIs(t, k, "const") || tokenIs(t, k, "let") || tokenIs(t, k, "var");
}

// A name that can end an expression, so a following `[` is a member access.
bool endsOperand(const Token &t)
{
    if (t.type == Tok::Ident) {
        static const QStringList keywords = {
            QStringLiteral("return"), QStringLiteral("typeof"), QStringLiteral("case"),
            QStringLiteral("do"),     QStringLiteral("else"),   QStringLiteral("in"),
            QStringLiteral("of"),     QStringLiteral("new"),    QStringLiteral("delete"),
            QStringLiteral("void"),   QStringLiteral("throw"),  QStringLiteral("yield"),
            QStringLiteral("await"),  QStringLiteral("const"),  QStringLiteral("let"),
            QStringLiteral("var")};
        return !keywords.contains(t.text.toString());
    }
    return t.type != Tok::Punct || t.text == QLatin1String(")") || t.text == QLatin1String("]");
}

class RestRewriter {
public:
    RestRewriter(const QString &src, const QList<Token> &toks) : s(src), t(toks) {}

    bool run(QString *error)
    {
        for (qsizetype k = 0; k < t.size(); ++k) {
            if (t[k].type != Tok::Punct) continue;
            const bool brace = t[k].text == QLatin1String("{");
            const bool bracket = t[k].text == QLatin1String("[");
            if ((brace || bracket) && isPatternRoot(k)) {
                if (!pattern(k, error)) return false;
            } else if (t[k].text == QLatin1String("(") && isParameterList(k)) {
                if (!parameters(k, error)) return false;
            }
        }
        return true;
    }

    QString apply() const { return m_edits.apply(s); }

private:
    bool fail(QString *error, qsizetype k, const char *what)
    {
        *error = QStringLiteral("object rest lowering: %1 at line %2")
                     .arg(QLatin1String(what))
                     .arg(lineOf(s, t, k));
        return false;
    }

    // `{`/`[` of a declaration's or an assignment's pattern (nested ones are
    // reached from their root).
    bool isPatternRoot(qsizetype open) const
    {
        if (isDeclarationKeyword(t, open - 1)) return true;
        if (tokenIs(t, open, "[") && open > 0 && endsOperand(t[open - 1])) return false;
        const qsizetype close = matchingClose(t, open);
        return close > 0 && tokenIs(t, close + 1, "=") &&
               !(adjacent(t, close + 1, close + 2) && tokenIs(t, close + 2, "="));
    }

    bool isParameterList(qsizetype open) const
    {
        const qsizetype close = matchingClose(t, open);
        if (close < 0) return false;
        if (tokenIs(t, close + 1, "=>")) return true;
        if (tokenIs(t, open - 1, "function") || tokenIs(t, open - 1, "catch")) return true;
        if (tokenIs(t, open - 2, "function") || tokenIs(t, open - 2, "*")) return true;
        // A method: `name(...) {` on one line.
        if (!tokenIs(t, close + 1, "{") || lineBreakBefore(s, t, close + 1) || open == 0)
            return false;
        const Token &name = t[open - 1];
        if (name.type == Tok::Ident) {
            static const QStringList control = {QStringLiteral("if"), QStringLiteral("for"),
                                                QStringLiteral("while"), QStringLiteral("switch"),
                                                QStringLiteral("with")};
            return !control.contains(name.text.toString());
        }
        return name.type == Tok::String || name.type == Tok::Number || tokenIs(t, open - 1, "]");
    }

    // Top-level elements of the group opened at `open`, as [first, last].
    QList<QPair<qsizetype, qsizetype>> elements(qsizetype open) const
    {
        QList<QPair<qsizetype, qsizetype>> out;
        const qsizetype close = matchingClose(t, open);
        qsizetype first = open + 1;
        for (qsizetype j = open + 1; j <= close; ++j) {
            if (j < close && opensGroup(t[j])) {
                j = matchingClose(t, j);
                continue;
            }
            if (j == close || tokenIs(t, j, ",")) {
                if (j > first) out.append({first, j - 1});
                first = j + 1;
            }
        }
        return out;
    }

    bool parameters(qsizetype open, QString *error)
    {
        for (const auto &[first, last] : elements(open)) {
            qsizetype p = first;
            if (tokenIs(t, p, "...")) ++p;
            if ((tokenIs(t, p, "{") || tokenIs(t, p, "[")) && t[p].type == Tok::Punct &&
                !pattern(p, error))
                return false;
        }
        return true;
    }

    bool pattern(qsizetype open, QString *error)
    {
        if (m_done.contains(open)) return true;
        m_done.insert(open);
        if (matchingClose(t, open) < 0) return fail(error, open, "unbalanced brackets");
        const bool object = tokenIs(t, open, "{");
        QStringList keys;
        QList<qsizetype> computed;
        qsizetype rest = -1;
        for (const auto &[first, last] : elements(open)) {
            qsizetype value = first;
            if (tokenIs(t, first, "...")) {
                if (object) rest = first;
                value = first + 1;
            } else if (object) {
                qsizetype keyEnd = first;
                if (tokenIs(t, first, "[")) {
                    keyEnd = matchingClose(t, first);
                    computed.append(first);
                } else if (t[first].type == Tok::Ident) {
                    keys.append(QLatin1Char('"') + t[first].text.toString() + QLatin1Char('"'));
                } else if (t[first].type == Tok::String || t[first].type == Tok::Number) {
                    keys.append(t[first].text.toString());
                } else {
                    return fail(error, first, "unexpected token in a destructuring pattern");
                }
                value = tokenIs(t, keyEnd + 1, ":") ? keyEnd + 2 : -1;
            }
            if (value >= 0 && value <= last && t[value].type == Tok::Punct &&
                (tokenIs(t, value, "{") || tokenIs(t, value, "[")) && !pattern(value, error))
                return false;
        }
        if (rest < 0) return true;
        for (const qsizetype c : computed) {
            m_edits.add(t[c].end, 0, QLatin1String(kRestKeyName) + QLatin1Char('('), 1);
            m_edits.add(t[matchingClose(t, c)].start, 0, QStringLiteral(")"), 0);
        }
        m_edits.add(t[rest].start, 3,
                    QStringLiteral("[%1([%2], %3)]: ")
                        .arg(QLatin1String(kRestOfName), keys.join(QStringLiteral(", ")))
                        .arg(computed.size()),
                    2);
        return true;
    }

    const QString &s;
    const QList<Token> &t;
    SourceEdits m_edits;
    QSet<qsizetype> m_done;
};

} // namespace

QString lowerObjectRest(const QString &source, QString *error)
{
    error->clear();
    if (!source.contains(QLatin1String("..."))) return source;
    QList<Token> tokens;
    if (!tokenizeJs(source, tokens, error, "object rest lowering")) return source;
    RestRewriter rewriter(source, tokens);
    if (!rewriter.run(error)) return source;
    return rewriter.apply();
}
