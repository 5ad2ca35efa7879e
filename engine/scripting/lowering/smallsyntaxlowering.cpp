#include "scripting/lowering/smallsyntaxlowering.h"

#include "scripting/lowering/jstokens.h"
#include "scripting/lowering/sourceedits.h"

#include <QRegularExpression>

namespace {

class SmallSyntaxRewriter {
public:
    SmallSyntaxRewriter(const QString &src, const QList<Token> &toks) : s(src), t(toks) {}

    bool run(QString *error)
    {
        for (qsizetype k = 0; k < t.size(); ++k) {
            const Token &tok = t[k];
            if (tok.type == Tok::Number && tok.text.contains(QLatin1Char('_'))) {
                m_edits.add(tok.start, tok.end - tok.start,
                            tok.text.toString().remove(QLatin1Char('_')), 2);
            } else if (tok.type == Tok::Ident && tok.text == QLatin1String("catch") &&
                       tokenIs(t, k + 1, "{") && !tokenIs(t, k - 1, ".")) {
                m_edits.add(tok.end, 0, QStringLiteral(" (__rt_unused)"), 1);
            } else if (const int len = logicalAssignment(k); len > 0) {
                if (!lowerAssignment(k, len, error)) return false;
                k += len - 1;
            }
        }
        return true;
    }

    QString apply() const { return m_edits.apply(s); }

private:
    bool fail(QString *error, qsizetype k, const char *what)
    {
        *error = QStringLiteral("logical assignment lowering: %1 at line %2")
                     .arg(QLatin1String(what))
                     .arg(lineOf(s, t, k));
        return false;
    }

    // Token count of a `??=`, `||=` or `&&=` starting at k, else 0.
    int logicalAssignment(qsizetype k) const
    {
        if (t[k].type != Tok::Punct || k + 2 >= t.size()) return 0;
        const QStringView c = t[k].text;
        if (c != QLatin1String("?") && c != QLatin1String("|") && c != QLatin1String("&")) return 0;
        if (t[k + 1].text != c || !adjacent(t, k, k + 1) || !adjacent(t, k + 1, k + 2) ||
            !tokenIs(t, k + 2, "="))
            return 0;
        // `a ?? =b` cannot occur; `a || ==b` neither, but `a ||= =` would be an error anyway.
        return 3;
    }

    // `target OP= value` -> `target OP (target = value)`. No parentheses
    // around the whole: wherever an assignment may stand this parses the
    // same, and a leading `(` would join a previous line that has no `;`.
    bool lowerAssignment(qsizetype op, int len, QString *error)
    {
        qsizetype first = op - 1;
        while (first >= 0) {
            if (tokenIs(t, first, "]")) {
                first = matchingOpen(t, first);
                if (first < 0) return fail(error, op, "unbalanced brackets");
                --first; // the object indexed
                continue;
            }
            if (t[first].type != Tok::Ident)
                return fail(error, op, "the target must be a name or a member chain without calls");
            if (tokenIs(t, first - 1, ".")) {
                first -= 2;
                continue;
            }
            break;
        }
        if (first < 0) return fail(error, op, "missing target");
        const qsizetype valueEnd = assignmentExpressionEnd(s, t, op + len);
        if (valueEnd < 0) return fail(error, op, "missing value");
        // Repeated on the line of the operator, so no line break is copied.
        const QString target = s.mid(t[first].start, t[op - 1].end - t[first].start)
                                   .replace(QLatin1Char('\n'), QLatin1Char(' '));
        const QString binary = t[op].text.toString() + t[op].text.toString();
        m_edits.add(t[op].start, t[op + len - 1].end - t[op].start,
                    QStringLiteral("%1 (%2 =").arg(binary, target), 2);
        m_edits.add(t[valueEnd].end, 0, QStringLiteral(")"), 0);
        return true;
    }

    const QString &s;
    const QList<Token> &t;
    SourceEdits m_edits;
};

} // namespace

// Cheap test for the three constructs, so most sources are not tokenized.
static bool mayHaveSmallSyntax(const QString &source)
{
    static const QRegularExpression candidates(
        QStringLiteral("catch\\s*\\{|\\?\\?=|\\|\\|=|&&=|\\b[0-9][0-9a-zA-Z.]*_"));
    return candidates.match(source).hasMatch();
}

QString lowerSmallSyntax(const QString &source, QString *error)
{
    error->clear();
    if (!mayHaveSmallSyntax(source)) return source;
    QList<Token> tokens;
    if (!tokenizeJs(source, tokens, error, "small syntax lowering")) return source;
    SmallSyntaxRewriter rewriter(source, tokens);
    if (!rewriter.run(error)) return source;
    return rewriter.apply();
}
