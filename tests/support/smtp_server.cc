#include "smtp_server.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

namespace outbound::testing {

namespace {

// Debian's interpreter, whose dist-packages hold python3-aiosmtpd. A python3 found first on
// PATH, such as a pyenv build, may lack it.
constexpr const char* kDebianPython = "/usr/bin/python3";
constexpr const char* kSetupHint = "run scripts/setup.sh, which installs it";
constexpr auto kStopTimeout = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(10);
// Exit statuses of both launcher scripts.
constexpr int kLauncherInvalidOption = 2;
constexpr int kLauncherPortInUse = 3;

// Returns the port of the first line that reads exactly "READY <port>", or 0.
int ready_port(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    constexpr std::string_view kPrefix = "READY ";
    if (line.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    const std::string digits = line.substr(kPrefix.size());
    if (digits.empty() || digits.size() > 5) continue;
    const bool all_digits = std::all_of(digits.begin(), digits.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
    if (!all_digits) continue;
    const int port = std::stoi(digits);
    if (port > 0 && port <= 65535) return port;
  }
  return 0;
}

std::vector<std::string> string_list(const nlohmann::json& value) {
  std::vector<std::string> items;
  if (!value.is_array()) return items;
  for (const nlohmann::json& item : value) items.push_back(item.get<std::string>());
  return items;
}

SmtpMessage parse_message(const std::filesystem::path& json_file) {
  SmtpMessage message;
  message.name = json_file.stem().string();
  const std::string text = read_file(json_file);
  try {
    message.envelope = nlohmann::json::parse(text);
    const nlohmann::json& envelope = message.envelope;
    if (envelope.contains("mail_from") && envelope.at("mail_from").is_string()) {
      message.mail_from = envelope.at("mail_from").get<std::string>();
    }
    message.rcpt_tos = string_list(envelope.value("rcpt_tos", nlohmann::json::array()));
    message.mail_options = string_list(envelope.value("mail_options", nlohmann::json::array()));
    for (const nlohmann::json& options : envelope.value("rcpt_options", nlohmann::json::array())) {
      message.rcpt_options.push_back(string_list(options));
    }
    if (envelope.contains("auth_user") && envelope.at("auth_user").is_string()) {
      message.auth_user = envelope.at("auth_user").get<std::string>();
    }
    message.tls = envelope.value("tls", false);
    const nlohmann::json peer = envelope.value("peer", nlohmann::json::array());
    if (peer.is_array() && peer.size() == 2) {
      message.peer_address = peer.at(0).get<std::string>();
      message.peer_port = peer.at(1).get<int>();
    }
    message.size = envelope.value("size", std::size_t{0});
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error("SmtpServer: invalid envelope " + json_file.string() + " (" +
                             error.what() + "): " + text);
  }
  std::filesystem::path eml_file = json_file;
  eml_file.replace_extension(".eml");
  message.data = read_file(eml_file);
  return message;
}

Poco::Net::Context::Ptr client_tls_context(const std::filesystem::path& ca_file) {
  static std::once_flag ssl_initialized;
  std::call_once(ssl_initialized, [] { Poco::Net::initializeSSL(); });
  // VERIFY_STRICT makes Poco check the host name for localhost too, and only `ca_file` is
  // trusted, without the system's CAs.
  return new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", ca_file.string(),
                                Poco::Net::Context::VERIFY_STRICT, 9, false);
}

}  // namespace

std::string to_string(SmtpImplementation implementation) {
  switch (implementation) {
    case SmtpImplementation::kAiosmtpd:
      return "aiosmtpd";
    case SmtpImplementation::kSmtpServer:
      return "smtp-server";
  }
  return "unknown";
}

SmtpServer::SmtpServer(SmtpServerOptions options) : options_(std::move(options)) {
  if (options_.script.empty()) {
    options_.script = options_.implementation == SmtpImplementation::kAiosmtpd
                          ? OUTBOUND_SMTP_SERVER_SCRIPT
                          : OUTBOUND_SMTP_NODE_SERVER_SCRIPT;
  }
  if (options_.node_modules.empty()) options_.node_modules = OUTBOUND_SMTP_NODE_MODULES;
}

SmtpServer::~SmtpServer() {
  try {
    stop();
  } catch (...) {
    // stop() throws only when waitpid fails, and a destructor must not throw.
  }
}

void SmtpServer::check_options() const {
  const bool has_certificate = !options_.tls_certificate.empty();
  if (has_certificate != !options_.tls_private_key.empty()) {
    throw std::runtime_error("SmtpServer: TLS needs both tls_certificate and tls_private_key");
  }
  if ((options_.require_tls || options_.implicit_tls) && !has_certificate) {
    throw std::runtime_error(
        "SmtpServer: require_tls and implicit_tls need tls_certificate and tls_private_key");
  }
  if (options_.require_tls && options_.implicit_tls) {
    throw std::runtime_error(
        "SmtpServer: require_tls applies to STARTTLS; set it or implicit_tls, not both");
  }
  if (!std::filesystem::is_regular_file(options_.script)) {
    throw std::runtime_error("SmtpServer: launcher script not found at " +
                             options_.script.string());
  }
}

std::vector<std::string> SmtpServer::command_line() const {
  std::vector<std::string> argv;
  if (options_.implementation == SmtpImplementation::kAiosmtpd) {
    if (access(kDebianPython, X_OK) != 0) {
      throw std::runtime_error(std::string("SmtpServer: ") + kDebianPython + " not found; " +
                               kSetupHint + " (Debian packages python3 and python3-aiosmtpd)");
    }
    argv = {kDebianPython, options_.script.string()};
  } else {
    const std::string node = find_on_path("node");
    if (node.empty()) {
      throw std::runtime_error("SmtpServer: node not found on PATH; " + std::string(kSetupHint) +
                               " (Debian package nodejs)");
    }
    argv = {node, options_.script.string()};
  }

  argv.insert(argv.end(), {"--port", std::to_string(options_.port), "--outdir", outdir().string()});
  if (!options_.tls_certificate.empty()) {
    argv.insert(argv.end(), {"--tls-cert", options_.tls_certificate.string(), "--tls-key",
                             options_.tls_private_key.string()});
  }
  if (options_.require_tls) argv.push_back("--require-tls");
  if (options_.implicit_tls) argv.push_back("--implicit-tls");

  if (!options_.user.empty()) {
    argv.insert(argv.end(), {"--user", options_.user, "--password", options_.password});
  }
  if (options_.stock_login_prompts) {
    argv.push_back("--stock-login-prompts");
  } else {
    argv.insert(argv.end(), {"--login-username-prompt", options_.login_username_prompt,
                             "--login-password-prompt", options_.login_password_prompt});
  }

  if (!options_.reject_rcpt.empty()) {
    argv.insert(argv.end(), {"--reject-rcpt", options_.reject_rcpt});
  }
  if (!options_.tempfail_rcpt.empty()) {
    argv.insert(argv.end(), {"--tempfail-rcpt", options_.tempfail_rcpt});
  }
  if (options_.smtputf8) argv.push_back("--smtputf8");
  return argv;
}

void SmtpServer::start() {
  if (running()) throw std::runtime_error("SmtpServer: start() called while already running");
  check_options();
  if (!work_dir_) work_dir_ = std::make_unique<TempDir>();
  const std::vector<std::string> argv = command_line();
  const std::string log_prefix = "SmtpServer (" + to_string(options_.implementation) + ")";
  if (options_.implementation == SmtpImplementation::kSmtpServer) {
    const std::vector<std::string> environment =
        child_environment({{"NODE_PATH", options_.node_modules.string()}});
    pid_ = spawn_logged(argv, &environment, *work_dir_ / "server.log", log_prefix);
  } else {
    pid_ = spawn_logged(argv, nullptr, *work_dir_ / "server.log", log_prefix);
  }
  port_ = wait_until_ready();
}

int SmtpServer::wait_until_ready() {
  const std::string name = to_string(options_.implementation);
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (true) {
    const int port = ready_port(read_file(*work_dir_ / "server.log"));
    if (port != 0) return port;

    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      const int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      std::string hint;
      if (exit_code == kLauncherPortInUse) {
        hint = "; port " + std::to_string(options_.port) + " on 127.0.0.1 is already in use";
      } else if (exit_code == kLauncherInvalidOption || exit_code == 1) {
        hint = "; if " +
               std::string(options_.implementation == SmtpImplementation::kAiosmtpd
                               ? "the Debian package python3-aiosmtpd"
                               : "the npm package smtp-server") +
               " is missing, " + kSetupHint;
      }
      throw std::runtime_error("SmtpServer: " + name + " " + options_.script.string() + " " +
                               describe_exit(status) + " before it printed READY" + hint +
                               "; its last output:\n" + output_tail());
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  const std::string output = output_tail();
  stop();
  throw std::runtime_error(
      "SmtpServer: " + name + " " + options_.script.string() + " did not print READY within " +
      std::to_string(options_.start_timeout.count()) + " ms; its last output:\n" + output);
}

void SmtpServer::stop() {
  if (pid_ <= 0) return;
  const pid_t pid = pid_;
  pid_ = -1;
  port_ = 0;
  stop_child(pid, kStopTimeout, "SmtpServer", to_string(options_.implementation));
}

std::filesystem::path SmtpServer::outdir() const {
  if (!work_dir_) return {};
  return *work_dir_ / "messages";
}

std::vector<SmtpMessage> SmtpServer::messages() const {
  std::vector<SmtpMessage> found;
  const std::filesystem::path folder = outdir();
  std::error_code error;
  if (folder.empty() || !std::filesystem::is_directory(folder, error)) return found;
  std::vector<std::filesystem::path> json_files;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".json") json_files.push_back(entry.path());
  }
  std::sort(json_files.begin(), json_files.end());
  for (const auto& json_file : json_files) found.push_back(parse_message(json_file));
  return found;
}

std::vector<SmtpMessage> SmtpServer::wait_for_messages(std::size_t count,
                                                       std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::vector<SmtpMessage> found = messages();
    if (found.size() >= count || std::chrono::steady_clock::now() >= deadline) return found;
    std::this_thread::sleep_for(kPollInterval);
  }
}

void SmtpServer::clear_messages() const {
  const std::filesystem::path folder = outdir();
  std::error_code error;
  if (folder.empty() || !std::filesystem::is_directory(folder, error)) return;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    std::filesystem::remove(entry.path(), error);
  }
}

std::string SmtpServer::output_tail() const {
  if (!work_dir_) return {};
  return log_tail(*work_dir_ / "server.log");
}

struct SmtpTestClient::Connection {
  Poco::Net::StreamSocket socket;
  Poco::Timespan timeout;
};

SmtpTestClient::SmtpTestClient(int port, std::chrono::milliseconds timeout,
                               const std::filesystem::path& implicit_tls_ca_file)
    : connection_(std::make_unique<Connection>()) {
  connection_->timeout =
      Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(timeout).count());
  const Poco::Net::SocketAddress address("127.0.0.1", static_cast<Poco::UInt16>(port));
  try {
    if (implicit_tls_ca_file.empty()) {
      connection_->socket.connect(address, connection_->timeout);
    } else {
      connection_->socket = Poco::Net::SecureStreamSocket(address, "localhost",
                                                          client_tls_context(implicit_tls_ca_file));
    }
    connection_->socket.setReceiveTimeout(connection_->timeout);
    connection_->socket.setSendTimeout(connection_->timeout);
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("SmtpTestClient: cannot connect to 127.0.0.1:" + std::to_string(port) +
                             ": " + error.displayText());
  }
}

SmtpTestClient::~SmtpTestClient() { close(); }

void SmtpTestClient::send(const std::string& bytes) {
  try {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const int count =
          connection_->socket.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent));
      if (count <= 0)
        throw std::runtime_error("SmtpTestClient: send returned " + std::to_string(count));
      sent += static_cast<std::size_t>(count);
    }
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("SmtpTestClient: send failed: " + error.displayText());
  }
}

bool SmtpTestClient::receive_more() {
  char chunk[16384];
  try {
    const int count = connection_->socket.receiveBytes(chunk, sizeof(chunk));
    if (count <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(count));
    return true;
  } catch (const Poco::TimeoutException&) {
    throw std::runtime_error("SmtpTestClient: no data within " +
                             std::to_string(connection_->timeout.totalMilliseconds()) +
                             " ms; unread input: " + buffer_);
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("SmtpTestClient: receive failed: " + error.displayText());
  }
}

SmtpReply SmtpTestClient::read_reply() {
  SmtpReply reply;
  while (true) {
    std::size_t end = buffer_.find('\n');
    while (end == std::string::npos) {
      if (!receive_more()) {
        throw std::runtime_error(
            "SmtpTestClient: the server closed the connection inside a "
            "reply; received: " +
            reply.raw + buffer_);
      }
      end = buffer_.find('\n');
    }
    const std::string line = buffer_.substr(0, end + 1);
    buffer_.erase(0, end + 1);
    reply.raw += line;
    const bool valid = line.size() >= 5 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                       std::isdigit(static_cast<unsigned char>(line[1])) &&
                       std::isdigit(static_cast<unsigned char>(line[2])) &&
                       (line[3] == ' ' || line[3] == '-');
    if (!valid) throw std::runtime_error("SmtpTestClient: invalid reply line: " + line);
    reply.code = std::stoi(line.substr(0, 3));
    std::string text = line.substr(4);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    reply.lines.push_back(text);
    if (line[3] == ' ') return reply;
  }
}

SmtpReply SmtpTestClient::command(const std::string& line) {
  send(line + "\r\n");
  return read_reply();
}

void SmtpTestClient::start_tls(const std::filesystem::path& ca_file, const std::string& host_name) {
  if (!buffer_.empty()) {
    throw std::runtime_error("SmtpTestClient: bytes arrived before the TLS handshake: " + buffer_);
  }
  try {
    connection_->socket = Poco::Net::SecureStreamSocket::attach(connection_->socket, host_name,
                                                                client_tls_context(ca_file));
    connection_->socket.setReceiveTimeout(connection_->timeout);
    connection_->socket.setSendTimeout(connection_->timeout);
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("SmtpTestClient: TLS handshake failed: " + error.displayText());
  }
}

std::string SmtpTestClient::read_until(const std::string& pattern) {
  std::size_t found = buffer_.find(pattern);
  while (found == std::string::npos) {
    if (!receive_more()) {
      throw std::runtime_error("SmtpTestClient: the server closed the connection before \"" +
                               pattern + "\"; received: " + buffer_);
    }
    found = buffer_.find(pattern);
  }
  const std::string block = buffer_.substr(0, found + pattern.size());
  buffer_.erase(0, found + pattern.size());
  return block;
}

std::string SmtpTestClient::read_to_eof() {
  while (receive_more()) {
  }
  std::string all;
  all.swap(buffer_);
  return all;
}

void SmtpTestClient::close() {
  try {
    connection_->socket.close();
  } catch (const Poco::Exception&) {
    // Closing a connection that the server already reset is not an error for a test client.
  }
}

SharedSmtpServer::CaFolder SharedSmtpServer::make_ca_folder() {
  CaFolder folder;
  folder.dir = std::make_unique<TempDir>();
  folder.ca = make_test_ca(folder.dir->path());
  return folder;
}

SharedSmtpServer::SharedSmtpServer() : SharedSmtpServer(make_ca_folder()) {}

SharedSmtpServer::SharedSmtpServer(CaFolder folder)
    : SmtpServer([&folder] {
        SmtpServerOptions options;
        options.tls_certificate = folder.ca.server_certificate;
        options.tls_private_key = folder.ca.server_private_key;
        options.require_tls = true;
        options.user = kSharedSmtpUser;
        options.password = kSharedSmtpPassword;
        options.reject_rcpt = kSharedSmtpRejectText;
        options.tempfail_rcpt = kSharedSmtpTempfailText;
        return options;
      }()),
      ca_dir_(std::move(folder.dir)),
      test_ca_(std::move(folder.ca)) {}

SharedSmtpServer& shared_smtp_server() { return shared_server<SharedSmtpServer>(); }

}  // namespace outbound::testing
