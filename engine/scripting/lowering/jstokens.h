// A small JavaScript tokenizer shared by the source-level lowerings (async,
// object rest, class fields, small syntax). It is only as precise as the
// rewrites need: it never mistakes string, template, regex or comment
// contents for code, pairs brackets, and keeps every token's source offsets
// so edits can be spliced in without moving line breaks.
// Pure functions; any thread.
#pragma once

#include <QList>
#include <QString>
#include <QStringView>

enum class Tok { Ident, Punct, Number, String, Regex, TplWhole, TplHead, TplMiddle, TplTail };

// Punctuators are single characters except "=>", "?." and "..."; callers
// that need "??=" or "===" look at adjacent tokens.
struct Token {
    Tok type;
    qsizetype start;
    qsizetype end;
    QStringView text;
};

// Fills `out`; false with *error ("<pass>: <what> at line N") on an
// unterminated string, template, regex.
bool tokenizeJs(const QString &source, QList<Token> &out, QString *error, const char *pass);

bool opensGroup(const Token &t);
bool closesGroup(const Token &t);
// Token k exists, is code (not a string) and reads `text`.
bool tokenIs(const QList<Token> &toks, qsizetype k, const char *text);
// Index of the token closing the group opened at `k`, or -1.
qsizetype matchingClose(const QList<Token> &toks, qsizetype k);
// Index of the token opening the group closed at `k`, or -1.
qsizetype matchingOpen(const QList<Token> &toks, qsizetype k);
// Whether a line break separates token k-1 from token k.
bool lineBreakBefore(const QString &source, const QList<Token> &toks, qsizetype k);
// Token a and token b touch (no space or comment between): "?" "?" "=".
bool adjacent(const QList<Token> &toks, qsizetype a, qsizetype b);
// 1-based line of token k.
qsizetype lineOf(const QString &source, const QList<Token> &toks, qsizetype k);

// Last token of the assignment expression starting at `k`: stops before a
// `,` or `;` of its own level, a closing bracket, a `:` that ends an
// enclosing conditional, or a line break where automatic semicolon
// insertion would end the statement. -1 when `k` starts no expression.
qsizetype assignmentExpressionEnd(const QString &source, const QList<Token> &toks, qsizetype k);
