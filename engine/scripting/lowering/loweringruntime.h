// The globals that lowered handler code calls (see asynclowering.h and the
// pass headers it names): __rt_restOf/__rt_restKey and the Object.prototype
// getter for object rest, __rt_fields/__rt_statics/__rt_fieldKey for class
// fields, __rt_aiter for `for await`, __rt_asyncGen/__rt_await for async
// generators. (__rt_async comes with the prelude, which arms the watchdog
// around it.)
// Call on the engine's thread, once per engine, before loading app code.
#pragma once

class QJSEngine;

void installLoweringRuntime(QJSEngine &engine);
