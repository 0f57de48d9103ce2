#include "jwt_auth/openssl_util.h"

#include <openssl/err.h>

namespace outbound::jwt {

std::string take_openssl_error(const char* fallback) {
  const unsigned long code = ERR_get_error();
  std::string text = fallback;
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

void clear_openssl_errors() { ERR_clear_error(); }

}  // namespace outbound::jwt
