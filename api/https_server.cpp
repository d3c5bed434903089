// The HTTPS server: one acceptor on its own strand, one Session per connection on its own strand.
//
// Lifetimes: every pending asynchronous operation holds a shared_ptr to its Session, so a session
// lives exactly as long as something can still call back into it. While a handler works there is
// no pending I/O, so the handler-timeout timer holds it. Respond closures hold only a weak_ptr and
// reach the session through a RespondGate that stop() shuts before the I/O threads end, so a late
// respond() from a user thread never touches a dead io_context.
//
// All Beast code of the server is in this file (Beast translation units are slow to compile).
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

// GCC 12 with -fsanitize reports a false -Wmaybe-uninitialized inside Beast's HTTP parser (a
// boost::optional it returns as none). Boost is a system header, but warnings found after inlining
// escape that, so this one is silenced for the Boost headers alone.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#pragma GCC diagnostic pop

#include "api/https.h"
#include "api/log_text.h"

namespace innoclear::api {

namespace detail {
// Lowercase hex SHA-256 of the certificate's DER encoding; "" for no certificate. Defined in
// https_client.cpp, which the client shares.
std::string certificate_fingerprint(X509* certificate);
// TLS 1.3, or TLS 1.2 with ECDHE and AEAD only; false if OpenSSL refused the cipher list. Defined
// in https_client.cpp: client and server hold the same policy.
bool apply_tls_policy(SSL_CTX* context);
}  // namespace detail

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

// After an error response (431, 413, 400) or a Connection: close, the server stops sending and
// reads what the client still sends for at most this long or this many bytes, then closes: closing
// with unread input makes the kernel send RST, which can destroy the response before it is read.
constexpr std::uint32_t k_close_drain_ms = 1'000;
constexpr std::size_t k_close_drain_bytes_max = 1024 * 1024;
// After accept() fails (out of descriptors, say), wait this long before the next try.
constexpr std::uint32_t k_accept_retry_ms = 100;
// stop(): how long to wait for the sessions to run their final close.
constexpr std::uint32_t k_stop_close_wait_ms = 2'000;
// How much one read waits for on an idle keep-alive connection before the request deadline starts.
constexpr std::size_t k_first_read_bytes = 4096;
// Source addresses remembered for their request rate while none of their connections is open;
// beyond this, the ones whose bucket has refilled are forgotten (memory stays bounded).
constexpr std::size_t k_addresses_remembered_max = 16 * 1024;
// With no descriptor limit (RLIM_INFINITY), connections are capped here.
constexpr std::size_t k_connections_unlimited_max = 1 << 20;

std::string transport_problem_json(unsigned status, std::string_view title) {
  return R"({"type":"about:blank","title":")" + std::string(title) + R"(","status":)" +
         std::to_string(status) + "}";
}

HttpResponse transport_problem(unsigned status, std::string_view title) {
  return {status, "application/problem+json", transport_problem_json(status, title), {}};
}

// 429 rate_limited in the form the routes answer refusals (api::problem_json): code, detail,
// status, title, type.
HttpResponse rate_limited(std::uint32_t retry_after_s) {
  const std::string name(code_name(Code::rate_limited));
  return {429,
          "application/problem+json",
          R"({"code":)" + std::to_string(static_cast<int>(Code::rate_limited)) +
              R"(,"detail":"too many requests from this address; retry after )" +
              std::to_string(retry_after_s) + R"( s","status":429,"title":")" + name +
              R"(","type":"urn:innoclear:problem:)" + name + R"("})",
          {{"Retry-After", std::to_string(retry_after_s)}}};
}

std::string lower_case(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool header_text_is_safe(std::string_view text) {
  return text.find_first_of("\r\n") == std::string_view::npos;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const net::ip::address address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

// connections_max, or when 0 the descriptor limit less the reserve (at least one connection).
std::size_t connections_cap(const ServerLimits& limits) {
  if (limits.connections_max > 0) return limits.connections_max;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return k_connections_unlimited_max;
  }
  const auto descriptors = static_cast<std::size_t>(limit.rlim_cur);
  return descriptors > limits.descriptors_reserved + 1 ? descriptors - limits.descriptors_reserved
                                                       : 1;
}

class Session;

// One source IP address: its open connections and its request bucket.
struct AddressEntry {
  std::size_t connections = 0;
  double tokens = 0;  // requests it may still make at once
  std::chrono::steady_clock::time_point refilled;
};

enum class Admission { admitted, address_full, server_full };

// What the server and every session share. Sessions may outlive the server's Impl by moments (the
// io_context destroys their pending handlers), so this is reference-counted.
struct ServerState {
  ServerLimits limits;
  std::size_t connections_max = 0;  // limits.connections_max, or sized to the descriptor limit
  Handler handler;
  std::set<std::string> client_certificate_fingerprints;  // empty: no mutual TLS
  bool client_certificate_optional = false;
  std::function<void(const std::string&)> log;
  std::mutex log_mutex;  // the user's log need not be thread-safe
  std::optional<LineBudget> log_budget;

  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> sessions_live{0};
  std::atomic<std::uint64_t> next_session_id{0};

  // Guards sessions, idle, addresses and requests_in_flight. Never held while a Session is
  // destroyed (its destructor takes it).
  std::mutex mutex;
  std::condition_variable requests_done;  // signalled when requests_in_flight drops
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::map<std::uint64_t, std::weak_ptr<Session>> idle;  // waiting for a next request; oldest first
  std::map<std::string, AddressEntry> addresses;
  std::size_t requests_in_flight = 0;  // read, not yet answered and written

  void say(const std::string& line) {
    if (!log) return;
    std::lock_guard lock(log_mutex);
    log(line);
  }
  // A line about one connection: within log_lines_per_second_max, or counted for later.
  void say_limited(const std::string& line) {
    if (!log) return;
    const LineBudget::Verdict verdict = log_budget->take(std::chrono::steady_clock::now());
    if (!verdict.admit) return;
    std::lock_guard lock(log_mutex);
    if (verdict.suppressed > 0) log("suppressed " + std::to_string(verdict.suppressed) + " lines");
    log(line);
  }

  // On the acceptor strand: counts a new connection from `address` in, or says why not. At the
  // global cap, `evicted` receives the oldest idle session, to be closed by the caller (outside
  // the lock) to make room.
  Admission admit(const std::string& address, std::shared_ptr<Session>& evicted);
  // A session from `address` ended.
  void release(std::uint64_t id, const std::string& address);
  // Takes one request from the address's bucket; false (with the seconds until the next one)
  // when it is empty.
  bool take_request(const std::string& address, std::uint32_t& retry_after_s);

 private:
  // REQUIRES: mutex held (for the three below).
  void refill(AddressEntry& entry, std::chrono::steady_clock::time_point now) const;
  bool refilled_fully(AddressEntry& entry, std::chrono::steady_clock::time_point now) const;
  void forget_quiet_addresses(std::chrono::steady_clock::time_point now);
};

void ServerState::refill(AddressEntry& entry, std::chrono::steady_clock::time_point now) const {
  const double seconds = std::chrono::duration<double>(now - entry.refilled).count();
  entry.tokens = std::min<double>(limits.requests_burst_per_address,
                                  entry.tokens + seconds * limits.requests_per_address_per_second);
  entry.refilled = now;
}

bool ServerState::refilled_fully(AddressEntry& entry,
                                 std::chrono::steady_clock::time_point now) const {
  refill(entry, now);
  return limits.requests_per_address_per_second == 0 ||
         entry.tokens >= limits.requests_burst_per_address;
}

// Addresses with no connection open are kept only while their bucket is not yet full again (so
// reconnecting does not reset a rate); past k_addresses_remembered_max, all of them go.
void ServerState::forget_quiet_addresses(std::chrono::steady_clock::time_point now) {
  for (auto it = addresses.begin(); it != addresses.end();) {
    const bool quiet = it->second.connections == 0 && refilled_fully(it->second, now);
    it = quiet ? addresses.erase(it) : std::next(it);
  }
  if (addresses.size() < k_addresses_remembered_max) return;
  std::erase_if(addresses, [](const auto& item) { return item.second.connections == 0; });
}

Admission ServerState::admit(const std::string& address, std::shared_ptr<Session>& evicted) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex);
  const auto known = addresses.find(address);
  if (limits.connections_per_address_max > 0 && known != addresses.end() &&
      known->second.connections >= limits.connections_per_address_max) {
    return Admission::address_full;
  }
  if (sessions_live >= connections_max) {
    while (!evicted && !idle.empty()) {
      evicted = idle.begin()->second.lock();
      idle.erase(idle.begin());
    }
    if (!evicted) return Admission::server_full;
  }
  if (known == addresses.end() && addresses.size() >= k_addresses_remembered_max) {
    forget_quiet_addresses(now);
  }
  auto [entry, added] = addresses.try_emplace(address);
  if (added) entry->second = {0, static_cast<double>(limits.requests_burst_per_address), now};
  entry->second.connections++;
  sessions_live++;
  return Admission::admitted;
}

void ServerState::release(std::uint64_t id, const std::string& address) {
  std::lock_guard lock(mutex);
  sessions.erase(id);
  idle.erase(id);
  sessions_live--;
  const auto entry = addresses.find(address);
  if (entry == addresses.end()) return;
  if (--entry->second.connections == 0 &&
      refilled_fully(entry->second, std::chrono::steady_clock::now())) {
    addresses.erase(entry);
  }
}

bool ServerState::take_request(const std::string& address, std::uint32_t& retry_after_s) {
  if (limits.requests_per_address_per_second == 0) return true;
  std::lock_guard lock(mutex);
  const auto entry = addresses.find(address);
  if (entry == addresses.end()) return true;  // not counted in (cannot happen while open)
  refill(entry->second, std::chrono::steady_clock::now());
  if (entry->second.tokens >= 1) {
    entry->second.tokens -= 1;
    return true;
  }
  const double wait_s = (1 - entry->second.tokens) / limits.requests_per_address_per_second;
  retry_after_s = static_cast<std::uint32_t>(std::max(1.0, std::ceil(wait_s)));
  return false;
}

// Respond closures post to a session only while `open`; stop() shuts it before the I/O threads end.
struct RespondGate {
  std::mutex mutex;
  bool open = true;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // REQUIRES: state->admit() admitted the connection from `address`; ~Session releases it.
  Session(tcp::socket socket, std::string address, ssl::context& tls,
          std::shared_ptr<ServerState> state, std::shared_ptr<RespondGate> gate)
      : state_(std::move(state)),
        address_(std::move(address)),
        gate_(std::move(gate)),
        id_(state_->next_session_id++),
        stream_(std::move(socket), tls),
        handler_timer_(stream_.get_executor()) {
    beast::error_code ignored;
    peer_address_ = endpoint_text(lowest().socket().remote_endpoint(ignored));
    // Replies go out whole and at once: without this, a reply written in two segments waits
    // for the client's delayed ACK (~40 ms).
    lowest().socket().set_option(tcp::no_delay(true), ignored);
  }

  ~Session() {
    finish_in_flight();
    state_->release(id_, address_);
  }

  std::uint64_t id() const { return id_; }

  // Any thread.
  void start() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::on_start, self()));
  }
  // stop(), first phase: closes connections with no request in progress. Any thread.
  void close_if_idle(std::function<void()> done) {
    net::post(stream_.get_executor(), [self = self(), done = std::move(done)] {
      if (self->phase_ != Phase::handling && self->phase_ != Phase::writing) self->close_socket();
      done();
    });
  }
  // The server is at its connection cap: closes this connection if it still waits, idle, for a
  // next request. Any thread.
  void close_if_waiting() {
    net::post(stream_.get_executor(), [self = self()] {
      if (self->waiting_) self->close_socket();
    });
  }
  // stop(), last phase. Any thread.
  void close_now(std::function<void()> done) {
    net::post(stream_.get_executor(), [self = self(), done = std::move(done)] {
      self->close_socket();
      done();
    });
  }
  // From a Respond closure, on any thread.
  void post_response(std::uint64_t request_number, HttpResponse response) {
    net::post(stream_.get_executor(),
              [self = self(), request_number, response = std::move(response)]() mutable {
                self->on_respond(request_number, std::move(response));
              });
  }

 private:
  enum class Phase { handshake, reading, handling, writing, draining, closed };

  std::shared_ptr<Session> self() { return shared_from_this(); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const ServerLimits& limits() const { return state_->limits; }

  void on_start() {
    if (state_->stopping) return close_socket();
    phase_ = Phase::handshake;
    lowest().expires_after(milliseconds(limits().handshake_timeout_ms));
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::on_handshake, self()));
  }

  void on_handshake(beast::error_code error) {
    if (phase_ == Phase::closed) return;
    if (error) return close_socket();
    peer_fingerprint_ =
        detail::certificate_fingerprint(SSL_get0_peer_certificate(stream_.native_handle()));
    // The verify callback already refused unknown certificates; this is the second lock.
    const auto& allowed = state_->client_certificate_fingerprints;
    const bool anonymous = peer_fingerprint_.empty() && state_->client_certificate_optional;
    if (!allowed.empty() && !anonymous && !allowed.contains(peer_fingerprint_))
      return close_socket();
    read_request();  // the first request must arrive within read_timeout of the handshake
  }

  // Keep-alive: waits up to idle_timeout for the first byte of the next request.
  void await_request() {
    if (state_->stopping) return close_socket();
    phase_ = Phase::reading;
    if (buffer_.size() > 0) return read_request();  // pipelined bytes are already here
    set_waiting(true);  // the first to be closed when the server is full
    lowest().expires_after(milliseconds(limits().idle_timeout_ms));
    stream_.async_read_some(buffer_.prepare(k_first_read_bytes),
                            beast::bind_front_handler(&Session::on_first_bytes, self()));
  }

  void on_first_bytes(beast::error_code error, std::size_t bytes) {
    set_waiting(false);
    if (phase_ == Phase::closed) return;
    if (error) return close_socket();
    buffer_.commit(bytes);
    read_request();
  }

  void read_request() {
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(limits().header_bytes_max, UINT32_MAX)));
    parser_->body_limit(static_cast<std::uint64_t>(limits().body_bytes_max));
    // One deadline for the whole header, however slowly its bytes trickle in.
    lowest().expires_after(
        milliseconds(std::min(limits().header_timeout_ms, limits().read_timeout_ms)));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, self()));
  }

  void on_header(beast::error_code error, std::size_t bytes) {
    if (phase_ == Phase::closed) return;
    if (error) return on_read(error, bytes);
    if (parser_->is_done()) return dispatch_request();
    lowest().expires_after(milliseconds(limits().read_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, self()));
  }

  void on_read(beast::error_code error, std::size_t) {
    if (phase_ == Phase::closed) return;
    if (error == http::error::header_limit) {
      return write_error(transport_problem(431, "Request Header Fields Too Large"));
    }
    if (error == http::error::body_limit)
      return write_error(transport_problem(413, "Content Too Large"));
    const bool malformed =
        error.category() == http::make_error_code(http::error::bad_method).category() &&
        error != http::error::end_of_stream && error != http::error::partial_message;
    if (malformed) return write_error(transport_problem(400, "Bad Request"));
    if (error) return close_socket();  // timeout, reset, truncation: nobody to answer
    dispatch_request();
  }

  HttpRequest take_request() {
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    HttpRequest request;
    request.method.assign(message.method_string().data(), message.method_string().size());
    request.target.assign(message.target().data(), message.target().size());
    for (const auto& field : message) {
      request.headers.emplace_back(
          lower_case({field.name_string().data(), field.name_string().size()}),
          std::string(field.value().data(), field.value().size()));
    }
    request.body = std::move(message.body());
    request.peer_address = peer_address_;
    request.peer_certificate_fingerprint = peer_fingerprint_;
    request.received = std::chrono::steady_clock::now();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    return request;
  }

  void dispatch_request() {
    HttpRequest request = take_request();
    request_line_ = log_text(request.method + " " + request.target);
    std::uint32_t retry_after_s = 0;
    if (!state_->take_request(address_, retry_after_s)) {
      state_->say_limited("rate limited " + peer_address_ + ": " + request_line_);
      return write(rate_limited(retry_after_s), keep_alive_ && !state_->stopping);
    }
    phase_ = Phase::handling;
    const std::uint64_t request_number = ++request_number_;
    start_in_flight();
    handler_timer_.expires_after(milliseconds(limits().handler_timeout_ms));
    handler_timer_.async_wait(
        beast::bind_front_handler(&Session::on_handler_timeout, self(), request_number));
    try {
      state_->handler(std::move(request), make_respond(request_number));
    } catch (const std::exception& exception) {
      state_->say_limited("handler failed on " + request_line_ + ": " + exception.what());
      on_respond(request_number, transport_problem(500, "Internal Server Error"));
    } catch (...) {
      state_->say_limited("handler failed on " + request_line_);
      on_respond(request_number, transport_problem(500, "Internal Server Error"));
    }
  }

  Respond make_respond(std::uint64_t request_number) {
    struct Slot {
      std::atomic<bool> used{false};
      std::weak_ptr<Session> session;
      std::shared_ptr<RespondGate> gate;
      std::uint64_t request_number = 0;
    };
    auto slot = std::make_shared<Slot>();
    slot->session = weak_from_this();
    slot->gate = gate_;
    slot->request_number = request_number;
    return [slot](HttpResponse response) {
      if (slot->used.exchange(true)) return;  // only the first respond() counts
      std::lock_guard lock(slot->gate->mutex);
      if (!slot->gate->open) return;  // the server has stopped
      if (std::shared_ptr<Session> session = slot->session.lock()) {
        session->post_response(slot->request_number, std::move(response));
      }
    };
  }

  void on_handler_timeout(std::uint64_t request_number, beast::error_code error) {
    if (error || phase_ != Phase::handling || request_number != request_number_) return;
    state_->say_limited("no response within " + std::to_string(limits().handler_timeout_ms) +
                        " ms to " + request_line_ + " from " + peer_address_ + ": 503");
    on_respond(request_number, transport_problem(503, "Service Unavailable"));
  }

  // On the strand. Ignores answers that come too late (after a 503, or after the close).
  void on_respond(std::uint64_t request_number, HttpResponse response) {
    if (phase_ != Phase::handling || request_number != request_number_) return;
    handler_timer_.cancel();
    write(std::move(response), keep_alive_ && !state_->stopping);
  }

  void write_error(HttpResponse response) {
    version_ = 11;
    write(std::move(response), false);
  }

  void write(HttpResponse response, bool keep_alive) {
    phase_ = Phase::writing;
    response_ = {};
    response_.version(version_);
    response_.result(response.status);
    response_.set(http::field::server, "innoclear");
    if (header_text_is_safe(response.content_type)) {
      response_.set(http::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) {
      if (name.empty() || !header_text_is_safe(name) || !header_text_is_safe(value)) {
        state_->say_limited("dropped an unsafe response header on " + request_line_);
        continue;
      }
      response_.insert(name, value);
    }
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    lowest().expires_after(milliseconds(limits().write_timeout_ms));
    http::async_write(stream_, response_, beast::bind_front_handler(&Session::on_write, self()));
  }

  void on_write(beast::error_code error, std::size_t) {
    finish_in_flight();
    if (phase_ == Phase::closed) return;
    if (error) return close_socket();
    if (!response_.keep_alive() || state_->stopping) return drain_and_close();
    await_request();
  }

  // Stops sending (the client sees the end of the stream), reads and discards what the client still
  // sends, then closes. TLS is bypassed: nothing read here will be answered.
  void drain_and_close() {
    phase_ = Phase::draining;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest().expires_after(milliseconds(k_close_drain_ms));
    drain();
  }

  void drain() {
    lowest().async_read_some(net::buffer(drain_buffer_),
                             beast::bind_front_handler(&Session::on_drain, self()));
  }

  void on_drain(beast::error_code error, std::size_t bytes) {
    if (phase_ == Phase::closed) return;
    drained_bytes_ += bytes;
    if (error || drained_bytes_ > k_close_drain_bytes_max) return close_socket();
    drain();
  }

  void close_socket() {
    set_waiting(false);
    phase_ = Phase::closed;
    handler_timer_.cancel();
    finish_in_flight();
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  void set_waiting(bool waiting) {
    if (waiting_ == waiting) return;
    waiting_ = waiting;
    std::lock_guard lock(state_->mutex);
    if (waiting) {
      state_->idle.emplace(id_, weak_from_this());
    } else {
      state_->idle.erase(id_);
    }
  }

  void start_in_flight() {
    assert(!in_flight_);
    in_flight_ = true;
    std::lock_guard lock(state_->mutex);
    state_->requests_in_flight++;
  }

  void finish_in_flight() {
    if (!in_flight_) return;
    in_flight_ = false;
    std::lock_guard lock(state_->mutex);
    state_->requests_in_flight--;
    state_->requests_done.notify_all();
  }

  const std::shared_ptr<ServerState> state_;
  const std::string address_;  // the client's IP address, without the port
  const std::shared_ptr<RespondGate> gate_;
  const std::uint64_t id_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  net::steady_timer handler_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::array<char, 4096> drain_buffer_{};
  std::size_t drained_bytes_ = 0;
  std::string peer_address_;
  std::string peer_fingerprint_;
  std::string request_line_;  // "METHOD target" of the current request, for the log
  Phase phase_ = Phase::handshake;
  std::uint64_t request_number_ = 0;  // answers carry it; a stale one is ignored
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool in_flight_ = false;  // counted in state_->requests_in_flight
  bool waiting_ = false;    // idle between requests: listed in state_->idle
};

// Counts down posted tasks so stop() can wait for them, within a bound.
class Countdown {
 public:
  explicit Countdown(std::size_t count) : count_(count) {}
  void done() {
    std::lock_guard lock(mutex_);
    if (count_ > 0 && --count_ == 0) zero_.notify_all();
  }
  void wait(milliseconds timeout) {
    std::unique_lock lock(mutex_);
    zero_.wait_for(lock, timeout, [this] { return count_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable zero_;
  std::size_t count_;
};

}  // namespace

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  const std::string lower = lower_case(name);
  for (const auto& [field, value] : headers) {
    if (field == lower) return value;
  }
  return std::nullopt;
}

struct HttpsServer::Impl {
  Impl(ServerOptions server_options, Handler handler)
      : options(std::move(server_options)),
        io(static_cast<int>(std::max<std::size_t>(1, options.threads))),
        acceptor(net::make_strand(io)),
        accept_retry_timer(acceptor.get_executor()),
        work(net::make_work_guard(io)),
        state(std::make_shared<ServerState>()),
        gate(std::make_shared<RespondGate>()) {
    state->limits = options.limits;
    state->connections_max = connections_cap(options.limits);
    state->log_budget.emplace(options.limits.log_lines_per_second_max);
    state->handler = std::move(handler);
    state->client_certificate_fingerprints = options.client_certificate_fingerprints;
    state->client_certificate_optional = options.client_certificate_optional;
    state->log = options.log;
  }

  Status configure_tls();
  Status listen();
  void start_threads();
  void accept_next();
  void on_accept(beast::error_code error, tcp::socket socket);
  // Runs `action` on every live session and waits (up to `timeout`) until each has called `done`.
  void for_each_session(void (Session::*action)(std::function<void()>), milliseconds timeout);
  void stop();

  Status configure_browser_tls();

  ServerOptions options;
  ssl::context tls{ssl::context::tls_server};  // outlives io: sessions' SSL objects refer to it
  std::optional<ssl::context> browser_tls;     // the operator's certificate, if given
  net::io_context io;
  tcp::acceptor acceptor;  // on its own strand
  net::steady_timer accept_retry_timer;
  net::executor_work_guard<net::io_context::executor_type> work;
  std::shared_ptr<ServerState> state;
  std::shared_ptr<RespondGate> gate;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::mutex stop_mutex;
  bool stopped = false;
};

namespace {

// The server side of the TLS policy, for the node's context and the browsers' alike: the cipher
// policy, the server's preference, and no session resumption (clients keep one connection open).
Status apply_server_tls_settings(SSL_CTX* context) {
  if (!detail::apply_tls_policy(context)) {
    return {Code::bad_certificate, "the TLS cipher policy was not accepted by OpenSSL"};
  }
  SSL_CTX_set_options(context, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(context, 0);
  return Status::success();
}

}  // namespace

Status HttpsServer::Impl::configure_tls() {
  SSL_CTX* context = tls.native_handle();
  if (Status settings = apply_server_tls_settings(context); !settings.ok()) return settings;

  beast::error_code error;
  tls.use_certificate_chain_file(options.certificate_pem.string(), error);
  if (error) {
    return {Code::bad_certificate,
            "cannot load certificate " + options.certificate_pem.string() + ": " + error.message()};
  }
  tls.use_private_key_file(options.private_key_pem.string(), ssl::context::pem, error);
  if (error) {
    return {Code::bad_certificate,
            "cannot load private key " + options.private_key_pem.string() + ": " + error.message()};
  }
  if (SSL_CTX_check_private_key(context) != 1) {
    return {Code::bad_certificate, "private key " + options.private_key_pem.string() +
                                       " does not match certificate " +
                                       options.certificate_pem.string()};
  }
  if (Status browser = configure_browser_tls(); !browser.ok()) return browser;
  if (options.client_certificate_fingerprints.empty()) return Status::success();

  // Mutual TLS: the client's leaf certificate is pinned by fingerprint, so chain errors (a
  // self-signed certificate, an unknown issuer) do not matter and only the leaf is judged.
  auto allowed =
      std::make_shared<const std::set<std::string>>(options.client_certificate_fingerprints);
  tls.set_verify_mode(options.client_certificate_optional
                          ? ssl::verify_peer
                          : ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  tls.set_verify_callback(
      [allowed](bool, ssl::verify_context& verify) {
        X509_STORE_CTX* store = verify.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) > 0) return true;
        return allowed->contains(
            detail::certificate_fingerprint(X509_STORE_CTX_get_current_cert(store)));
      },
      error);
  if (error) return {Code::bad_certificate, "cannot set verify callback: " + error.message()};
  // Needed by OpenSSL whenever peers are verified, even with resumption off.
  static constexpr unsigned char k_session_context[] = "innoclear";
  SSL_CTX_set_session_id_context(context, k_session_context, sizeof k_session_context - 1);
  return Status::success();
}

namespace {

// After the ClientHello: a client that asks for a host name other than pinned_server_name is a
// browser (or a command line trusting the region's CA): it gets the operator's certificate and is
// not asked for one of its own.
int choose_certificate(SSL* connection, int*, void* browser_context) {
  const char* name = SSL_get_servername(connection, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr || std::string_view(name) == pinned_server_name) return SSL_TLSEXT_ERR_OK;
  SSL_set_SSL_CTX(connection, static_cast<SSL_CTX*>(browser_context));
  SSL_set_verify(connection, SSL_VERIFY_NONE, nullptr);
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Status HttpsServer::Impl::configure_browser_tls() {
  const bool has_certificate = !options.browser_certificate_pem.empty();
  if (has_certificate != !options.browser_private_key_pem.empty()) {
    return {Code::invalid_argument, "a browser certificate needs its private key and vice versa"};
  }
  if (!has_certificate) return Status::success();
  browser_tls.emplace(ssl::context::tls_server);
  SSL_CTX* context = browser_tls->native_handle();
  if (Status settings = apply_server_tls_settings(context); !settings.ok()) return settings;
  beast::error_code error;
  browser_tls->use_certificate_chain_file(options.browser_certificate_pem.string(), error);
  if (!error) {
    browser_tls->use_private_key_file(options.browser_private_key_pem.string(), ssl::context::pem,
                                      error);
  }
  if (error || SSL_CTX_check_private_key(context) != 1) {
    return {Code::bad_certificate, "cannot use browser certificate " +
                                       options.browser_certificate_pem.string() + " with key " +
                                       options.browser_private_key_pem.string() +
                                       (error ? ": " + error.message() : ": they do not match")};
  }
  SSL_CTX_set_tlsext_servername_callback(tls.native_handle(), choose_certificate);
  SSL_CTX_set_tlsext_servername_arg(tls.native_handle(), context);
  return Status::success();
}

Status HttpsServer::Impl::listen() {
  const std::string address_text = options.host + ":" + std::to_string(options.port);
  auto failure = [&](const beast::error_code& error) {
    return Status(Code::io_error, "cannot listen on " + address_text + ": " + error.message());
  };
  beast::error_code error;
  tcp::endpoint endpoint;
  const net::ip::address address = net::ip::make_address(options.host, error);
  if (!error) {
    endpoint = {address, options.port};
  } else {
    tcp::resolver resolver(io);
    const auto results =
        resolver.resolve(options.host, std::to_string(options.port), tcp::resolver::passive, error);
    if (error) return failure(error);
    if (results.empty()) return failure(net::error::host_not_found);
    endpoint = results.begin()->endpoint();
  }
  acceptor.open(endpoint.protocol(), error);
  if (error) return failure(error);
  // Lets a restarted node bind while old connections sit in TIME_WAIT; a live listener on the
  // port still makes bind() fail on Linux.
  acceptor.set_option(net::socket_base::reuse_address(true), error);
  if (error) return failure(error);
  acceptor.bind(endpoint, error);
  if (error) return failure(error);
  acceptor.listen(net::socket_base::max_listen_connections, error);
  if (error) return failure(error);
  const tcp::endpoint bound = acceptor.local_endpoint(error);
  if (error) return failure(error);
  port = bound.port();
  state->say("listening on " + endpoint_text(bound));
  return Status::success();
}

void HttpsServer::Impl::start_threads() {
  net::post(acceptor.get_executor(), [this] { accept_next(); });
  const std::size_t count = std::max<std::size_t>(1, options.threads);
  for (std::size_t i = 0; i < count; ++i) {
    threads.emplace_back([this] {
      for (;;) {
        try {
          io.run();
          return;
        } catch (const std::exception& exception) {
          state->say(std::string("I/O thread caught: ") + exception.what());
        }
      }
    });
  }
}

void HttpsServer::Impl::accept_next() {
  acceptor.async_accept(net::make_strand(io), beast::bind_front_handler(&Impl::on_accept, this));
}

void HttpsServer::Impl::on_accept(beast::error_code error, tcp::socket socket) {
  if (error == net::error::operation_aborted || !acceptor.is_open()) return;
  if (error) {
    state->say("accept failed on port " + std::to_string(port) + ": " + error.message());
    accept_retry_timer.expires_after(milliseconds(k_accept_retry_ms));
    accept_retry_timer.async_wait([this](beast::error_code wait_error) {
      if (!wait_error && acceptor.is_open()) accept_next();
    });
    return;
  }
  beast::error_code ignored;
  if (state->stopping) {
    socket.close(ignored);
    return;
  }
  // Only this strand admits sessions, so the counts cannot pass their limits between check and add.
  const tcp::endpoint remote = socket.remote_endpoint(ignored);
  const std::string address = remote.address().to_string();
  std::shared_ptr<Session> evicted;
  const Admission admission = state->admit(address, evicted);
  if (evicted) {
    evicted->close_if_waiting();
    evicted.reset();  // outside the state's lock: this may run ~Session
  }
  if (admission != Admission::admitted) {
    state->say_limited(
        "refused connection from " + endpoint_text(remote) + ": " +
        (admission == Admission::address_full
             ? std::to_string(state->limits.connections_per_address_max) +
                   " connections open from this address"
             : std::to_string(state->connections_max) + " connections open, none idle"));
    socket.close(ignored);
    return accept_next();
  }
  auto session = std::make_shared<Session>(std::move(socket), address, tls, state, gate);
  {
    std::lock_guard lock(state->mutex);
    state->sessions.emplace(session->id(), session);
  }
  session->start();
  accept_next();
}

void HttpsServer::Impl::for_each_session(void (Session::*action)(std::function<void()>),
                                         milliseconds timeout) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(state->mutex);
    for (const auto& [id, weak] : state->sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  // Outside the lock: dropping the last reference runs ~Session, which takes the lock.
  auto countdown = std::make_shared<Countdown>(live.size());
  for (const auto& session : live) ((*session).*action)([countdown] { countdown->done(); });
  live.clear();
  countdown->wait(timeout);
}

void HttpsServer::Impl::stop() {
  // REQUIRES: not on an I/O thread (it joins them).
  assert(!io.get_executor().running_in_this_thread());
  std::lock_guard stop_lock(stop_mutex);
  if (stopped) return;
  stopped = true;
  state->stopping = true;
  state->say("stopping on port " + std::to_string(port));

  // 1. No new connections. Waiting for the strand means no session is added after this.
  std::promise<void> closed;
  net::post(acceptor.get_executor(), [this, &closed] {
    beast::error_code ignored;
    acceptor.close(ignored);
    accept_retry_timer.cancel();
    closed.set_value();
  });
  closed.get_future().wait();

  // 2. Close connections between requests; let requests already read be answered and written.
  for_each_session(&Session::close_if_idle, milliseconds(k_stop_close_wait_ms));
  {
    std::unique_lock lock(state->mutex);
    const bool drained =
        state->requests_done.wait_for(lock, milliseconds(options.limits.shutdown_grace_ms),
                                      [this] { return state->requests_in_flight == 0; });
    if (!drained) {
      state->say("closing " + std::to_string(state->requests_in_flight) +
                 " unanswered requests after the shutdown grace period");
    }
  }

  // 3. Close everything else; late respond() calls become no-ops; end the I/O threads.
  for_each_session(&Session::close_now, milliseconds(k_stop_close_wait_ms));
  {
    std::lock_guard lock(gate->mutex);
    gate->open = false;
  }
  work.reset();
  io.stop();
  for (std::thread& thread : threads) thread.join();
  threads.clear();
  state->say("stopped on port " + std::to_string(port));
}

Result<std::unique_ptr<HttpsServer>> HttpsServer::start(ServerOptions options, Handler handler) {
  assert(handler);
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  if (Status status = impl->configure_tls(); !status.ok()) return status;
  if (Status status = impl->listen(); !status.ok()) return status;
  impl->start_threads();
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(impl)));
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsServer::~HttpsServer() {
  if (impl_) impl_->stop();
}

std::uint16_t HttpsServer::port() const { return impl_->port; }

void HttpsServer::stop() { impl_->stop(); }

std::uint64_t raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace innoclear::api
