#include "net/resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include <Poco/Net/IPAddress.h>

namespace outbound::net {
namespace {

/// The state a name lookup shares with the thread that runs it. The thread keeps its own
/// reference, so the state outlives a caller that stopped waiting at its deadline.
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
    return Status::deadline_exceeded("the deadline passed while resolving the host name '" + host +
                                     "'");
  }
  if (lookup->error != 0 || lookup->addresses.empty()) {
    const std::string cause =
        lookup->error != 0 ? ::gai_strerror(lookup->error) : "no IPv4 or IPv6 address";
    return Status::unavailable("host name '" + host + "' does not resolve: " + cause);
  }
  return lookup->addresses;
}

}  // namespace outbound::net
