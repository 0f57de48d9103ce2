#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/json_document.h"
#include "config/secret_reference.h"

namespace outbound::config {

/// Reads the host-owned HTTP settings of one client from its `settings` object: the `http`
/// object, which is then removed so that plugins never see it, and `ca_file`, which stays
/// because plugins name it in their own settings too. Problems are recorded at their pointers.
void read_http_settings(Json& settings, std::string_view pointer,
                        const std::filesystem::path& base_directory,
                        const ReferenceResolver& resolver, Diagnostics& diagnostics,
                        HttpSettings& http);

/// Returns `http` as canonical JSON text; two clients with equal text get equal transports.
std::string canonical_json(const HttpSettings& http);

}  // namespace outbound::config
