// The test fixture for the voucher rules: one region's books in memory, a controllable clock and
// the ledger index, and helpers that state things as the office, an enterprise or a provider.
//
// Every statement goes through Books::submit(), which checks after each one that
//   - a refused statement changed nothing (it wrote nothing, and a full snapshot of every table is
//     the same before and after), and
//   - after an accepted one, the books balance: for each year, total = available + reserved +
//   redeemed + paid, reserved is
//     the sum of the faces of that year's live vouchers, redeemed the sum of the amounts of its
//     redeemed (payable) vouchers, paid the sum of its paid ones; no amount exceeds its face; and
//     each receipt was consumed by at most one voucher.
#pragma once

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "clearing/amount.h"
#include "clearing/credit_code.h"
#include "clearing/rules.h"
#include "clearing/store.h"
#include "crypto/canonical_json.h"
#include "crypto/ed25519.h"

namespace innoclear::clearing::testing {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Keys, times and identities.

inline crypto::KeyPair key_from_seed(std::uint8_t n) {
  std::array<std::uint8_t, crypto::seed_bytes> seed{};
  seed.fill(n);
  return crypto::KeyPair::from_seed(seed);
}
inline std::string public_key_text(std::uint8_t n) {
  return crypto::encode_public_key(key_from_seed(n).public_key());
}

constexpr std::int64_t second_ms = 1'000;
constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::int64_t day_ms = 86'400'000;

// UTC milliseconds of a UTC calendar time.
inline std::int64_t utc_ms(int y, unsigned m, unsigned d, int hours = 0, int minutes = 0) {
  const std::chrono::sys_days date =
      std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  return std::chrono::duration_cast<std::chrono::milliseconds>(date.time_since_epoch()).count() +
         hours * hour_ms + minutes * 60'000;
}

// 2024-03-15 10:00 in Beijing.
inline const std::int64_t start_ms = utc_ms(2024, 3, 15, 2);

// A credit code from its first 16 characters, both check characters appended (also used before
// Catch runs: no REQUIRE).
inline std::string credit_code(const std::string& first_16) {
  std::string code = complete_credit_code(first_16);
  if (code.empty()) throw std::invalid_argument("not the start of a credit code: " + first_16);
  return code;
}

inline const std::string enterprise_a = "91110108M000100Y4Q";
inline const std::string enterprise_b = "91110000802100433B";
inline const std::string enterprise_c = credit_code("91110108MA000000");
inline const std::string lab = "provider.lab";        // testing and R&D
inline const std::string broker = "provider.broker";  // technology transfer
inline const std::string office_id = "office.BJ";
inline const std::string node_id = "node.BJ";

inline constexpr std::uint8_t node_seed = 1;
inline constexpr std::uint8_t office_seed = 2;

// What a receipt.record body looks like.
inline json receipt_body(const std::string& receipt_id, const std::string& enterprise,
                         const std::string& category, std::int64_t price, std::int64_t paid) {
  return {{"receipt_id", receipt_id},
          {"enterprise", enterprise},
          {"category", category},
          {"price", price},
          {"paid", paid},
          {"payment_ref", "BANK-" + receipt_id},
          {"contract_sha256", std::string(64, 'a')},
          {"invoice_sha256", std::string(64, 'b')},
          {"payment_sha256", std::string(64, 'c')}};
}

// The statement as the JSON object an actor signs.
inline json statement_json(const Statement& s) {
  return {{"actor", s.actor}, {"body", s.body},     {"kind", s.kind},
          {"nonce", s.nonce}, {"region", s.region}, {"time", s.time_ms}};
}

// ---------------------------------------------------------------------------------------------
// Snapshots and the books' balance.

inline std::vector<std::pair<std::string, json>> rows_of(const Store& store, Table table) {
  auto rows = store.scan(table, "");
  REQUIRE(rows.ok());
  return std::move(*rows);
}

// Every record of every table, in table_names order, as text: "table" lines, then "key\trecord"
// lines with each record's JSON. Two stores are equal exactly when their snapshots are.
inline std::string snapshot(const Store& store) {
  std::string all;
  for (std::size_t t = 0; t < table_count; ++t) {
    all += table_names[t];
    all += '\n';
    for (const auto& [key, record] : rows_of(store, static_cast<Table>(t))) {
      all += key;
      all += '\t';
      all += record.dump();
      all += '\n';
    }
  }
  return all;
}

struct YearSums {
  std::int64_t live_faces = 0;
  std::int64_t redeemed_amounts = 0;
  std::int64_t paid_amounts = 0;
};

// What the vouchers say each year's budget must hold, and which receipt each redeemed voucher
// consumed.
struct VoucherSums {
  std::map<std::string, YearSums> by_year;
  std::map<std::string, std::string> receipt_of_voucher;
};

// Checks each voucher on its own and sums them by year; "" or the first problem.
inline std::string sum_vouchers(const Store& store, VoucherSums& sums_out) {
  std::set<std::string> consumed;
  for (const auto& [id, voucher] : rows_of(store, Table::vouchers)) {
    const std::string where = "voucher " + id + " " + voucher.dump() + ": ";
    const std::int64_t face = voucher.at("face").get<std::int64_t>();
    const std::string status = voucher.at("status").get<std::string>();
    if (face <= 0) return where + "face is not positive";
    YearSums& sums = sums_out.by_year[std::to_string(voucher.at("year").get<int>())];
    if (status == "live") {
      sums.live_faces += face;
      if (voucher.contains("amount")) return where + "a live voucher has an amount";
    } else if (status == "redeemed" || status == "paid") {
      const std::int64_t amount = voucher.at("amount").get<std::int64_t>();
      if (amount < 0 || amount > face) return where + "amount is not within 0..face";
      (status == "redeemed" ? sums.redeemed_amounts : sums.paid_amounts) += amount;
      const std::string receipt = voucher.at("receipt").get<std::string>();
      if (!consumed.insert(receipt).second)
        return where + "its receipt paid for another voucher too";
      sums_out.receipt_of_voucher[id] = receipt;
    } else if (status == "expired" || status == "revoked") {
      if (voucher.contains("amount")) return where + "an unused voucher has an amount";
    } else {
      return where + "unknown status";
    }
  }
  return "";
}

// Each consumed receipt is the one its voucher names, and was countersigned.
inline std::string check_receipts(const Store& store, const VoucherSums& sums) {
  std::size_t consumed_receipts = 0;
  for (const auto& [key, receipt] : rows_of(store, Table::receipts)) {
    if (!receipt.contains("consumed_by")) continue;
    ++consumed_receipts;
    const std::string where = "receipt " + key + " " + receipt.dump() + ": ";
    const auto used = sums.receipt_of_voucher.find(receipt.at("consumed_by").get<std::string>());
    if (used == sums.receipt_of_voucher.end() || used->second != key) {
      return where + "consumed by a voucher that does not name it";
    }
    if (receipt.at("confirmed") != true) return where + "consumed without the countersignature";
  }
  if (consumed_receipts != sums.receipt_of_voucher.size()) {
    return "a redeemed voucher's receipt is not consumed";
  }
  return "";
}

// One year's budget: its identity, and its buckets against its vouchers.
inline std::string check_budget(const std::string& year, const json& budget, const YearSums& sums) {
  const std::string where = "budget " + year + " " + budget.dump() + ": ";
  const auto total = budget.at("total").get<std::int64_t>();
  const auto available = budget.at("available").get<std::int64_t>();
  const auto reserved = budget.at("reserved").get<std::int64_t>();
  const auto redeemed = budget.at("redeemed").get<std::int64_t>();
  const auto paid = budget.at("paid").get<std::int64_t>();
  if (available < 0 || reserved < 0 || redeemed < 0 || paid < 0) return where + "a negative bucket";
  // All four are non-negative; compare without overflowing.
  if (available > total || reserved > total - available ||
      redeemed > total - available - reserved || paid != total - available - reserved - redeemed) {
    return where + "total != available + reserved + redeemed + paid";
  }
  if (reserved != sums.live_faces) {
    return where + "reserved != faces of live vouchers (" + std::to_string(sums.live_faces) + ")";
  }
  if (redeemed != sums.redeemed_amounts) {
    return where + "redeemed != amounts of redeemed vouchers (" +
           std::to_string(sums.redeemed_amounts) + ")";
  }
  if (paid != sums.paid_amounts) {
    return where + "paid != amounts of paid vouchers (" + std::to_string(sums.paid_amounts) + ")";
  }
  return "";
}

// What is out of balance in the books, or "" if nothing. (Plain code rather than an assertion per
// record, so that checking after each of thousands of statements stays fast.)
inline std::string books_problem(const Store& store) {
  VoucherSums sums;
  if (std::string problem = sum_vouchers(store, sums); !problem.empty()) return problem;
  if (std::string problem = check_receipts(store, sums); !problem.empty()) return problem;
  std::set<std::string> years_with_budget;
  for (const auto& [year, budget] : rows_of(store, Table::budgets)) {
    years_with_budget.insert(year);
    std::string problem = check_budget(year, budget, sums.by_year[year]);
    if (!problem.empty()) return problem;
  }
  for (const auto& [year, year_sums] : sums.by_year) {
    if (years_with_budget.count(year) == 0) return "vouchers of " + year + " but no budget";
  }
  return "";
}

// The budget identity and its companions (see the file comment) hold.
inline void check_books(const Store& store) {
  const std::string problem = books_problem(store);
  INFO(problem);
  REQUIRE(problem.empty());
}

// ---------------------------------------------------------------------------------------------
// The books.

// A MemoryStore that counts its writes: the rules promise that a refusal writes nothing.
class WatchedStore final : public Store {
 public:
  Result<std::optional<json>> get(Table table, const std::string& key) const override {
    return inner_.get(table, key);
  }
  Status put(Table table, const std::string& key, const json& record) override {
    ++puts_;
    return inner_.put(table, key, record);
  }
  Status erase(Table table, const std::string& key) override {
    ++puts_;
    return inner_.erase(table, key);
  }
  Result<std::vector<std::pair<std::string, json>>> scan(Table table,
                                                         const std::string& prefix) const override {
    return inner_.scan(table, prefix);
  }
  std::uint64_t puts() const { return puts_; }

 private:
  MemoryStore inner_;
  std::uint64_t puts_ = 0;
};

struct Submitted {
  Statement statement;
  Context context;
};

class Books {
 public:
  WatchedStore store;
  std::uint64_t index = 0;                    // the ledger index the next accepted statement takes
  std::int64_t now_ms = start_ms;             // the node's clock; statements are timed by it too
  std::vector<Submitted> history;             // everything submitted, accepted or refused, in order
  std::map<std::string, std::uint8_t> seeds;  // actor → key seed

  // A region with its node and office registered by the genesis entry.
  Books() { genesis(); }
  struct Empty {};
  explicit Books(Empty) {}

  void genesis() {
    seeds[node_id] = node_seed;
    seeds[office_id] = office_seed;
    accept(as(
        node_id, "genesis",
        {{"node_key", public_key_text(node_seed)}, {"office_key", public_key_text(office_seed)}}));
  }

  Statement statement(const std::string& actor, const std::string& kind, json body) {
    return Statement{actor, kind, "n" + std::to_string(++nonce_), "BJ", now_ms, std::move(body)};
  }

  // Applies a statement at the next index and checks the books (see the file comment).
  Result<json> submit(const Statement& s) {
    const Context context{clearing::Region::BJ, now_ms, index};
    history.push_back({s, context});
    const std::uint64_t puts_before = store.puts();
    if (!last_snapshot_ || last_snapshot_->first != puts_before) {
      last_snapshot_.emplace(puts_before, snapshot(store));  // nothing written since: still exact
    }
    Result<json> result = apply(store, s, context);
    if (result.ok()) {
      ++index;
      check_books(store);
    } else {
      INFO(s.kind << " by " << s.actor << " refused: " << result.status().to_string());
      REQUIRE(store.puts() == puts_before);
      REQUIRE(snapshot(store) == last_snapshot_->second);
    }
    return result;
  }

  Result<json> as(const std::string& actor, const std::string& kind, json body) {
    return submit(statement(actor, kind, std::move(body)));
  }
  Result<json> office(const std::string& kind, json body) {
    return as(office_id, kind, std::move(body));
  }
  Result<json> enterprise(const std::string& id, const std::string& kind, json body) {
    return as(id, kind, std::move(body));
  }
  Result<json> provider(const std::string& id, const std::string& kind, json body) {
    return as(id, kind, std::move(body));
  }

  // ----- Common steps, each required to succeed.

  void register_enterprise(const std::string& id) {
    const std::uint8_t seed = next_seed_++;
    seeds[id] = seed;
    accept(office("actor.register", {{"id", id},
                                     {"role", "enterprise"},
                                     {"name", "Enterprise " + id},
                                     {"key", public_key_text(seed)}}));
  }
  void register_provider(const std::string& id, const std::vector<std::string>& categories) {
    const std::uint8_t seed = next_seed_++;
    seeds[id] = seed;
    accept(office("actor.register", {{"id", id},
                                     {"role", "provider"},
                                     {"name", "Provider " + id},
                                     {"key", public_key_text(seed)},
                                     {"categories", categories}}));
  }
  void allocate(int year, std::int64_t amount) {
    accept(office("budget.allocate", {{"year", year}, {"amount", amount}}));
  }
  void set_policy(const json& changes) {
    json body = {{"accepted_regions", {"BJ", "TJ", "HE", "NM", "GZ", "CD"}},
                 {"categories", {"testing", "rnd", "transfer"}},
                 {"face_cap", 500'000},
                 {"ratio_bp", 5'000},
                 {"validity_days", 365},
                 {"yearly_amount_max", 1'000'000},
                 {"yearly_count_max", 5}};
    body.update(changes);
    accept(office("policy.set", body));
  }
  // The usual cast: enterprises A and B, the lab (testing, R&D), the broker (transfer), and a
  // 2024 budget of ¥1,000,000.
  void open_year() {
    register_enterprise(enterprise_a);
    register_enterprise(enterprise_b);
    register_provider(lab, {"testing", "rnd"});
    register_provider(broker, {"transfer"});
    allocate(2024, 100'000'000);
  }
  // Application and approval; the new voucher's id.
  std::string issue(const std::string& enterprise_id, std::int64_t face,
                    const std::string& category = "testing") {
    const std::string application = "app-" + std::to_string(++applications_);
    accept(enterprise(enterprise_id, "voucher.apply",
                      {{"application_id", application}, {"category", category}, {"face", face}}));
    json approved = accept(office(
        "voucher.approve", {{"enterprise", enterprise_id}, {"application_id", application}}));
    return approved.at("voucher").at("id").get<std::string>();
  }
  // A receipt recorded by the provider and countersigned by the enterprise.
  void serve(const std::string& provider_id, const std::string& receipt_id,
             const std::string& enterprise_id, const std::string& category, std::int64_t price,
             std::int64_t paid) {
    accept(provider(provider_id, "receipt.record",
                    receipt_body(receipt_id, enterprise_id, category, price, paid)));
    accept(enterprise(enterprise_id, "receipt.confirm",
                      {{"provider", provider_id}, {"receipt_id", receipt_id}}));
  }
  json redeem(const std::string& enterprise_id, const std::string& voucher_id,
              const std::string& provider_id, const std::string& receipt_id) {
    return accept(enterprise(
        enterprise_id, "voucher.redeem",
        {{"voucher_id", voucher_id}, {"provider", provider_id}, {"receipt_id", receipt_id}}));
  }

  // ----- Reading the books.

  json record(Table table, const std::string& key) const {
    auto found = store.get(table, key);
    REQUIRE(found.ok());
    INFO("no record " << key << " in " << table_names[static_cast<std::size_t>(table)]);
    REQUIRE(found->has_value());
    return **found;
  }
  bool has(Table table, const std::string& key) const {
    auto found = store.get(table, key);
    REQUIRE(found.ok());
    return found->has_value();
  }
  json budget(int year) const { return record(Table::budgets, std::to_string(year)); }
  std::int64_t budget_of(int year, const char* bucket) const {
    return budget(year).at(bucket).get<std::int64_t>();
  }
  json voucher(const std::string& id) const { return record(Table::vouchers, id); }
  json actor(const std::string& id) const { return record(Table::actors, id); }

  // Signs a statement with an actor's key (its current one unless a seed is given).
  crypto::Signature sign(const Statement& s, std::uint8_t seed) const {
    return key_from_seed(seed).sign(crypto::canonical_dump(statement_json(s)));
  }

  static json accept(const Result<json>& result) {
    INFO((result.ok() ? std::string("accepted") : result.status().to_string()));
    REQUIRE(result.ok());
    return *result;
  }

 private:
  std::uint8_t next_seed_ = 10;
  std::optional<std::pair<std::uint64_t, std::string>> last_snapshot_;  // (puts, snapshot) then
  std::uint64_t nonce_ = 0;
  std::uint64_t applications_ = 0;
};

// The code a refused statement was refused with (ok if it was accepted).
inline Code code_of(const Result<json>& result) { return result.status().code(); }

}  // namespace innoclear::clearing::testing

// Print codes by name in assertion messages.
namespace Catch {
template <>
struct StringMaker<innoclear::Code> {
  static std::string convert(innoclear::Code code) {
    return std::string(innoclear::code_name(code)) + " (" + std::to_string(static_cast<int>(code)) +
           ")";
  }
};
}  // namespace Catch
