#include "bench/voucher_setup.h"

#include <future>
#include <thread>

#include "clearing/credit_code.h"
#include "clearing/rules.h"
#include "crypto/encoding.h"

namespace innoclear::bench {

namespace {

const std::string provider_id = "P-BENCH";

std::string tag(std::uint64_t i) { return "B" + std::to_string(i); }

nodes::SignedStatement as_office(VoucherNode& node, const std::string& kind,
                                 const nlohmann::json& body) {
  return node.sign(node.office, "office.BJ", kind, body);
}

// Signs make(i) for every voucher i in [first, first + count) and submits them as one wave.
Result<std::vector<nlohmann::json>> wave(
    VoucherNode& node, std::uint64_t first, std::uint64_t count,
    const std::function<nodes::SignedStatement(std::uint64_t i, const std::string&)>& make) {
  return submit_all(*node.service, sign_each(count, [&](std::uint64_t n) {
    const std::uint64_t i = first + n;
    return make(i, bench_credit_code(i / vouchers_per_enterprise));
  }));
}

}  // namespace

nodes::SignedStatement VoucherNode::sign(const crypto::KeyPair& key, const std::string& actor,
                                         const std::string& kind, const nlohmann::json& body) {
  return nodes::sign_statement(key, actor, kind, body, "BJ", nodes::system_clock_ms(),
                               "b" + std::to_string(nonce++));
}

Result<std::unique_ptr<VoucherNode>> open_voucher_node(const nodes::DataDir& dir) {
  auto node = std::make_unique<VoucherNode>();
  node->dir = dir;
  Result<nodes::NodeIdentity> identity = nodes::init_data_dir(dir, clearing::Region::BJ);
  if (!identity.ok()) return identity.status();
  node->identity = std::move(*identity);
  Result<crypto::KeyPair> office = crypto::KeyPair::load(dir.office_key_file());
  if (!office.ok()) return office.status();
  node->office = std::move(*office);
  nodes::NodeOptions options;
  options.service.dir = dir;
  options.checkpoint_interval_ms = 0;  // the benchmarks sign checkpoints where they measure them
  Result<std::unique_ptr<nodes::Node>> opened = nodes::Node::open(options);
  if (!opened.ok()) return opened.status();
  node->assembled = std::move(*opened);
  node->service = &node->assembled->service();
  return node;
}

std::uint64_t enterprises_for(std::uint64_t vouchers) {
  return (vouchers + vouchers_per_enterprise - 1) / vouchers_per_enterprise;
}

std::string bench_credit_code(std::uint64_t n) {
  return clearing::complete_credit_code("91110000M" + std::to_string(1'000'000 + n).substr(0, 7));
}

nlohmann::json bench_policy_body(const std::vector<std::string>& accepted_regions) {
  return {{"accepted_regions", accepted_regions},
          {"categories", {"testing"}},
          {"face_cap", 500'000},
          {"ratio_bp", 5'000},
          {"validity_days", 365},
          {"yearly_amount_max", INT64_MAX / 4},
          {"yearly_count_max", vouchers_per_enterprise}};
}

nlohmann::json bench_budget_body() {
  return {{"amount", INT64_MAX / 4}, {"year", clearing::shanghai_year(nodes::system_clock_ms())}};
}

nlohmann::json bench_receipt_body(const std::string& enterprise, const std::string& receipt_id) {
  const std::string document_sha256(64, 'e');
  return {{"category", "testing"},
          {"contract_sha256", document_sha256},
          {"enterprise", enterprise},
          {"invoice_sha256", document_sha256},
          {"paid", 800'000},
          {"payment_ref", "PAY"},
          {"payment_sha256", document_sha256},
          {"price", 800'000},
          {"receipt_id", receipt_id}};
}

Status register_parties(VoucherNode& node, std::uint64_t enterprises) {
  const std::string enterprise_key = crypto::encode_public_key(node.enterprise.public_key());
  std::vector<nodes::SignedStatement> statements = {
      as_office(node, "actor.register",
                {{"categories", {"testing"}},
                 {"id", provider_id},
                 {"name", "bench lab"},
                 {"key", crypto::encode_public_key(node.provider.public_key())},
                 {"role", "provider"}})};
  for (std::uint64_t e = 0; e < enterprises; ++e) {
    statements.push_back(as_office(node, "actor.register",
                                   {{"id", bench_credit_code(e)},
                                    {"name", "bench enterprise"},
                                    {"role", "enterprise"},
                                    {"key", enterprise_key}}));
  }
  statements.push_back(as_office(node, "policy.set", bench_policy_body({"BJ"})));
  statements.push_back(as_office(node, "budget.allocate", bench_budget_body()));
  return submit_all(*node.service, statements).status();
}

Result<std::vector<std::string>> prepare_vouchers(VoucherNode& node, std::uint64_t first,
                                                  std::uint64_t count) {
  using Enterprise = const std::string&;
  const auto apply = [&](std::uint64_t i, Enterprise enterprise) {
    return node.sign(node.enterprise, enterprise, "voucher.apply",
                     {{"application_id", tag(i)}, {"category", "testing"}, {"face", 500'000}});
  };
  const auto approve = [&](std::uint64_t i, Enterprise enterprise) {
    return as_office(node, "voucher.approve",
                     {{"application_id", tag(i)}, {"enterprise", enterprise}});
  };
  const auto record = [&](std::uint64_t i, Enterprise enterprise) {
    return node.sign(node.provider, provider_id, "receipt.record",
                     bench_receipt_body(enterprise, tag(i)));
  };
  const auto confirm = [&](std::uint64_t i, Enterprise enterprise) {
    return node.sign(node.enterprise, enterprise, "receipt.confirm",
                     {{"provider", provider_id}, {"receipt_id", tag(i)}});
  };
  if (auto applied = wave(node, first, count, apply); !applied.ok()) return applied.status();
  Result<std::vector<nlohmann::json>> approved = wave(node, first, count, approve);
  if (!approved.ok()) return approved.status();
  if (auto recorded = wave(node, first, count, record); !recorded.ok()) return recorded.status();
  if (auto confirmed = wave(node, first, count, confirm); !confirmed.ok()) {
    return confirmed.status();
  }
  std::vector<std::string> ids;
  ids.reserve(approved->size());
  for (const nlohmann::json& result : *approved) {
    ids.push_back(result["voucher"]["id"].get<std::string>());
  }
  return ids;
}

nodes::SignedStatement sign_redemption(VoucherNode& node, std::uint64_t i,
                                       const std::string& voucher_id) {
  return node.sign(node.enterprise, bench_credit_code(i / vouchers_per_enterprise),
                   "voucher.redeem",
                   {{"provider", provider_id}, {"receipt_id", tag(i)}, {"voucher_id", voucher_id}});
}

std::vector<nodes::SignedStatement> sign_each(
    std::uint64_t count, const std::function<nodes::SignedStatement(std::uint64_t)>& make) {
  std::vector<nodes::SignedStatement> statements(count);
  const auto range = [&](std::uint64_t begin, std::uint64_t end) {
    for (std::uint64_t i = begin; i < end; ++i) statements[i] = make(i);
  };
  std::thread helper(range, 0, count / 2);
  range(count / 2, count);
  helper.join();
  return statements;
}

Result<std::vector<nlohmann::json>> submit_all(
    nodes::Service& service, const std::vector<nodes::SignedStatement>& statements) {
  std::vector<std::promise<Result<nodes::Accepted>>> promises(statements.size());
  const auto range = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      service.submit(statements[i].bytes, statements[i].signature_base64,
                     [&promises, i](Result<nodes::Accepted> outcome) {
                       promises[i].set_value(std::move(outcome));
                     });
    }
  };
  std::thread helper(range, 0, statements.size() / 2);
  range(statements.size() / 2, statements.size());
  helper.join();
  // Every callback runs before the promises go: a refusal does not end the wait early.
  std::vector<nlohmann::json> results;
  results.reserve(statements.size());
  Status first_refusal;
  for (auto& promise : promises) {
    Result<nodes::Accepted> outcome = promise.get_future().get();
    if (!outcome.ok() && first_refusal.ok()) first_refusal = outcome.status();
    if (outcome.ok()) results.push_back(std::move(outcome->result));
  }
  if (!first_refusal.ok()) return first_refusal;
  return results;
}

}  // namespace innoclear::bench
