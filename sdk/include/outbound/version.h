#pragma once

#include <string>  // defines __GLIBCXX__ and _GLIBCXX_USE_CXX11_ABI, used by the fingerprint

#include <fmt/core.h>
#include <spdlog/version.h>

/// The release of the outbound host and SDK.
#define OUTBOUND_VERSION "0.1.0"

/// The plugin ABI. The host loads a plugin only when the plugin's major equals the host's and
/// the plugin's minor is not newer than the host's. Raise the minor when the SDK gains
/// something a plugin may use (a new virtual at the end of a host-implemented interface);
/// raise the major when a plugin-implemented interface or a type that crosses the boundary
/// changes layout.
#define OUTBOUND_ABI_MAJOR 1
#define OUTBOUND_ABI_MINOR 0

#define OUTBOUND_STRINGIFY_IMPL(x) #x
#define OUTBOUND_STRINGIFY(x) OUTBOUND_STRINGIFY_IMPL(x)

#if defined(__clang__)
#define OUTBOUND_COMPILER_ID "clang-" __clang_version__
#elif defined(__GNUC__)
#define OUTBOUND_COMPILER_ID "gcc-" __VERSION__
#else
#define OUTBOUND_COMPILER_ID "unknown"
#endif

#if defined(__GLIBCXX__)
#define OUTBOUND_STDLIB_ID "libstdc++-" OUTBOUND_STRINGIFY(__GLIBCXX__)
#elif defined(_LIBCPP_VERSION)
#define OUTBOUND_STDLIB_ID "libc++-" OUTBOUND_STRINGIFY(_LIBCPP_VERSION)
#else
#define OUTBOUND_STDLIB_ID "unknown"
#endif

#if defined(_GLIBCXX_USE_CXX11_ABI)
#define OUTBOUND_CXX11_ABI OUTBOUND_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define OUTBOUND_CXX11_ABI "n/a"
#endif

/// OUTBOUND_BUILD_FINGERPRINT describes everything besides the ABI numbers that must match
/// between the host and a plugin for C++ objects to cross safely: the compiler, the standard
/// library and its string ABI, and the spdlog and fmt releases (a logger crosses the
/// boundary). It is a list of `field=value` pairs separated by `;`, so a mismatch can be
/// reported field by field.
#define OUTBOUND_BUILD_FINGERPRINT                                                                \
  "compiler=" OUTBOUND_COMPILER_ID ";stdlib=" OUTBOUND_STDLIB_ID ";cxx11_abi=" OUTBOUND_CXX11_ABI \
  ";spdlog=" OUTBOUND_STRINGIFY(SPDLOG_VER_MAJOR) "." OUTBOUND_STRINGIFY(                         \
      SPDLOG_VER_MINOR) "." OUTBOUND_STRINGIFY(SPDLOG_VER_PATCH) ";fmt=" OUTBOUND_STRINGIFY(FMT_VERSION)
