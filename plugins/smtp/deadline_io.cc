#include "smtp/deadline_io.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include <Poco/Net/IPAddress.h>

namespace outbound::smtp {
namespace {

using std::chrono::microseconds;

/// The state a name lookup shares with the thread that runs it.
struct Lookup {
  std::mutex mutex;
  std::condition_variable done_signal;
  bool done = false;
  int error = 0;
  std::vector<Poco::Net::SocketAddress> addresses;
};

void run_lookup(const std::shared_ptr<Lookup>& lookup, const std::string& host,
                std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const int error = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  std::vector<Poco::Net::SocketAddress> addresses;
  if (error == 0) {
    for (addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
      if (entry->ai_family != AF_INET && entry->ai_family != AF_INET6) continue;
      Poco::Net::SocketAddress address(entry->ai_addr,
                                       static_cast<poco_socklen_t>(entry->ai_addrlen));
      addresses.emplace_back(address.host(), port);
    }
    ::freeaddrinfo(found);
  }
  std::lock_guard<std::mutex> lock(lookup->mutex);
  lookup->error = error;
  lookup->addresses = std::move(addresses);
  lookup->done = true;
  lookup->done_signal.notify_all();
}

}  // namespace

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

Result<std::vector<Poco::Net::SocketAddress>> resolve(const std::string& host, std::uint16_t port,
                                                      SteadyTime deadline) {
  Poco::Net::IPAddress literal;
  if (Poco::Net::IPAddress::tryParse(host, literal)) {
    return std::vector<Poco::Net::SocketAddress>{Poco::Net::SocketAddress(literal, port)};
  }
  auto lookup = std::make_shared<Lookup>();
  std::thread(run_lookup, lookup, host, port).detach();
  std::unique_lock<std::mutex> lock(lookup->mutex);
  if (!lookup->done_signal.wait_until(lock, deadline, [&] { return lookup->done; })) {
    return Status::deadline_exceeded("the deadline passed while resolving '" + host + "'");
  }
  if (lookup->error != 0 || lookup->addresses.empty()) {
    const std::string cause =
        lookup->error != 0 ? ::gai_strerror(lookup->error) : "no IPv4 or IPv6 address";
    return Status::unavailable("host name '" + host + "' does not resolve: " + cause);
  }
  return lookup->addresses;
}

}  // namespace outbound::smtp
