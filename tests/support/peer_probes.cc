#include "peer_probes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <sstream>

#include "test_support.h"

namespace outbound::testing {

bool accepts_connections(const std::string& address, int port) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* ipv4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* ipv6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &ipv4->sin_addr) == 1) {
    ipv4->sin_family = AF_INET;
    ipv4->sin_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &ipv6->sin6_addr) == 1) {
    ipv6->sin6_family = AF_INET6;
    ipv6->sin6_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof(sockaddr_in6);
  } else {
    throw std::invalid_argument("not an IP address: " + address);
  }
  const int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&storage), length) == 0;
  close(fd);
  return connected;
}

std::vector<std::string> listening_addresses(const std::string& proc_path, int port) {
  std::istringstream table(read_file(proc_path));
  std::string line;
  std::getline(table, line);  // column titles
  std::vector<std::string> addresses;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    constexpr const char* kListen = "0A";
    if (state == kListen && std::stoi(local.substr(colon + 1), nullptr, 16) == port) {
      addresses.push_back(local.substr(0, colon));
    }
  }
  return addresses;
}

bool process_exists(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

void expect_loopback_only(int port) {
  EXPECT_TRUE(accepts_connections("127.0.0.1", port)) << "port " << port;
  // A socket bound to 0.0.0.0 or :: would also accept these. The check uses other loopback
  // addresses rather than the machine's external address, so no traffic leaves loopback.
  EXPECT_FALSE(accepts_connections("127.0.0.2", port)) << "port " << port;
  EXPECT_FALSE(accepts_connections("::1", port)) << "port " << port;

  // 0100007F is 127.0.0.1 in the table's byte order.
  EXPECT_EQ(listening_addresses("/proc/net/tcp", port), std::vector<std::string>{"0100007F"})
      << "port " << port;
  EXPECT_TRUE(listening_addresses("/proc/net/tcp6", port).empty()) << "port " << port;
}

void expect_no_process(pid_t pid) {
  const int signalled = kill(pid, 0);
  const int signal_error = errno;
  EXPECT_EQ(signalled, -1) << "PID " << pid;
  EXPECT_EQ(signal_error, ESRCH) << "PID " << pid;
}

}  // namespace outbound::testing
