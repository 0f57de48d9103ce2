# outbound_set_warnings(TARGET) turns on the project's warnings for one target, and makes them
# errors when OUTBOUND_WERROR is on (scripts/test.sh and CI turn it on).
function(outbound_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(OUTBOUND_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
