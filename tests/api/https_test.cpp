// The HTTPS transport: TLS trust, HTTP limits, deadlines and shutdown.
//
// Servers listen on 127.0.0.1, port 0. Slow, malformed and unfinished connections are driven by a
// plain OpenSSL client on a blocking socket (RawTlsConnection below), so they send exactly the
// bytes a test chooses. Timeouts are small; waits are generous; nothing asserts on speed.
#include "api/https.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/tls_cert.h"
#include "tests/support/temp_dir.h"

using namespace innoclear;
using namespace innoclear::api;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

constexpr auto k_wait_max = 5s;  // generous: only a broken server takes this long

struct Identity {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::string fingerprint;
};

// Self-signed TLS identities in a scratch directory, made on demand.
class Identities {
 public:
  Identity make(const std::string& name) {
    const crypto::TlsIdentityFiles files{directory_ / (name + "-cert.pem"),
                                         directory_ / (name + "-key.pem")};
    REQUIRE(crypto::create_tls_identity(name, files).ok());
    Result<std::string> fingerprint = crypto::certificate_fingerprint(files.certificate);
    REQUIRE(fingerprint.ok());
    return {files.certificate, files.private_key, *fingerprint};
  }

 private:
  innoclear::testing::TempDir directory_{"https"};
};

// Threads that answer requests later; joined when the test ends.
class Workers {
 public:
  ~Workers() {
    for (std::thread& thread : threads_) thread.join();
  }
  void spawn(std::function<void()> work) {
    std::lock_guard lock(mutex_);
    threads_.emplace_back(std::move(work));
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

// The server's log lines, readable from the test thread.
class LogLines {
 public:
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
    };
  }
  bool contains(const std::string& text) {
    std::lock_guard lock(mutex_);
    return std::any_of(lines_.begin(), lines_.end(), [&](const std::string& line) {
      return line.find(text) != std::string::npos;
    });
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

std::string header_of(const HttpResponse& response, const std::string& name) {
  for (const auto& [field, value] : response.headers) {
    if (field == name) return value;
  }
  return {};
}

std::string lower_case(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Answers "METHOD target body", with the peer, its certificate and the x-test header echoed back.
Handler echo(std::atomic<int>* calls = nullptr) {
  return [calls](HttpRequest request, Respond respond) {
    if (calls != nullptr) ++*calls;
    HttpResponse response;
    response.content_type = "text/plain";
    response.body = request.method + " " + request.target + " " + request.body;
    response.headers = {{"x-peer", request.peer_address},
                        {"x-fingerprint", request.peer_certificate_fingerprint},
                        {"x-test", request.header("X-Test").value_or("")}};
    respond(std::move(response));
  };
}

// A server identity and the options every test starts from.
class Fixture {
 public:
  Fixture() : server_identity(identities.make("server")) {}

  ServerOptions server_options(ServerLimits limits = {}) const {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.certificate_pem = server_identity.certificate;
    options.private_key_pem = server_identity.private_key;
    options.threads = 2;
    options.limits = limits;
    options.log = log.sink();
    return options;
  }

  ClientOptions client_options(std::uint16_t port) const {
    ClientOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    options.server_certificate_fingerprint = server_identity.fingerprint;
    options.timeout_ms = 5'000;
    return options;
  }

  static std::unique_ptr<HttpsServer> start(ServerOptions options, Handler handler) {
    Result<std::unique_ptr<HttpsServer>> server =
        HttpsServer::start(std::move(options), std::move(handler));
    INFO(server.status().to_string());
    REQUIRE(server.ok());
    return std::move(server).value();
  }

  Identities identities;
  Identity server_identity;
  mutable LogLines log;
};

int connect_tcp(std::uint16_t port) {
  const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(socket >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  REQUIRE(::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr) == 1);
  REQUIRE(::connect(socket, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  // Reads wake up every 100 ms so a test can give up at its own deadline.
  const timeval timeout{0, 100'000};
  REQUIRE(::setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == 0);
  return socket;
}

// True when the server closes (or resets) a plain TCP connection within `wait`.
bool closed_by_server(int socket, milliseconds wait) {
  const auto deadline = steady_clock::now() + wait;
  char byte = 0;
  while (steady_clock::now() < deadline) {
    const ssize_t count = ::recv(socket, &byte, 1, 0);
    if (count == 0) return true;
    if (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
  }
  return false;
}

// A plain TLS client (OpenSSL, no verification, blocking socket) that sends what it is told.
class RawTlsConnection {
 public:
  struct Received {
    std::string bytes;
    bool closed = false;  // the server ended the connection
  };

  explicit RawTlsConnection(std::uint16_t port) : socket_(connect_tcp(port)) {
    std::signal(SIGPIPE, SIG_IGN);  // writing to a connection the server cut must not kill us
    context_ = SSL_CTX_new(TLS_client_method());
    REQUIRE(context_ != nullptr);
    SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);
    connection_ = SSL_new(context_);
    REQUIRE(connection_ != nullptr);
    REQUIRE(SSL_set_fd(connection_, socket_) == 1);
    const auto deadline = steady_clock::now() + k_wait_max;
    for (;;) {
      ERR_clear_error();
      const int result = SSL_connect(connection_);
      if (result == 1) break;
      const bool retry = SSL_get_error(connection_, result) == SSL_ERROR_WANT_READ;
      REQUIRE((retry && steady_clock::now() < deadline));
    }
  }
  ~RawTlsConnection() {
    SSL_free(connection_);
    SSL_CTX_free(context_);
    ::close(socket_);
  }
  RawTlsConnection(const RawTlsConnection&) = delete;
  RawTlsConnection& operator=(const RawTlsConnection&) = delete;

  bool send(const std::string& bytes) {
    ERR_clear_error();
    return SSL_write(connection_, bytes.data(), static_cast<int>(bytes.size())) ==
           static_cast<int>(bytes.size());
  }

  // Everything that arrives until the server ends the connection, or `wait` passes.
  Received read_until_closed(milliseconds wait) {
    Received received;
    const auto deadline = steady_clock::now() + wait;
    char buffer[4096];
    while (steady_clock::now() < deadline) {
      ERR_clear_error();
      const int count = SSL_read(connection_, buffer, sizeof buffer);
      if (count > 0) {
        received.bytes.append(buffer, static_cast<std::size_t>(count));
        continue;
      }
      if (SSL_get_error(connection_, count) == SSL_ERROR_WANT_READ) continue;  // 100 ms tick
      received.closed = true;  // close_notify, end of stream, reset or alert
      break;
    }
    return received;
  }

 private:
  int socket_;
  SSL_CTX* context_ = nullptr;
  SSL* connection_ = nullptr;
};

}  // namespace

TEST_CASE("a request is answered over TLS when the server's certificate is pinned", "[https]") {
  Fixture fixture;
  auto server = Fixture::start(fixture.server_options(), echo());
  HttpsClient client(fixture.client_options(server->port()));

  Result<HttpResponse> response =
      client.request("POST", "/v1/echo?x=1", "hello", {{"X-Test", "seen"}});
  INFO(response.status().to_string());
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(response->body == "POST /v1/echo?x=1 hello");
  CHECK(response->content_type == "text/plain");
  CHECK(header_of(*response, "content-length") == std::to_string(response->body.size()));
  CHECK(header_of(*response, "server") == "innoclear");
  CHECK(header_of(*response, "x-test") == "seen");
  CHECK(header_of(*response, "x-fingerprint").empty());  // no client certificate was asked for
  CHECK(header_of(*response, "x-peer").rfind("127.0.0.1:", 0) == 0);
}

TEST_CASE("many requests travel over one kept-alive connection", "[https]") {
  Fixture fixture;
  auto server = Fixture::start(fixture.server_options(), echo());
  HttpsClient client(fixture.client_options(server->port()));

  std::vector<std::string> peers;
  for (int i = 0; i < 20; ++i) {
    Result<HttpResponse> response = client.request("GET", "/n/" + std::to_string(i));
    REQUIRE(response.ok());
    CHECK(response->body == "GET /n/" + std::to_string(i) + " ");
    peers.push_back(header_of(*response, "x-peer"));
  }
  CHECK(
      std::all_of(peers.begin(), peers.end(), [&](const auto& peer) { return peer == peers[0]; }));
}

TEST_CASE("a client refuses a server whose certificate is not the pinned one", "[https]") {
  Fixture fixture;
  std::atomic<int> calls{0};
  auto server = Fixture::start(fixture.server_options(), echo(&calls));
  ClientOptions options = fixture.client_options(server->port());
  options.server_certificate_fingerprint = fixture.identities.make("impostor").fingerprint;
  HttpsClient client(options);

  Result<HttpResponse> response = client.request("GET", "/v1/health");
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == Code::bad_certificate);
  CHECK(calls == 0);
}

TEST_CASE("a client without a pin trusts a server that chains to its CA file", "[https]") {
  Fixture fixture;
  std::atomic<int> calls{0};
  auto server = Fixture::start(fixture.server_options(), echo(&calls));
  ClientOptions options = fixture.client_options(server->port());
  options.server_certificate_fingerprint.clear();

  SECTION("the server's own certificate as the CA, by name and by address") {
    options.ca_certificate_pem = fixture.server_identity.certificate;
    for (const std::string host : {"localhost", "127.0.0.1"}) {
      options.host = host;
      HttpsClient client(options);
      Result<HttpResponse> response = client.request("GET", "/v1/health");
      INFO(host << ": " << response.status().to_string());
      REQUIRE(response.ok());
      CHECK(response->status == 200);
    }
  }
  SECTION("another CA is refused") {
    options.ca_certificate_pem = fixture.identities.make("other-ca").certificate;
    HttpsClient client(options);
    Result<HttpResponse> response = client.request("GET", "/v1/health");
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == Code::bad_certificate);
    CHECK(calls == 0);
  }
  SECTION("neither a pin nor a CA file is refused before connecting") {
    HttpsClient client(options);
    Result<HttpResponse> response = client.request("GET", "/v1/health");
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == Code::invalid_argument);
  }
}

TEST_CASE("browsers get the operator's certificate; pinning clients still get the node's",
          "[https]") {
  Fixture fixture;
  const Identity operator_identity = fixture.identities.make("operator");
  ServerOptions server_options = fixture.server_options();
  server_options.browser_certificate_pem = operator_identity.certificate;
  server_options.browser_private_key_pem = operator_identity.private_key;
  server_options.client_certificate_fingerprints = {fixture.identities.make("peer").fingerprint};
  server_options.client_certificate_optional = true;
  auto server = Fixture::start(server_options, echo());
  ClientOptions options = fixture.client_options(server->port());
  auto request = [&](const ClientOptions& client_options) {
    HttpsClient client(client_options);
    return client.request("GET", "/v1/health");
  };

  SECTION("a client pinning the node's certificate gets it, by name or by address") {
    for (const std::string host : {"localhost", "127.0.0.1"}) {
      options.host = host;
      Result<HttpResponse> response = request(options);
      INFO(host << ": " << response.status().to_string());
      CHECK(response.ok());
    }
  }
  SECTION("a browser naming the host gets the operator's chain, and no certificate request") {
    options.server_certificate_fingerprint.clear();
    options.host = "localhost";
    options.ca_certificate_pem = operator_identity.certificate;
    Result<HttpResponse> response = request(options);
    INFO(response.status().to_string());
    REQUIRE(response.ok());
    CHECK(header_of(*response, "x-fingerprint").empty());
    options.ca_certificate_pem = fixture.server_identity.certificate;
    CHECK(request(options).status().code() == Code::bad_certificate);
  }
  SECTION("a client connecting by address (no name) gets the node's certificate") {
    options.server_certificate_fingerprint.clear();
    options.ca_certificate_pem = fixture.server_identity.certificate;
    CHECK(request(options).ok());
  }
  SECTION("a browser certificate without its key is refused at start") {
    server_options.browser_private_key_pem.clear();
    CHECK(HttpsServer::start(server_options, echo()).status().code() == Code::invalid_argument);
  }
}

TEST_CASE("a port already in use is reported, not silently ignored", "[https]") {
  Fixture fixture;
  auto first = Fixture::start(fixture.server_options(), echo());
  ServerOptions options = fixture.server_options();
  options.port = first->port();

  Result<std::unique_ptr<HttpsServer>> second = HttpsServer::start(options, echo());
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::io_error);
  CHECK(second.status().message().find("cannot listen on 127.0.0.1:" +
                                       std::to_string(first->port())) != std::string::npos);
}

TEST_CASE("certificate files that do not load stop the server from starting", "[https]") {
  Fixture fixture;
  ServerOptions options = fixture.server_options();
  SECTION("a missing certificate") {
    options.certificate_pem = fixture.server_identity.certificate.string() + ".missing";
  }
  SECTION("a key that belongs to another certificate") {
    options.private_key_pem = fixture.identities.make("stranger").private_key;
  }
  Result<std::unique_ptr<HttpsServer>> server = HttpsServer::start(options, echo());
  REQUIRE_FALSE(server.ok());
  CHECK(server.status().code() == Code::bad_certificate);
}

TEST_CASE("a header larger than the limit is answered 431 and the connection closed", "[https]") {
  Fixture fixture;
  std::atomic<int> calls{0};
  ServerLimits limits;
  limits.header_bytes_max = 1024;
  auto server = Fixture::start(fixture.server_options(limits), echo(&calls));
  HttpsClient client(fixture.client_options(server->port()));

  Result<HttpResponse> response =
      client.request("GET", "/", "", {{"x-big", std::string(4096, 'a')}});
  INFO(response.status().to_string());
  REQUIRE(response.ok());
  CHECK(response->status == 431);
  CHECK(response->content_type == "application/problem+json");
  CHECK(response->body ==
        R"({"type":"about:blank","title":"Request Header Fields Too Large","status":431})");
  CHECK(lower_case(header_of(*response, "connection")) == "close");
  CHECK(calls == 0);
  // The client opens a new connection for the next request, which is within the limit.
  Result<HttpResponse> next = client.request("GET", "/small");
  REQUIRE(next.ok());
  CHECK(next->status == 200);
}

TEST_CASE("a body larger than the limit is answered 413 and the connection closed", "[https]") {
  Fixture fixture;
  std::atomic<int> calls{0};
  ServerLimits limits;
  limits.body_bytes_max = 1024;
  auto server = Fixture::start(fixture.server_options(limits), echo(&calls));
  HttpsClient client(fixture.client_options(server->port()));

  Result<HttpResponse> response = client.request("POST", "/", std::string(64 * 1024, 'b'));
  INFO(response.status().to_string());
  REQUIRE(response.ok());
  CHECK(response->status == 413);
  CHECK(response->content_type == "application/problem+json");
  CHECK(response->body.find(R"("status":413)") != std::string::npos);
  CHECK(lower_case(header_of(*response, "connection")) == "close");
  CHECK(calls == 0);
  Result<HttpResponse> within = client.request("POST", "/", std::string(1024, 'b'));
  REQUIRE(within.ok());
  CHECK(within->status == 200);
}

TEST_CASE("a malformed request is answered 400 and the connection closed", "[https]") {
  Fixture fixture;
  std::atomic<int> calls{0};
  auto server = Fixture::start(fixture.server_options(), echo(&calls));
  RawTlsConnection raw(server->port());

  REQUIRE(raw.send("NOT HTTP AT ALL\r\n\r\n"));
  const RawTlsConnection::Received received = raw.read_until_closed(k_wait_max);
  CHECK(received.closed);
  CHECK(received.bytes.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(received.bytes.find("application/problem+json") != std::string::npos);
  CHECK(received.bytes.find(R"("status":400)") != std::string::npos);
  CHECK(calls == 0);
}

TEST_CASE("a client sending one byte per second is cut off while another is served", "[https]") {
  Fixture fixture;
  ServerLimits limits;
  limits.read_timeout_ms = 500;
  ServerOptions options = fixture.server_options(limits);
  options.threads = 1;
  auto server = Fixture::start(options, echo());

  RawTlsConnection slow(server->port());
  REQUIRE(slow.send("G"));
  HttpsClient other(fixture.client_options(server->port()));
  Result<HttpResponse> served = other.request("GET", "/meanwhile");
  REQUIRE(served.ok());
  CHECK(served->status == 200);

  std::this_thread::sleep_for(1s);
  (void)slow.send("E");  // may already fail: the server hung up at the read timeout
  const RawTlsConnection::Received received = slow.read_until_closed(k_wait_max);
  CHECK(received.closed);
  CHECK(received.bytes.empty());  // cut off, not answered
  Result<HttpResponse> still = other.request("GET", "/after");
  REQUIRE(still.ok());
  CHECK(still->status == 200);
}

TEST_CASE("a connection that never starts the TLS handshake is closed at its timeout", "[https]") {
  Fixture fixture;
  ServerLimits limits;
  limits.handshake_timeout_ms = 300;
  auto server = Fixture::start(fixture.server_options(limits), echo());

  const int silent = connect_tcp(server->port());
  CHECK(closed_by_server(silent, k_wait_max));
  ::close(silent);
}

TEST_CASE("an idle kept-alive connection is closed after the idle timeout", "[https]") {
  Fixture fixture;
  ServerLimits limits;
  limits.idle_timeout_ms = 300;
  auto server = Fixture::start(fixture.server_options(limits), echo());
  RawTlsConnection raw(server->port());

  REQUIRE(raw.send("GET /idle HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const RawTlsConnection::Received received = raw.read_until_closed(k_wait_max);
  CHECK(received.closed);
  CHECK(received.bytes.rfind("HTTP/1.1 200", 0) == 0);
  // The response kept the connection open; only the idle timeout ended it.
  CHECK(lower_case(received.bytes).find("connection: close") == std::string::npos);
}

TEST_CASE("a request with Connection: close is answered and the connection closed", "[https]") {
  Fixture fixture;
  auto server = Fixture::start(fixture.server_options(), echo());
  RawTlsConnection raw(server->port());

  REQUIRE(raw.send("GET /once HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
  const RawTlsConnection::Received received = raw.read_until_closed(k_wait_max);
  CHECK(received.closed);
  CHECK(received.bytes.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(lower_case(received.bytes).find("connection: close") != std::string::npos);
}

TEST_CASE("the client reconnects by itself when the server closed its idle connection", "[https]") {
  Fixture fixture;
  ServerLimits limits;
  limits.idle_timeout_ms = 200;
  auto server = Fixture::start(fixture.server_options(limits), echo());
  HttpsClient client(fixture.client_options(server->port()));

  Result<HttpResponse> first = client.request("GET", "/first");
  REQUIRE(first.ok());
  std::this_thread::sleep_for(800ms);  // the server closes the connection meanwhile
  Result<HttpResponse> second = client.request("GET", "/second");
  INFO(second.status().to_string());
  REQUIRE(second.ok());
  CHECK(second->body == "GET /second ");
  CHECK(header_of(*second, "x-peer") != header_of(*first, "x-peer"));  // a new connection
}

TEST_CASE("at connections_max an idle connection makes room; with none idle, new ones are closed",
          "[https]") {
  Fixture fixture;
  ServerLimits limits;
  limits.connections_max = 1;
  auto server = Fixture::start(fixture.server_options(limits), echo());
  const ClientOptions options = fixture.client_options(server->port());

  auto first = std::make_unique<HttpsClient>(options);
  Result<HttpResponse> served = first->request("GET", "/first");
  REQUIRE(served.ok());
  // The server sets the connection to wait for its next request just after the answer is written.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    // The first connection waits idle for its next request: it is closed to let this one in.
    HttpsClient second(options);
    Result<HttpResponse> admitted = second.request("GET", "/second");
    REQUIRE(admitted.ok());
  }
  first.reset();

  // A connection still in its handshake is not idle: the next one is closed at once.
  const int pending = connect_tcp(server->port());
  bool refused = false;
  for (const auto deadline = steady_clock::now() + k_wait_max;
       !refused && steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
    HttpsClient third(options);
    refused = !third.request("GET", "/third").ok();
  }
  CHECK(refused);
  CHECK(fixture.log.contains("refused connection"));
  ::close(pending);

  // Once it leaves, its slot is free again.
  HttpsClient fourth(options);
  bool admitted = false;
  for (const auto deadline = steady_clock::now() + k_wait_max;
       !admitted && steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
    admitted = fourth.request("GET", "/fourth").ok();
  }
  CHECK(admitted);
}

TEST_CASE("a handler that never responds yields 503 after the handler timeout", "[https]") {
  Fixture fixture;
  ServerLimits limits;
  limits.handler_timeout_ms = 300;
  std::mutex mutex;
  std::vector<Respond> forgotten;
  auto server =
      Fixture::start(fixture.server_options(limits), [&](HttpRequest request, Respond respond) {
        if (request.target == "/never") {
          std::lock_guard lock(mutex);
          forgotten.push_back(std::move(respond));
          return;
        }
        respond({200, "text/plain", "ok", {}});
      });
  HttpsClient client(fixture.client_options(server->port()));

  Result<HttpResponse> response = client.request("GET", "/never");
  REQUIRE(response.ok());
  CHECK(response->status == 503);
  CHECK(response->content_type == "application/problem+json");
  CHECK(response->body.find(R"("status":503)") != std::string::npos);

  // An answer after the 503 is ignored; the connection goes on with the next request.
  {
    std::lock_guard lock(mutex);
    REQUIRE(forgotten.size() == 1);
    forgotten[0]({200, "text/plain", "too late", {}});
  }
  Result<HttpResponse> next = client.request("GET", "/ok");
  REQUIRE(next.ok());
  CHECK(next->status == 200);
  CHECK(next->body == "ok");
}

TEST_CASE("a handler may respond later from another thread", "[https]") {
  Fixture fixture;
  Workers workers;
  auto server = Fixture::start(fixture.server_options(), [&](HttpRequest request, Respond respond) {
    workers.spawn([request = std::move(request), respond = std::move(respond)] {
      std::this_thread::sleep_for(100ms);
      respond({201, "text/plain", "later: " + request.body, {}});
    });
  });
  HttpsClient client(fixture.client_options(server->port()));

  for (const std::string body : {"one", "two"}) {
    Result<HttpResponse> response = client.request("POST", "/v1/slow", body);
    REQUIRE(response.ok());
    CHECK(response->status == 201);
    CHECK(response->body == "later: " + body);
  }
}

TEST_CASE("stop() lets a request in progress finish before closing", "[https]") {
  Fixture fixture;
  Workers workers;
  std::promise<void> handler_called;
  auto server = Fixture::start(fixture.server_options(), [&](HttpRequest, Respond respond) {
    workers.spawn([respond = std::move(respond)] {
      std::this_thread::sleep_for(200ms);
      respond({200, "text/plain", "finished", {}});
    });
    handler_called.set_value();
  });
  const ClientOptions options = fixture.client_options(server->port());
  auto answer = std::async(std::launch::async, [&options] {
    HttpsClient client(options);
    return client.request("POST", "/v1/work", "job");
  });

  REQUIRE(handler_called.get_future().wait_for(k_wait_max) == std::future_status::ready);
  server->stop();
  Result<HttpResponse> response = answer.get();
  INFO(response.status().to_string());
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(response->body == "finished");

  server->stop();  // a second stop() does nothing
  HttpsClient late(options);
  CHECK_FALSE(late.request("GET", "/v1/health").ok());  // nobody listens any more
}

TEST_CASE("mutual TLS admits only clients with a pinned certificate", "[https]") {
  Fixture fixture;
  std::atomic<int> calls{0};
  const Identity known = fixture.identities.make("known-peer");
  ServerOptions server_options = fixture.server_options();
  server_options.client_certificate_fingerprints = {known.fingerprint};
  auto server = Fixture::start(server_options, echo(&calls));
  ClientOptions options = fixture.client_options(server->port());

  SECTION("a client without a certificate is refused") {
    HttpsClient client(options);
    Result<HttpResponse> response = client.request("GET", "/v1/peer");
    INFO(response.status().to_string());
    CHECK_FALSE(response.ok());
    CHECK(calls == 0);
  }
  SECTION("a client with an unknown certificate is refused") {
    const Identity unknown = fixture.identities.make("unknown-peer");
    options.client_certificate_pem = unknown.certificate;
    options.client_private_key_pem = unknown.private_key;
    HttpsClient client(options);
    Result<HttpResponse> response = client.request("GET", "/v1/peer");
    INFO(response.status().to_string());
    CHECK_FALSE(response.ok());
    CHECK(calls == 0);
  }
  SECTION("a pinned client is admitted and the handler sees its fingerprint") {
    options.client_certificate_pem = known.certificate;
    options.client_private_key_pem = known.private_key;
    HttpsClient client(options);
    Result<HttpResponse> response = client.request("GET", "/v1/peer");
    INFO(response.status().to_string());
    REQUIRE(response.ok());
    CHECK(response->status == 200);
    CHECK(header_of(*response, "x-fingerprint") == known.fingerprint);
  }
}

TEST_CASE("a response larger than the client's limit is refused", "[https]") {
  Fixture fixture;
  auto server = Fixture::start(fixture.server_options(), [](HttpRequest, Respond respond) {
    respond({200, "text/plain", std::string(4096, 'r'), {}});
  });
  ClientOptions options = fixture.client_options(server->port());
  options.response_body_bytes_max = 1024;
  HttpsClient client(options);

  Result<HttpResponse> response = client.request("GET", "/big");
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == Code::io_error);
}

TEST_CASE("addresses are host and port, with or without a scheme", "[https]") {
  using Address = std::pair<std::string, std::uint16_t>;
  const std::pair<std::string, Address> accepted[] = {
      {"https://127.0.0.1:8443", {"127.0.0.1", 8443}},
      {"127.0.0.1:8443", {"127.0.0.1", 8443}},
      {"localhost:8443", {"localhost", 8443}},
      {"https://localhost:1/", {"localhost", 1}},
      {"[::1]:65535", {"::1", 65535}},
  };
  for (const auto& [text, address] : accepted) {
    Result<Address> parsed = parse_host_port(text);
    INFO(text << ": " << parsed.status().to_string());
    REQUIRE(parsed.ok());
    CHECK(*parsed == address);
  }
  for (const std::string text :
       {"localhost", "https://localhost", "localhost:", "localhost:0", "localhost:65536",
        "localhost:https", ":8443", "a:b:1", "localhost:8443/path", ""}) {
    Result<Address> parsed = parse_host_port(text);
    INFO(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::invalid_argument);
  }
}
