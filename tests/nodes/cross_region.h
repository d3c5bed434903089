// Test fixture: Beijing's enterprise with a voucher and Tianjin's laboratory with a receipt for
// it, the two ways of redeeming across regions, and the books' checks.
#pragma once

#include "clearing/settlement.h"
#include "nodes/actor_proof.h"
#include "tests/nodes/federation_support.h"

namespace innoclear::testing {

using clearing::Table;

inline const std::string enterprise_id = "91110108M000100Y4Q";
inline const std::string provider_id = "P-TJ-LAB";
inline const crypto::KeyPair enterprise_key = seeded_key(2);
inline const crypto::KeyPair provider_key = seeded_key(3);

// Beijing's enterprise with a ¥5,000 testing voucher; Tianjin's laboratory with a ¥8,000
// receipt for that enterprise, paid in full.
struct CrossRegion {
  Federated federation;
  RegionNode& home = federation[Region::BJ];
  RegionNode& lab = federation[Region::TJ];
  std::string voucher;

  explicit CrossRegion(std::vector<Region> regions = {Region::BJ, Region::TJ},
                       bool witnessing = false)
      : federation(std::move(regions), Federated::fast(), witnessing) {
    REQUIRE(home.as_office("actor.register", {{"id", enterprise_id},
                                              {"key", public_key_of(enterprise_key)},
                                              {"name", "Example Tech"},
                                              {"role", "enterprise"}})
                .ok());
    REQUIRE(lab.as_office("actor.register", {{"categories", {"testing"}},
                                             {"id", provider_id},
                                             {"key", public_key_of(provider_key)},
                                             {"name", "Tianjin lab"},
                                             {"role", "provider"}})
                .ok());
    REQUIRE(as_enterprise("voucher.apply",
                          {{"application_id", "A1"}, {"category", "testing"}, {"face", 500'000}})
                .ok());
    Result<Accepted> issued = home.as_office(
        "voucher.approve", {{"application_id", "A1"}, {"enterprise", enterprise_id}});
    REQUIRE(issued.ok());
    voucher = issued->result["voucher"]["id"].get<std::string>();
    record_receipt("R1", 800'000);
  }

  void record_receipt(const std::string& id, std::int64_t paid) {
    const std::string hash(64, 'a');
    REQUIRE(as_provider("receipt.record", {{"category", "testing"},
                                           {"contract_sha256", hash},
                                           {"enterprise", enterprise_id},
                                           {"invoice_sha256", hash},
                                           {"paid", paid},
                                           {"payment_ref", "BANK-" + id},
                                           {"payment_sha256", hash},
                                           {"price", 800'000},
                                           {"receipt_id", id}})
                .ok());
  }
  Result<Accepted> as_enterprise(const std::string& kind, const nlohmann::json& body) {
    return home.submit(enterprise_key, enterprise_id, kind, body);
  }
  Result<Accepted> as_provider(const std::string& kind, const nlohmann::json& body) {
    return lab.submit(provider_key, provider_id, kind, body);
  }
  Result<Accepted> pay_first(const std::string& receipt) {
    return as_enterprise("voucher.redeem", {{"provider", provider_id},
                                            {"provider_region", "TJ"},
                                            {"receipt_id", receipt},
                                            {"voucher_id", voucher}});
  }
  Result<Accepted> provider_redeem(const std::string& receipt) {
    return as_provider(
        "voucher.provider_redeem",
        {{"receipt_id", receipt}, {"voucher_id", voucher}, {"voucher_region", "BJ"}});
  }
  void assign() {
    REQUIRE(as_enterprise("voucher.assign", {{"price", 800'000},
                                             {"provider", provider_id},
                                             {"provider_region", "TJ"},
                                             {"voucher_id", voucher}})
                .ok());
  }

  // The request id of a redemption that locked, waiting for the peer's answer.
  static std::string request_id_of(const Result<Accepted>& locked) {
    REQUIRE(locked.ok());
    return locked->result["pending"]["request_id"].get<std::string>();
  }

  // The body the home node would send for its outbox row `request_id`, with the enterprise's
  // proof (nodes/actor_proof.h): what a member may honestly ask.
  nlohmann::json proven_body(RegionNode& coordinator, const std::string& request_id) {
    const nlohmann::json row = coordinator.state(Table::outbox, request_id);
    REQUIRE(row.is_object());
    Result<ledger::ReadView> view = coordinator.service->ledger().view();
    REQUIRE(view.ok());
    Result<nodes::ActorProof> proven = nodes::with_actor_proof(*view, *coordinator.service, row);
    REQUIRE(proven.ok());
    return proven->body;
  }

  std::vector<clearing::ObligationLine> lines(RegionNode& node) {
    Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
        node.service->scan(Table::obligations, "");
    REQUIRE(rows.ok());
    std::vector<clearing::ObligationLine> out;
    for (const auto& [id, row] : *rows) {
      Result<clearing::ObligationLine> line = clearing::line_from_json(row["line"]);
      REQUIRE(line.ok());
      out.push_back(*line);
    }
    return out;
  }
  // budget = available + reserved + redeemed + paid, at the home node.
  void require_budget_balances() {
    const nlohmann::json budget = home.state(Table::budgets, "2026");
    CHECK(budget["available"].get<std::int64_t>() + budget["reserved"].get<std::int64_t>() +
              budget["redeemed"].get<std::int64_t>() + budget["paid"].get<std::int64_t>() ==
          budget["total"].get<std::int64_t>());
  }
};

}  // namespace innoclear::testing
