// Client verbs for every role: each builds a statement from its flags, signs it with the actor's
// key file and sends it to a node's API. The CLI is a thin client: the node decides.
#include <cstdio>
#include <iostream>
#include <map>

#include "api/https.h"
#include "clearing/kinds.h"
#include "cli/cli.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "nodes/service.h"

namespace innoclear::cli {

namespace {

using clearing::Field;
using clearing::FieldType;
using clearing::Kind;

// How the command line takes a field: amounts in yuan, lists comma-separated.
std::string flag_help(const Field& field) {
  std::string help(field.help);
  switch (field.type) {
    case FieldType::fen:
      return help + " (yuan, e.g. 4999.50)";
    case FieldType::list:
      return help + " (comma-separated)";
    case FieldType::integer:
      return help + " (whole number)";
    case FieldType::text:
    case FieldType::object:
      return help;
  }
  return help;
}

// "4999.5" → 499950 fen, exactly (no floating point). Fails on signs, 3+ decimals, overflow.
Result<std::int64_t> parse_yuan(const std::string& text) {
  const std::size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string cents = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 15 || cents.size() > 2 ||
      whole.find_first_not_of("0123456789") != std::string::npos ||
      cents.find_first_not_of("0123456789") != std::string::npos) {
    return Status(Code::invalid_argument, "'" + text + "' is not an amount in yuan like 4999.50");
  }
  cents.resize(2, '0');
  return std::stoll(whole) * 100 + std::stoll(cents);
}

Result<nlohmann::json> body_of(const Kind& kind, const std::map<std::string, std::string>& values) {
  nlohmann::json body = nlohmann::json::object();
  for (const Field& field : kind.fields) {
    if (field.flag.empty()) continue;
    const auto value = values.find(std::string(field.flag));
    if (value == values.end() || value->second.empty()) continue;
    switch (field.type) {
      case FieldType::text:
        body[std::string(field.key)] = value->second;
        break;
      case FieldType::integer: {
        if (value->second.find_first_not_of("0123456789") != std::string::npos ||
            value->second.size() > 18) {
          return Status(Code::invalid_argument,
                        "--" + std::string(field.flag) + " must be a whole number");
        }
        body[std::string(field.key)] = std::stoll(value->second);
        break;
      }
      case FieldType::fen: {
        Result<std::int64_t> fen = parse_yuan(value->second);
        if (!fen.ok()) return fen.status();
        body[std::string(field.key)] = *fen;
        break;
      }
      case FieldType::list: {
        nlohmann::json list = nlohmann::json::array();
        std::size_t start = 0;
        while (start <= value->second.size()) {
          const std::size_t comma = value->second.find(',', start);
          list.push_back(value->second.substr(start, comma - start));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        body[std::string(field.key)] = list;
        break;
      }
      case FieldType::object:
        return Status(Code::invalid_argument,
                      "--" + std::string(field.flag) + " cannot be given here");
    }
  }
  return body;
}

struct Connection {
  std::string node = "https://127.0.0.1:8443";
  std::string pin;  // server certificate fingerprint
  std::string ca;   // or a CA file (the node's tls/cert.pem)
  std::string key;
  std::string actor;
  std::string region = "BJ";
  Output output = Output::text;
};

std::string random_nonce() { return crypto::random_hex(16); }

Status call(const Kind& kind, const Connection& connection, const nlohmann::json& body) {
  Result<crypto::KeyPair> key = crypto::KeyPair::load(connection.key);
  if (!key.ok()) return key.status();
  Result<std::pair<std::string, std::uint16_t>> address = api::parse_host_port(connection.node);
  if (!address.ok()) return address.status();
  api::ClientOptions options;
  options.host = address->first;
  options.port = address->second;
  options.server_certificate_fingerprint = connection.pin;
  options.ca_certificate_pem = connection.ca;
  if (connection.pin.empty() && connection.ca.empty()) {
    return {Code::invalid_argument, "give --pin FINGERPRINT or --ca CERT.pem to trust the node"};
  }
  const nodes::SignedStatement statement =
      nodes::sign_statement(*key, connection.actor, std::string(kind.name), body, connection.region,
                            nodes::system_clock_ms(), random_nonce());
  const std::string target = clearing::route_of(kind);
  api::HttpsClient client(options);
  Result<api::HttpResponse> response = client.request(
      "POST", target, statement.bytes, {{"Innoclear-Signature", statement.signature_base64}});
  if (!response.ok()) return response.status();
  nlohmann::json answer = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 200) {
    const std::string title = answer.is_object() ? answer.value("title", "error") : "error";
    const std::string detail =
        answer.is_object() ? answer.value("detail", response->body) : response->body;
    std::fprintf(stderr, "innoclear: %s: %s (HTTP %u)\n", title.c_str(), detail.c_str(),
                 response->status);
    return {Code::ok, "reported"};  // already printed
  }
  std::cout << (connection.output == Output::json ? response->body : answer.dump(2)) << "\n";
  return Status::success();
}

// The command a kind's verb goes under: its group, or for a two-word verb ("service publish") a
// sub-group of it; `verb` is set to the last word.
CLI::App* parent_of(CLI::App& app, std::map<std::string, CLI::App*>& groups, const Kind& kind,
                    std::string& verb) {
  static const std::map<std::string, std::string> group_help = {
      {"office", "finance office verbs"},         {"enterprise", "enterprise verbs"},
      {"provider", "provider institution verbs"}, {"voucher", "voucher reads for any role"},
      {"entry", "ledger entries, signed reads"},  {"actor", "your own registration"}};
  const std::string group_name(kind.cli_group);
  CLI::App*& group = groups[group_name];
  if (group == nullptr) {
    group = app.add_subcommand(group_name, group_help.at(group_name));
    group->require_subcommand(1);
  }
  verb = std::string(kind.cli_verb);
  const std::size_t space = verb.find(' ');
  if (space == std::string::npos) return group;
  const std::string name = verb.substr(0, space);
  verb = verb.substr(space + 1);
  CLI::App*& subgroup = groups[group_name + " " + name];
  if (subgroup == nullptr) {
    subgroup = group->add_subcommand(name, name + " verbs");
    subgroup->require_subcommand(1);
  }
  return subgroup;
}

}  // namespace

void add_client_verbs(CLI::App& app, int& exit_code) {
  auto connection = std::make_shared<Connection>();
  auto values = std::make_shared<std::map<std::string, std::string>>();
  std::map<std::string, CLI::App*> groups;  // "provider", "provider service", …
  for (const Kind& kind : clearing::kinds()) {
    if (kind.cli_group.empty()) continue;
    std::string verb;
    CLI::App* parent = parent_of(app, groups, kind, verb);
    CLI::App* sub = parent->add_subcommand(verb, std::string(kind.summary));
    sub->add_option("--node", connection->node, "the node's API, https://HOST:PORT")->required();
    sub->add_option("--pin", connection->pin, "the node's TLS certificate SHA-256 fingerprint");
    sub->add_option("--ca", connection->ca, "or the node's certificate file (tls/cert.pem)");
    sub->add_option("--key", connection->key, "your key file")->required();
    sub->add_option("--actor", connection->actor,
                    "your actor id (credit code, provider id, office.BJ)")
        ->required();
    sub->add_option("--region", connection->region, "the node's region")->default_val("BJ");
    add_output_option(*sub, connection->output);
    for (const Field& field : kind.fields) {
      if (field.flag.empty()) continue;
      CLI::Option* option = sub->add_option("--" + std::string(field.flag),
                                            (*values)[std::string(field.flag)], flag_help(field));
      if (field.required) option->required();
    }
    const Kind* chosen = &kind;
    sub->callback([chosen, connection, values, &exit_code] {
      Result<nlohmann::json> body = body_of(*chosen, *values);
      if (!body.ok()) {
        exit_code = fail(body.status());
        return;
      }
      Status status = call(*chosen, *connection, *body);
      if (!status.ok()) exit_code = fail(status);
      if (status.ok() && status.message() == "reported") exit_code = exit_failure;
    });
  }
  CLI::App* keygen =
      app.add_subcommand("keygen", "create a key file (mode 0600) and print its public key");
  auto out = std::make_shared<std::string>();
  keygen->add_option("--out", *out, "key file to create")->required();
  keygen->callback([out, &exit_code] {
    const crypto::KeyPair key = crypto::KeyPair::generate();
    if (Status saved = key.save(*out); !saved.ok()) {
      exit_code = fail(saved);
      return;
    }
    std::cout << crypto::encode_public_key(key.public_key()) << "\n";
  });
}

}  // namespace innoclear::cli
