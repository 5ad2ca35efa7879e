// Turns AppHandlers::status() into the Handlers view's rows (sorted event
// names with their call and error counts). Pure function; called on the
// engine thread, where AppHandlers lives, when a snapshot is built.
#pragma once

#include "monitor/monitorsnapshot.h"
#include "scripting/apphandlers.h"

QList<HandlerAppRow> describeHandlers(const QList<AppHandlers::AppStatus> &status);
