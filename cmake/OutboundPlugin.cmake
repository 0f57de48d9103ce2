# outbound_add_plugin(NAME SOURCES file... [LIBRARIES target...] [OUTPUT_DIRECTORY dir])
#
# Builds a provider plugin as a MODULE library named NAME.so: no `lib` prefix, hidden
# visibility and a linker version script so that only the descriptor is exported, and
# -Wl,--no-undefined so that a missing symbol fails the link instead of the first call. The
# plugin links outbound::sdk.
set(OUTBOUND_PLUGIN_VERSION_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/outbound_plugin.map")

function(outbound_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "outbound_add_plugin(${name}): SOURCES is required")
  endif()
  if(NOT arg_OUTPUT_DIRECTORY)
    set(arg_OUTPUT_DIRECTORY "${OUTBOUND_PLUGIN_OUTPUT_DIR}")
  endif()

  add_library(${name} MODULE ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE outbound::sdk ${arg_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIRECTORY}")
  target_link_options(${name} PRIVATE "LINKER:--no-undefined"
                      "LINKER:--version-script=${OUTBOUND_PLUGIN_VERSION_SCRIPT}")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${OUTBOUND_PLUGIN_VERSION_SCRIPT}")
  if(COMMAND outbound_set_warnings)
    outbound_set_warnings(${name})
  endif()
endfunction()
