#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test through CTest.
# Tests that need a peer (a node or Python reference implementation) start it themselves.
# Then builds the tests labelled `concurrency` with ThreadSanitizer (the CMake preset "tsan",
# in build-tsan/) and runs them there, so that a data race fails the script. Arguments go to
# the main CTest run only. OUTBOUND_TSAN=0 skips the ThreadSanitizer step.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="${OUTBOUND_BUILD_DIR:-$root/build}"
tsan_dir="${OUTBOUND_TSAN_BUILD_DIR:-$root/build-tsan}"

"$root/scripts/setup.sh"
# --no-tests=error: a filter that matches nothing fails instead of passing silently.
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error --timeout 300 "$@"

if [ "${OUTBOUND_TSAN:-1}" = "0" ]; then
  echo "test.sh: ThreadSanitizer step skipped (OUTBOUND_TSAN=0)"
  exit 0
fi

# The configure preset sets the sanitizer and warnings as errors. The target concurrency_tests
# is every test binary with a test labelled `concurrency`, so nothing else is built.
# halt_on_error stops a test at its first data race. tests/tsan.supp lists the uninstrumented
# libraries whose internals are not reported. Options in TSAN_OPTIONS come after and win.
# ctest --preset is not used, because CTest 3.25 then reads the preset's build folder even when
# --test-dir names another one.
tsan_start=$SECONDS
(cd "$root" && cmake --preset tsan -B "$tsan_dir" >/dev/null)
cmake --build "$tsan_dir" --target concurrency_tests
tsan_status=0
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp ${TSAN_OPTIONS:-}" \
  ctest --test-dir "$tsan_dir" --label-regex '^concurrency$' --output-on-failure \
  --no-tests=error --timeout 300 || tsan_status=$?
echo "test.sh: ThreadSanitizer step took $((SECONDS - tsan_start)) s (build and tests)"
if [ "$tsan_status" -ne 0 ]; then
  echo "test.sh: the concurrency tests failed under ThreadSanitizer; see the report above" >&2
fi
exit "$tsan_status"
