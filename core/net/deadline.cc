#include "net/deadline.h"

#include <algorithm>

namespace outbound::net {

using std::chrono::microseconds;

microseconds time_left(SteadyTime deadline) {
  const auto left =
      std::chrono::duration_cast<microseconds>(deadline - std::chrono::steady_clock::now());
  return std::max(left, microseconds(1));
}

microseconds socket_wait(SteadyTime deadline) {
  const microseconds left = time_left(deadline);
  return left > microseconds(8000) ? left - left / 8 : left;
}

bool ended_early(SteadyTime deadline) {
  return std::chrono::steady_clock::now() + microseconds(500) < deadline;
}

}  // namespace outbound::net
