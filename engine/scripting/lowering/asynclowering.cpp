#include "scripting/lowering/asynclowering.h"

#include "scripting/lowering/classfieldlowering.h"
#include "scripting/lowering/jstokens.h"
#include "scripting/lowering/objectrestlowering.h"
#include "scripting/lowering/smallsyntaxlowering.h"
#include "scripting/lowering/sourceedits.h"

#include <algorithm>

namespace {

// The body of an async function, arrow or method (source offsets).
struct Region {
    qsizetype start;
    qsizetype end;
    bool generator; // an async generator: awaits are marked
};

class Rewriter {
public:
    Rewriter(const QString &src, const QList<Token> &toks) : s(src), t(toks) {}

    bool run(QString *error)
    {
        for (qsizetype k = 0; k < t.size(); ++k) {
            if (tokenIs(t, k, "{") && t[k].type == Tok::Punct) {
                objectSpread(k);
                continue;
            }
            if (t[k].type != Tok::Ident || tokenIs(t, k - 1, ".") || tokenIs(t, k - 1, "?."))
                continue;
            if (t[k].text == QLatin1String("for") && tokenIs(t, k + 1, "await") &&
                inAsyncRegion(t[k].start)) {
                const qsizetype resume = forAwait(k, error);
                if (resume < 0) return false;
                k = resume;
            } else if (t[k].text == QLatin1String("async")) {
                if (!asyncAt(k, error)) return false;
            } else if (t[k].text == QLatin1String("await") && inAsyncRegion(t[k].start)) {
                if (k + 1 >= t.size() || closesGroup(t[k + 1]) || tokenIs(t, k + 1, ";") ||
                    tokenIs(t, k + 1, ","))
                    continue; // `await` used as a name
                const qsizetype last = operandEnd(k + 1);
                if (last < 0) return fail(error, k, "cannot find the operand of await");
                const bool marked = inAsyncGenerator(t[k].start);
                add(t[k].start, 5, marked ? awaitMarkOpen() : QStringLiteral("(yield"), 2);
                add(t[last].end, 0, marked ? QStringLiteral("))") : QStringLiteral(")"), 0);
            } else if (t[k].text == QLatin1String("yield") && tokenIs(t, k + 1, "*") &&
                       inAsyncGenerator(t[k].start)) {
                // The runner walks the delegate and hands its values out.
                const qsizetype last = assignmentExpressionEnd(s, t, k + 2);
                if (last < 0) return fail(error, k, "cannot find the operand of yield*");
                add(t[k].start, t[k + 1].end - t[k].start,
                    QStringLiteral("(yield %1(").arg(QLatin1String(kDelegateMarkName)), 2);
                add(t[last].end, 0, QStringLiteral("))"), 0);
            }
        }
        return true;
    }

    QString apply() const { return m_edits.apply(s); }

private:
    bool fail(QString *error, qsizetype k, const char *what)
    {
        const qsizetype line = QStringView(s).left(t[k].start).count(QLatin1Char('\n')) + 1;
        *error = QStringLiteral("async lowering: %1 at line %2").arg(QLatin1String(what)).arg(line);
        return false;
    }

    void add(qsizetype pos, qsizetype remove, QString text, int rank)
    {
        m_edits.add(pos, remove, std::move(text), rank);
    }

    // The innermost async body around `pos`, or null.
    const Region *regionAt(qsizetype pos) const
    {
        const Region *inner = nullptr;
        for (const Region &r : m_regions)
            if (pos >= r.start && pos < r.end && (!inner || r.start > inner->start)) inner = &r;
        return inner;
    }
    bool inAsyncRegion(qsizetype pos) const { return regionAt(pos) != nullptr; }
    bool inAsyncGenerator(qsizetype pos) const
    {
        const Region *r = regionAt(pos);
        return r && r->generator;
    }
    // In an async generator `yield` hands out values, so an await yields a
    // marked promise instead.
    static QString awaitMarkOpen()
    {
        return QStringLiteral("(yield %1(").arg(QLatin1String(kAwaitMarkName));
    }

    // `{ ... }` at `open`: becomes `{ return __rt_async(function* () { ... }, this, args); }`
    // (__rt_asyncGen for an async generator).
    bool wrapBlock(qsizetype open, const QString &args, QString *error, bool generator = false)
    {
        const qsizetype close = matchingClose(t, open);
        if (close < 0) return fail(error, open, "unbalanced braces");
        const QLatin1String runner(generator ? kAsyncGeneratorName : kAsyncRunnerName);
        add(t[open].end, 0, QStringLiteral(" return %1(function* () {").arg(runner), 1);
        add(t[close].start, 0, QStringLiteral("}, this, %1);").arg(args), 0);
        m_regions.append({t[open].end, t[close].start, generator});
        return true;
    }

    bool arrowBody(qsizetype arrow, QString *error)
    {
        const qsizetype body = arrow + 1;
        if (body >= t.size()) return fail(error, arrow, "arrow without a body");
        if (tokenIs(t, body, "{")) return wrapBlock(body, QStringLiteral("[]"), error);
        // Expression body: up to the first , ; ) ] } at its own depth.
        qsizetype last = body;
        int depth = 0;
        for (qsizetype j = body; j < t.size(); ++j) {
            if (depth == 0 && t[j].type == Tok::Punct &&
                (t[j].text == QLatin1String(",") || t[j].text == QLatin1String(";")))
                break;
            if (closesGroup(t[j]) && depth == 0) break;
            if (opensGroup(t[j]))
                ++depth;
            else if (closesGroup(t[j]))
                --depth;
            last = j;
        }
        add(t[body].start, 0,
            QStringLiteral("%1(function* () { return ").arg(QLatin1String(kAsyncRunnerName)), 1);
        add(t[last].end, 0, QStringLiteral(" }, this, [])"), 0);
        m_regions.append({t[body].start, t[last].end, false});
        return true;
    }

    bool asyncAt(qsizetype k, QString *error)
    {
        const qsizetype n = k + 1;
        if (n >= t.size()) return true;
        // A line break after `async` makes it an identifier (no ASI hazard handled).
        if (tokenIs(t, n, "function")) {
            const bool generator = tokenIs(t, n + 1, "*");
            qsizetype p = generator ? n + 2 : n + 1;
            if (p < t.size() && t[p].type == Tok::Ident) ++p;
            if (!tokenIs(t, p, "(")) return fail(error, k, "async function without parameters");
            const qsizetype pc = matchingClose(t, p);
            if (pc < 0 || !tokenIs(t, pc + 1, "{"))
                return fail(error, k, "async function without a body");
            add(t[k].start, 5, QString(), 2);
            if (generator) add(t[n + 1].start, 1, QString(), 2);
            return wrapBlock(pc + 1, QStringLiteral("arguments"), error, generator);
        }
        if (tokenIs(t, n, "*")) { // async *name(...) {...}
            const qsizetype name = n + 1;
            qsizetype p = tokenIs(t, name, "[") ? matchingClose(t, name) + 1 : name + 1;
            const qsizetype pc = tokenIs(t, p, "(") ? matchingClose(t, p) : -1;
            if (pc < 0 || !tokenIs(t, pc + 1, "{"))
                return fail(error, k, "async generator method without a body");
            add(t[k].start, 5, QString(), 2);
            add(t[n].start, 1, QString(), 2);
            return wrapBlock(pc + 1, QStringLiteral("arguments"), error, true);
        }
        if (t[n].type == Tok::Ident && tokenIs(t, n + 1, "=>")) { // async x => ...
            add(t[k].start, 5, QString(), 2);
            return arrowBody(n + 1, error);
        }
        if (tokenIs(t, n, "(")) { // async (...) => ...   or a call of a function named async
            const qsizetype pc = matchingClose(t, n);
            if (pc < 0 || !tokenIs(t, pc + 1, "=>")) return true;
            add(t[k].start, 5, QString(), 2);
            return arrowBody(pc + 1, error);
        }
        // Method: async name(...) {...}, async [expr](...) {...}, async "name"(...) {...}
        qsizetype p = -1;
        if (t[n].type == Tok::Ident || t[n].type == Tok::String || t[n].type == Tok::Number)
            p = n + 1;
        else if (tokenIs(t, n, "[")) {
            const qsizetype bc = matchingClose(t, n);
            if (bc > 0) p = bc + 1;
        }
        if (p > 0 && tokenIs(t, p, "(")) {
            const qsizetype pc = matchingClose(t, p);
            if (pc > 0 && tokenIs(t, pc + 1, "{")) {
                add(t[k].start, 5, QString(), 2);
                return wrapBlock(pc + 1, QStringLiteral("arguments"), error);
            }
        }
        return true; // `async` used as an identifier
    }

    // `for await (HEAD of EXPR) {` -> `for (let __rt_aK = __rt_aiter(EXPR), __rt_sK;
    // !(__rt_sK = (yield __rt_aK.next())).done; ) { HEAD = __rt_sK.value;`: each
    // step is awaited by the runner, as the loop would. HEAD's line breaks stay
    // where they were. Returns the index to resume scanning at (the `of`), or -1.
    qsizetype forAwait(qsizetype k, QString *error)
    {
        const qsizetype open = k + 2;
        if (!tokenIs(t, open, "(")) {
            fail(error, k, "for await without a head");
            return -1;
        }
        const qsizetype close = matchingClose(t, open);
        qsizetype of = -1;
        for (qsizetype j = open + 1; j < close && of < 0; ++j) {
            if (opensGroup(t[j]))
                j = matchingClose(t, j);
            else if (t[j].type == Tok::Ident && t[j].text == QLatin1String("of"))
                of = j;
        }
        if (close < 0 || of <= open + 1) {
            fail(error, k, "for await without `of`");
            return -1;
        }
        if (!tokenIs(t, close + 1, "{")) {
            fail(error, k, "for await (...) needs a { } body");
            return -1;
        }
        const QString id = QString::number(k);
        const QString iter = QStringLiteral("__rt_a") + id;
        const QString step = QStringLiteral("__rt_s") + id;
        const QStringView head =
            QStringView(s).mid(t[open + 1].start, t[of - 1].end - t[open + 1].start);
        QString lineBreaks;
        QString binding = head.toString();
        for (QChar &c : binding) {
            if (c == QLatin1Char('\n')) {
                lineBreaks += c;
                c = QLatin1Char(' ');
            }
        }
        if (binding.startsWith(QLatin1Char('{'))) binding = QLatin1Char('(') + binding;
        add(t[k + 1].start, t[k + 1].end - t[k + 1].start, QString(), 2);
        add(t[open + 1].start, t[of].end - t[open + 1].start,
            QStringLiteral("let %1 = %2(").arg(iter, QLatin1String(kAsyncIteratorName)) +
                lineBreaks,
            2);
        const bool marked = inAsyncGenerator(t[k].start);
        add(t[close].start, 0,
            QStringLiteral("), %1; !(%1 = %3%2.next()%4).done; ")
                .arg(step, iter, marked ? awaitMarkOpen() : QStringLiteral("(yield "),
                     marked ? QStringLiteral("))") : QStringLiteral(")")),
            0);
        QString assign = QStringLiteral(" %1 = %2.value").arg(binding, step);
        if (binding.startsWith(QLatin1Char('('))) assign += QLatin1Char(')');
        add(t[close + 1].end, 0, assign + QLatin1Char(';'), 1);
        return of;
    }

    // `{a, ...b, c}` -> `Object.assign({}, {a, }, b, { c})`. Only `{` with a
    // `...` at its own level qualify (blocks and class bodies never have one);
    // declarations' destructuring patterns are left alone (V4 rejects object
    // rest there either way).
    void objectSpread(qsizetype open)
    {
        if (tokenIs(t, open - 1, "const") || tokenIs(t, open - 1, "let") ||
            tokenIs(t, open - 1, "var"))
            return;
        const qsizetype close = matchingClose(t, open);
        if (close < 0) return;
        QList<qsizetype> spreads;
        int depth = 0;
        for (qsizetype j = open + 1; j < close; ++j) {
            if (opensGroup(t[j]))
                ++depth;
            else if (closesGroup(t[j]))
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
                if (opensGroup(t[j]))
                    ++d;
                else if (closesGroup(t[j]))
                    --d;
                else if (d == 0 && tokenIs(t, j, ","))
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
        if (opensGroup(t[k])) {
            last = matchingClose(t, k);
        } else if (t[k].type == Tok::Ident && t[k].text == QLatin1String("function")) {
            qsizetype b = k + 1;
            while (b < t.size() && !tokenIs(t, b, "{"))
                ++b;
            last = b < t.size() ? matchingClose(t, b) : -1;
        } else if (closesGroup(t[k]) || (t[k].type == Tok::Punct && !tokenIs(t, k, "."))) {
            return -1;
        } else {
            last = k;
        }
        if (last < 0) return -1;
        while (last + 1 < t.size()) {
            const qsizetype n = last + 1;
            if ((tokenIs(t, n, ".") || tokenIs(t, n, "?.")) && n + 1 < t.size()) {
                last = opensGroup(t[n + 1]) ? matchingClose(t, n + 1) : n + 1;
            } else if (tokenIs(t, n, "(") || tokenIs(t, n, "[") || t[n].type == Tok::TplHead) {
                last = matchingClose(t, n);
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
    SourceEdits m_edits;
    QList<Region> m_regions;
};

} // namespace

QString lowerAsyncFunctions(const QString &source, QString *error)
{
    error->clear();
    if (!source.contains(QLatin1String("async")) && !source.contains(QLatin1String("...")))
        return source;
    QList<Token> tokens;
    if (!tokenizeJs(source, tokens, error, "async lowering")) return source;
    Rewriter rewriter(source, tokens);
    if (!rewriter.run(error)) return source;
    return rewriter.apply();
}

QString lowerModernSyntax(const QString &source, QString *error)
{
    // Where the tokenizer itself gets lost (it guesses regex against
    // division from the previous token only), nothing is rewritten: V4 then
    // judges the source as written.
    QList<Token> tokens;
    if (!tokenizeJs(source, tokens, error, "lowering")) {
        error->clear();
        return source;
    }
    // Class fields first: their initialisers become methods that the later
    // passes then treat like any other code. Object rest before spread, so
    // the spread pass sees no rest patterns.
    using Pass = QString (*)(const QString &, QString *);
    static const Pass passes[] = {lowerClassFields, lowerObjectRest, lowerAsyncFunctions,
                                  lowerSmallSyntax};
    QString out = source;
    for (const Pass pass : passes) {
        out = pass(out, error);
        if (!error->isEmpty()) return source;
    }
    return out;
}
