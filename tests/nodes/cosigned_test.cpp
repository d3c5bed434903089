// A node gathers its witnesses' cosignatures of its own checkpoints for its auditors
// (GET /v1/ledger/cosigned): it keeps only a copy that it signed, whose root is its own ledger's
// at that size and whose cosignature is the witness's; a lying witness is shown with its reason
// and never replaces what was read before.
#include "nodes/cosigned.h"

#include <catch2/catch.hpp>

#include "crypto/cosignature.h"
#include "crypto/signed_note.h"
#include "nodes/data_dir.h"
#include "tests/nodes/federation_support.h"

using namespace innoclear;
using namespace innoclear::testing;

namespace {

// Tianjin's view of Beijing as its witness.
nlohmann::json beijing_as_witness(RegionNode& tianjin) {
  const nlohmann::json view = tianjin.federation->cosigned().view();
  REQUIRE(view["witnesses"].size() == 1);
  return view["witnesses"][0];
}

// A checkpoint of Tianjin's origin and size whose root is not Tianjin's, signed with Tianjin's
// own key and cosigned by Beijing's: every signature holds, the history does not.
std::string forged_copy(RegionNode& tianjin, RegionNode& beijing, std::uint64_t size) {
  ledger::CheckpointBody body{"innoclear.TJ", size, {}};
  body.root.fill(0x5a);
  const std::string text = ledger::format_checkpoint_body(body);
  const crypto::NoteSigner signer{"innoclear.TJ", &tianjin.service->node_key()};
  Result<std::string> note = crypto::sign_note(text, std::span(&signer, 1));
  REQUIRE(note.ok());
  Result<std::string> line =
      crypto::cosign_checkpoint(text, "innoclear.BJ", beijing.service->node_key(), 1'790'000'000);
  REQUIRE(line.ok());
  return *note + *line;
}

// `note`'s checkpoint signed under Tianjin's name with Beijing's key, and cosigned by Beijing.
std::string impostor_copy(const std::string& note, RegionNode& beijing) {
  const std::string text = note.substr(0, note.find("\n\n") + 1);
  const crypto::NoteSigner impostor{"innoclear.TJ", &beijing.service->node_key()};
  Result<std::string> signed_note = crypto::sign_note(text, std::span(&impostor, 1));
  Result<std::string> line =
      crypto::cosign_checkpoint(text, "innoclear.BJ", beijing.service->node_key(), 1'790'000'000);
  REQUIRE((signed_note.ok() && line.ok()));
  return *signed_note + *line;
}

// Steps until Beijing has witnessed Tianjin's latest checkpoint and Tianjin has read Beijing's
// copy of it; returns that copy's note.
std::string first_copy(Federated& federation) {
  RegionNode& beijing = federation[Region::BJ];
  RegionNode& tianjin = federation[Region::TJ];
  REQUIRE(tianjin.service->ledger().sign_checkpoint().ok());
  federation.step_until(
      [&] { return beijing.federation->witnessing().cosigned_checkpoint(Region::TJ).ok(); });
  REQUIRE(tianjin.federation->cosigned().round());
  return beijing_as_witness(tianjin)["note"];
}

}  // namespace

TEST_CASE("A node shows its checkpoints as its witnesses cosigned them", "[federation][witness]") {
  Federated federation({Region::BJ, Region::TJ}, Federated::fast(), true);
  RegionNode& beijing = federation[Region::BJ];
  RegionNode& tianjin = federation[Region::TJ];
  CHECK(beijing_as_witness(tianjin)["last_error"] == "");
  CHECK_FALSE(beijing_as_witness(tianjin).contains("note"));  // never read yet
  // Beijing has not witnessed Tianjin yet: nothing to show, and the round says so.
  CHECK_FALSE(tianjin.federation->cosigned().round());
  CHECK(beijing_as_witness(tianjin)["last_error"].get<std::string>().starts_with("not_found"));

  const std::string note = first_copy(federation);
  const nlohmann::json witness = beijing_as_witness(tianjin);
  CHECK(witness["region"] == "BJ");
  CHECK(witness["cosigner"] == "innoclear.BJ");
  CHECK(witness["size"] == tianjin.service->ledger().size());
  CHECK(witness["as_of_ms"] == federation.now_ms.load());
  const crypto::NoteVerifier tianjin_key =
      crypto::make_note_verifier("innoclear.TJ", tianjin.service->identity().public_key);
  CHECK(crypto::open_note(note, std::span(&tianjin_key, 1)).ok());
  Result<std::uint64_t> timestamp = crypto::verify_note_cosignature(
      note, crypto::make_cosigner("innoclear.BJ", beijing.service->identity().public_key));
  REQUIRE(timestamp.ok());
  CHECK(witness["timestamp_s"] == *timestamp);
}

TEST_CASE("A lying or absent witness never replaces the copy kept", "[federation][witness]") {
  Federated federation({Region::BJ, Region::TJ}, Federated::fast(), true);
  RegionNode& beijing = federation[Region::BJ];
  RegionNode& tianjin = federation[Region::TJ];
  nodes::Cosigned& gathered = tianjin.federation->cosigned();
  const std::string note = first_copy(federation);
  const std::uint64_t size = tianjin.service->ledger().size();
  nlohmann::json witness;

  SECTION("a copy whose cosignature does not verify is refused; the good one stays") {
    tianjin.transport->rewrite_witness = [](const std::string& served) {
      std::string broken = served;
      broken[broken.size() - 10] = broken[broken.size() - 10] == 'A' ? 'B' : 'A';
      return broken;
    };
    CHECK(gathered.round());  // a good copy is still kept: no hurry to read again
    witness = beijing_as_witness(tianjin);
    CHECK(witness["last_error"].get<std::string>().starts_with("bad_signature"));
    CHECK(witness["note"] == note);
  }
  SECTION("a copy signed by both keys but of another history is refused") {
    tianjin.transport->rewrite_witness = [&](const std::string&) {
      return forged_copy(tianjin, beijing, size);
    };
    CHECK(gathered.round());
    witness = beijing_as_witness(tianjin);
    CHECK(witness["last_error"].get<std::string>().starts_with("verify_failed"));
    CHECK(witness["note"] == note);
  }
  SECTION("a copy beyond this ledger's size is refused") {
    tianjin.transport->rewrite_witness = [&](const std::string&) {
      return forged_copy(tianjin, beijing, size + 5);
    };
    CHECK(gathered.round());
    witness = beijing_as_witness(tianjin);
    CHECK(witness["last_error"].get<std::string>().find("beyond") != std::string::npos);
    CHECK(witness["note"] == note);
  }
  SECTION("a copy signed by another key under this node's name is refused") {
    tianjin.transport->rewrite_witness = [&](const std::string&) {
      return impostor_copy(note, beijing);
    };
    CHECK(gathered.round());
    witness = beijing_as_witness(tianjin);
    CHECK_FALSE(witness["last_error"].get<std::string>().empty());
    CHECK(witness["note"] == note);
  }
  SECTION("a smaller copy, validly signed, does not replace a larger one") {
    REQUIRE(tianjin.as_office("budget.allocate", {{"amount", 100}, {"year", 2027}}).ok());
    REQUIRE(tianjin.service->ledger().sign_checkpoint().ok());
    federation.step_until([&] {
      Result<std::string> copy = beijing.federation->witnessing().cosigned_checkpoint(Region::TJ);
      return copy.ok() && *copy != note && gathered.round() &&
             beijing_as_witness(tianjin)["size"] == size + 1;
    });
    tianjin.transport->rewrite_witness = [&](const std::string&) { return note; };
    CHECK(gathered.round());
    witness = beijing_as_witness(tianjin);
    CHECK(witness["size"] == size + 1);
    CHECK(witness["last_error"].get<std::string>().find("smaller") != std::string::npos);
  }
  SECTION("a witness that cannot be reached keeps its last copy") {
    tianjin.transport->down[Region::BJ] = true;
    CHECK(gathered.round());
    witness = beijing_as_witness(tianjin);
    CHECK(witness["last_error"].get<std::string>().starts_with("io_error"));
    CHECK(witness["size"] == size);
  }
}
