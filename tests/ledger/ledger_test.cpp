// The ledger on disk: appends, group commit, checkpoints, proofs, derived state, refusals.
#include "ledger/ledger.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <set>
#include <stdexcept>
#include <thread>

#include "crypto/canonical_json.h"
#include "crypto/signed_note.h"
#include "ledger/testkit/tamper.h"
#include "tests/support/temp_dir.h"

using namespace innoclear;
using namespace innoclear::ledger;
using innoclear::testing::TempDir;

namespace {

crypto::KeyPair node_key() {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(42);
  return crypto::KeyPair::from_seed(seed);
}

std::string entry(std::uint64_t n) { return crypto::canonical_dump({{"kind", "test"}, {"n", n}}); }

// Derived state for the tests: how many entries of each kind, under "kind:<kind>".
Status count_kinds(StateWriter& state, std::uint64_t, std::string_view bytes) {
  Result<nlohmann::json> parsed = crypto::parse_canonical(bytes);
  if (!parsed.ok()) return parsed.status();
  const std::string key = "kind:" + parsed->value("kind", std::string("none"));
  Result<std::optional<std::string>> current = state.get(0, key);
  if (!current.ok()) return current.status();
  const int count = current->has_value() ? std::stoi(**current) : 0;
  return state.put(0, key, std::to_string(count + 1));
}

struct Fixture {
  TempDir dir{"ledger"};
  crypto::KeyPair key = node_key();

  Options options() const {
    Options o;
    o.directory = dir.path();
    o.origin = "innoclear.BJ";
    o.checkpoint_key = &key;
    o.tables = {"kinds"};
    o.derive = count_kinds;
    o.map_bytes = std::size_t{64} << 20;
    return o;
  }
  std::unique_ptr<Ledger> open(Options o) const {
    Result<std::unique_ptr<Ledger>> opened = Ledger::open(std::move(o));
    INFO(opened.status().to_string());
    REQUIRE(opened.ok());
    return std::move(*opened);
  }
  std::unique_ptr<Ledger> open() const { return open(options()); }
};

}  // namespace

TEST_CASE("appended entries come back in order with their indices", "[ledger]") {
  Fixture f;
  auto ledger = f.open();
  for (std::uint64_t i = 0; i < 10; ++i) CHECK(*ledger->append(entry(i)) == i);
  CHECK(ledger->size() == 10);
  Result<ReadView> view = ledger->view();
  REQUIRE(view.ok());
  CHECK(*view->entry(3) == entry(3));
  CHECK(view->entry(10).status().code() == Code::out_of_range);
  std::vector<std::uint64_t> seen;
  REQUIRE(view->for_each_entry(7,
                               [&](std::uint64_t index, std::string_view bytes) {
                                 CHECK(bytes == entry(index));
                                 seen.push_back(index);
                                 return true;
                               })
              .ok());
  CHECK(seen == std::vector<std::uint64_t>{7, 8, 9});
}

TEST_CASE("entries survive closing and reopening the ledger", "[ledger]") {
  Fixture f;
  Hash root_before{};
  {
    auto ledger = f.open();
    for (std::uint64_t i = 0; i < 37; ++i) REQUIRE(ledger->append(entry(i)).ok());
    root_before = *ledger->view()->root(37);
  }
  auto ledger = f.open();
  CHECK(ledger->size() == 37);
  CHECK(*ledger->view()->root(37) == root_before);
  CHECK(*ledger->append(entry(37)) == 37);
  CHECK(ledger->verify(f.key.public_key()).ok());
}

TEST_CASE("concurrent appenders are batched into shared durable commits", "[ledger]") {
  Fixture f;
  auto ledger = f.open();
  constexpr int writers = 8;
  constexpr int per_writer = 200;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  std::mutex indices_mutex;
  std::set<std::uint64_t> indices;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < per_writer; ++i) {
        Result<std::uint64_t> index =
            ledger->append(entry(static_cast<std::uint64_t>(w * 1000 + i)));
        if (index.ok()) {
          std::lock_guard lock(indices_mutex);
          indices.insert(*index);
          acknowledged++;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(acknowledged == writers * per_writer);
  CHECK(indices.size() == static_cast<std::size_t>(writers * per_writer));
  CHECK(*indices.rbegin() == writers * per_writer - 1);
  const WriterStats stats = ledger->writer_stats();
  CHECK(stats.entries == writers * per_writer);
  CHECK(stats.commits < stats.jobs);  // some commits carried several appends
  CHECK(ledger->verify(f.key.public_key()).ok());
}

TEST_CASE("a rejected entry leaves no trace and does not fail its batch", "[ledger]") {
  Fixture f;
  auto ledger = f.open();
  CHECK(ledger->append("{\"b\":1,\"a\":2}").status().code() == Code::json_unsorted_keys);
  CHECK(ledger->append("{\"a\": 1}").status().code() == Code::json_whitespace);
  CHECK(ledger->size() == 0);
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  std::promise<void> all_done;
  std::atomic<int> remaining{3};
  auto done = [&](const Status& status) {
    (status.ok() ? ok : refused)++;
    if (--remaining == 0) all_done.set_value();
  };
  auto append_job = [](std::string bytes) {
    return [bytes](Batch& batch) { return batch.append(bytes).status(); };
  };
  ledger->submit(append_job(entry(1)), done);
  ledger->submit(append_job("[1.5]"), done);
  ledger->submit(append_job(entry(2)), done);
  all_done.get_future().wait();
  CHECK(ok == 2);
  CHECK(refused == 1);
  CHECK(ledger->size() == 2);
  CHECK(ledger->verify(f.key.public_key()).ok());
}

TEST_CASE("a job or callback that throws fails alone; the writer lives on", "[ledger]") {
  Fixture f;
  auto ledger = f.open();
  REQUIRE(ledger->append(entry(1)).ok());
  SECTION("a job that throws before appending fails with io_error, its batch commits") {
    std::promise<Status> thrown;
    ledger->submit([](Batch&) -> Status { throw std::runtime_error("boom"); },
                   [&](const Status& status) { thrown.set_value(status); });
    CHECK(thrown.get_future().get().code() == Code::io_error);
    CHECK(ledger->size() == 1);
  }
  SECTION("a job that throws after appending leaves nothing half-written") {
    std::promise<Status> thrown;
    ledger->submit(
        [](Batch& batch) -> Status {
          REQUIRE(batch.append(entry(2)).ok());
          throw std::runtime_error("after an append");
        },
        [&](const Status& status) { thrown.set_value(status); });
    CHECK(thrown.get_future().get().code() == Code::io_error);
    CHECK(ledger->size() == 1);
  }
  SECTION("a deriver that throws fails the entry's transaction") {
    ledger.reset();
    Options options = f.options();
    options.derive = [](StateWriter& state, std::uint64_t index, std::string_view bytes) {
      if (bytes.find("\"n\":2") != std::string_view::npos) throw std::out_of_range("derive");
      return count_kinds(state, index, bytes);
    };
    ledger = f.open(options);
    CHECK(ledger->append(entry(2)).status().code() == Code::io_error);
    CHECK(ledger->size() == 1);
  }
  SECTION("a completion callback that throws does not stop the writer") {
    std::promise<void> called;
    ledger->submit([](Batch& batch) { return batch.append(entry(2)).status(); },
                   [&](const Status&) {
                     called.set_value();
                     throw std::runtime_error("callback");
                   });
    called.get_future().wait();
    CHECK(ledger->size() == 2);
  }
  // The writer still takes work, and what it holds verifies.
  REQUIRE(ledger->append(entry(9)).ok());
  CHECK(ledger->verify(f.key.public_key()).ok());
}

TEST_CASE("checkpoints are signed notes over durable sizes that verify", "[ledger]") {
  Fixture f;
  auto ledger = f.open();
  for (std::uint64_t i = 0; i < 5; ++i) REQUIRE(ledger->append(entry(i)).ok());
  Result<std::string> note = ledger->sign_checkpoint();
  REQUIRE(note.ok());
  const crypto::NoteVerifier known[] = {
      crypto::make_note_verifier("innoclear.BJ", f.key.public_key())};
  Result<crypto::OpenedNote> opened = crypto::open_note(*note, known);
  REQUIRE(opened.ok());
  Result<CheckpointBody> body = parse_checkpoint_body(opened->text);
  REQUIRE(body.ok());
  CHECK(body->origin == "innoclear.BJ");
  CHECK(body->size == 5);
  CHECK(body->root == *ledger->view()->root(5));
  CHECK(*ledger->sign_checkpoint() == *note);  // one checkpoint per size
  CHECK(*ledger->view()->latest_checkpoint() == *note);
  REQUIRE(ledger->append(entry(5)).ok());
  Result<std::string> later = ledger->sign_checkpoint();
  REQUIRE(later.ok());
  CHECK(*ledger->view()->latest_checkpoint() == *later);
  CHECK(*ledger->view()->checkpoint(5) == *note);

  SECTION("without a key no checkpoint is signed") {
    ledger.reset();
    Options options = f.options();
    options.checkpoint_key = nullptr;
    CHECK(f.open(options)->sign_checkpoint().status().code() == Code::invalid_argument);
  }
}

TEST_CASE("proofs served by the ledger verify against its roots", "[ledger]") {
  Fixture f;
  auto ledger = f.open();
  for (std::uint64_t i = 0; i < 70; ++i) REQUIRE(ledger->append(entry(i)).ok());
  Result<ReadView> view = ledger->view();
  REQUIRE(view.ok());
  for (std::uint64_t size : {1, 2, 33, 64, 70}) {
    const Hash root = *view->root(size);
    for (std::uint64_t index = 0; index < size; index += 7) {
      Result<InclusionProof> proof = view->prove_inclusion(index, size);
      REQUIRE(proof.ok());
      CHECK(proof->leaf_hash == leaf_hash(entry(index)));
      CHECK(verify_inclusion(index, size, proof->leaf_hash, proof->hashes, root));
    }
    for (std::uint64_t first = 0; first <= size; first += 5) {
      Result<ConsistencyProof> proof = view->prove_consistency(first, size);
      REQUIRE(proof.ok());
      CHECK(verify_consistency(first, size, *view->root(first), root, proof->hashes));
    }
  }
  CHECK(view->prove_inclusion(3, 71).status().code() == Code::out_of_range);
  CHECK(view->prove_consistency(3, 71).status().code() == Code::out_of_range);
  CHECK(view->prove_consistency(9, 8).status().code() == Code::out_of_range);
}

TEST_CASE("the stored tree gives the RFC 9162 root at every size", "[ledger]") {
  // Small subtrees are recomputed from entries, larger ones read: check both against a tree
  // built in memory from the same entries.
  Fixture f;
  auto ledger = f.open();
  Frontier frontier;
  std::vector<Hash> stored;
  std::vector<std::uint64_t> positions;
  for (std::uint64_t i = 0; i < 300; ++i) {
    REQUIRE(ledger->append(entry(i)).ok());
    frontier.append(leaf_hash(entry(i)), [&](int level, std::uint64_t index, const Hash& hash) {
      CHECK(stored_index(level, index) == stored.size());
      stored.push_back(hash);
    });
  }
  const HashReader memory = [&](int level, std::uint64_t index) -> Result<Hash> {
    return stored.at(stored_index(level, index));
  };
  Result<ReadView> view = ledger->view();
  REQUIRE(view.ok());
  for (std::uint64_t size = 0; size <= 300; ++size) {
    REQUIRE(*view->root(size) == *tree_root(size, memory));
  }
}

TEST_CASE("derived state is written with its entry and verify replays it", "[ledger]") {
  Fixture f;
  auto ledger = f.open();
  REQUIRE(ledger->append(crypto::canonical_dump({{"kind", "claim"}})).ok());
  REQUIRE(ledger->append(crypto::canonical_dump({{"kind", "claim"}})).ok());
  REQUIRE(ledger->append(crypto::canonical_dump({{"kind", "redeem"}})).ok());
  Result<ReadView> view = ledger->view();
  CHECK(**view->get(0, "kind:claim") == "2");
  CHECK(**view->get(0, "kind:redeem") == "1");
  CHECK_FALSE(view->get(0, "kind:other")->has_value());
  std::vector<std::string> keys;
  REQUIRE(view->scan(0, "kind:",
                     [&](std::string_view key, std::string_view) {
                       keys.emplace_back(key);
                       return true;
                     })
              .ok());
  CHECK(keys == std::vector<std::string>{"kind:claim", "kind:redeem"});
  Result<VerifyReport> report = ledger->verify(f.key.public_key());
  REQUIRE(report.ok());
  CHECK(report->entries == 3);
  CHECK(report->state_rows == 2);
}

TEST_CASE("verify runs deferred audit checks and names the earliest entry that fails one",
          "[ledger]") {
  Fixture f;
  {
    auto ledger = f.open();
    for (std::uint64_t n = 0; n < 3000; ++n) REQUIRE(ledger->append(entry(n)).ok());
  }
  // The audit replay derives as the live one does and defers a check per entry; entries whose
  // number is in `bad` fail theirs. Checks run on other threads and may finish in any order.
  const auto audit_failing = [&](std::set<std::uint64_t> bad, std::atomic<std::uint64_t>& checked) {
    Options o = f.options();
    o.read_only = true;
    o.derive_for_audit = [bad, &checked](StateWriter& state, std::uint64_t index,
                                         std::string_view bytes, DeferredChecks& later) {
      later.defer([bad, index, &checked] {
        checked++;
        return bad.count(index) ? Status(Code::bad_signature, "planted") : Status::success();
      });
      return count_kinds(state, index, bytes);
    };
    return f.open(std::move(o))->verify(f.key.public_key());
  };
  SECTION("every check runs, and all passing verifies the ledger") {
    std::atomic<std::uint64_t> checked{0};
    Result<VerifyReport> report = audit_failing({}, checked);
    REQUIRE(report.ok());
    CHECK(report->entries == 3000);
    CHECK(checked == 3000);
  }
  SECTION("the earliest failing entry is named, however the checks were scheduled") {
    std::atomic<std::uint64_t> checked{0};
    Result<VerifyReport> report = audit_failing({2999, 1717, 1200, 2500}, checked);
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().code() == Code::verify_failed);
    CHECK_THAT(report.status().message(),
               Catch::Contains("entry 1200:") && Catch::Contains("planted"));
  }
}

TEST_CASE("a ledger refuses unsafe options, a second writer, and another origin", "[ledger]") {
  Fixture f;
  Options no_sync = f.options();
  no_sync.unsafe_no_sync = true;
  CHECK(Ledger::open(no_sync).status().code() == Code::unsafe_storage);
  Options write_map = f.options();
  write_map.unsafe_write_map = true;
  CHECK(Ledger::open(write_map).status().code() == Code::unsafe_storage);

  auto ledger = f.open();
  CHECK(Ledger::open(f.options()).status().code() == Code::locked);
  ledger.reset();
  Options other = f.options();
  other.origin = "innoclear.TJ";
  CHECK(Ledger::open(other).status().code() == Code::invalid_argument);
  Options bad_name = f.options();
  bad_name.origin = "has space";
  CHECK(Ledger::open(bad_name).status().code() == Code::invalid_argument);
}

TEST_CASE("a read-only ledger serves reads beside a writer and refuses writes", "[ledger]") {
  Fixture f;
  auto writer = f.open();
  REQUIRE(writer->append(entry(0)).ok());
  Options read_only = f.options();
  read_only.read_only = true;
  auto reader = f.open(read_only);
  CHECK(reader->size() == 1);
  CHECK(reader->append(entry(1)).status().code() == Code::invalid_argument);
  CHECK(reader->verify(f.key.public_key()).ok());
  TempDir empty("empty");
  read_only.directory = empty.path();
  CHECK(Ledger::open(read_only).status().code() == Code::not_found);
}

TEST_CASE("a full map refuses appends without acknowledging them and stays valid", "[ledger]") {
  Fixture f;
  Options small = f.options();
  small.map_bytes = 256 << 10;
  auto ledger = f.open(small);
  std::uint64_t acknowledged = 0;
  Status failure;
  const std::string padding(900, 'x');
  for (std::uint64_t i = 0; i < 10000 && failure.ok(); ++i) {
    Result<std::uint64_t> index =
        ledger->append(crypto::canonical_dump({{"n", i}, {"pad", padding}}));
    if (index.ok()) {
      CHECK(*index == acknowledged);
      acknowledged++;
    } else {
      failure = index.status();
    }
  }
  CHECK(failure.code() == Code::storage_full);
  CHECK(ledger->size() == acknowledged);
  const std::string big = crypto::canonical_dump({{"n", 0}, {"pad", padding}});
  CHECK(ledger->append(big).status().code() == Code::storage_full);
  ledger.reset();
  auto reopened = f.open(f.options());  // a larger map lets it grow again
  CHECK(reopened->size() == acknowledged);
  CHECK(reopened->append(entry(1)).ok());
  CHECK(reopened->verify(f.key.public_key()).ok());
}

TEST_CASE("verify names the first tampered entry, tree hash, checkpoint or state row",
          "[ledger][tamper]") {
  Fixture f;
  {
    auto ledger = f.open();
    for (std::uint64_t i = 0; i < 20; ++i) REQUIRE(ledger->append(entry(i)).ok());
    REQUIRE(ledger->sign_checkpoint().ok());
    REQUIRE(ledger->verify(f.key.public_key()).ok());
  }
  const auto verify_message = [&] {
    auto ledger = f.open();
    Result<VerifyReport> report = ledger->verify(f.key.public_key());
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().code() == Code::verify_failed);
    return report.status().message();
  };
  SECTION("a flipped byte in an entry") {
    // Flip a digit so the entry stays canonical JSON: only the tree can tell.
    const std::string bytes = entry(13);
    REQUIRE(tamper_entry_byte(f.dir.path(), 13, bytes.find("13"), 0x01).ok());
    CHECK_THAT(verify_message(), Catch::Contains("entry 13"));
  }
  SECTION("a changed entry that is still canonical JSON") {
    const std::string bytes = entry(13);
    REQUIRE(tamper_entry_byte(f.dir.path(), 13, bytes.find("13") + 1, 0x01).ok());  // 13 → 12
    CHECK_THAT(verify_message(), Catch::Contains("entry 13: its bytes do not match the leaf hash"));
  }
  SECTION("a byte that breaks the entry's canonical form") {
    REQUIRE(tamper_entry_byte(f.dir.path(), 4, 0, 0x20).ok());
    CHECK_THAT(verify_message(), Catch::Contains("entry 4 is not canonical"));
  }
  SECTION("a flipped byte in a stored leaf hash") {
    REQUIRE(tamper_tree_hash(f.dir.path(), 0, 6).ok());
    CHECK_THAT(verify_message(), Catch::Contains("entry 6: its bytes do not match"));
  }
  SECTION("a flipped byte in a stored tree node") {
    CHECK(tamper_tree_hash(f.dir.path(), 2, 1).code() == Code::invalid_argument);
    REQUIRE(tamper_tree_hash(f.dir.path(), 4, 0).ok());
    CHECK_THAT(verify_message(), Catch::Contains("entry 15: tree hash (level 4, index 0)"));
  }
  SECTION("a flipped byte in a checkpoint") {
    REQUIRE(tamper_flip_byte(f.dir.path(), "checkpoints", numbered_key(20), 15).ok());
    CHECK_THAT(verify_message(), Catch::Contains("checkpoint at size 20"));
  }
  SECTION("a derived-state row that does not follow from the entries") {
    REQUIRE(tamper_put(f.dir.path(), "state.kinds", "kind:test", "19").ok());
    CHECK_THAT(verify_message(), Catch::Contains("state kinds: row 'kind:test' differs"));
  }
  SECTION("a missing entry is refused at open") {
    REQUIRE(tamper_erase(f.dir.path(), "entries", numbered_key(7)).ok());
    CHECK(Ledger::open(f.options()).status().code() == Code::storage_corrupt);
  }
  SECTION("a missing last entry is caught by the checkpoint that covered it") {
    REQUIRE(tamper_erase(f.dir.path(), "entries", numbered_key(19)).ok());
    CHECK_THAT(verify_message(), Catch::Contains("checkpoint at size 20"));
  }
}
