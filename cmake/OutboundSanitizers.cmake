# Sanitizer builds and the `concurrency` test label.
#
# OUTBOUND_SANITIZE (set in the top-level CMakeLists.txt) is a comma-separated list of
# sanitizers: "thread", "address", "undefined" or "address,undefined". Every compiled target of
# the project, plugins and tests included, gets -fsanitize=<list> on its compile and link lines,
# with -O1 -g -fno-omit-frame-pointer so that reports carry usable stacks. The flags are added
# when CMake reaches the end of the top-level CMakeLists.txt, after every folder has defined its
# targets, so a new folder needs no sanitizer line. Libraries found with find_package are not instrumented:
# ThreadSanitizer still sees their locks and threads, because it intercepts pthread, but not
# their plain memory accesses.
#
# outbound_discover_tests() registers a GoogleTest binary with CTest and gives the tests that
# run several threads the label `concurrency`. scripts/test.sh builds the target
# `concurrency_tests` (every binary with such tests) in a ThreadSanitizer build and runs
# `ctest -L concurrency` there.

set(OUTBOUND_SANITIZERS_KNOWN thread address undefined)

string(REPLACE "," ";" OUTBOUND_SANITIZE_LIST "${OUTBOUND_SANITIZE}")
foreach(sanitizer IN LISTS OUTBOUND_SANITIZE_LIST)
  if(NOT sanitizer IN_LIST OUTBOUND_SANITIZERS_KNOWN)
    message(FATAL_ERROR "OUTBOUND_SANITIZE: unknown sanitizer '${sanitizer}'; use thread, "
                        "address, undefined or address,undefined")
  endif()
endforeach()
if("thread" IN_LIST OUTBOUND_SANITIZE_LIST AND "address" IN_LIST OUTBOUND_SANITIZE_LIST)
  message(FATAL_ERROR "OUTBOUND_SANITIZE: thread and address cannot be combined; GCC and Clang "
                      "reject -fsanitize=thread,address")
endif()

# Collects the compiled targets defined in `directory` and its subfolders into `out_var`.
function(_outbound_collect_targets directory out_var)
  get_property(targets DIRECTORY "${directory}" PROPERTY BUILDSYSTEM_TARGETS)
  set(compiled)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY)$")
      list(APPEND compiled ${target})
    endif()
  endforeach()
  get_property(subdirectories DIRECTORY "${directory}" PROPERTY SUBDIRECTORIES)
  foreach(subdirectory IN LISTS subdirectories)
    _outbound_collect_targets("${subdirectory}" nested)
    list(APPEND compiled ${nested})
  endforeach()
  set(${out_var} ${compiled} PARENT_SCOPE)
endfunction()

# Adds the sanitizer flags to every compiled target of the project; called once, deferred.
function(_outbound_apply_sanitizers)
  string(REPLACE ";" "," joined "${OUTBOUND_SANITIZE_LIST}")
  set(flags -fsanitize=${joined} -O1 -g -fno-omit-frame-pointer)
  if("undefined" IN_LIST OUTBOUND_SANITIZE_LIST)
    # Without it, undefined behaviour prints a report and the test still passes.
    list(APPEND flags -fno-sanitize-recover=undefined)
  endif()
  if("thread" IN_LIST OUTBOUND_SANITIZE_LIST AND OUTBOUND_COMPILER_HAS_WTSAN)
    # GCC 12 and later warn (-Wtsan) at every std::atomic_thread_fence, because
    # ThreadSanitizer does not model fences. Boost.Asio's std_fenced_block puts one around each
    # handler, so with warnings as errors no file that includes Asio would compile.
    # NOTE: this also hides the warning for a fence in the project's own code. There is none
    # today, and TSan could report false races around one.
    list(APPEND flags -Wno-tsan)
  endif()
  _outbound_collect_targets("${PROJECT_SOURCE_DIR}" targets)
  foreach(target IN LISTS targets)
    # PRIVATE, so that the installed export set does not ask consumers for the sanitizer.
    target_compile_options(${target} PRIVATE ${flags})
    get_target_property(type ${target} TYPE)
    if(NOT type MATCHES "^(STATIC_LIBRARY|OBJECT_LIBRARY)$")
      target_link_options(${target} PRIVATE -fsanitize=${joined})
    endif()
  endforeach()
  list(LENGTH targets count)
  message(STATUS "OUTBOUND_SANITIZE=${OUTBOUND_SANITIZE}: instrumented ${count} targets")
endfunction()

if("thread" IN_LIST OUTBOUND_SANITIZE_LIST)
  include(CheckCXXCompilerFlag)
  check_cxx_compiler_flag(-Wtsan OUTBOUND_COMPILER_HAS_WTSAN)
endif()

if(OUTBOUND_SANITIZE_LIST)
  cmake_language(DEFER DIRECTORY "${PROJECT_SOURCE_DIR}" CALL _outbound_apply_sanitizers)
endif()

# The label scripts/test.sh runs under ThreadSanitizer, and the target that builds its tests.
set(OUTBOUND_CONCURRENCY_LABEL concurrency)
if(NOT TARGET concurrency_tests)
  add_custom_target(concurrency_tests)
endif()

# outbound_discover_tests(TARGET TEST_PREFIX prefix
#                         [CONCURRENCY_TESTS ALL | CONCURRENCY_TESTS Suite.Name...]
#                         [CONCURRENCY_DEPENDS target...]
#                         [PROPERTIES name value...])
#
# Registers the GoogleTest binary TARGET with CTest, like
# gtest_discover_tests(TARGET TEST_PREFIX prefix DISCOVERY_MODE PRE_TEST PROPERTIES ...).
# CONCURRENCY_TESTS names the tests that run several threads: they get the CTest label
# `concurrency`, and TARGET joins the target `concurrency_tests`. ALL labels every test of the
# binary. CONCURRENCY_DEPENDS lists what those tests need at run time besides TARGET (a plugin
# they load), so that building `concurrency_tests` builds it too. When TARGET is built, CTest
# stops with an error if a name in CONCURRENCY_TESTS matches no test of the binary, so that a
# renamed test cannot drop out of the ThreadSanitizer run unnoticed.
function(outbound_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TEST_PREFIX"
                        "CONCURRENCY_TESTS;CONCURRENCY_DEPENDS;PROPERTIES")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "outbound_discover_tests(${target}): unknown arguments "
                        "'${arg_UNPARSED_ARGUMENTS}'")
  endif()
  set(common TEST_PREFIX "${arg_TEST_PREFIX}" DISCOVERY_MODE PRE_TEST)

  if(NOT arg_CONCURRENCY_TESTS)
    gtest_discover_tests(${target} ${common} PROPERTIES ${arg_PROPERTIES})
    return()
  endif()

  add_dependencies(concurrency_tests ${target} ${arg_CONCURRENCY_DEPENDS})
  set(labelled PROPERTIES ${arg_PROPERTIES} LABELS ${OUTBOUND_CONCURRENCY_LABEL})
  if(arg_CONCURRENCY_TESTS STREQUAL "ALL")
    gtest_discover_tests(${target} ${common} ${labelled})
    return()
  endif()

  # Two discoveries of the same binary: gtest's filter gives the named tests to one and every
  # other test to the other, so no test is registered twice.
  list(JOIN arg_CONCURRENCY_TESTS ":" filter)
  gtest_discover_tests(${target} ${common} TEST_FILTER "${filter}" ${labelled}
                       TEST_LIST ${target}_concurrency_tests)
  gtest_discover_tests(${target} ${common} TEST_FILTER "-${filter}"
                       PROPERTIES ${arg_PROPERTIES})

  # CTest includes this file after the two discoveries, which set the list only when the binary
  # exists; a binary not built yet is reported by gtest_discover_tests itself as *_NOT_BUILT.
  set(check_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_concurrency_check.cmake")
  file(WRITE "${check_file}"
    "if(DEFINED ${target}_concurrency_tests)\n"
    "  foreach(name ${arg_CONCURRENCY_TESTS})\n"
    "    list(FIND ${target}_concurrency_tests \"${arg_TEST_PREFIX}\${name}\" index)\n"
    "    if(index EQUAL -1)\n"
    "      message(FATAL_ERROR \"${target}: CONCURRENCY_TESTS names \${name}, which is not a \"\n"
    "                          \"test of the binary; fix the name in outbound_discover_tests()\")\n"
    "    endif()\n"
    "  endforeach()\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${check_file}")
endfunction()
