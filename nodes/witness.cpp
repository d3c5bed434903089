#include "nodes/witness.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "crypto/canonical_json.h"
#include "crypto/cosignature.h"
#include "crypto/encoding.h"
#include "ledger/ledger.h"

namespace innoclear::nodes {

namespace fs = std::filesystem;

// A fork evidence file holds two notes, each at most doubled by JSON escaping (notes hold no
// control character but newline), plus the proof in base64: it must stay a canonical JSON value.
static_assert(2 * 2 * witness_note_bytes_max + witness_proof_hashes_max * 48 + 4096 <=
              crypto::json_bytes_max);

namespace {

// The note's text: everything up to and including the newline before the signature block.
std::optional<std::string_view> note_text(std::string_view note) {
  const std::size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return std::nullopt;
  return note.substr(0, split + 1);
}

// Size and root of a recorded note, without checking signatures: a record holds only notes that
// were opened before they were written.
Result<SeenCheckpoint> parse_seen(std::string note, std::string_view origin) {
  const std::optional<std::string_view> text = note_text(note);
  if (!text) return {Code::bad_note, "note has no signature block"};
  Result<ledger::CheckpointBody> body = ledger::parse_checkpoint_body(*text);
  if (!body.ok()) return body.status();
  if (body->origin != origin) return {Code::bad_note, "checkpoint of another origin"};
  SeenCheckpoint seen;
  seen.size = body->size;
  seen.root = body->root;
  seen.note = std::move(note);
  return seen;
}

bool valid_origin(std::string_view origin) {
  if (origin.empty() || origin.size() > witness_origin_bytes_max || origin.front() == '.') {
    return false;
  }
  return std::all_of(origin.begin(), origin.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

bool known_reason(std::string_view reason) {
  return reason == fork_same_size_other_root || reason == fork_rollback ||
         reason == fork_inconsistent;
}

struct Judgement {
  Verdict verdict;
  std::string_view reason;  // empty unless a fork
};

Judgement judge(const SeenCheckpoint& last, const SeenCheckpoint& fetched,
                std::span<const ledger::Hash> proof) {
  if (fetched.size < last.size) return {Verdict::fork, fork_rollback};
  if (fetched.size == last.size) {
    if (fetched.root == last.root) return {Verdict::same, {}};
    return {Verdict::fork, fork_same_size_other_root};
  }
  if (!ledger::verify_consistency(last.size, fetched.size, last.root, fetched.root, proof)) {
    return {Verdict::fork, fork_inconsistent};
  }
  return {Verdict::advanced, {}};
}

// --- Durable files -------------------------------------------------------------------------

Status sync_witness_directory(const fs::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return {Code::io_error, "cannot open directory " + directory.string()};
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return {Code::io_error, "cannot sync directory " + directory.string()};
  return Status::success();
}

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// Temporary file, fsync, rename over `path`, fsync of the directory: after a crash the file is
// the old one or the new one, and once this returns, the new one.
Status write_durably(const fs::path& path, std::string_view text) {
  const fs::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return {Code::io_error, "cannot write " + temporary.string()};
  const bool written = write_all(fd, text);
  const bool synced = written && ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!written || !synced || !closed) {
    ::unlink(temporary.c_str());
    return {Code::io_error, "cannot write " + temporary.string()};
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return {Code::io_error, "cannot rename " + temporary.string()};
  }
  return sync_witness_directory(path.parent_path());
}

// The file's bytes, or nullopt if there is no such file. Larger than any record: corrupt.
Result<std::optional<std::string>> read_file(const fs::path& path) {
  std::error_code error;
  if (!fs::exists(path, error)) {
    if (error) return {Code::io_error, "cannot read " + path.string()};
    return std::optional<std::string>();
  }
  const std::uintmax_t bytes = fs::file_size(path, error);
  if (error) return {Code::io_error, "cannot read " + path.string()};
  if (bytes > crypto::json_bytes_max) return {Code::storage_corrupt, path.string() + " too large"};
  std::ifstream in(path, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof()) return {Code::io_error, "cannot read " + path.string()};
  return std::optional<std::string>(std::move(text));
}

// --- Record files --------------------------------------------------------------------------

const std::string* string_field(const nlohmann::json& json, const char* name) {
  const auto found = json.find(name);
  if (found == json.end() || !found->is_string()) return nullptr;
  return found->get_ptr<const std::string*>();
}

struct PeerFile {
  SeenCheckpoint seen;
  std::string cosignature;
};

Result<PeerFile> parse_peer_file(std::string_view text, std::string_view origin) {
  Result<nlohmann::json> json = crypto::parse_canonical(text);
  if (!json.ok() || !json->is_object() || json->size() != 2) {
    return {Code::storage_corrupt, "peer record is not the expected JSON"};
  }
  const std::string* note = string_field(*json, "note");
  const std::string* cosignature = string_field(*json, "cosignature");
  if (note == nullptr || cosignature == nullptr ||
      !crypto::parse_cosignature_line(*cosignature).ok()) {
    return {Code::storage_corrupt, "peer record lacks its note or cosignature"};
  }
  Result<SeenCheckpoint> seen = parse_seen(*note, origin);
  if (!seen.ok()) return {Code::storage_corrupt, "peer record: " + seen.status().message()};
  return PeerFile{std::move(*seen), *cosignature};
}

Result<ForkEvidence> read_fork_file(const fs::path& path) {
  Result<std::optional<std::string>> text = read_file(path);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return {Code::io_error, path.string() + " vanished"};
  Result<nlohmann::json> json = crypto::parse_canonical(**text);
  if (!json.ok()) return {Code::storage_corrupt, path.string() + ": " + json.status().message()};
  Result<ForkEvidence> evidence = ForkEvidence::from_json(*json);
  if (!evidence.ok()) {
    return {Code::storage_corrupt, path.string() + ": " + evidence.status().message()};
  }
  return evidence;
}

}  // namespace

// --- Evidence and verdicts -----------------------------------------------------------------

nlohmann::json ForkEvidence::to_json() const {
  nlohmann::json hashes = nlohmann::json::array();
  for (const ledger::Hash& hash : proof) hashes.push_back(crypto::base64_encode(hash));
  return {{"detected_ms", detected_ms},
          {"earlier_note", earlier_note},
          {"later_note", later_note},
          {"peer_origin", peer_origin},
          {"proof", hashes},
          {"reason", reason}};
}

Result<ForkEvidence> ForkEvidence::from_json(const nlohmann::json& json) {
  if (!json.is_object() || json.size() != 6) return {Code::invalid_argument, "not fork evidence"};
  const std::string* origin = string_field(json, "peer_origin");
  const std::string* reason = string_field(json, "reason");
  const std::string* earlier = string_field(json, "earlier_note");
  const std::string* later = string_field(json, "later_note");
  const auto detected = json.find("detected_ms");
  const auto proof = json.find("proof");
  if (origin == nullptr || reason == nullptr || earlier == nullptr || later == nullptr ||
      detected == json.end() || !detected->is_number_integer() || proof == json.end() ||
      !proof->is_array() || proof->size() > witness_proof_hashes_max || !known_reason(*reason)) {
    return {Code::invalid_argument, "fork evidence lacks a field or has a wrong one"};
  }
  ForkEvidence evidence{*origin, *reason, *earlier, *later, {}, detected->get<std::int64_t>()};
  for (const nlohmann::json& item : *proof) {
    Result<crypto::Bytes> hash = item.is_string()
                                     ? crypto::base64_decode(item.get_ref<const std::string&>())
                                     : Result<crypto::Bytes>(Code::bad_encoding, "not a string");
    if (!hash.ok() || hash->size() != ledger::Hash{}.size()) {
      return {Code::invalid_argument, "fork evidence proof holds a malformed hash"};
    }
    std::copy(hash->begin(), hash->end(), evidence.proof.emplace_back().begin());
  }
  return evidence;
}

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::first:
      return "first";
    case Verdict::same:
      return "same";
    case Verdict::advanced:
      return "advanced";
    case Verdict::fork:
      return "fork";
  }
  return "unknown";
}

Result<std::vector<ledger::Hash>> hashes_from_json(const nlohmann::json& list, std::size_t max) {
  if (!list.is_array() || list.size() > max) {
    return Status(Code::bad_encoding,
                  "a proof is a list of at most " + std::to_string(max) + " hashes");
  }
  std::vector<ledger::Hash> hashes;
  for (const auto& item : list) {
    Result<crypto::Bytes> bytes = item.is_string()
                                      ? crypto::base64_decode(item.get<std::string>())
                                      : Result<crypto::Bytes>(Status(Code::bad_encoding, ""));
    if (!bytes.ok() || bytes->size() != ledger::Hash().size()) {
      return Status(Code::bad_encoding, "a proof holds a malformed hash");
    }
    ledger::Hash hash;
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    hashes.push_back(hash);
  }
  return hashes;
}

Result<SeenCheckpoint> open_peer_checkpoint(const WitnessedPeer& peer, std::string_view note) {
  if (note.size() > witness_note_bytes_max) return {Code::bad_note, "checkpoint note too large"};
  const crypto::NoteVerifier known[] = {peer.key};
  Result<crypto::OpenedNote> opened = crypto::open_note(note, known);
  if (!opened.ok()) return opened.status();
  Result<ledger::CheckpointBody> body = ledger::parse_checkpoint_body(opened->text);
  if (!body.ok()) return body.status();
  if (body->origin != peer.origin) {
    return {Code::bad_note, "checkpoint of " + body->origin + ", not of " + peer.origin};
  }
  return SeenCheckpoint{std::string(note), body->size, body->root};
}

Result<Observation> observe_checkpoint(const WitnessedPeer& peer,
                                       const std::optional<SeenCheckpoint>& last,
                                       std::string_view fetched_note,
                                       std::span<const ledger::Hash> proof, std::int64_t now_ms) {
  if (proof.size() > witness_proof_hashes_max) {
    return {Code::invalid_argument, "consistency proof too long"};
  }
  Result<SeenCheckpoint> fetched = open_peer_checkpoint(peer, fetched_note);
  if (!fetched.ok()) return fetched.status();
  Observation observation;
  observation.checkpoint = std::move(*fetched);
  if (!last) return observation;  // first
  const Judgement judgement = judge(*last, observation.checkpoint, proof);
  observation.verdict = judgement.verdict;
  if (judgement.verdict == Verdict::fork) {
    ForkEvidence evidence{peer.origin, std::string(judgement.reason),
                          last->note,  observation.checkpoint.note,
                          {},          now_ms};
    if (judgement.reason == fork_inconsistent) evidence.proof.assign(proof.begin(), proof.end());
    observation.fork = std::move(evidence);
  }
  return observation;
}

// --- WitnessRecord -------------------------------------------------------------------------

Result<std::unique_ptr<WitnessRecord>> WitnessRecord::open(const fs::path& directory) {
  std::error_code error;
  fs::create_directories(directory / "peers", error);
  if (!error) fs::create_directories(directory / "forks", error);
  if (error) return {Code::io_error, "cannot create " + directory.string()};
  // The directories may be new: their entries must be durable before files go into them.
  fs::path absolute = fs::absolute(directory, error).lexically_normal();
  if (error) return {Code::io_error, "cannot resolve " + directory.string()};
  if (!absolute.has_filename()) absolute = absolute.parent_path();  // "DIR/witness/"
  for (const fs::path& created :
       {absolute.parent_path(), absolute, absolute / "peers", absolute / "forks"}) {
    if (Status synced = sync_witness_directory(created); !synced.ok()) return synced;
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(directory / "forks", error), end; !error && it != end;
       it.increment(error)) {
    if (it->path().extension() == ".json") files.push_back(it->path());  // skips *.tmp
    if (files.size() > witness_forks_max) {
      return {Code::storage_corrupt, "more fork evidence files than witness_forks_max"};
    }
  }
  if (error) return {Code::io_error, "cannot list " + (directory / "forks").string()};
  std::sort(files.begin(), files.end());
  std::unique_ptr<WitnessRecord> record(new WitnessRecord(directory));
  for (const fs::path& file : files) {
    Result<ForkEvidence> evidence = read_fork_file(file);
    if (!evidence.ok()) return evidence.status();
    record->forks_.push_back(std::move(*evidence));
  }
  return record;
}

Result<std::optional<std::string>> WitnessRecord::read_peer(std::string_view peer_origin) const {
  if (!valid_origin(peer_origin)) return {Code::invalid_argument, "origin unfit for a file name"};
  return read_file(directory_ / "peers" / (std::string(peer_origin) + ".json"));
}

Result<std::optional<SeenCheckpoint>> WitnessRecord::load(std::string_view peer_origin) const {
  const std::lock_guard lock(mutex_);
  Result<std::optional<std::string>> text = read_peer(peer_origin);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::optional<SeenCheckpoint>();
  Result<PeerFile> file = parse_peer_file(**text, peer_origin);
  if (!file.ok()) return file.status();
  return std::optional<SeenCheckpoint>(std::move(file->seen));
}

Result<std::optional<std::string>> WitnessRecord::load_cosigned(
    std::string_view peer_origin) const {
  const std::lock_guard lock(mutex_);
  Result<std::optional<std::string>> text = read_peer(peer_origin);
  if (!text.ok() || !text->has_value()) return text;
  Result<PeerFile> file = parse_peer_file(**text, peer_origin);
  if (!file.ok()) return file.status();
  return std::optional<std::string>(file->seen.note + file->cosignature);
}

Status WitnessRecord::record(std::string_view peer_origin, const SeenCheckpoint& seen,
                             std::string_view cosignature_line) {
  Result<SeenCheckpoint> parsed = parse_seen(seen.note, peer_origin);
  if (!parsed.ok() || parsed->size != seen.size || parsed->root != seen.root ||
      seen.note.size() > witness_note_bytes_max) {
    return {Code::invalid_argument, "the note is not the peer's checkpoint of that size and root"};
  }
  if (!crypto::parse_cosignature_line(cosignature_line).ok() || cosignature_line.back() != '\n') {
    return {Code::invalid_argument, "not a cosignature line"};
  }
  const std::lock_guard lock(mutex_);
  Result<std::optional<std::string>> text = read_peer(peer_origin);
  if (!text.ok()) return text.status();
  if (text->has_value()) {
    Result<PeerFile> current = parse_peer_file(**text, peer_origin);
    if (current.ok() && current->seen.size > seen.size) {
      return {Code::invalid_argument, "the record holds a larger checkpoint"};
    }
  }
  const std::string file =
      crypto::canonical_dump({{"cosignature", std::string(cosignature_line)}, {"note", seen.note}});
  return write_durably(directory_ / "peers" / (std::string(peer_origin) + ".json"), file);
}

Status WitnessRecord::record_fork(const ForkEvidence& evidence) {
  if (!valid_origin(evidence.peer_origin)) {
    return {Code::invalid_argument, "origin unfit for a file name"};
  }
  if (!known_reason(evidence.reason) || evidence.proof.size() > witness_proof_hashes_max) {
    return {Code::invalid_argument, "not fork evidence"};
  }
  const std::lock_guard lock(mutex_);
  if (forks_.size() >= witness_forks_max) return {Code::storage_full, "too much fork evidence"};
  const std::string stem = evidence.peer_origin + "-" + std::to_string(evidence.detected_ms);
  fs::path path = directory_ / "forks" / (stem + ".json");
  std::error_code error;
  // Two forks of one peer in one millisecond are kept side by side, never one over the other.
  for (std::size_t n = 1; fs::exists(path, error) && n <= witness_forks_max; ++n) {
    path = directory_ / "forks" / (stem + "-" + std::to_string(n) + ".json");
  }
  if (error || fs::exists(path, error)) return {Code::io_error, "cannot name " + path.string()};
  Status written = write_durably(path, crypto::canonical_dump(evidence.to_json()));
  if (!written.ok()) return written;
  forks_.push_back(evidence);
  return Status::success();
}

std::vector<ForkEvidence> WitnessRecord::forks() const {
  const std::lock_guard lock(mutex_);
  return forks_;
}

bool WitnessRecord::is_forked(std::string_view peer_origin) const {
  const std::lock_guard lock(mutex_);
  return std::any_of(forks_.begin(), forks_.end(),
                     [&](const ForkEvidence& fork) { return fork.peer_origin == peer_origin; });
}

// --- One round -----------------------------------------------------------------------------

Result<Observation> witness_checkpoint(WitnessRecord& record, const WitnessedPeer& peer,
                                       const WitnessSelf& self, std::string_view fetched_note,
                                       std::span<const ledger::Hash> proof, std::int64_t now_ms) {
  assert(self.key != nullptr);
  if (now_ms < 0) return {Code::invalid_argument, "time before 1970"};
  Result<std::optional<SeenCheckpoint>> last = record.load(peer.origin);
  if (!last.ok()) return last.status();
  Result<Observation> observed = observe_checkpoint(peer, *last, fetched_note, proof, now_ms);
  if (!observed.ok()) return observed;
  // A forked peer's later checkpoints prove nothing about which history is true.
  if (record.is_forked(peer.origin)) return observed;
  if (observed->verdict == Verdict::fork) {
    Status kept = record.record_fork(*observed->fork);
    if (!kept.ok()) return kept;
    return observed;
  }
  const std::optional<std::string_view> text = note_text(observed->checkpoint.note);
  assert(text.has_value());  // the note was opened
  Result<std::string> line = crypto::cosign_checkpoint(*text, self.name, *self.key,
                                                       static_cast<std::uint64_t>(now_ms / 1000));
  if (!line.ok()) return line.status();
  Status kept = record.record(peer.origin, observed->checkpoint, *line);
  if (!kept.ok()) return kept;
  return observed;
}

}  // namespace innoclear::nodes
