// The demo scenario: each region's finance office funds its vouchers and registers enterprises
// and laboratories; enterprises claim vouchers and use services in other regions both ways
// (pay-first at home, and provider redemption); one tries to redeem twice, one voucher expires,
// enterprises rate the services. Then the clearing period closes, every finance office signs the
// settlement, and every region's statement files are written. Everything goes through the nodes'
// HTTPS APIs, signed by the actor concerned.
#include "cli/demo.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "api/https.h"
#include "clearing/amount.h"
#include "clearing/credit_code.h"
#include "clearing/periods.h"
#include "clearing/rules.h"
#include "cli/settlement.h"
#include "crypto/random.h"
#include "nodes/data_dir.h"
#include "nodes/service.h"

namespace innoclear::cli {

namespace {

using clearing::Region;
using nlohmann::json;

constexpr std::int64_t demo_budget_fen = 200'000'000;  // ¥2,000,000 per region
constexpr std::int64_t voucher_face_fen = 500'000;     // ¥5,000
constexpr std::uint32_t settle_wait_ms_max = 120'000;  // for answers and the settlement
constexpr std::uint32_t poll_ms = 100;
constexpr std::int64_t short_validity_seconds = 2;  // the voucher that expires

std::string code_of(Region region) { return std::string(clearing::region_code(region)); }

struct Actor {
  std::string id;
  crypto::KeyPair key;
};

// One region's API, spoken as any of its actors.
class RegionApi {
 public:
  RegionApi(const nodes::Member& member, crypto::KeyPair office)
      : region_(member.region), office_{"office." + code_of(member.region), std::move(office)} {
    Result<std::pair<std::string, std::uint16_t>> address = api::parse_host_port(member.base_url);
    api::ClientOptions options;
    if (address.ok()) {
      options.host = address->first;
      options.port = address->second;
    }
    options.server_certificate_fingerprint = member.tls_fingerprint;
    client_ = std::make_unique<api::HttpsClient>(options);
  }

  Region region() const { return region_; }
  const Actor& office() const { return office_; }

  // Signs and sends; the node's refusal comes back as its Status.
  Result<json> call(const Actor& actor, const std::string& kind, const json& body) {
    const nodes::SignedStatement statement =
        nodes::sign_statement(actor.key, actor.id, kind, body, code_of(region_),
                              nodes::system_clock_ms(), crypto::random_hex(16));
    std::string target = kind;
    if (target.rfind("query.", 0) == 0) {
      target = "/v1/query/" + target.substr(6);
    } else {
      std::replace(target.begin(), target.end(), '.', '/');
      target = "/v1/" + target;
    }
    Result<api::HttpResponse> response = client_->request(
        "POST", target, statement.bytes, {{"Innoclear-Signature", statement.signature_base64}});
    if (!response.ok()) return response.status();
    const json answer = json::parse(response->body, nullptr, false);
    if (response->status != 200) {
      const std::optional<Code> code =
          code_from_number(answer.is_object() ? answer.value("code", std::int64_t{0}) : 0);
      return Status(code.value_or(Code::io_error),
                    answer.is_object() ? answer.value("detail", response->body) : response->body);
    }
    return answer.contains("result") ? answer["result"] : answer;
  }
  Result<json> as_office(const std::string& kind, const json& body) {
    return call(office_, kind, body);
  }

 private:
  Region region_;
  Actor office_;
  std::unique_ptr<api::HttpsClient> client_;
};

struct Cast {
  std::map<Region, std::vector<Actor>> enterprises;  // two per region
  std::map<Region, std::vector<Actor>> providers;    // two per region
};

std::string enterprise_id(Region region, int number, const std::string& run) {
  // A unified social credit code: 91 (an enterprise), a division of the region's own province,
  // the run as organisation code, both check characters.
  std::string tail = run.substr(0, 7);
  for (char& c : tail) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string first_16 = "91" + std::string(clearing::home_province(region)) + "010" +
                               std::to_string(number) + "M" + tail;
  return clearing::complete_credit_code(first_16);
}

Status check(const Result<json>& result, const std::string& what) {
  if (result.ok()) return Status::success();
  return Status(result.status().code(), what + ": " + result.status().message());
}

Status register_cast(RegionApi& api, Cast& cast, const std::string& run, int year) {
  const Region region = api.region();
  const std::string code = code_of(region);
  if (Status s =
          check(api.as_office("budget.allocate", {{"amount", demo_budget_fen}, {"year", year}}),
                code + " budget");
      !s.ok()) {
    return s;
  }
  static const char* lab_names[] = {"Testing Centre", "Institute of Technology"};
  for (int i = 0; i < 2; ++i) {
    Actor enterprise{enterprise_id(region, i, run), crypto::KeyPair::generate()};
    Actor provider{"LAB-" + code + "-" + std::to_string(i + 1) + "-" + run.substr(0, 6),
                   crypto::KeyPair::generate()};
    const json enterprise_body = {{"id", enterprise.id},
                                  {"key", crypto::encode_public_key(enterprise.key.public_key())},
                                  {"name", code + " Small Tech " + std::to_string(i + 1)},
                                  {"role", "enterprise"}};
    const json provider_body = {
        {"categories", {"testing", "rnd"}},
        {"id", provider.id},
        {"key", crypto::encode_public_key(provider.key.public_key())},
        {"name", std::string(clearing::region_name(region)) + " " + lab_names[i]},
        {"role", "provider"}};
    for (const auto& [body, what] :
         {std::pair{enterprise_body, "enterprise"}, std::pair{provider_body, "provider"}}) {
      if (Status s = check(api.as_office("actor.register", body), code + " register " + what);
          !s.ok())
        return s;
    }
    cast.enterprises[region].push_back(std::move(enterprise));
    cast.providers[region].push_back(std::move(provider));
  }
  return Status::success();
}

Result<std::string> issue_voucher(RegionApi& api, const Actor& enterprise, const std::string& tag) {
  Result<json> applied =
      api.call(enterprise, "voucher.apply",
               {{"application_id", tag}, {"category", "testing"}, {"face", voucher_face_fen}});
  if (!applied.ok()) return applied.status();
  Result<json> approved =
      api.as_office("voucher.approve", {{"application_id", tag}, {"enterprise", enterprise.id}});
  if (!approved.ok()) return approved.status();
  return (*approved)["voucher"]["id"].get<std::string>();
}

Result<std::string> record_receipt(RegionApi& api, const Actor& provider, const Actor& enterprise,
                                   std::int64_t price, const std::string& tag) {
  const std::string digest(64, 'c');
  const json body = {{"category", "testing"},
                     {"contract_sha256", digest},
                     {"enterprise", enterprise.id},
                     {"invoice_sha256", digest},
                     {"paid", price},
                     {"payment_ref", "BANK-" + tag},
                     {"payment_sha256", digest},
                     {"price", price},
                     {"receipt_id", tag}};
  Result<json> recorded = api.call(provider, "receipt.record", body);
  if (!recorded.ok()) return recorded.status();
  return tag;
}

struct Redemption {
  Region home;
  std::string voucher;
  const Actor* enterprise;
  std::string way;
};

// Enterprise 1 of each region pays a laboratory of the next region first and redeems at home;
// enterprise 2 assigns a voucher to a laboratory two regions on, which redeems it at its own
// office. Prices vary so that the net positions are not symmetric.
Status cross_region_services(std::map<Region, RegionApi>& apis, Cast& cast,
                             const std::vector<Region>& regions, std::vector<Redemption>& done) {
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const Region home = regions[i];
    const Region near = regions[(i + 1) % regions.size()];
    const Region far = regions[(i + 2) % regions.size()];
    RegionApi& api = apis.at(home);
    const Actor& first = cast.enterprises[home][0];
    const Actor& second = cast.enterprises[home][1];
    const std::string tag = code_of(home) + std::to_string(i);
    Result<std::string> voucher = issue_voucher(api, first, "A-" + tag + "-1");
    Result<std::string> receipt =
        voucher.ok()
            ? record_receipt(apis.at(near), cast.providers[near][0], first,
                             600'000 + 50'000 * static_cast<std::int64_t>(i), "R-" + tag + "-1")
            : Result<std::string>(voucher.status());
    if (!receipt.ok())
      return Status(receipt.status().code(),
                    code_of(home) + " pay-first: " + receipt.status().message());
    if (Status s = check(api.call(first, "voucher.redeem",
                                  {{"provider", cast.providers[near][0].id},
                                   {"provider_region", code_of(near)},
                                   {"receipt_id", *receipt},
                                   {"voucher_id", *voucher}}),
                         code_of(home) + " pay-first redemption");
        !s.ok()) {
      return s;
    }
    done.push_back({home, *voucher, &first,
                    "pay-first at " + code_of(home) + ", service in " + code_of(near)});
    Result<std::string> assigned = issue_voucher(api, second, "A-" + tag + "-2");
    if (!assigned.ok()) return assigned.status();
    const Actor& lab = cast.providers[far][1];
    const std::int64_t price = 300'000 + 120'000 * static_cast<std::int64_t>(i);
    if (Status s = check(api.call(second, "voucher.assign",
                                  {{"price", price},
                                   {"provider", lab.id},
                                   {"provider_region", code_of(far)},
                                   {"voucher_id", *assigned}}),
                         code_of(home) + " assignment");
        !s.ok()) {
      return s;
    }
    Result<std::string> lab_receipt =
        record_receipt(apis.at(far), lab, second, price, "R-" + tag + "-2");
    if (!lab_receipt.ok()) return lab_receipt.status();
    if (Status s = check(apis.at(far).call(lab, "voucher.provider_redeem",
                                           {{"receipt_id", *lab_receipt},
                                            {"voucher_id", *assigned},
                                            {"voucher_region", code_of(home)}}),
                         code_of(far) + " provider redemption");
        !s.ok()) {
      return s;
    }
    done.push_back({home, *assigned, &second, "provider redemption by " + code_of(far)});
  }
  return Status::success();
}

}  // namespace

namespace {

// Waits until every redemption left "pending" at home; prints each outcome.
Status await_redemptions(std::map<Region, RegionApi>& apis, const std::vector<Redemption>& asked) {
  for (const Redemption& redemption : asked) {
    json voucher;
    for (std::uint32_t waited = 0;; waited += poll_ms) {
      Result<json> shown =
          apis.at(redemption.home)
              .call(*redemption.enterprise, "query.voucher", {{"voucher_id", redemption.voucher}});
      if (!shown.ok()) return shown.status();
      voucher = (*shown)["voucher"];
      if (voucher["status"] != "pending" && voucher["status"] != "live") break;
      if (waited > settle_wait_ms_max)
        return Status(Code::io_error, redemption.voucher + " is still pending");
      std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    }
    std::printf("  %-11s %-34s %-9s %s\n", redemption.voucher.c_str(), redemption.way.c_str(),
                voucher["status"].get<std::string>().c_str(),
                voucher.contains("amount") ? clearing::format_yuan(voucher["amount"]).c_str() : "");
  }
  return Status::success();
}

// A local redemption, a refused double redemption, an expired voucher, and ratings.
Status everyday_events(std::map<Region, RegionApi>& apis, Cast& cast,
                       const std::vector<Redemption>& asked) {
  RegionApi& beijing = apis.at(Region::BJ);
  const Redemption& first = asked.front();
  Result<json> again = beijing.call(*first.enterprise, "voucher.redeem",
                                    {{"provider", "any"},
                                     {"provider_region", "TJ"},
                                     {"receipt_id", "again"},
                                     {"voucher_id", first.voucher}});
  std::printf("  second redemption of %s: refused (%s)\n", first.voucher.c_str(),
              again.ok() ? "NOT REFUSED" : std::string(code_name(again.status().code())).c_str());
  if (again.ok()) return Status(Code::verify_failed, "a double redemption was accepted");
  for (const Redemption& redemption : asked) {
    if (redemption.way.rfind("pay-first", 0) != 0) continue;
    const int rating = 3 + static_cast<int>(redemption.voucher.back() % 3);
    if (Status s = check(apis.at(redemption.home)
                             .call(*redemption.enterprise, "feedback.rate",
                                   {{"comment", "fast, clear report"},
                                    {"rating", rating},
                                    {"voucher_id", redemption.voucher}}),
                         "rating");
        !s.ok()) {
      return s;
    }
  }
  std::printf("  enterprises rated their pay-first services (1-5)\n");
  // A campaign voucher valid for two seconds, left unused: the office expires it.
  json policy = nlohmann::json{{"accepted_regions", {"BJ", "TJ", "HE", "NM", "GZ", "CD"}},
                               {"categories", {"testing", "rnd", "transfer"}},
                               {"face_cap", voucher_face_fen},
                               {"ratio_bp", 5000},
                               {"validity_days", 365},
                               {"yearly_amount_max", 1'000'000},
                               {"yearly_count_max", 5}};
  json campaign = policy;
  campaign["validity_seconds"] = short_validity_seconds;
  if (Status s = check(beijing.as_office("policy.set", campaign), "policy"); !s.ok()) return s;
  Result<std::string> short_lived =
      issue_voucher(beijing, cast.enterprises[Region::BJ][0], "A-CAMPAIGN");
  if (Status s = check(beijing.as_office("policy.set", policy), "policy"); !s.ok()) return s;
  if (!short_lived.ok()) return short_lived.status();
  std::this_thread::sleep_for(std::chrono::seconds(short_validity_seconds + 1));
  if (Status s =
          check(beijing.as_office("voucher.expire", {{"voucher_id", *short_lived}}), "expiry");
      !s.ok()) {
    return s;
  }
  std::printf("  %s expired unused; its ¥5,000 went back to Beijing's budget\n",
              short_lived->c_str());
  return Status::success();
}

}  // namespace

namespace {

// Waits for every node's settlement proposal of `period`, has every office sign it, and waits
// until every node recorded all signatures. Returns each region's query.settlement answer.
Result<std::map<Region, json>> settle(std::map<Region, RegionApi>& apis,
                                      const std::string& period) {
  std::map<Region, json> answers;
  for (int stage = 0; stage < 2; ++stage) {
    const char* wanted = stage == 0 ? "proposal" : "settled";
    for (auto& [region, api] : apis) {
      for (std::uint32_t waited = 0;; waited += poll_ms) {
        Result<json> answer = api.as_office("query.settlement", {{"period", period}});
        if (!answer.ok()) return answer.status();
        if ((*answer)["settlement"].is_object() && (*answer)["settlement"].contains(wanted)) {
          answers[region] = *answer;
          break;
        }
        if (waited > settle_wait_ms_max) {
          return Status(Code::period_open, code_of(region) + " has no " + wanted + " for " +
                                               period +
                                               "; differences: " + (*answer)["differences"].dump());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
      }
      if (stage == 0) {
        // What `innoclear office settlement sign --period P` does, as this region's office.
        const Caller office = [&api](const std::string& kind, const json& body) {
          return api.as_office(kind, body);
        };
        if (Status s =
                check(sign_settlement(office, period, ""), code_of(region) + " office signature");
            !s.ok()) {
          return s;
        }
      }
    }
  }
  return answers;
}

void print_report(const json& document) {
  std::printf("\nSettlement of period %s (every finance office signed; recorded on every node)\n",
              document["period"].get<std::string>().c_str());
  std::printf("  %-6s %-28s %16s\n", "region", "", "net position");
  for (Region region : clearing::all_regions) {
    const std::string code = code_of(region);
    if (!document["positions"].contains(code)) continue;
    const std::int64_t position = document["positions"][code];
    std::printf("  %-6s %-28s %16s  %s\n", code.c_str(),
                std::string(clearing::region_name(region)).c_str(),
                clearing::format_yuan(position < 0 ? -position : position).c_str(),
                position > 0   ? "receives"
                : position < 0 ? "pays"
                               : "");
  }
  std::printf("  who owes whom (bilateral):\n");
  for (const json& total : document["bilateral"]) {
    std::printf("    %s owes %s %s\n", total["debtor"].get<std::string>().c_str(),
                total["creditor"].get<std::string>().c_str(),
                clearing::format_yuan(total["amount"]).c_str());
  }
  std::printf("  settlement transfers (%zu, at most N-1):\n", document["transfers"].size());
  for (const json& transfer : document["transfers"]) {
    std::printf("    %s pays %s %s\n", transfer["payer"].get<std::string>().c_str(),
                transfer["payee"].get<std::string>().c_str(),
                clearing::format_yuan(transfer["amount"]).c_str());
  }
}

// Each node writes its region's statement files when it records the settlement (the federation
// directory's statements/<period>/); the demo waits for all of them.
Status await_statements(const std::filesystem::path& directory,
                        const std::map<Region, json>& answers) {
  for (const auto& [region, answer] : answers) {
    for (const char* suffix : {".csv", ".camt053.xml", ".settlement.json"}) {
      const std::filesystem::path file = directory / (code_of(region) + suffix);
      for (std::uint32_t waited = 0; !std::filesystem::exists(file); waited += poll_ms) {
        if (waited > settle_wait_ms_max) {
          return Status(Code::not_found,
                        "the " + code_of(region) + " node wrote no " + file.string());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
      }
    }
  }
  std::printf(
      "\nStatement files (CSV and ISO 20022 camt.053.001.08) and the signed settlement, written "
      "by every region's node:\n  %s/\n",
      directory.string().c_str());
  return Status::success();
}

}  // namespace

Status run_demo(const std::filesystem::path& federation_dir, const nodes::Manifest& manifest) {
  std::map<Region, RegionApi> apis;
  std::vector<Region> regions;
  for (const nodes::Member& member : manifest.members) {
    Result<crypto::KeyPair> office = crypto::KeyPair::load(
        nodes::DataDir{federation_dir / code_of(member.region)}.office_key_file());
    if (!office.ok()) return office.status();
    apis.emplace(member.region, RegionApi(member, std::move(*office)));
    regions.push_back(member.region);
  }
  if (regions.size() < 3)
    return Status(Code::invalid_argument, "the demo needs at least three regions");
  const std::string run = crypto::random_hex(4);
  const int year = clearing::shanghai_year(nodes::system_clock_ms());
  std::printf("\nDemo run %s: offices fund vouchers and register enterprises and laboratories\n",
              run.c_str());
  Cast cast;
  for (Region region : regions) {
    if (Status s = register_cast(apis.at(region), cast, run, year); !s.ok()) return s;
  }
  const std::int64_t started_ms = nodes::system_clock_ms();
  std::printf("Cross-region services, both ways of redeeming:\n");
  std::vector<Redemption> asked;
  if (Status s = cross_region_services(apis, cast, regions, asked); !s.ok()) return s;
  if (Status s = await_redemptions(apis, asked); !s.ok()) return s;
  const std::int64_t finished_ms = nodes::system_clock_ms();
  if (Status s = everyday_events(apis, cast, asked); !s.ok()) return s;
  if (manifest.period_seconds == 0 || manifest.period_seconds > 120) {
    std::printf("\nClearing periods are %s: the settlement is made when the period ends.\n",
                manifest.period_seconds == 0 ? "calendar months" : "long");
    return Status::success();
  }
  // The cross-region locks fell in these periods; each is settled in turn.
  std::set<std::string> periods;
  for (std::int64_t at = started_ms; at <= finished_ms + manifest.period_seconds * 1000;
       at += 1000) {
    if (at > finished_ms) at = finished_ms;
    periods.insert(clearing::period_containing(at, manifest.period_seconds).id);
    if (at == finished_ms) break;
  }
  std::printf(
      "\nClosing the clearing period(s): bilateral statements compared, netted, signed...\n");
  for (const std::string& period : periods) {
    std::size_t lines = 0;
    for (auto& [region, api] : apis) {
      Result<json> answer = api.as_office("query.settlement", {{"period", period}});
      if (!answer.ok()) return answer.status();
      lines += (*answer)["lines"].size();
    }
    if (lines == 0) continue;  // no cross-region work fell in this period: nothing to settle
    Result<std::map<Region, json>> answers = settle(apis, period);
    if (!answers.ok()) return answers.status();
    const json& document = answers->begin()->second["settlement"]["proposal"]["document"];
    for (const auto& [region, answer] : *answers) {
      if (answer["settlement"]["proposal"]["document"] != document) {
        return Status(Code::verify_failed, code_of(region) + " recorded another settlement");
      }
    }
    print_report(document);
    if (Status s = await_statements(federation_dir / "statements" / period, *answers); !s.ok())
      return s;
  }
  return Status::success();
}

}  // namespace innoclear::cli
