// Phases 2 and 3 of `innoclear bench clear`: the consistency check between two signed
// checkpoints of one ledger, and the comparison of two bilateral statements.
#include <algorithm>
#include <cstdio>
#include <random>
#include <span>
#include <thread>
#include <vector>

#include "bench/clear_phases.h"
#include "bench/https_load.h"
#include "bench/voucher_setup.h"
#include "clearing/settlement.h"
#include "crypto/canonical_json.h"
#include "crypto/signed_note.h"
#include "ledger/ledger.h"

namespace innoclear::bench {

namespace {

using clearing::Region;

constexpr std::uint64_t fill_chunk_entries = 10'000;
constexpr std::size_t ledger_map_bytes = std::size_t{16} << 30;
constexpr std::uint64_t consistency_repetitions_max = 2'000;
constexpr auto consistency_window = std::chrono::seconds(2);
constexpr int compare_repetitions = 7;

// Appends synthetic entries [begin, end) durably, leaf-hashed on two threads, one commit per chunk.
// The entries' content does not matter to a consistency proof, so they are small and unsigned.
Status fill(ledger::Ledger& ledger, std::uint64_t begin, std::uint64_t end) {
  for (std::uint64_t chunk = begin; chunk < end; chunk += fill_chunk_entries) {
    const std::uint64_t chunk_end = std::min(end, chunk + fill_chunk_entries);
    const std::uint64_t middle = chunk + (chunk_end - chunk) / 2;
    std::vector<ledger::PreparedEntry> halves[2];
    Status failures[2];
    const auto prepare = [&](int half, std::uint64_t from, std::uint64_t to) {
      for (std::uint64_t i = from; i < to; ++i) {
        Result<ledger::PreparedEntry> entry = ledger::prepare_entry(crypto::canonical_dump(
            {{"amount_fen", 100 + i % 500'000}, {"index", i}, {"kind", "bench.filler"}}));
        if (!entry.ok()) {
          failures[half] = entry.status();
          return;
        }
        halves[half].push_back(std::move(*entry));
      }
    };
    std::thread helper(prepare, 0, chunk, middle);
    prepare(1, middle, chunk_end);
    helper.join();
    for (const Status& s : failures) {
      if (!s.ok()) return s;
    }
    Status appended = ledger.run([&halves](ledger::Batch& batch) -> Status {
      for (const auto& half : halves) {
        for (const ledger::PreparedEntry& entry : half) {
          if (Result<std::uint64_t> index = batch.append(entry); !index.ok()) return index.status();
        }
      }
      return Status::success();
    });
    if (!appended.ok()) return appended;
  }
  return Status::success();
}

Result<ledger::CheckpointBody> open_checkpoint(std::string_view note,
                                               std::span<const crypto::NoteVerifier> known) {
  Result<crypto::OpenedNote> opened = crypto::open_note(note, known);
  if (!opened.ok()) return opened.status();
  return ledger::parse_checkpoint_body(opened->text);
}

// One check, as a peer's witness makes it: the proof from the ledger, then both notes opened and
// the proof verified against their roots. Adds the two parts' microseconds to the samples.
Status check_once(const ledger::Ledger& ledger, std::uint64_t first, std::uint64_t second,
                  const std::string& first_note, const std::string& second_note,
                  std::span<const crypto::NoteVerifier> known, std::vector<double>& prove_us,
                  std::vector<double>& verify_us, std::uint64_t& proof_hashes) {
  const auto start = Clock::now();
  Result<ledger::ConsistencyProof> proof = [&]() -> Result<ledger::ConsistencyProof> {
    Result<ledger::ReadView> view = ledger.view();
    if (!view.ok()) return view.status();
    return view->prove_consistency(first, second);
  }();
  if (!proof.ok()) return proof.status();
  const auto proved = Clock::now();
  Result<ledger::CheckpointBody> older = open_checkpoint(first_note, known);
  Result<ledger::CheckpointBody> newer = open_checkpoint(second_note, known);
  if (!older.ok()) return older.status();
  if (!newer.ok()) return newer.status();
  if (older->size != first || newer->size != second ||
      !ledger::verify_consistency(first, second, older->root, newer->root, proof->hashes)) {
    return Status(Code::verify_failed, "the consistency proof does not verify");
  }
  const auto verified = Clock::now();
  prove_us.push_back(ms_between(start, proved) * 1000);
  verify_us.push_back(ms_between(proved, verified) * 1000);
  proof_hashes = proof->hashes.size();
  return Status::success();
}

clearing::ObligationLine line_of(std::uint64_t i) {
  char id[32];
  std::snprintf(id, sizeof id, "BJ-R%09llu", static_cast<unsigned long long>(i));
  return {id,
          i % 2 == 0 ? clearing::Way::pay_first : clearing::Way::provider,
          Region::BJ,
          Region::TJ,
          "BJ-V" + std::to_string(i),
          bench_credit_code(i % 1000),
          clear_provider_id,
          static_cast<std::int64_t>(100 + i % 400'000),
          i};
}

// Two statements of `lines` lines agreeing but for nine planted differences, one of each kind
// and more: two lines only here, two only there, one listed twice here, one twice there, two
// amounts and one party that differ. Returns the number planted.
std::uint64_t plant(std::size_t lines, std::vector<clearing::ObligationLine>& mine,
                    std::vector<clearing::ObligationLine>& theirs) {
  for (std::uint64_t i = 0; i < lines; ++i) mine.push_back(line_of(i));
  theirs = mine;
  for (auto& line : theirs) line.index += 7;  // their ledger's own indexes: not compared
  const std::size_t step = lines / 10;
  theirs[step * 1].amount += 1;
  theirs[step * 2].amount -= 1;
  theirs[step * 3].provider = "P-OTHER";
  theirs.push_back(theirs[step * 4]);
  mine.push_back(mine[step * 5]);
  theirs.push_back(line_of(lines));
  theirs.push_back(line_of(lines + 1));
  theirs.erase(theirs.begin() + static_cast<std::ptrdiff_t>(step * 7));
  theirs.erase(theirs.begin() + static_cast<std::ptrdiff_t>(step * 6));
  std::mt19937_64 random(20260901);  // input order does not matter to the comparison
  std::shuffle(mine.begin(), mine.end(), random);
  std::shuffle(theirs.begin(), theirs.end(), random);
  return 9;
}

}  // namespace

Status run_consistency(const std::filesystem::path& directory, std::uint64_t entries,
                       ClearBenchResult& result) {
  const crypto::KeyPair key = crypto::KeyPair::generate();
  ledger::Options options;
  options.directory = directory;
  options.origin = "innoclear.bench";
  options.checkpoint_key = &key;
  options.map_bytes = ledger_map_bytes;
  Result<std::unique_ptr<ledger::Ledger>> ledger = ledger::Ledger::open(options);
  if (!ledger.ok()) return ledger.status();
  const std::uint64_t first = entries / 2;
  const auto fill_start = Clock::now();
  if (Status s = fill(**ledger, 0, first); !s.ok()) return s;
  Result<std::string> first_note = (*ledger)->sign_checkpoint();
  if (!first_note.ok()) return first_note.status();
  if (Status s = fill(**ledger, first, entries); !s.ok()) return s;
  Result<std::string> second_note = (*ledger)->sign_checkpoint();
  if (!second_note.ok()) return second_note.status();
  result.entries = entries;
  result.fill_entries_per_second =
      static_cast<double>(entries) / (ms_between(fill_start, Clock::now()) / 1000);
  result.first_size = first;
  result.second_size = entries;
  const crypto::NoteVerifier known[] = {
      crypto::make_note_verifier(options.origin, key.public_key())};
  std::vector<double> prove_us;
  std::vector<double> verify_us;
  const auto start = Clock::now();
  while (prove_us.size() < consistency_repetitions_max &&
         Clock::now() - start < consistency_window) {
    if (Status s = check_once(**ledger, first, entries, *first_note, *second_note, known, prove_us,
                              verify_us, result.proof_hashes);
        !s.ok()) {
      return s;
    }
  }
  std::vector<double> total_us(prove_us.size());
  for (std::size_t i = 0; i < total_us.size(); ++i) total_us[i] = prove_us[i] + verify_us[i];
  result.consistency_repetitions = prove_us.size();
  result.prove_us = percentile(prove_us, 0.5);
  result.verify_us = percentile(verify_us, 0.5);
  result.consistency_us = percentile(total_us, 0.5);
  return Status::success();
}

void run_statements(std::size_t lines, ClearBenchResult& result) {
  std::vector<clearing::ObligationLine> mine;
  std::vector<clearing::ObligationLine> theirs;
  result.lines = lines;
  result.differences_planted = plant(lines, mine, theirs);
  std::vector<double> samples_ms;
  for (int i = 0; i < compare_repetitions; ++i) {
    const auto start = Clock::now();
    const std::vector<clearing::Difference> differences =
        clearing::compare_statements(mine, theirs);
    samples_ms.push_back(ms_between(start, Clock::now()));
    result.differences_found = differences.size();
  }
  result.compare_ms = percentile(samples_ms, 0.5);
}

}  // namespace innoclear::bench
