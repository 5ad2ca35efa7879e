#include "monitor/handlerrows.h"

QList<HandlerAppRow> describeHandlers(const QList<AppHandlers::AppStatus> &status)
{
    QList<HandlerAppRow> rows;
    rows.reserve(status.size());
    for (const AppHandlers::AppStatus &s : status) {
        HandlerAppRow row;
        row.app = s.app;
        row.path = s.path;
        row.state = s.state;
        row.error = s.error;
        row.loadedAtMs = s.loadedAt.isValid() ? s.loadedAt.toMSecsSinceEpoch() : 0;
        row.reloads = s.reloads;
        row.calls = s.calls;
        QStringList names = s.events;
        // An event a previous version listened to keeps its counts visible.
        QStringList gone;
        for (const auto *counts : {&s.eventCalls, &s.eventErrors})
            for (auto it = counts->cbegin(); it != counts->cend(); ++it)
                if (!names.contains(it.key()) && !gone.contains(it.key())) gone.append(it.key());
        gone.sort();
        names.sort();
        for (const QString &name : std::as_const(names) + gone) {
            HandlerEventRow event;
            event.event = name;
            event.calls = s.eventCalls.value(name);
            event.errors = s.eventErrors.value(name);
            row.errors += event.errors;
            row.events.append(event);
        }
        rows.append(row);
    }
    return rows;
}
