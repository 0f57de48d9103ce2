// The descriptor of the stripe plugin: the one symbol the shared library exports.

#include "outbound/plugin.h"
#include "stripe/stripe_gateway.h"

using outbound::stripe::StripeGateway;

OUTBOUND_PLUGIN(StripeGateway, "stripe", "1.0.0")
