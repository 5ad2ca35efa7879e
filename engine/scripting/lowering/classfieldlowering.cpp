#include "scripting/lowering/classfieldlowering.h"

#include "scripting/lowering/jstokens.h"
#include "scripting/lowering/sourceedits.h"

#include <QHash>
#include <QSet>
#include <QStringList>

namespace {

struct ClassBody {
    qsizetype keyword = -1; // the `class` token
    qsizetype name = -1;
    bool derived = false;
    qsizetype open = -1;
    qsizetype close = -1;
    QSet<QString> privateNames;
};

class ClassRewriter {
public:
    ClassRewriter(const QString &src, const QList<Token> &toks)
        : s(src), t(toks),
          m_tag(QString::number(qHash(src) & 0xffffff, 36)) // unique per file, short
    {}

    bool run(QString *error)
    {
        if (!findClasses(error)) return false;
        for (qsizetype c = 0; c < m_classes.size(); ++c)
            if (!members(c, error)) return false;
        return privateReferences(error);
    }

    QString apply() const { return m_edits.apply(s); }

private:
    bool fail(QString *error, qsizetype k, const QString &what)
    {
        *error =
            QStringLiteral("class field lowering: %1 at line %2").arg(what).arg(lineOf(s, t, k));
        return false;
    }

    bool isPrivateName(qsizetype k) const
    {
        return tokenIs(t, k, "#") && t[k].type == Tok::Punct && k + 1 < t.size() &&
               t[k + 1].type == Tok::Ident && adjacent(t, k, k + 1);
    }

    QString mangled(qsizetype cls, QStringView name) const
    {
        return QStringLiteral("__rt_p%1_%2_%3").arg(m_tag).arg(cls).arg(name);
    }

    bool findClasses(QString *error)
    {
        for (qsizetype k = 0; k < t.size(); ++k) {
            if (t[k].type != Tok::Ident || t[k].text != QLatin1String("class") ||
                tokenIs(t, k - 1, ".") || tokenIs(t, k - 1, "?."))
                continue;
            ClassBody body;
            body.keyword = k;
            qsizetype j = k + 1;
            if (j < t.size() && t[j].type == Tok::Ident && t[j].text != QLatin1String("extends"))
                body.name = j++;
            body.derived = tokenIs(t, j, "extends");
            if (!body.derived && !tokenIs(t, j, "{")) continue; // `class` as a property name
            for (; j < t.size() && !tokenIs(t, j, "{"); ++j)
                if (opensGroup(t[j])) j = matchingClose(t, j);
            if (j < 0 || j >= t.size())
                return fail(error, k, QStringLiteral("class without a body"));
            body.open = j;
            body.close = matchingClose(t, j);
            if (body.close < 0) return fail(error, k, QStringLiteral("unbalanced class body"));
            // Private names declared directly in this body.
            int depth = 0;
            for (qsizetype m = body.open + 1; m < body.close; ++m) {
                if (opensGroup(t[m]))
                    ++depth;
                else if (closesGroup(t[m]))
                    --depth;
                else if (depth == 0 && isPrivateName(m))
                    body.privateNames.insert(t[m + 1].text.toString());
            }
            m_classes.append(body);
        }
        return true;
    }

    static QString keyLiteral(const Token &key)
    {
        if (key.type == Tok::Ident)
            return QLatin1Char('"') + key.text.toString() + QLatin1Char('"');
        return key.text.toString();
    }

    // Walks the members of class `c`, rewriting fields and static blocks in
    // place, then adds the constructor and static initialisation.
    bool members(qsizetype c, QString *error)
    {
        const ClassBody &body = m_classes[c];
        QStringList instanceEntries, staticEntries;
        qsizetype constructorBody = -1;
        int counter = 0;
        bool hasComputedKeys = false;
        qsizetype m = body.open + 1;
        while (m < body.close) {
            if (tokenIs(t, m, ";")) {
                ++m;
                continue;
            }
            const qsizetype start = m;
            auto isElementEnd = [&](qsizetype k) {
                return tokenIs(t, k, "(") || tokenIs(t, k, "=") || tokenIs(t, k, ";") ||
                       k >= body.close;
            };
            bool isStatic = false;
            if (tokenIs(t, m, "static") && !isElementEnd(m + 1)) {
                isStatic = true;
                ++m;
                if (tokenIs(t, m, "{")) { // static block
                    const QString helper =
                        QStringLiteral("__rt_s%1_%2_%3").arg(m_tag).arg(c).arg(counter++);
                    m_edits.add(t[start].end, 0, QLatin1Char(' ') + helper + QStringLiteral("()"),
                                1);
                    staticEntries.append(QStringLiteral("[null, \"%1\"]").arg(helper));
                    m = matchingClose(t, m) + 1;
                    continue;
                }
            }
            bool modified = false;
            while ((tokenIs(t, m, "async") || tokenIs(t, m, "get") || tokenIs(t, m, "set") ||
                    tokenIs(t, m, "*")) &&
                   !isElementEnd(m + 1) && !tokenIs(t, m + 1, "}")) {
                modified = true;
                ++m;
            }
            const qsizetype key = m;
            qsizetype keyEnd = m;
            bool isPrivate = false;
            if (isPrivateName(m)) {
                isPrivate = true;
                keyEnd = m + 1;
            } else if (tokenIs(t, m, "[")) {
                keyEnd = matchingClose(t, m);
            } else if (t[m].type != Tok::Ident && t[m].type != Tok::String &&
                       t[m].type != Tok::Number) {
                return fail(error, m,
                            QStringLiteral("unexpected `%1` in a class body").arg(t[m].text));
            }
            const qsizetype after = keyEnd + 1;
            if (tokenIs(t, after, "(")) { // a method
                const qsizetype params = matchingClose(t, after);
                if (params < 0 || !tokenIs(t, params + 1, "{"))
                    return fail(error, m, QStringLiteral("method without a body"));
                const bool isConstructor = !isStatic && !modified &&
                                           (t[key].text == QLatin1String("constructor") ||
                                            t[key].text == QLatin1String("\"constructor\"") ||
                                            t[key].text == QLatin1String("'constructor'"));
                if (isConstructor) constructorBody = params + 1;
                m = matchingClose(t, params + 1) + 1;
                continue;
            }
            if (modified) return fail(error, m, QStringLiteral("unexpected class member"));
            const bool computed = tokenIs(t, key, "[");
            const QString name =
                computed    ? QStringLiteral("null")
                : isPrivate ? QLatin1Char('"') + mangled(c, t[key + 1].text) + QLatin1Char('"')
                            : keyLiteral(t[key]);
            if (isPrivate) m_declaredPrivate.insert(key);
            const QString flags = isPrivate  ? QStringLiteral(", false")
                                  : computed ? QStringLiteral(", true, true")
                                             : QString();
            const bool hasValue = tokenIs(t, after, "=");
            if (hasValue || computed) {
                const qsizetype end = hasValue ? assignmentExpressionEnd(s, t, after + 1) : keyEnd;
                if (end < 0)
                    return fail(error, after, QStringLiteral("class field without a value"));
                const QString helper = QStringLiteral("__rt_%1%2_%3_%4")
                                           .arg(isStatic ? QLatin1Char('s') : QLatin1Char('f'))
                                           .arg(m_tag)
                                           .arg(c)
                                           .arg(counter++);
                // `key =` up to the value becomes the method head; line breaks
                // stay, inside the parentheses so `return` keeps its value. A
                // computed key stays where it is, evaluated once as the
                // method's name: __rt_fieldKey() notes it and names the method.
                const qsizetype from = computed ? t[keyEnd].start : t[key].start;
                const qsizetype to = hasValue ? t[after + 1].start : t[keyEnd].end;
                QString head = computed ? QStringLiteral(")]") : helper;
                head += hasValue ? QStringLiteral("() { return (")
                                 : QStringLiteral("() { return (undefined");
                for (const QChar ch : QStringView(s).mid(from, to - from))
                    if (ch == QLatin1Char('\n')) head += ch;
                if (computed)
                    m_edits.add(
                        t[key].end, 0,
                        QStringLiteral("%1(\"%2\", ").arg(QLatin1String(kFieldKeyName), helper), 1);
                m_edits.add(from, to - from, head, 2);
                m_edits.add(t[end].end, 0, QStringLiteral(") }"), 0);
                (isStatic ? staticEntries : instanceEntries)
                    .append(QStringLiteral("[%1, \"%2\"%3]").arg(name, helper, flags));
                if (computed) hasComputedKeys = true;
                m = end + 1;
            } else {
                // `static x;` / `x;`: the declaration goes, the `;` stays (an
                // empty class element).
                const qsizetype from = t[start].start;
                m_edits.add(from, t[keyEnd].end - from, QString(), 2);
                (isStatic ? staticEntries : instanceEntries)
                    .append(QStringLiteral("[%1, null%2]").arg(name, flags));
                m = keyEnd + 1;
            }
        }
        if (!instanceEntries.isEmpty()) constructorFields(body, constructorBody, instanceEntries);
        // The class-level hook also files the computed keys noted while the
        // class was defined.
        if (!staticEntries.isEmpty() || hasComputedKeys) staticFields(body, staticEntries);
        return true;
    }

    void constructorFields(const ClassBody &body, qsizetype ctorOpen, const QStringList &entries)
    {
        const QString list =
            QLatin1Char('[') + entries.join(QStringLiteral(", ")) + QLatin1Char(']');
        if (ctorOpen < 0) {
            m_edits.add(t[body.open].end, 0,
                        body.derived
                            ? QStringLiteral(" constructor(...args) { %1(super(...args), %2); }")
                                  .arg(QLatin1String(kFieldsName), list)
                            : QStringLiteral(" constructor() { %1(this, %2); }")
                                  .arg(QLatin1String(kFieldsName), list),
                        1);
            return;
        }
        if (!body.derived) {
            m_edits.add(t[ctorOpen].end, 0,
                        QStringLiteral(" %1(this, %2);").arg(QLatin1String(kFieldsName), list), 1);
            return;
        }
        // Fields exist from the moment super() returns the instance. Every
        // call is wrapped (one per branch, say); only one can run.
        const qsizetype ctorClose = matchingClose(t, ctorOpen);
        for (qsizetype j = ctorOpen + 1; j < ctorClose; ++j) {
            if (tokenIs(t, j, "super") && tokenIs(t, j + 1, "(") && !tokenIs(t, j - 1, ".")) {
                m_edits.add(t[j].start, 0, QLatin1String(kFieldsName) + QLatin1Char('('), 1);
                m_edits.add(t[matchingClose(t, j + 1)].end, 0, QStringLiteral(", %1)").arg(list),
                            0);
            }
        }
    }

    void staticFields(const ClassBody &body, const QStringList &entries)
    {
        const QString list =
            QLatin1Char('[') + entries.join(QStringLiteral(", ")) + QLatin1Char(']');
        const qsizetype k = body.keyword;
        const bool declaration =
            body.name >= 0 &&
            (k == 0 || tokenIs(t, k - 1, ";") || tokenIs(t, k - 1, "}") || tokenIs(t, k - 1, "{"));
        if (declaration) {
            m_edits.add(t[body.close].end, 0,
                        QStringLiteral(" %1(%2, %3);")
                            .arg(QLatin1String(kStaticsName), t[body.name].text.toString(), list),
                        0);
        } else {
            m_edits.add(t[k].start, 0, QLatin1String(kStaticsName) + QLatin1Char('('), 1);
            m_edits.add(t[body.close].end, 0, QStringLiteral(", %1)").arg(list), 0);
        }
    }

    // `#name` outside field declarations: the innermost enclosing class that
    // declares it gives the mangled name; `#name in o` tests for it.
    bool privateReferences(QString *error)
    {
        for (qsizetype k = 0; k + 1 < t.size(); ++k) {
            if (!isPrivateName(k) || m_declaredPrivate.contains(k)) continue;
            const QString name = t[k + 1].text.toString();
            qsizetype owner = -1;
            for (qsizetype c = 0; c < m_classes.size(); ++c) {
                const ClassBody &b = m_classes[c];
                if (k > b.open && k < b.close && b.privateNames.contains(name) &&
                    (owner < 0 || b.open > m_classes[owner].open))
                    owner = c;
            }
            if (owner < 0)
                return fail(error, k, QStringLiteral("private name #%1 is not declared").arg(name));
            QString replacement = mangled(owner, name);
            if (tokenIs(t, k + 2, "in") && !tokenIs(t, k - 1, ".") && !tokenIs(t, k - 1, "?."))
                replacement = QLatin1Char('"') + replacement + QLatin1Char('"');
            m_edits.add(t[k].start, t[k + 1].end - t[k].start, replacement, 2);
        }
        return true;
    }

    const QString &s;
    const QList<Token> &t;
    const QString m_tag;
    QList<ClassBody> m_classes;
    QSet<qsizetype> m_declaredPrivate; // `#` tokens of field declarations
    SourceEdits m_edits;
};

} // namespace

QString lowerClassFields(const QString &source, QString *error)
{
    error->clear();
    if (!source.contains(QLatin1String("class"))) return source;
    QList<Token> tokens;
    if (!tokenizeJs(source, tokens, error, "class field lowering")) return source;
    ClassRewriter rewriter(source, tokens);
    if (!rewriter.run(error)) return source;
    return rewriter.apply();
}
