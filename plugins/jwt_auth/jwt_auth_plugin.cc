// The descriptor of the jwt-auth plugin: the one symbol the shared library exports.

#include "jwt_auth/jwt_auth.h"
#include "outbound/plugin.h"

using outbound::jwt::JwtAuth;

OUTBOUND_PLUGIN(JwtAuth, "jwt-auth", "1.0.0")
