// A node witnessing a peer region's ledger: what it cosigns, what it calls a fork, what it keeps.
#include "nodes/witness.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "crypto/canonical_json.h"
#include "crypto/cosignature.h"
#include "crypto/signed_note.h"
#include "ledger/ledger.h"
#include "tests/support/temp_dir.h"

using namespace innoclear;
using namespace innoclear::nodes;
using innoclear::testing::TempDir;

namespace {

crypto::KeyPair seeded(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  return crypto::KeyPair::from_seed(seed);
}

const std::string tianjin_origin = "innoclear.TJ";
constexpr std::int64_t witnessed_ms = 1'790'000'000'123;

// A peer region's real ledger; `kind` tells two histories of the same peer apart.
struct PeerLedger {
  TempDir dir{"witness-peer"};
  crypto::KeyPair key;
  std::string kind;
  std::unique_ptr<ledger::Ledger> log;

  PeerLedger(std::uint8_t key_fill, std::string entry_kind)
      : key(seeded(key_fill)), kind(std::move(entry_kind)) {
    ledger::Options options;
    options.directory = dir.path();
    options.origin = tianjin_origin;
    options.checkpoint_key = &key;
    options.map_bytes = std::size_t{64} << 20;
    Result<std::unique_ptr<ledger::Ledger>> opened = ledger::Ledger::open(std::move(options));
    INFO(opened.status().to_string());
    REQUIRE(opened.ok());
    log = std::move(*opened);
  }

  // Appends entries up to `size` and returns the signed checkpoint of that size.
  std::string checkpoint_at(std::uint64_t size) {
    while (log->size() < size) {
      REQUIRE(log->append(crypto::canonical_dump({{"kind", kind}, {"n", log->size()}})).ok());
    }
    Result<std::string> note = log->sign_checkpoint();
    REQUIRE(note.ok());
    return *note;
  }
  std::vector<ledger::Hash> proof(std::uint64_t from, std::uint64_t to) const {
    Result<ledger::ConsistencyProof> proven = log->view()->prove_consistency(from, to);
    REQUIRE(proven.ok());
    return proven->hashes;
  }
  WitnessedPeer as_peer() const {
    return {tianjin_origin, crypto::make_note_verifier(tianjin_origin, key.public_key())};
  }
};

// Beijing's node, witnessing Tianjin.
struct Witness {
  TempDir dir{"witness"};
  crypto::KeyPair key = seeded(1);
  WitnessSelf self{"innoclear.BJ", &key};
  std::unique_ptr<WitnessRecord> record = open();

  std::unique_ptr<WitnessRecord> open() const {
    Result<std::unique_ptr<WitnessRecord>> opened = WitnessRecord::open(dir.path());
    INFO(opened.status().to_string());
    REQUIRE(opened.ok());
    return std::move(*opened);
  }
  Result<Observation> round(const PeerLedger& peer, const std::string& note,
                            const std::vector<ledger::Hash>& proof = {}) {
    return witness_checkpoint(*record, peer.as_peer(), self, note, proof, witnessed_ms);
  }
  std::uint64_t recorded_size() const {
    Result<std::optional<SeenCheckpoint>> seen = record->load(tianjin_origin);
    REQUIRE(seen.ok());
    REQUIRE(seen->has_value());
    return (*seen)->size;
  }
};

Verdict verdict_of(const Result<Observation>& observed) {
  INFO(observed.status().to_string());
  REQUIRE(observed.ok());
  return observed->verdict;
}

}  // namespace

TEST_CASE("the first checkpoint seen from a peer is recorded and cosigned", "[witness]") {
  PeerLedger peer(7, "tj");
  Witness witness;
  const std::string note = peer.checkpoint_at(3);
  CHECK(verdict_of(witness.round(peer, note)) == Verdict::first);

  Result<std::optional<SeenCheckpoint>> seen = witness.record->load(tianjin_origin);
  REQUIRE(seen.ok());
  REQUIRE(seen->has_value());
  CHECK((*seen)->note == note);
  CHECK((*seen)->size == 3);
  CHECK((*seen)->root == *peer.log->view()->root(3));

  // The kept note carries the peer's signature and this node's cosignature, each checkable.
  Result<std::optional<std::string>> cosigned = witness.record->load_cosigned(tianjin_origin);
  REQUIRE(cosigned.ok());
  REQUIRE(cosigned->has_value());
  const crypto::NoteVerifier peer_key[] = {peer.as_peer().key};
  CHECK(crypto::open_note(**cosigned, peer_key).ok());
  const crypto::Cosigner beijing = crypto::make_cosigner("innoclear.BJ", witness.key.public_key());
  Result<std::uint64_t> cosigned_at = crypto::verify_note_cosignature(**cosigned, beijing);
  REQUIRE(cosigned_at.ok());
  CHECK(*cosigned_at == 1'790'000'000);
  CHECK_FALSE(witness.record->is_forked(tianjin_origin));
}

TEST_CASE("the same checkpoint again is the same", "[witness]") {
  PeerLedger peer(7, "tj");
  Witness witness;
  const std::string note = peer.checkpoint_at(3);
  REQUIRE(verdict_of(witness.round(peer, note)) == Verdict::first);
  CHECK(verdict_of(witness.round(peer, note)) == Verdict::same);
  CHECK(witness.recorded_size() == 3);
}

TEST_CASE("a larger checkpoint proven consistent is an advance and is recorded", "[witness]") {
  PeerLedger peer(7, "tj");
  Witness witness;
  REQUIRE(verdict_of(witness.round(peer, peer.checkpoint_at(3))) == Verdict::first);
  const std::string later = peer.checkpoint_at(10);
  CHECK(verdict_of(witness.round(peer, later, peer.proof(3, 10))) == Verdict::advanced);
  CHECK(witness.recorded_size() == 10);
  CHECK(witness.record->forks().empty());
}

TEST_CASE("a larger checkpoint with a proof that fails is a fork, never cosigned again",
          "[witness]") {
  PeerLedger peer(7, "tj");
  Witness witness;
  const std::string earlier = peer.checkpoint_at(3);
  REQUIRE(verdict_of(witness.round(peer, earlier)) == Verdict::first);
  const std::string later = peer.checkpoint_at(10);
  std::vector<ledger::Hash> wrong = peer.proof(3, 10);
  REQUIRE_FALSE(wrong.empty());
  wrong[0][0] ^= 1;

  Result<Observation> observed = witness.round(peer, later, wrong);
  REQUIRE(verdict_of(observed) == Verdict::fork);
  REQUIRE(observed->fork.has_value());
  CHECK(observed->fork->reason == fork_inconsistent);
  CHECK(observed->fork->earlier_note == earlier);
  CHECK(observed->fork->later_note == later);
  CHECK(observed->fork->proof == wrong);
  CHECK(witness.record->is_forked(tianjin_origin));
  CHECK(witness.recorded_size() == 3);

  SECTION("even a proven advance after the fork is not recorded or cosigned") {
    CHECK(verdict_of(witness.round(peer, later, peer.proof(3, 10))) == Verdict::advanced);
    CHECK(witness.recorded_size() == 3);
    CHECK(witness.record->forks().size() == 1);
  }
}

TEST_CASE("a checkpoint of the same size with another root is a fork with both notes as evidence",
          "[witness]") {
  PeerLedger peer(7, "tj");
  PeerLedger other_history(7, "tj-other");  // same key and origin, other entries
  Witness witness;
  const std::string told_us = peer.checkpoint_at(5);
  const std::string told_others = other_history.checkpoint_at(5);
  REQUIRE(verdict_of(witness.round(peer, told_us)) == Verdict::first);

  Result<Observation> observed = witness.round(other_history, told_others);
  REQUIRE(verdict_of(observed) == Verdict::fork);
  const ForkEvidence& evidence = *observed->fork;
  CHECK(evidence.peer_origin == tianjin_origin);
  CHECK(evidence.reason == fork_same_size_other_root);
  CHECK(evidence.earlier_note == told_us);
  CHECK(evidence.later_note == told_others);
  CHECK(evidence.detected_ms == witnessed_ms);

  // What an auditor re-checks: both notes carry valid signatures of the same key, same size.
  const crypto::NoteVerifier key[] = {peer.as_peer().key};
  Result<crypto::OpenedNote> first = crypto::open_note(evidence.earlier_note, key);
  Result<crypto::OpenedNote> second = crypto::open_note(evidence.later_note, key);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(ledger::parse_checkpoint_body(first->text)->size ==
        ledger::parse_checkpoint_body(second->text)->size);
  CHECK(ledger::parse_checkpoint_body(first->text)->root !=
        ledger::parse_checkpoint_body(second->text)->root);

  // The evidence is canonical JSON and reads back as it was written.
  const std::string json = crypto::canonical_dump(evidence.to_json());
  CHECK(crypto::check_canonical(json).ok());
  Result<ForkEvidence> read_back = ForkEvidence::from_json(*crypto::parse_canonical(json));
  REQUIRE(read_back.ok());
  CHECK(read_back->later_note == told_others);
  REQUIRE(witness.record->forks().size() == 1);
  CHECK(witness.record->forks()[0].earlier_note == told_us);
  CHECK(std::filesystem::exists(witness.dir / "forks" / "innoclear.TJ-1790000000123.json"));
}

TEST_CASE("a smaller checkpoint than recorded is a rollback fork", "[witness]") {
  PeerLedger peer(7, "tj");
  Witness witness;
  const std::string smaller = peer.checkpoint_at(3);
  const std::string larger = peer.checkpoint_at(8);
  REQUIRE(verdict_of(witness.round(peer, larger)) == Verdict::first);
  Result<Observation> observed = witness.round(peer, smaller);
  REQUIRE(verdict_of(observed) == Verdict::fork);
  CHECK(observed->fork->reason == fork_rollback);
  CHECK(observed->fork->earlier_note == larger);
  CHECK(observed->fork->later_note == smaller);
  CHECK(witness.recorded_size() == 8);
}

TEST_CASE("a checkpoint the peer's key did not sign is an error, not a fork", "[witness]") {
  PeerLedger peer(7, "tj");
  PeerLedger impostor(8, "tj-other");  // same origin, another key
  Witness witness;
  REQUIRE(verdict_of(witness.round(peer, peer.checkpoint_at(5))) == Verdict::first);

  SECTION("another key") {
    Result<Observation> observed = witness_checkpoint(*witness.record, peer.as_peer(), witness.self,
                                                      impostor.checkpoint_at(5), {}, witnessed_ms);
    CHECK(observed.status().code() == Code::unknown_signer);
  }
  SECTION("a forged signature") {
    std::string forged = peer.checkpoint_at(5);
    forged[forged.size() - 10] = forged[forged.size() - 10] == 'A' ? 'B' : 'A';
    CHECK(witness.round(peer, forged).status().code() == Code::bad_signature);
  }
  SECTION("garbage") { CHECK(witness.round(peer, "not a note").status().code() == Code::bad_note); }
  SECTION("the peer's signature over another origin's checkpoint") {
    const crypto::NoteSigner signer[] = {{tianjin_origin, &peer.key}};
    const std::string shanghai = *crypto::sign_note(
        "innoclear.SH\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", signer);
    CHECK(witness.round(peer, shanghai).status().code() == Code::bad_note);
  }
  CHECK_FALSE(witness.record->is_forked(tianjin_origin));
  CHECK(witness.recorded_size() == 5);
}

TEST_CASE("a proof longer than any tree needs is refused", "[witness]") {
  PeerLedger peer(7, "tj");
  const std::vector<ledger::Hash> long_proof(witness_proof_hashes_max + 1);
  CHECK(observe_checkpoint(peer.as_peer(), std::nullopt, peer.checkpoint_at(1), long_proof,
                           witnessed_ms)
            .status()
            .code() == Code::invalid_argument);
}

TEST_CASE("the witness record survives reopening", "[witness]") {
  PeerLedger peer(7, "tj");
  PeerLedger other_history(7, "tj-other");
  Witness witness;
  const std::string note = peer.checkpoint_at(4);
  REQUIRE(verdict_of(witness.round(peer, note)) == Verdict::first);
  REQUIRE(verdict_of(witness.round(other_history, other_history.checkpoint_at(4))) ==
          Verdict::fork);
  const std::optional<std::string> cosigned = *witness.record->load_cosigned(tianjin_origin);

  witness.record = witness.open();
  Result<std::optional<SeenCheckpoint>> seen = witness.record->load(tianjin_origin);
  REQUIRE(seen.ok());
  REQUIRE(seen->has_value());
  CHECK((*seen)->note == note);
  CHECK((*seen)->size == 4);
  CHECK(*witness.record->load_cosigned(tianjin_origin) == cosigned);
  CHECK(witness.record->is_forked(tianjin_origin));
  REQUIRE(witness.record->forks().size() == 1);
  CHECK(witness.record->forks()[0].reason == fork_same_size_other_root);
  CHECK(witness.record->load("innoclear.SH")->has_value() == false);
}

TEST_CASE("a witness record file that does not parse is refused as corrupt", "[witness]") {
  PeerLedger peer(7, "tj");
  Witness witness;
  REQUIRE(verdict_of(witness.round(peer, peer.checkpoint_at(2))) == Verdict::first);
  const auto overwrite = [](const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  };

  SECTION("a peer record that is not JSON") {
    overwrite(witness.dir / "peers" / "innoclear.TJ.json", "{\"note\":");
    CHECK(witness.record->load(tianjin_origin).status().code() == Code::storage_corrupt);
    CHECK(witness.round(peer, peer.checkpoint_at(2)).status().code() == Code::storage_corrupt);
  }
  SECTION("a peer record holding another origin's checkpoint") {
    const std::string text = crypto::canonical_dump(
        {{"cosignature", *crypto::cosign_checkpoint("a\n1\nb\n", "x", witness.key, 1)},
         {"note", "innoclear.SH\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— x AAAA\n"}});
    overwrite(witness.dir / "peers" / "innoclear.TJ.json", text);
    CHECK(witness.record->load(tianjin_origin).status().code() == Code::storage_corrupt);
  }
  SECTION("a fork evidence file that is not evidence") {
    overwrite(witness.dir / "forks" / "innoclear.TJ-1.json", "{\"reason\":\"rollback\"}");
    CHECK(WitnessRecord::open(witness.dir.path()).status().code() == Code::storage_corrupt);
  }
}

TEST_CASE("an origin unfit for a file name is refused", "[witness]") {
  Witness witness;
  CHECK(witness.record->load("../etc").status().code() == Code::invalid_argument);
  CHECK(witness.record->load("").status().code() == Code::invalid_argument);
  CHECK(witness.record->load("example.com/log").status().code() == Code::invalid_argument);
}
