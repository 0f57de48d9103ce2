# Fails unless the plugin at PLUGIN exports exactly one defined dynamic symbol, the descriptor.
#   cmake -DNM=/usr/bin/nm -DPLUGIN=/path/jwt_auth.so -P check_plugin_exports.cmake
execute_process(
  COMMAND "${NM}" -D --defined-only "${PLUGIN}"
  OUTPUT_VARIABLE symbols
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${PLUGIN} with exit code ${result}")
endif()

string(REGEX REPLACE "\n$" "" symbols "${symbols}")
string(REPLACE "\n" ";" lines "${symbols}")
set(unexpected "")
set(found_descriptor FALSE)
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^[0-9a-fA-F]* *[A-Za-z] " "" name "${line}")
  if(name STREQUAL "outbound_plugin_descriptor")
    set(found_descriptor TRUE)
  elseif(NOT name MATCHES "^(_init|_fini)$")
    list(APPEND unexpected "${name}")
  endif()
endforeach()

if(NOT found_descriptor)
  message(FATAL_ERROR "${PLUGIN} does not export outbound_plugin_descriptor")
endif()
if(unexpected)
  list(JOIN unexpected "\n  " listed)
  message(FATAL_ERROR "${PLUGIN} exports more than the descriptor:\n  ${listed}")
endif()
message(STATUS "${PLUGIN} exports only outbound_plugin_descriptor")
