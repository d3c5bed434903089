// What the benchmarks that redeem vouchers at a self-hosted BJ node share: the node itself, its
// parties (one provider, enterprises sharing one key, the office's policy and budget), and
// vouchers each applied for, approved and backed by a receipt its enterprise countersigned, all
// submitted in process through the Service as real signed statements.
//
// Voucher i belongs to enterprise i / vouchers_per_enterprise; its application and receipt are
// both "B<i>". Internal to bench/.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "crypto/ed25519.h"
#include "nodes/data_dir.h"
#include "nodes/node.h"
#include "nodes/service.h"

namespace innoclear::bench {

constexpr std::uint64_t vouchers_per_enterprise = 1000;  // the policy's yearly count ceiling

// Entries each voucher adds: apply, approve, receipt.record, receipt.confirm.
constexpr std::uint64_t entries_per_prepared_voucher = 4;
// register_parties adds one entry per enterprise and these: provider, policy, budget.
constexpr std::uint64_t entries_per_registration = 3;

// A BJ node open for writing, and the keys of the parties it knows. Not movable (the nonce).
struct VoucherNode {
  nodes::DataDir dir;
  nodes::NodeIdentity identity;
  std::unique_ptr<nodes::Node> assembled;                // no federation, no checkpoint timer
  nodes::Service* service = nullptr;                     // assembled's
  crypto::KeyPair office = crypto::KeyPair::generate();  // the node's office key once opened
  crypto::KeyPair provider = crypto::KeyPair::generate();
  crypto::KeyPair enterprise = crypto::KeyPair::generate();  // one key for every enterprise
  std::atomic<std::uint64_t> nonce{0};

  // A statement signed now with a fresh nonce. Thread-safe.
  nodes::SignedStatement sign(const crypto::KeyPair& key, const std::string& actor,
                              const std::string& kind, const nlohmann::json& body);
};

// Initialises a node in `dir` (which must not hold one: already_exists) and opens its Service.
Result<std::unique_ptr<VoucherNode>> open_voucher_node(const nodes::DataDir& dir);

// The enterprises that `vouchers` vouchers need.
std::uint64_t enterprises_for(std::uint64_t vouchers);

// The credit code of enterprise `n`.
std::string bench_credit_code(std::uint64_t n);

// The office's policy.set the benchmarks run under: testing vouchers of 500 000 fen at most, half
// of a price, valid a year, vouchers_per_enterprise a year per enterprise, with no yearly amount
// that binds; for providers of `accepted_regions`.
nlohmann::json bench_policy_body(const std::vector<std::string>& accepted_regions);

// A budget.allocate for this year that never runs out.
nlohmann::json bench_budget_body();

// A receipt.record body: a testing service of 800 000 fen, paid in full, for `enterprise`.
// The documents' digests are placeholders: the rules check their form, not the documents.
nlohmann::json bench_receipt_body(const std::string& enterprise, const std::string& receipt_id);

// Registers the provider and `enterprises` enterprises, sets the policy and allocates a budget
// that never runs out.
Status register_parties(VoucherNode& node, std::uint64_t enterprises);

// Prepares vouchers [first, first + count) and returns their ids in order. REQUIRES: their
// enterprises registered.
Result<std::vector<std::string>> prepare_vouchers(VoucherNode& node, std::uint64_t first,
                                                  std::uint64_t count);

// Voucher i's voucher.redeem at the bench provider, signed now (statements go stale after
// clearing::clock_skew_ms_max: sign them shortly before sending). Thread-safe.
nodes::SignedStatement sign_redemption(VoucherNode& node, std::uint64_t i,
                                       const std::string& voucher_id);

// Statement i = make(i) for i < count, signed on two threads; `make` must be thread-safe.
std::vector<nodes::SignedStatement> sign_each(
    std::uint64_t count, const std::function<nodes::SignedStatement(std::uint64_t)>& make);

// Submits every statement at once (group commit), from two threads since each statement's
// signature is checked on the submitting thread, and waits. The results in order, or the first
// refusal.
Result<std::vector<nlohmann::json>> submit_all(
    nodes::Service& service, const std::vector<nodes::SignedStatement>& statements);

}  // namespace innoclear::bench
