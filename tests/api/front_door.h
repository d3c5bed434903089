// Helpers of the front-door tests (front_door_test.cpp, flood_test.cpp): a Beijing node behind its
// HTTPS API, and raw connections from a chosen loopback address that send exactly the bytes a test
// chooses (an attacker on 127.0.0.2, a good client on 127.0.0.1).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "api/host.h"
#include "api/https.h"
#include "clearing/kinds.h"
#include "crypto/encoding.h"
#include "nodes/data_dir.h"
#include "nodes/node.h"
#include "nodes/service.h"
#include "tests/support/temp_dir.h"

namespace innoclear::front_door {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

inline crypto::KeyPair seeded_key(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  return crypto::KeyPair::from_seed(seed);
}

// A Beijing node (office.BJ and one registered enterprise) behind api::Host on 127.0.0.1.
class TestNode {
 public:
  static constexpr std::int64_t now_ms = 1'790'000'000'000;
  inline static const std::string enterprise = "91110108M000100Y4Q";

  explicit TestNode(api::ServerLimits limits = {}) {
    const nodes::DataDir data{dir_.path() / "BJ"};
    REQUIRE(nodes::init_data_dir(data, clearing::Region::BJ).ok());
    office_key_ = std::move(*crypto::KeyPair::load(data.office_key_file()));
    nodes::NodeOptions node_options;
    node_options.service = {data, [] { return now_ms; }, 1000, std::size_t{1} << 30};
    node_options.checkpoint_interval_ms = 0;
    Result<std::unique_ptr<nodes::Node>> opened = nodes::Node::open(node_options);
    REQUIRE(opened.ok());
    node_ = std::move(*opened);
    api::HostOptions options;
    options.server.limits = limits;
    options.server.log = [this](const std::string& line) { keep(line); };
    options.request_log = [this](const std::string& line) { keep(line); };
    Result<std::unique_ptr<api::Host>> started = api::Host::start(*node_, options);
    REQUIRE(started.ok());
    host_ = std::move(*started);
    nodes::SignedStatement registration =
        sign(office_key_, "office.BJ", "actor.register",
             {{"id", enterprise},
              {"key", crypto::encode_public_key(enterprise_key_.public_key())},
              {"name", "enterprise"},
              {"role", "enterprise"}});
    api::HttpsClient client(client_options());
    Result<api::HttpResponse> registered =
        client.request("POST", "/v1/actor/register", registration.bytes,
                       {{"Innoclear-Signature", registration.signature_base64}});
    REQUIRE(registered.ok());
    REQUIRE(registered->status == 200);
  }
  ~TestNode() { host_->stop(); }

  std::uint16_t port() const { return host_->port(); }
  std::uint64_t ledger_size() const { return node_->service().ledger().size(); }
  const crypto::KeyPair& enterprise_key() const { return enterprise_key_; }

  api::ClientOptions client_options() const {
    api::ClientOptions options;
    options.port = port();
    options.server_certificate_fingerprint = node_->service().identity().tls_fingerprint;
    options.timeout_ms = 5'000;
    return options;
  }

  nodes::SignedStatement sign(const crypto::KeyPair& key, const std::string& actor,
                              const std::string& kind, const nlohmann::json& body) {
    return nodes::sign_statement(key, actor, kind, body, "BJ", now_ms,
                                 "n" + std::to_string(nonce_++));
  }
  // The office's signed query.actor: a signed request that records nothing.
  nodes::SignedStatement office_query() {
    return sign(office_key_, "office.BJ", "query.actor", nlohmann::json::object());
  }

  std::vector<std::string> log_lines() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }
  std::vector<std::string> log_lines_with(const std::string& text) {
    std::vector<std::string> found;
    for (const std::string& line : log_lines()) {
      if (line.find(text) != std::string::npos) found.push_back(line);
    }
    return found;
  }

 private:
  void keep(const std::string& line) {
    std::lock_guard lock(log_mutex_);
    log_.push_back(line);
  }

  testing::TempDir dir_{"front-door"};
  crypto::KeyPair office_key_ = seeded_key(1);
  crypto::KeyPair enterprise_key_ = seeded_key(2);
  std::unique_ptr<nodes::Node> node_;
  std::unique_ptr<api::Host> host_;
  std::atomic<int> nonce_{0};
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

// A TCP connection from `source` (a loopback address) to 127.0.0.1:port, non-blocking connect.
// Returns -1 if the socket could not be made (out of descriptors).
inline int connect_from(const char* source, std::uint16_t port) {
  const int socket = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (socket < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  REQUIRE(::inet_pton(AF_INET, source, &local.sin_addr) == 1);
  REQUIRE(::bind(socket, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  REQUIRE(::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr) == 1);
  const int result = ::connect(socket, reinterpret_cast<sockaddr*>(&remote), sizeof remote);
  REQUIRE((result == 0 || errno == EINPROGRESS));
  return socket;
}

// True when the peer ended the connection (end of stream or reset); false while it is open.
// Discards any bytes that arrived. Non-blocking.
inline bool peer_closed(int socket) {
  char buffer[4096];
  for (;;) {
    const ssize_t count = ::recv(socket, buffer, sizeof buffer, MSG_DONTWAIT);
    if (count == 0) return true;
    if (count > 0) continue;
    return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ENOTCONN &&
           errno != EINPROGRESS;
  }
}

// Open descriptors of this process.
inline std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

// Resident set size of this process, in bytes.
inline std::uint64_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// A TLS client on a blocking socket from `source`, with the cipher policy a test gives (no
// verification: the tests judge the server's answers, not its identity).
struct TlsPolicy {
  int version_min = TLS1_2_VERSION;
  int version_max = 0;  // 0: the highest OpenSSL knows
  std::string ciphers;  // TLS 1.2 cipher list; empty: OpenSSL's default
};

class RawTls {
 public:
  using Policy = TlsPolicy;

  RawTls(const char* source, std::uint16_t port, const Policy& policy = {}) {
    std::signal(SIGPIPE, SIG_IGN);
    socket_ = connect_from(source, port);
    REQUIRE(socket_ >= 0);
    pollfd writable{socket_, POLLOUT, 0};
    REQUIRE(::poll(&writable, 1, 5'000) == 1);
    REQUIRE(::fcntl(socket_, F_SETFL, 0) == 0);  // blocking from here on
    // The request follows the handshake's last flight at once (no 40 ms Nagle wait for an ACK).
    const int no_delay = 1;
    REQUIRE(::setsockopt(socket_, IPPROTO_TCP, TCP_NODELAY, &no_delay, sizeof no_delay) == 0);
    const timeval timeout{5, 0};
    REQUIRE(::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == 0);
    context_ = SSL_CTX_new(TLS_client_method());
    REQUIRE(context_ != nullptr);
    SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_min_proto_version(context_, policy.version_min);
    SSL_CTX_set_max_proto_version(context_, policy.version_max);
    if (!policy.ciphers.empty()) {
      REQUIRE(SSL_CTX_set_cipher_list(context_, policy.ciphers.c_str()) == 1);
    }
    connection_ = SSL_new(context_);
    REQUIRE(connection_ != nullptr);
    REQUIRE(SSL_set_fd(connection_, socket_) == 1);
    ERR_clear_error();
    connected_ = SSL_connect(connection_) == 1;
  }
  ~RawTls() {
    if (connection_ != nullptr) SSL_free(connection_);
    if (context_ != nullptr) SSL_CTX_free(context_);
    if (socket_ >= 0) ::close(socket_);
  }
  RawTls(const RawTls&) = delete;
  RawTls& operator=(const RawTls&) = delete;

  bool connected() const { return connected_; }
  int version() const { return SSL_version(connection_); }

  bool send(const std::string& bytes) {
    ERR_clear_error();
    return SSL_write(connection_, bytes.data(), static_cast<int>(bytes.size())) ==
           static_cast<int>(bytes.size());
  }
  // Everything until the server closes the connection (or 5 s of silence).
  std::string read_all() {
    std::string received;
    char buffer[4096];
    for (;;) {
      ERR_clear_error();
      const int count = SSL_read(connection_, buffer, sizeof buffer);
      if (count <= 0) return received;
      received.append(buffer, static_cast<std::size_t>(count));
    }
  }
  // One response on a kept-alive connection: its status line, headers and Content-Length body.
  std::string read_response() {
    std::string received;
    char byte = 0;
    while (received.find("\r\n\r\n") == std::string::npos) {
      if (SSL_read(connection_, &byte, 1) != 1) return received;
      received += byte;
    }
    const std::size_t at = received.find("Content-Length: ");
    std::size_t length = at == std::string::npos ? 0 : std::stoul(received.substr(at + 16));
    while (length-- > 0 && SSL_read(connection_, &byte, 1) == 1) received += byte;
    return received;
  }

 private:
  int socket_ = -1;
  SSL_CTX* context_ = nullptr;
  SSL* connection_ = nullptr;
  bool connected_ = false;
};

// The status code of a raw HTTP response ("HTTP/1.1 400 Bad Request…"), or 0.
inline unsigned status_of(const std::string& response) {
  if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0) return 0;
  return static_cast<unsigned>(std::stoul(response.substr(9, 3)));
}

// Sends one request over a new TLS connection from `source` and returns the whole answer.
inline std::string exchange(std::uint16_t port, const std::string& request,
                            const char* source = "127.0.0.1") {
  RawTls tls(source, port);
  REQUIRE(tls.connected());
  REQUIRE(tls.send(request));
  return tls.read_all();
}

}  // namespace innoclear::front_door
