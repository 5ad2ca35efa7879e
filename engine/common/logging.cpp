#include "common/logging.h"

Q_LOGGING_CATEGORY(lcTransport, "rt.transport", QtInfoMsg)
Q_LOGGING_CATEGORY(lcEio, "rt.eio", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSio, "rt.sio", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAuth, "rt.auth", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRedis, "rt.redis", QtInfoMsg)
Q_LOGGING_CATEGORY(lcEvents, "rt.events", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHandlers, "rt.handlers", QtInfoMsg)
Q_LOGGING_CATEGORY(lcConfig, "rt.config", QtInfoMsg)
Q_LOGGING_CATEGORY(lcEngine, "rt.engine", QtInfoMsg)
