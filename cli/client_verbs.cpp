// Client verbs for every role: each builds a statement from its flags, signs it with the actor's
// key file and sends it to a node's API. The CLI is a thin client: the node decides. A few verbs
// are several calls (settlement sign, office statements, a redemption with --wait).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

#include "clearing/kinds.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/settlement.h"

namespace innoclear::cli {

namespace {

using clearing::Field;
using clearing::FieldType;
using clearing::Kind;

constexpr std::int64_t wait_seconds_default = 120;
constexpr std::int64_t wait_seconds_max = 86'400;
constexpr std::uint32_t wait_poll_ms = 200;

// How the command line takes a field: amounts in yuan, lists comma-separated.
std::string flag_help(const Field& field) {
  std::string help(field.help);
  switch (field.type) {
    case FieldType::fen:
      return help + " (yuan, up to 2 decimals, e.g. 4999.50; no sign, no ¥, no commas)";
    case FieldType::list:
      return help + " (comma-separated, no spaces, e.g. BJ,TJ)";
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

nlohmann::json list_of(const std::string& text) {
  nlohmann::json list = nlohmann::json::array();
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    list.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return list;
}

Result<nlohmann::json> body_of(const Kind& kind, const std::map<std::string, std::string>& values) {
  nlohmann::json body = nlohmann::json::object();
  for (const Field& field : kind.fields) {
    if (field.flag.empty()) continue;
    const auto value = values.find(std::string(field.flag));
    if (value == values.end() || value->second.empty()) continue;
    const std::string key(field.key);
    switch (field.type) {
      case FieldType::text:
        body[key] = value->second;
        break;
      case FieldType::integer:
        if (value->second.find_first_not_of("0123456789") != std::string::npos ||
            value->second.size() > 18) {
          return Status(Code::invalid_argument,
                        "--" + std::string(field.flag) + " must be a whole number");
        }
        body[key] = std::stoll(value->second);
        break;
      case FieldType::fen: {
        Result<std::int64_t> fen = parse_yuan(value->second);
        if (!fen.ok()) return fen.status();
        body[key] = *fen;
        break;
      }
      case FieldType::list:
        body[key] = list_of(value->second);
        break;
      case FieldType::object:
        return Status(Code::invalid_argument,
                      "--" + std::string(field.flag) + " cannot be given here");
    }
  }
  return body;
}

// A field the command line fills in itself when its flag is left out: the settlement's digest is
// read from the node (`office settlement sign`).
bool completed_by_cli(const Kind& kind, const Field& field) {
  return kind.name == "settlement.sign" && field.key == "document_sha256";
}

// Polls query.redemption until the request is answered; the final view, or the refusal as the
// home (or provider's) node's reason.
Result<nlohmann::json> await_outcome(const Caller& caller, const std::string& request_id,
                                     std::int64_t seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    Result<nlohmann::json> shown = caller("query.redemption", {{"request_id", request_id}});
    if (!shown.ok()) return shown;
    const nlohmann::json view = (*shown)["redemption"];
    if (view.value("status", "") == "refused") {
      const std::optional<Code> code = code_from_number(view.value("code", std::int64_t{0}));
      return Status(code.value_or(Code::io_error), view.value("reason", "") + " (refused by " +
                                                       view.value("peer", "") +
                                                       "'s node, request " + request_id + ")");
    }
    if (view.value("status", "") != "pending") return *shown;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(Code::io_error, "request " + request_id + " is still pending after " +
                                        std::to_string(seconds) + " s; see `innoclear redemption " +
                                        "show --request " + request_id + "`");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_poll_ms));
  }
}

// What a verb's flags produced beyond the body: how long to wait for a cross-region outcome.
struct Extras {
  CLI::Option* wait = nullptr;
  std::string wait_text;
};

Result<std::int64_t> wait_seconds(const Extras& extras) {
  // CLI11 stores "true" for a bare --wait (an option that may take no value is flag-like).
  if (extras.wait_text.empty() || extras.wait_text == "true") return wait_seconds_default;
  if (extras.wait_text.find_first_not_of("0123456789") != std::string::npos ||
      extras.wait_text.size() > 6 || std::stoll(extras.wait_text) > wait_seconds_max) {
    return Status(Code::invalid_argument, "--wait takes whole seconds, at most 86400");
  }
  return std::stoll(extras.wait_text);
}

// Runs one verb; the answer is printed, a refusal returned.
Status run_verb(const Kind& kind, const Connection& connection, const nlohmann::json& body,
                const Extras& extras) {
  const Caller caller = caller_of(connection);
  if (kind.name == "settlement.sign") {
    Result<nlohmann::json> signed_ =
        sign_settlement(caller, body.value("period", ""), body.value("document_sha256", ""));
    if (!signed_.ok()) return signed_.status();
    print_answer(*signed_, connection.output);
    return Status::success();
  }
  Result<std::int64_t> seconds = wait_seconds(extras);
  if (!seconds.ok()) return seconds.status();
  Result<nlohmann::json> answer = post(kind, connection, body);
  if (!answer.ok()) return answer.status();
  const nlohmann::json result = answer->value("result", nlohmann::json::object());
  const bool waits = extras.wait != nullptr && extras.wait->count() > 0;
  if (!waits || !result.contains("pending") || !result["pending"].contains("request_id")) {
    print_answer(*answer, connection.output);
    return Status::success();
  }
  Result<nlohmann::json> outcome =
      await_outcome(caller, result["pending"]["request_id"].get<std::string>(), *seconds);
  if (!outcome.ok()) return outcome.status();
  print_answer(*outcome, connection.output);
  return Status::success();
}

// `innoclear <group> <verb>`, or `<group> <verb> <sub>` for a two-word cli_verb.
CLI::App* verb_command(CLI::App& group, const Kind& kind) {
  const std::string words(kind.cli_verb);
  const std::size_t space = words.find(' ');
  if (space == std::string::npos) return group.add_subcommand(words, std::string(kind.summary));
  const std::string first = words.substr(0, space);
  CLI::App* parent = nullptr;
  for (CLI::App* existing : group.get_subcommands([](CLI::App*) { return true; })) {
    if (existing->get_name() == first) parent = existing;
  }
  if (parent == nullptr) {
    parent = group.add_subcommand(
        first, first == "settlement" ? "the clearing period's settlement" : first + " verbs");
    parent->require_subcommand(1);
  }
  return parent->add_subcommand(words.substr(space + 1), std::string(kind.summary));
}

void add_connection_options(CLI::App& sub, Connection& connection) {
  sub.add_option("--node", connection.node, "the node's API, https://HOST:PORT (HTTPS only)")
      ->required();
  sub.add_option("--pin", connection.pin,
                 "the node's TLS certificate SHA-256 fingerprint, 64 hex digits (node.json "
                 "tls_fingerprint; `up` prints each node's)");
  sub.add_option("--ca", connection.ca, "or the node's certificate file (tls/cert.pem)");
  sub.add_option("--key", connection.key, "your key file")->required();
  sub.add_option("--actor", connection.actor, "your actor id (credit code, provider id, office.BJ)")
      ->required();
  sub.add_option("--region", connection.region, "the node's region")->default_val("BJ");
  add_output_option(sub, connection.output);
}

void add_kind_verb(CLI::App& group, const Kind& kind, int& exit_code) {
  auto connection = std::make_shared<Connection>();
  auto values = std::make_shared<std::map<std::string, std::string>>();
  auto extras = std::make_shared<Extras>();
  CLI::App* sub = verb_command(group, kind);
  add_connection_options(*sub, *connection);
  for (const Field& field : kind.fields) {
    if (field.flag.empty()) continue;
    std::string help = flag_help(field);
    if (completed_by_cli(kind, field)) help += "; default: the document the node proposes";
    CLI::Option* option =
        sub->add_option("--" + std::string(field.flag), (*values)[std::string(field.flag)], help);
    if (field.required && !completed_by_cli(kind, field)) option->required();
  }
  if (kind.name == "voucher.redeem" || kind.name == "voucher.provider_redeem") {
    extras->wait = sub->add_option("--wait", extras->wait_text,
                                   "across regions: wait up to SECONDS (default 120) for the "
                                   "other node's answer; exit 1 with its reason if refused")
                       ->expected(0, 1);
  }
  const Kind* chosen = &kind;
  sub->callback([chosen, connection, values, extras, &exit_code] {
    Result<nlohmann::json> body = body_of(*chosen, *values);
    Status status = body.ok() ? run_verb(*chosen, *connection, *body, *extras) : body.status();
    if (!status.ok()) exit_code = fail(status);
  });
}

// `office statements --period P --format csv,camt053 --out DIR`.
void add_statements_verb(CLI::App& office, int& exit_code) {
  auto connection = std::make_shared<Connection>();
  auto period = std::make_shared<std::string>();
  auto formats = std::make_shared<std::string>("csv,camt053");
  auto out = std::make_shared<std::string>();
  CLI::App* sub = office.add_subcommand(
      "statements", "write this region's statement files of a settled period (CSV, camt.053)");
  add_connection_options(*sub, *connection);
  sub->add_option("--period", *period, "the settled period's name, e.g. 2026-11")->required();
  sub->add_option("--format", *formats,
                  "csv, camt053, or both comma-separated (no spaces); default csv,camt053");
  sub->add_option("--out", *out, "directory to write <REGION>.csv / <REGION>.camt053.xml into")
      ->required();
  sub->callback([connection, period, formats, out, &exit_code] {
    std::vector<clearing::StatementFormat> chosen;
    for (const auto& name : list_of(*formats)) {
      if (name == "csv") chosen.push_back(clearing::StatementFormat::csv);
      if (name == "camt053") chosen.push_back(clearing::StatementFormat::camt053);
      if (name != "csv" && name != "camt053") {
        exit_code = fail(Status(Code::invalid_argument, "--format: '" + name.get<std::string>() +
                                                            "' is not csv or camt053"));
        return;
      }
    }
    Result<clearing::Region> region = clearing::parse_region(connection->region);
    Result<std::vector<std::filesystem::path>> written =
        region.ok() ? write_statements(caller_of(*connection), *region, *period, chosen, *out)
                    : Result<std::vector<std::filesystem::path>>(region.status());
    if (!written.ok()) {
      exit_code = fail(written.status());
      return;
    }
    for (const auto& path : *written) std::cout << path.string() << "\n";
  });
}

}  // namespace

void add_client_verbs(CLI::App& app, int& exit_code) {
  std::map<std::string, CLI::App*> groups;
  const std::map<std::string, std::string> group_help = {
      {"office", "finance office verbs"},
      {"enterprise", "enterprise verbs"},
      {"provider", "provider institution verbs"},
      {"voucher", "voucher reads for any role"},
      {"receipt", "receipt reads: its provider, its enterprise, the office"},
      {"redemption", "cross-region redemption reads: its party here, the office"},
      {"entry", "ledger entries, signed reads"},
      {"actor", "your own registration and quota"}};
  for (const Kind& kind : clearing::kinds()) {
    if (kind.cli_group.empty()) continue;
    CLI::App*& group = groups[std::string(kind.cli_group)];
    if (group == nullptr) {
      group = app.add_subcommand(std::string(kind.cli_group),
                                 group_help.at(std::string(kind.cli_group)));
      group->require_subcommand(1);
    }
    add_kind_verb(*group, kind, exit_code);
  }
  add_statements_verb(*groups.at("office"), exit_code);
}

}  // namespace innoclear::cli
