// The command line as a client of a node: signs, posts, and shows answers (see client.h).
#include "cli/client.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>

#include "api/https.h"
#include "clearing/amount.h"
#include "crypto/random.h"
#include "nodes/service.h"

namespace innoclear::cli {

namespace {

// Keys whose integer value is an amount of fen, wherever they stand in an answer.
const std::set<std::string>& fen_keys() {
  static const std::set<std::string> keys = [] {
    std::set<std::string> found = {"amount",     "available",  "face",        "paid",
                                   "price",      "redeemed",   "reserved",    "total",
                                   "owed_by_me", "owed_to_me", "net_position"};
    for (const clearing::Kind& kind : clearing::kinds()) {
      for (const clearing::Field& field : kind.fields) {
        if (field.type == clearing::FieldType::fen) found.insert(std::string(field.key));
      }
    }
    return found;
  }();
  return keys;
}

// Objects whose every integer member is fen, keyed by region or year.
bool holds_fen(const std::string& key) { return key == "positions"; }

std::string shanghai_time(std::int64_t utc_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> at{milliseconds(utc_ms + clearing::shanghai_offset_ms)};
  const auto day = floor<days>(at);
  const year_month_day date(day);
  const hh_mm_ss<milliseconds> time(at - day);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02lld:%02lld:%02lld (Asia/Shanghai)",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long long>(time.hours().count()),
                static_cast<long long>(time.minutes().count()),
                static_cast<long long>(time.seconds().count()));
  return text;
}

std::string scalar_text(const std::string& key, const nlohmann::json& value, bool fen) {
  if (value.is_number_integer() && (fen || fen_keys().contains(key))) {
    return clearing::format_yuan(value.get<std::int64_t>());
  }
  if (value.is_number_integer() && key.size() > 3 && key.ends_with("_ms") &&
      value.get<std::int64_t>() > 0) {
    return shanghai_time(value.get<std::int64_t>());
  }
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "-";
  return value.dump();
}

void write_human(const nlohmann::json& value, int depth, bool fen, std::string& out) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  const bool is_array = value.is_array();
  for (const auto& [key, item] : value.items()) {
    const std::string label = is_array ? "-" : key + ":";
    const bool item_fen = fen || holds_fen(key);
    if ((item.is_object() || item.is_array()) && !item.empty()) {
      out += indent + label + "\n";
      write_human(item, depth + 1, item_fen, out);
    } else if (item.is_object() || item.is_array()) {
      out += indent + label + " (none)\n";
    } else {
      out += indent + label + " " + scalar_text(key, item, item_fen) + "\n";
    }
  }
}

// "http://…" is refused: a node speaks HTTPS only, and signed statements travel in the clear
// otherwise (a replayable statement, a readable answer).
Status check_node_url(const std::string& node) {
  if (node.rfind("http://", 0) == 0) {
    return {Code::invalid_argument,
            "--node " + node + ": a node speaks HTTPS only; use https://HOST:PORT"};
  }
  const std::size_t scheme = node.find("://");
  if (scheme != std::string::npos && node.rfind("https://", 0) != 0) {
    return {Code::invalid_argument, "--node " + node + ": only https://HOST:PORT is understood"};
  }
  return Status::success();
}

// The pin is the whole SHA-256 of the node's certificate: 64 hex digits (colons allowed). A
// shorter prefix would let another certificate with the same first digits pass.
Result<std::string> normalized_pin(const std::string& pin) {
  std::string hex;
  for (const char c : pin) {
    if (c == ':') continue;
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status(Code::invalid_argument,
                  "--pin must be the node's whole TLS fingerprint, 64 hex digits (node.json "
                  "tls_fingerprint, as `up` prints it); got " +
                      std::to_string(hex.size()) + " characters");
  }
  return hex;
}

Status refusal(const api::HttpResponse& response) {
  const nlohmann::json problem = nlohmann::json::parse(response.body, nullptr, false);
  const std::int64_t number = problem.is_object() ? problem.value("code", std::int64_t{0}) : 0;
  const std::string detail =
      problem.is_object() ? problem.value("detail", response.body) : response.body;
  return Status(code_from_number(number).value_or(Code::io_error),
                detail + " (HTTP " + std::to_string(response.status) + ")");
}

}  // namespace

Result<nlohmann::json> post(const clearing::Kind& kind, const Connection& connection,
                            const nlohmann::json& body) {
  if (Status s = check_node_url(connection.node); !s.ok()) return s;
  if (connection.pin.empty() && connection.ca.empty()) {
    return Status(Code::invalid_argument,
                  "give --pin FINGERPRINT (64 hex digits) or --ca CERT.pem to trust the node");
  }
  Result<crypto::KeyPair> key = crypto::KeyPair::load(connection.key);
  if (!key.ok()) return key.status();
  Result<std::pair<std::string, std::uint16_t>> address = api::parse_host_port(connection.node);
  if (!address.ok()) return address.status();
  api::ClientOptions options;
  options.host = address->first;
  options.port = address->second;
  if (!connection.pin.empty()) {
    Result<std::string> pin = normalized_pin(connection.pin);
    if (!pin.ok()) return pin.status();
    options.server_certificate_fingerprint = *pin;
  }
  options.ca_certificate_pem = connection.ca;
  const nodes::SignedStatement statement =
      nodes::sign_statement(*key, connection.actor, std::string(kind.name), body, connection.region,
                            nodes::system_clock_ms(), crypto::random_hex(16));
  api::HttpsClient client(options);
  Result<api::HttpResponse> response =
      client.request("POST", clearing::route_of(kind), statement.bytes,
                     {{"Innoclear-Signature", statement.signature_base64}});
  if (!response.ok()) return response.status();
  if (response->status != 200) return refusal(*response);
  nlohmann::json answer = nlohmann::json::parse(response->body, nullptr, false);
  if (!answer.is_object()) return Status(Code::io_error, "the node's answer is not JSON");
  return answer;
}

Caller caller_of(const Connection& connection) {
  return
      [connection](const std::string& name, const nlohmann::json& body) -> Result<nlohmann::json> {
        const clearing::Kind* kind = clearing::find_kind(name);
        if (kind == nullptr) return Status(Code::unknown_kind, name);
        Result<nlohmann::json> answer = post(*kind, connection, body);
        if (!answer.ok()) return answer;
        return answer->contains("result") ? (*answer)["result"] : *answer;
      };
}

std::string human_text(const nlohmann::json& value) {
  std::string out;
  if (value.is_object() || value.is_array()) {
    write_human(value, 0, false, out);
  } else {
    out = scalar_text("", value, false) + "\n";
  }
  return out;
}

void print_answer(const nlohmann::json& answer, Output output) {
  if (output == Output::json) {
    std::cout << answer.dump() << "\n";
    return;
  }
  std::cout << human_text(answer.contains("result") ? answer["result"] : answer);
}

}  // namespace innoclear::cli
