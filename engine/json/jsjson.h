// JSON bodies of web-server callbacks, seen the way Node's realtime server
// sees them through fetch's Response.json(): UTF-8 with a leading BOM
// dropped, accepted and rejected exactly as V8's JSON.parse does, with Node
// 20's SyntaxError texts; plus JS truthiness and property reads with V8's
// TypeError texts. Those texts end up in "Unauthorized: ..." CONNECT_ERROR
// messages and logs that operators already know from Node.
// Free functions over thread-agnostic value types.
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>
#include <QStringView>

struct JsJsonResult {
    bool ok = false;
    QJsonValue value; // any JSON value, scalars included
    QString error;    // String(error) of the SyntaxError when !ok
};

JsJsonResult jsJsonParse(const QByteArray &body);

// The message of the SyntaxError JSON.parse(text) throws, without the
// "SyntaxError: " prefix; empty when text is valid JSON.
QString jsJsonSyntaxError(QStringView text);

// JavaScript's Boolean(value); QJsonValue::Undefined counts as undefined.
bool jsTruthy(const QJsonValue &value);

// JavaScript's `value[key]` for a property of an ordinary object: undefined
// for missing keys and for primitives. Reading through null or undefined
// throws in JS; here *typeError receives its text and Undefined is returned.
QJsonValue jsProperty(const QJsonValue &value, const QString &key, QString *typeError);
