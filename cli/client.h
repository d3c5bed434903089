// The command line as a client of a node: one connection's flags, a signed post of any kind, and
// how an answer is shown to people. Internal to cli/.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "clearing/kinds.h"
#include "cli/cli.h"

namespace innoclear::cli {

struct Connection {
  std::string node = "https://127.0.0.1:8443";
  std::string pin;  // server certificate fingerprint: 64 hex digits, as node.json and `up` show
  std::string ca;   // or a CA file (the node's tls/cert.pem)
  std::string key;
  std::string actor;
  std::string region = "BJ";
  Output output = Output::text;
};

// Signs `body` as a statement of `kind` with the connection's key and actor and posts it. The
// node's 200 answer, parsed ({"index","replayed","result"} for a statement, {"result"} for a
// query); a refusal as the node's reason and detail ("… (HTTP 422)"); invalid_argument for an
// http:// node (HTTPS only) or no way to trust the node.
Result<nlohmann::json> post(const clearing::Kind& kind, const Connection& connection,
                            const nlohmann::json& body);

// Signs and posts `kind` (by name) and returns the answer's "result": how verbs made of several
// calls (settlement sign, --wait, the demo) talk to a node.
using Caller =
    std::function<Result<nlohmann::json>(const std::string& kind, const nlohmann::json& body)>;
Caller caller_of(const Connection& connection);

// An answer for people: one "key: value" line per field, nested objects indented, amounts in fen
// (the keys of fen fields and of budgets, positions and totals) as ¥1,234.50 and times (*_ms) as
// Asia/Shanghai date and time.
std::string human_text(const nlohmann::json& value);

// Prints the answer as --output asks: JSON exactly as the node sent it, or human_text.
void print_answer(const nlohmann::json& answer, Output output);

}  // namespace innoclear::cli
