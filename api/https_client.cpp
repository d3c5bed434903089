// The blocking HTTPS client: asynchronous Beast operations run to completion on a private
// io_context, because only asynchronous operations honour beast::tcp_stream's deadlines.
//
// All Beast code of the client is in this file (Beast translation units are slow to compile).
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>

// GCC 12 with -fsanitize reports a false -Wmaybe-uninitialized inside Beast's HTTP parser (a
// boost::optional it returns as none). Boost is a system header, but warnings found after inlining
// escape that, so this one is silenced for the Boost headers alone.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#pragma GCC diagnostic pop

#include "api/https.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace innoclear::api {

namespace detail {
// TLS 1.3 (all of whose suites are AEAD with ephemeral keys), or TLS 1.2 with ECDHE and an AEAD
// cipher only: no CBC, no SHA-1 MAC, no static RSA key exchange. Server and client share it.
constexpr char k_tls12_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

bool apply_tls_policy(SSL_CTX* context) {
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_options(context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return SSL_CTX_set_cipher_list(context, k_tls12_ciphers) == 1;
}

// Lowercase hex SHA-256 of the certificate's DER encoding; "" for no certificate. The server
// (https_server.cpp) uses it too.
std::string certificate_fingerprint(X509* certificate) {
  if (certificate == nullptr) return {};
  unsigned char* der = nullptr;
  const int length = i2d_X509(certificate, &der);
  if (length <= 0) return {};
  const crypto::Hash hash =
      crypto::sha256(std::span<const std::uint8_t>(der, static_cast<std::size_t>(length)));
  OPENSSL_free(der);
  return crypto::hex_encode(hash);
}
}  // namespace detail

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

constexpr std::uint32_t k_response_header_bytes_max = 64 * 1024;

std::string lower_cased(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool is_ip_address(const std::string& host) {
  beast::error_code error;
  (void)net::ip::make_address(host, error);
  return !error;
}

// What one attempt produced, and whether it may be repeated on a fresh connection: only when the
// kept-alive connection turned out to be closed before any byte of the response arrived.
struct Attempt {
  Result<HttpResponse> result;
  bool retryable = false;
};

}  // namespace

struct HttpsClient::Impl {
  explicit Impl(ClientOptions client_options) : options(std::move(client_options)) {
    setup = configure();
  }

  Status configure();
  Status connect();
  Status check_handshake(const beast::error_code& error);
  Attempt exchange(const std::string& method, const std::string& target, const std::string& body,
                   const std::vector<std::pair<std::string, std::string>>& headers);
  void disconnect();
  // Runs the pending asynchronous operation(s) to completion.
  void run() {
    io.restart();
    io.run();
  }
  std::string address() const { return options.host + ":" + std::to_string(options.port); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(*stream); }

  ClientOptions options;
  Status setup;                                // a bad configuration fails every request
  ssl::context tls{ssl::context::tls_client};  // outlives the stream that refers to it
  net::io_context io;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  std::string rejection;  // why the verify callback refused the server's certificate
};

Status HttpsClient::Impl::configure() {
  SSL_CTX* context = tls.native_handle();
  if (!detail::apply_tls_policy(context)) {
    return {Code::bad_certificate, "the TLS cipher policy was not accepted by OpenSSL"};
  }
  options.server_certificate_fingerprint = lower_cased(options.server_certificate_fingerprint);

  beast::error_code error;
  if (options.server_certificate_fingerprint.empty()) {
    if (options.ca_certificate_pem.empty()) {
      return {Code::invalid_argument,
              "neither a server certificate fingerprint nor a CA certificate to trust"};
    }
    tls.load_verify_file(options.ca_certificate_pem.string(), error);
    if (error) {
      return {Code::bad_certificate, "cannot load CA certificate " +
                                         options.ca_certificate_pem.string() + ": " +
                                         error.message()};
    }
  }
  tls.set_verify_mode(ssl::verify_peer);

  const bool has_certificate = !options.client_certificate_pem.empty();
  const bool has_key = !options.client_private_key_pem.empty();
  if (has_certificate != has_key) {
    return {Code::invalid_argument, "a client certificate needs its private key and vice versa"};
  }
  if (!has_certificate) return Status::success();
  tls.use_certificate_chain_file(options.client_certificate_pem.string(), error);
  if (error) {
    return {Code::bad_certificate, "cannot load client certificate " +
                                       options.client_certificate_pem.string() + ": " +
                                       error.message()};
  }
  tls.use_private_key_file(options.client_private_key_pem.string(), ssl::context::pem, error);
  if (error) {
    return {Code::bad_certificate, "cannot load client private key " +
                                       options.client_private_key_pem.string() + ": " +
                                       error.message()};
  }
  if (SSL_CTX_check_private_key(context) != 1) {
    return {Code::bad_certificate, "client private key does not match its certificate"};
  }
  return Status::success();
}

Status HttpsClient::Impl::connect() {
  disconnect();
  stream.emplace(io, tls);
  rejection.clear();
  SSL* connection = stream->native_handle();
  if (!options.server_certificate_fingerprint.empty()) {
    SSL_set_tlsext_host_name(connection, pinned_server_name);
  } else if (!is_ip_address(options.host)) {  // SNI carries host names only (RFC 6066)
    SSL_set_tlsext_host_name(connection, options.host.c_str());
  }
  beast::error_code error;
  if (!options.server_certificate_fingerprint.empty()) {
    // Pinning: the leaf's fingerprint is the whole trust decision, so chain errors are ignored.
    stream->set_verify_callback(
        [this](bool, ssl::verify_context& verify) {
          X509_STORE_CTX* store = verify.native_handle();
          if (X509_STORE_CTX_get_error_depth(store) > 0) return true;
          const std::string seen =
              detail::certificate_fingerprint(X509_STORE_CTX_get_current_cert(store));
          if (seen == options.server_certificate_fingerprint) return true;
          rejection = "server certificate fingerprint " + seen + " is not the pinned " +
                      options.server_certificate_fingerprint;
          return false;
        },
        error);
  } else {
    stream->set_verify_callback(
        [this, check = ssl::host_name_verification(options.host)](bool preverified,
                                                                  ssl::verify_context& verify) {
          if (check(preverified, verify)) return true;
          const int code = X509_STORE_CTX_get_error(verify.native_handle());
          rejection = code != X509_V_OK ? X509_verify_cert_error_string(code)
                                        : "certificate is not valid for " + options.host;
          rejection = "server certificate rejected: " + rejection;
          return false;
        },
        error);
  }
  if (error) return {Code::io_error, "cannot set verify callback: " + error.message()};

  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(options.host, std::to_string(options.port), error);
  if (error) return {Code::io_error, "cannot resolve " + options.host + ": " + error.message()};
  lowest().expires_after(milliseconds(options.timeout_ms));
  lowest().async_connect(
      endpoints, [&error](beast::error_code result, const tcp::endpoint&) { error = result; });
  run();
  if (error) {
    disconnect();
    return {Code::io_error, "cannot connect to " + address() + ": " + error.message()};
  }
  // A request body written after its header must not wait for the server's delayed ACK.
  beast::error_code ignored;
  lowest().socket().set_option(tcp::no_delay(true), ignored);
  lowest().expires_after(milliseconds(options.timeout_ms));
  stream->async_handshake(ssl::stream_base::client,
                          [&error](beast::error_code result) { error = result; });
  run();
  Status status = check_handshake(error);
  if (!status.ok()) disconnect();
  return status;
}

Status HttpsClient::Impl::check_handshake(const beast::error_code& error) {
  if (!rejection.empty()) return {Code::bad_certificate, rejection};
  if (error) {
    return {Code::io_error, "TLS handshake with " + address() + " failed: " + error.message()};
  }
  if (!options.server_certificate_fingerprint.empty()) {  // the callback's verdict, checked again
    const std::string seen =
        detail::certificate_fingerprint(SSL_get0_peer_certificate(stream->native_handle()));
    if (seen != options.server_certificate_fingerprint) {
      return {Code::bad_certificate, "server certificate fingerprint " + seen +
                                         " is not the pinned " +
                                         options.server_certificate_fingerprint};
    }
  }
  return Status::success();
}

void HttpsClient::Impl::disconnect() {
  if (!stream) return;
  beast::error_code ignored;
  lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
  lowest().close();
  run();  // lets cancelled operations and timers finish before the stream goes
  stream.reset();
  buffer.clear();
}

Attempt HttpsClient::Impl::exchange(
    const std::string& method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> request;
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    request.method_string(method);
  } else {
    request.method(verb);
  }
  request.target(target);
  request.version(11);
  request.set(http::field::host, address());
  request.set(http::field::user_agent, "innoclear");
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = body;
  request.keep_alive(true);
  request.prepare_payload();

  // One deadline for the whole exchange: sending the request and reading the response.
  lowest().expires_after(milliseconds(options.timeout_ms));
  beast::error_code error;
  http::async_write(*stream, request,
                    [&error](beast::error_code result, std::size_t) { error = result; });
  run();
  if (error) {
    const bool retryable = error != beast::error::timeout;
    disconnect();
    return {Status(Code::io_error, "cannot send to " + address() + ": " + error.message()),
            retryable};
  }

  http::response_parser<http::string_body> parser;
  parser.header_limit(k_response_header_bytes_max);
  parser.body_limit(static_cast<std::uint64_t>(options.response_body_bytes_max));
  if (verb == http::verb::head) parser.skip(true);
  http::async_read(*stream, buffer, parser,
                   [&error](beast::error_code result, std::size_t) { error = result; });
  run();
  if (error) {
    const bool nothing_received = !parser.got_some() && buffer.size() == 0;
    const bool retryable = nothing_received && error != beast::error::timeout;
    disconnect();
    if (error == http::error::body_limit) {
      return {
          Status(Code::io_error, "response from " + address() + " exceeds " +
                                     std::to_string(options.response_body_bytes_max) + " bytes"),
          false};
    }
    return {Status(Code::io_error, "no response from " + address() + ": " + error.message()),
            retryable};
  }

  http::response<http::string_body> message = parser.release();
  HttpResponse response;
  response.status = message.result_int();
  response.content_type.clear();
  for (const auto& field : message) {
    std::string name = lower_cased({field.name_string().data(), field.name_string().size()});
    std::string value(field.value().data(), field.value().size());
    if (name == "content-type") response.content_type = value;
    response.headers.emplace_back(std::move(name), std::move(value));
  }
  response.body = std::move(message.body());
  if (!message.keep_alive()) disconnect();
  return {std::move(response), false};
}

HttpsClient::HttpsClient(ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpsClient::~HttpsClient() { impl_->disconnect(); }

Result<HttpResponse> HttpsClient::request(
    const std::string& method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  if (!impl_->setup.ok()) return impl_->setup;
  const bool reused = impl_->stream.has_value();
  if (!reused) {
    if (Status status = impl_->connect(); !status.ok()) return status;
  }
  Attempt attempt = impl_->exchange(method, target, body, headers);
  if (attempt.result.ok() || !reused || !attempt.retryable) return std::move(attempt.result);
  // The server closed the kept-alive connection (idle timeout, restart) before answering: once
  // more on a fresh connection.
  if (Status status = impl_->connect(); !status.ok()) return status;
  return std::move(impl_->exchange(method, target, body, headers).result);
}

Result<std::pair<std::string, std::uint16_t>> parse_host_port(const std::string& text) {
  auto invalid = [&text](const std::string& why) {
    return Status(Code::invalid_argument, "not host:port (" + why + "): '" + text + "'");
  };
  std::string_view rest = text;
  for (std::string_view scheme : {"https://", "http://"}) {
    if (rest.starts_with(scheme)) rest.remove_prefix(scheme.size());
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  std::string_view host;
  std::string_view port_text;
  if (rest.starts_with('[')) {  // [IPv6]:port
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return invalid("unclosed '['");
    host = rest.substr(1, close - 1);
    if (rest.substr(close + 1).size() < 1 || rest[close + 1] != ':') return invalid("no port");
    port_text = rest.substr(close + 2);
  } else {
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return invalid("no port");
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return invalid("IPv6 needs [brackets]");
  }
  if (host.empty()) return invalid("no host");
  if (host.find_first_of("/?#@ ") != std::string_view::npos) return invalid("bad host");
  if (port_text.empty() || port_text.size() > 5) return invalid("bad port");
  std::uint32_t port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return invalid("bad port");
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535) return invalid("port out of range");
  return std::pair<std::string, std::uint16_t>(std::string(host), static_cast<std::uint16_t>(port));
}

}  // namespace innoclear::api
