// One HTTP exchange of FrappeWebClient with the Frappe web server. It owns
// what makes a callback safe to fire and forget:
// - a deadline that starts at construction, before the socket secret is
//   looked up, so a stalled lookup, a queued connection or a server that
//   accepts and never answers all end in the same TimeoutError;
// - redirects followed only within the same origin (or an http -> https
//   upgrade of the same host), since every request carries credentials;
// - completion delivered exactly once, from the event loop: never
//   synchronously and never from inside a socket signal, so the receiver
//   may destroy the client, and this object with it. Destroying the
//   exchange first drops its completion uninvoked and cancels its request.
// Thread affinity: lives on the thread of its HttpClient (the engine
// thread) and must be used only there.
#pragma once

#include "common/fifotimerqueue.h"
#include "httpclient/httpclient.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

struct ExchangeResult {
    enum class Failure { None, Network, Timeout, Invalid };
    Failure failure = Failure::None;
    int status = 0; // HTTP status when failure == None
    QByteArray body;
    QString nodeError; // String(error) of what Node's fetch would throw; empty on success
    QString detail;    // what went wrong underneath, for logs only
};

class CallbackExchange : public QObject {
    Q_OBJECT
public:
    using Done = std::function<void(ExchangeResult)>;

    // Both http and deadlines must outlive the exchange. The deadlines queue's
    // expiry callback must be deadlinePassed.
    CallbackExchange(HttpClient *http, FifoTimerQueue *deadlines, Done done, QObject *parent);
    ~CallbackExchange() override;

    // True once a result is fixed; later send() and fail() calls are ignored.
    bool isSettled() const { return m_settled; }

    // url must be an absolute http or https URL; headerLines are complete
    // "Name: value\r\n" lines without Host and framing headers.
    void send(const QUrl &url, const QByteArray &method, const QByteArray &headerLines,
              const QByteArray &body);
    void fail(ExchangeResult::Failure failure, const QString &nodeError, const QString &detail);

    // The expiry callback of the deadlines queue (its owner is the exchange).
    static void deadlinePassed(void *exchange);

private:
    void sendHop();
    void onResponse(HttpClientResponse response);
    bool followRedirect(const HttpClientResponse &response);
    void onDeadline();
    void settle(ExchangeResult result);
    void cancelRequest();

    HttpClient *m_http;
    HttpClient::RequestId m_request = 0;
    FifoTimerQueue *m_deadlines;
    FifoTimerLink m_deadline;
    QUrl m_current; // URL of the hop in flight, for the redirect check
    QByteArray m_method;
    QByteArray m_headerLines;
    QByteArray m_body;
    int m_redirects = 0;
    Done m_done;
    ExchangeResult m_result;
    bool m_settled = false;
};
