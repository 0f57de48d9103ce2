#pragma once

/// OUTBOUND_SDK_API marks the symbols of the SDK shared library (liboutbound_sdk.so). Plugins
/// and the host are built with hidden visibility, so every type whose key function or type
/// info must be unique across the plugin boundary is declared with it.
#define OUTBOUND_SDK_API __attribute__((visibility("default")))

/// OUTBOUND_PLUGIN_EXPORT marks the one symbol a plugin exports: its descriptor function.
#define OUTBOUND_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
