# cmake -DRT_MESSAGE=... -P fail-with-message.cmake: a test that fails with a reason
# (tests/CMakeLists.txt registers it for a test category that is missing).
message(FATAL_ERROR "${RT_MESSAGE}")
