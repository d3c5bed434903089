// Nodes witness each other's checkpoints: a consistent history is cosigned; a peer restarted on
// a rewritten ledger is caught with both signed checkpoints as evidence, and no new cross-region
// work starts with it.
#include <catch2/catch.hpp>
#include <filesystem>

#include "crypto/cosignature.h"
#include "crypto/signed_note.h"
#include "nodes/node.h"
#include "nodes/witness.h"
#include "tests/nodes/federation_support.h"

using namespace innoclear;
using namespace innoclear::testing;

namespace {

std::uint64_t cosigned_size(Federation& federation, Region peer) {
  Result<std::string> note = federation.witnessing().cosigned_checkpoint(peer);
  if (!note.ok()) return 0;
  Result<ledger::CheckpointBody> body = ledger::parse_checkpoint_body(*note);
  return body.ok() ? body->size : 0;
}

// Replaces TJ's ledger by a new one under the same key: what a node restarted on a rewritten
// ledger shows its peers.
void rewrite_ledger(RegionNode& node, std::int64_t now_ms) {
  node.node.reset();  // stops it; until reopened, the node has no service and no federation
  node.service = nullptr;
  node.federation = nullptr;
  node.transport = nullptr;
  std::filesystem::remove_all(node.data.ledger_dir());
  Result<nodes::NodeIdentity> identity = nodes::read_identity(node.data);
  REQUIRE(identity.ok());
  Result<crypto::KeyPair> key = crypto::KeyPair::load(node.data.key_file());
  REQUIRE(key.ok());
  Result<std::unique_ptr<ledger::Ledger>> ledger =
      ledger::Ledger::open(nodes::ledger_options(node.data, *identity, &*key, false));
  REQUIRE(ledger.ok());
  REQUIRE(
      nodes::record_genesis(**ledger, *key, node.office.public_key(), node.region, now_ms).ok());
  REQUIRE((*ledger)->sign_checkpoint().ok());
}

// Opens `node` again on its (rewritten) data directory, on the federation's clock.
void reopen(RegionNode& node, Federated& federation) {
  nodes::NodeOptions options;
  options.service = {node.data, [&federation] { return federation.now_ms.load(); }, 1000,
                     std::size_t{1} << 30};
  options.checkpoint_interval_ms = 0;
  Result<std::unique_ptr<nodes::Node>> reopened = nodes::Node::open(options);
  REQUIRE(reopened.ok());
  node.node = std::move(*reopened);
  node.service = &node.node->service();
}

// Beijing's one fork record of Tianjin: a rollback, shown by two different checkpoints.
void check_fork_evidence(RegionNode& beijing, RegionNode& tianjin) {
  const nlohmann::json forks = beijing.federation->witnessing().forks();
  REQUIRE(forks.size() == 1);
  Result<nodes::ForkEvidence> evidence = nodes::ForkEvidence::from_json(forks[0]);
  REQUIRE(evidence.ok());
  CHECK(evidence->peer_origin == "innoclear.TJ");
  CHECK(evidence->reason == nodes::fork_rollback);
  // Both checkpoints carry Tianjin's valid signature: the evidence needs no trust in Beijing.
  const crypto::NoteVerifier tianjin_key =
      crypto::make_note_verifier("innoclear.TJ", tianjin.service->identity().public_key);
  CHECK(crypto::open_note(evidence->earlier_note, std::span(&tianjin_key, 1)).ok());
  CHECK(crypto::open_note(evidence->later_note, std::span(&tianjin_key, 1)).ok());
  CHECK(evidence->earlier_note != evidence->later_note);
}

// Beijing starts no new cross-region work with a forked Tianjin, nor takes requests from it.
void check_no_work_with_forked(RegionNode& beijing, RegionNode& tianjin) {
  const crypto::KeyPair enterprise = seeded_key(9);
  REQUIRE(beijing
              .as_office("actor.register", {{"id", "91110108M000100Y4Q"},
                                            {"key", public_key_of(enterprise)},
                                            {"name", "Example Tech"},
                                            {"role", "enterprise"}})
              .ok());
  Result<Accepted> refused = beijing.submit(enterprise, "91110108M000100Y4Q", "voucher.redeem",
                                            {{"provider", "P-TJ-LAB"},
                                             {"provider_region", "TJ"},
                                             {"receipt_id", "R1"},
                                             {"voucher_id", "BJ-V000001"}});
  CHECK(refused.status().code() == Code::peer_forked);
  // Nor does Beijing take requests from it.
  const SignedStatement request = tianjin.service->sign_as_node(
      "peer.voucher.honour", {{"request_id", "TJ-R000001"}}, Region::BJ);
  std::promise<Result<std::string>> answered;
  beijing.federation->answerer().answer(
      tianjin.service->identity().tls_fingerprint,
      nlohmann::json{
          {"requests", {{{"signature", request.signature_base64}, {"statement", request.bytes}}}}}
          .dump(),
      [&](Result<std::string> answer) { answered.set_value(std::move(answer)); });
  CHECK(answered.get_future().get().status().code() == Code::peer_forked);
}

}  // namespace

TEST_CASE("A peer's growing ledger is cosigned; a rewritten one is a fork with evidence",
          "[federation][witness]") {
  Federated federation({Region::BJ, Region::TJ}, Federated::fast(), true);
  RegionNode& beijing = federation[Region::BJ];
  RegionNode& tianjin = federation[Region::TJ];
  REQUIRE(tianjin.service->ledger().sign_checkpoint().ok());
  const std::uint64_t first = tianjin.service->ledger().size();
  federation.step_until([&] { return cosigned_size(*beijing.federation, Region::TJ) == first; });

  SECTION("an advance is proven and cosigned") {
    REQUIRE(tianjin.as_office("budget.allocate", {{"amount", 100}, {"year", 2027}}).ok());
    REQUIRE(tianjin.service->ledger().sign_checkpoint().ok());
    federation.step_until(
        [&] { return cosigned_size(*beijing.federation, Region::TJ) == first + 1; });
    Result<std::string> note = beijing.federation->witnessing().cosigned_checkpoint(Region::TJ);
    REQUIRE(note.ok());
    // Signed by Tianjin, and cosigned by Beijing (C2SP tlog-cosignature).
    const crypto::NoteVerifier tianjin_key =
        crypto::make_note_verifier("innoclear.TJ", tianjin.service->identity().public_key);
    CHECK(crypto::open_note(*note, std::span(&tianjin_key, 1)).ok());
    CHECK(crypto::verify_note_cosignature(
              *note, crypto::make_cosigner("innoclear.BJ", beijing.service->identity().public_key))
              .ok());
    CHECK_FALSE(beijing.federation->witnessing().is_forked(Region::TJ));
  }

  SECTION("a ledger rewritten under the same key is reported as a fork") {
    rewrite_ledger(tianjin, federation.now_ms + 1);
    reopen(tianjin, federation);
    federation.step_until([&] { return beijing.federation->witnessing().is_forked(Region::TJ); });
    check_fork_evidence(beijing, tianjin);
    check_no_work_with_forked(beijing, tianjin);
  }
}
