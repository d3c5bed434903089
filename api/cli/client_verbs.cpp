// Client verbs for every role: each builds a statement from its flags, signs it with the actor's
// key file and sends it to a node's API. The CLI is a thin client: the node decides.
#include <cstdio>
#include <iostream>
#include <map>

#include "api/cli/cli.h"
#include "api/https.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "nodes/service.h"

namespace innoclear::cli {

namespace {

enum class FieldType { text, integer, yuan, list };

struct Field {
  const char* flag;  // without "--"
  const char* key;   // body key
  FieldType type;
  bool required = true;
};

struct ClientVerb {
  const char* group;  // enterprise, provider, office, voucher
  const char* name;
  const char* kind;   // statement kind or query.<name>
  const char* help;
  std::vector<Field> fields;
};

const std::vector<ClientVerb>& client_verbs() {
  using T = FieldType;
  static const std::vector<ClientVerb> verbs = {
      {"office", "register", "actor.register", "register an enterprise or provider and its key",
       {{"id", "id", T::text}, {"role", "role", T::text}, {"name", "name", T::text},
        {"public-key", "key", T::text}, {"categories", "categories", T::list, false}}},
      {"office", "rotate-key", "actor.rotate_key", "replace an actor's key",
       {{"id", "id", T::text}, {"public-key", "key", T::text}}},
      {"office", "revoke", "actor.revoke", "revoke an enterprise or provider", {{"id", "id", T::text}}},
      {"office", "policy", "policy.set", "set the region's voucher policy",
       {{"face-cap", "face_cap", T::yuan}, {"yearly-count", "yearly_count_max", T::integer},
        {"yearly-amount", "yearly_amount_max", T::yuan}, {"ratio-bp", "ratio_bp", T::integer},
        {"validity-days", "validity_days", T::integer},
        {"validity-seconds", "validity_seconds", T::integer, false},
        {"categories", "categories", T::list},
        {"regions", "accepted_regions", T::list}}},
      {"office", "budget", "budget.allocate", "allocate (add to) a year's budget",
       {{"year", "year", T::integer}, {"amount", "amount", T::yuan}}},
      {"office", "approve", "voucher.approve", "approve an application: issue the voucher",
       {{"enterprise", "enterprise", T::text}, {"application", "application_id", T::text}}},
      {"office", "refuse", "voucher.refuse", "refuse an application",
       {{"enterprise", "enterprise", T::text}, {"application", "application_id", T::text},
        {"reason", "reason", T::text}}},
      {"office", "payout", "payout.record", "record the payment of a redeemed voucher",
       {{"voucher", "voucher_id", T::text}, {"bank-ref", "bank_ref", T::text}}},
      {"office", "expire", "voucher.expire", "expire a voucher past its validity",
       {{"voucher", "voucher_id", T::text}}},
      {"office", "revoke-voucher", "voucher.revoke", "revoke a live voucher",
       {{"voucher", "voucher_id", T::text}, {"reason", "reason", T::text}}},
      {"office", "report", "query.report", "budgets, policy and provider statistics", {}},
      {"enterprise", "apply", "voucher.apply", "apply for a voucher",
       {{"application", "application_id", T::text}, {"category", "category", T::text},
        {"face", "face", T::yuan}}},
      {"enterprise", "confirm", "receipt.confirm", "countersign a provider's service receipt",
       {{"provider", "provider", T::text}, {"receipt", "receipt_id", T::text}}},
      {"enterprise", "redeem", "voucher.redeem", "redeem a voucher at home after paying first",
       {{"voucher", "voucher_id", T::text}, {"provider", "provider", T::text},
        {"receipt", "receipt_id", T::text},
        {"provider-region", "provider_region", T::text, false}}},
      {"enterprise", "assign", "voucher.assign", "assign a voucher to a provider",
       {{"voucher", "voucher_id", T::text}, {"provider", "provider", T::text},
        {"provider-region", "provider_region", T::text, false},
        {"price", "price", T::yuan, false}}},
      {"enterprise", "rate", "feedback.rate", "rate the service of a redeemed voucher (1-5)",
       {{"voucher", "voucher_id", T::text}, {"rating", "rating", T::integer},
        {"comment", "comment", T::text, false}}},
      {"enterprise", "vouchers", "query.vouchers", "list your vouchers", {}},
      {"provider", "receipt", "receipt.record", "record a service receipt",
       {{"receipt", "receipt_id", T::text}, {"enterprise", "enterprise", T::text},
        {"category", "category", T::text}, {"price", "price", T::yuan}, {"paid", "paid", T::yuan},
        {"payment-ref", "payment_ref", T::text}, {"contract-sha256", "contract_sha256", T::text},
        {"invoice-sha256", "invoice_sha256", T::text},
        {"payment-sha256", "payment_sha256", T::text}}},
      {"provider", "redeem", "voucher.provider_redeem", "redeem a voucher assigned to you",
       {{"voucher", "voucher_id", T::text}, {"receipt", "receipt_id", T::text},
        {"voucher-region", "voucher_region", T::text, false}}},
      {"provider", "stats", "query.stats", "your services, amounts and ratings by month", {}},
      {"voucher", "show", "query.voucher", "show a voucher you may see",
       {{"voucher", "voucher_id", T::text}}},
  };
  return verbs;
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

Result<nlohmann::json> body_of(const ClientVerb& verb, const std::map<std::string, std::string>& values) {
  nlohmann::json body = nlohmann::json::object();
  for (const Field& field : verb.fields) {
    const auto value = values.find(field.flag);
    if (value == values.end() || value->second.empty()) continue;
    switch (field.type) {
      case FieldType::text: body[field.key] = value->second; break;
      case FieldType::integer: {
        if (value->second.find_first_not_of("0123456789") != std::string::npos || value->second.size() > 18) {
          return Status(Code::invalid_argument, "--" + std::string(field.flag) + " must be a whole number");
        }
        body[field.key] = std::stoll(value->second);
        break;
      }
      case FieldType::yuan: {
        Result<std::int64_t> fen = parse_yuan(value->second);
        if (!fen.ok()) return fen.status();
        body[field.key] = *fen;
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
        body[field.key] = list;
        break;
      }
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

Status call(const ClientVerb& verb, const Connection& connection, const nlohmann::json& body) {
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
  const nodes::SignedStatement statement = nodes::sign_statement(
      *key, connection.actor, verb.kind, body, connection.region, nodes::system_clock_ms(), random_nonce());
  std::string target = std::string(verb.kind);
  if (target.rfind("query.", 0) == 0) {
    target = "/v1/query/" + target.substr(6);
  } else {
    std::replace(target.begin(), target.end(), '.', '/');
    target = "/v1/" + target;
  }
  api::HttpsClient client(options);
  Result<api::HttpResponse> response = client.request(
      "POST", target, statement.bytes, {{"Innoclear-Signature", statement.signature_base64}});
  if (!response.ok()) return response.status();
  nlohmann::json answer = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 200) {
    const std::string title = answer.is_object() ? answer.value("title", "error") : "error";
    const std::string detail = answer.is_object() ? answer.value("detail", response->body) : response->body;
    std::fprintf(stderr, "innoclear: %s: %s (HTTP %u)\n", title.c_str(), detail.c_str(), response->status);
    return {Code::ok, "reported"};  // already printed
  }
  std::cout << (connection.output == Output::json ? response->body : answer.dump(2)) << "\n";
  return Status::success();
}

}  // namespace

void add_client_verbs(CLI::App& app, int& exit_code) {
  auto connection = std::make_shared<Connection>();
  auto values = std::make_shared<std::map<std::string, std::string>>();
  std::map<std::string, CLI::App*> groups;
  const std::map<std::string, std::string> group_help = {
      {"office", "finance office verbs"}, {"enterprise", "enterprise verbs"},
      {"provider", "provider institution verbs"}, {"voucher", "voucher reads for any role"}};
  for (const ClientVerb& verb : client_verbs()) {
    CLI::App*& group = groups[verb.group];
    if (group == nullptr) {
      group = app.add_subcommand(verb.group, group_help.at(verb.group));
      group->require_subcommand(1);
    }
    CLI::App* sub = group->add_subcommand(verb.name, verb.help);
    sub->add_option("--node", connection->node, "the node's API, https://HOST:PORT")->required();
    sub->add_option("--pin", connection->pin, "the node's TLS certificate SHA-256 fingerprint");
    sub->add_option("--ca", connection->ca, "or the node's certificate file (tls/cert.pem)");
    sub->add_option("--key", connection->key, "your key file")->required();
    sub->add_option("--actor", connection->actor, "your actor id (credit code, provider id, office.BJ)")
        ->required();
    sub->add_option("--region", connection->region, "the node's region")->default_val("BJ");
    add_output_option(*sub, connection->output);
    for (const Field& field : verb.fields) {
      CLI::Option* option = sub->add_option("--" + std::string(field.flag), (*values)[field.flag],
                                            field.key);
      if (field.required) option->required();
    }
    const ClientVerb* chosen = &verb;
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
  CLI::App* keygen = app.add_subcommand("keygen", "create a key file (mode 0600) and print its public key");
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
