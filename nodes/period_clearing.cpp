#include "nodes/period_clearing.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "clearing/exports.h"
#include "clearing/federation.h"
#include "clearing/queries.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"

namespace innoclear::nodes {

namespace {

constexpr std::size_t difference_report_lines_max = 100;

Result<nlohmann::json> entry_statement(const Service& service, std::uint64_t index) {
  Result<ledger::ReadView> view = const_cast<Service&>(service).ledger().view();
  if (!view.ok()) return view.status();
  Result<std::string> entry = view->entry(index);
  if (!entry.ok()) return entry.status();
  const nlohmann::json parsed = nlohmann::json::parse(*entry, nullptr, false);
  if (!parsed.is_object()) return Status(Code::storage_corrupt, "entry is not JSON");
  return nlohmann::json{{"signature", parsed["signature"]}, {"statement", parsed["statement"]}};
}

nlohmann::json inclusion_json(const ledger::InclusionProof& proof) {
  nlohmann::json hashes = nlohmann::json::array();
  for (const auto& hash : proof.hashes) hashes.push_back(crypto::base64_encode(hash));
  return {{"hashes", hashes},
          {"index", proof.index},
          {"leaf_hash", crypto::base64_encode(proof.leaf_hash)},
          {"tree_size", proof.tree_size}};
}

// A peer's answer about a period, checked once so that later reads cannot fail.
bool well_formed_view(const nlohmann::json& view) {
  const auto has = [&](const char* key, auto is_type) {
    const auto found = view.find(key);
    return found != view.end() && is_type(*found);
  };
  return view.is_object() && has("lines", [](const nlohmann::json& v) { return v.is_array(); }) &&
         has("complete", [](const nlohmann::json& v) { return v.is_boolean(); }) &&
         has("close", [](const nlohmann::json& v) { return v.is_null() || v.is_object(); }) &&
         has("office_signature",
             [](const nlohmann::json& v) { return v.is_null() || v.is_object(); }) &&
         has("checkpoint", [](const nlohmann::json& v) { return v.is_string(); }) &&
         has("checkpoint_size", [](const nlohmann::json& v) { return v.is_number_unsigned(); });
}

// Whether this node has obligation lines (with any member) in `period`.
Result<bool> has_lines_in(const clearing::Store& store, const clearing::Period& period) {
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
      store.scan(clearing::Table::obligations, "");
  if (!rows.ok()) return rows.status();
  for (const auto& [id, row] : *rows) {
    const std::int64_t requested_ms = row.value("requested_ms", std::int64_t{0});
    if (requested_ms >= period.from_ms && requested_ms < period.to_ms) return true;
  }
  return false;
}

std::uint64_t rounds_of(std::uint32_t ms, std::uint32_t round_ms) {
  return std::max<std::uint64_t>(1, ms / std::max<std::uint32_t>(1, round_ms));
}

}  // namespace

PeriodClearing::PeriodClearing(Service& service, const Manifest& manifest, PeerTransport& transport,
                               PeriodClearingOptions options)
    : service_(service), manifest_(manifest), transport_(transport), options_(options) {
  assert(options_.retry_ms_min <= options_.retry_ms_max);
}

std::vector<clearing::Region> PeriodClearing::peers() const {
  std::vector<clearing::Region> regions;
  for (const Member& member : manifest_.members) {
    if (member.region != service_.identity().region) regions.push_back(member.region);
  }
  return regions;
}

void PeriodClearing::note_asked(clearing::Region peer, const std::string& period) {
  std::lock_guard lock(mutex_);
  if (peer_active_.count(period) > 0 || asked_.count(period) > 0) return;
  if (asked_.size() >= asked_periods_max) return;
  if (auto empty = checked_empty_.find(period);
      empty != checked_empty_.end() && rounds_ < empty->second) {
    return;
  }
  asked_.emplace(period, peer);
}

Status PeriodClearing::submit_own(const std::string& kind, const nlohmann::json& body) {
  const SignedStatement statement = service_.sign_as_node(kind, body, service_.identity().region);
  return service_.submit_and_wait(statement.bytes, statement.signature_base64).status();
}

// Asks each peer that asked about a period this node has no lines in whether it has lines there
// itself (one GET to the asker, nobody else); works the period only if so.
void PeriodClearing::check_asked(const std::set<std::string>& own) {
  std::map<std::string, clearing::Region> asked;
  {
    std::lock_guard lock(mutex_);
    asked.swap(asked_);
  }
  for (const auto& [id, peer] : asked) {
    if (own.count(id) > 0) continue;
    Result<PeerResponse> response = transport_.get(peer, "/v1/peer/period?period=" + id);
    if (!response.ok() || response->status != 200) continue;  // it asks again if it cares
    const nlohmann::json view = nlohmann::json::parse(response->body, nullptr, false);
    const bool has_lines = well_formed_view(view) && view.value("has_lines", false);
    std::lock_guard lock(mutex_);
    if (has_lines) {
      peer_active_.insert(id);
    } else if (checked_empty_.size() < checked_empty_periods_max) {
      checked_empty_[id] = rounds_ + rounds_of(options_.retry_ms_max, options_.round_ms);
    }
  }
}

// The ended periods to work this round: own-line periods first, then those a peer's lines
// activated, each oldest first; settled ones are dropped.
Result<std::vector<std::string>> PeriodClearing::worked_periods(std::int64_t now_ms) {
  std::set<std::string> own;
  Status scanned = service_.read([&](const clearing::Store& store) -> Status {
    Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
        store.scan(clearing::Table::obligations, "");
    if (!rows.ok()) return rows.status();
    for (const auto& [id, row] : *rows) {
      const clearing::Period period = clearing::period_containing(
          row.value("requested_ms", std::int64_t{0}), manifest_.period_seconds);
      if (period.to_ms <= now_ms) own.insert(period.id);
    }
    return Status::success();
  });
  if (!scanned.ok()) return scanned;
  check_asked(own);
  std::vector<std::tuple<bool, std::int64_t, std::string>> ordered;
  for (const std::string& id : own) {
    ordered.emplace_back(false, clearing::parse_period(id, manifest_.period_seconds)->from_ms, id);
  }
  {
    std::lock_guard lock(mutex_);
    for (const std::string& id : peer_active_) {
      Result<clearing::Period> period = clearing::parse_period(id, manifest_.period_seconds);
      if (own.count(id) == 0 && period.ok()) ordered.emplace_back(true, period->from_ms, id);
    }
  }
  std::sort(ordered.begin(), ordered.end());
  std::vector<std::string> periods;
  for (const auto& [by_peer, from_ms, id] : ordered) periods.push_back(id);
  return periods;
}

Status PeriodClearing::round() {
  {
    std::lock_guard lock(mutex_);
    ++rounds_;
    std::erase_if(checked_empty_, [&](const auto& empty) { return empty.second <= rounds_; });
  }
  Result<std::vector<std::string>> periods = worked_periods(service_.now_ms());
  if (!periods.ok()) return periods.status();
  Status first_failure;
  std::size_t worked = 0;
  std::map<std::string, Progress> kept;
  for (const std::string& period : *periods) {
    Result<std::optional<nlohmann::json>> record =
        service_.state(clearing::Table::settlements, period);
    if (!record.ok()) return record.status();
    if (record->has_value() && (**record).contains("settled")) {
      std::lock_guard lock(mutex_);
      peer_active_.erase(period);
      continue;
    }
    if (worked++ >= active_periods_max) break;  // the rest wait for a slot
    // A period that cannot advance (a peer down, a difference open) holds back no other.
    Status advanced = attempt(period, record->value_or(nlohmann::json::object()).dump());
    if (!advanced.ok() && first_failure.ok()) first_failure = advanced;
    if (auto found = progress_.find(period); found != progress_.end()) {
      kept[period] = std::move(found->second);
    }
  }
  progress_ = std::move(kept);
  return first_failure;
}

// One step of one period, unless it is waiting: a period whose last attempt moved nothing (the
// same record here, the same answers from the peers) is tried again after a wait that doubles up
// to retry_ms_max. A change of its record here (an office signed) makes it due at once.
Status PeriodClearing::attempt(const std::string& period, const std::string& record) {
  Progress& progress = progress_[period];
  if (rounds_ < progress.due_round && record == progress.record) return Status::success();
  std::string seen;
  Status advanced = advance(period, seen);
  Result<std::optional<nlohmann::json>> after =
      service_.state(clearing::Table::settlements, period);
  const std::string record_after =
      after.ok() ? after->value_or(nlohmann::json::object()).dump() : record;
  const bool moved = seen != progress.seen || record_after != record;
  const std::uint64_t wait_min = rounds_of(options_.retry_ms_min, options_.round_ms);
  const std::uint64_t wait_max = rounds_of(options_.retry_ms_max, options_.round_ms);
  progress.wait_rounds =
      moved ? 0 : std::min(wait_max, std::max(wait_min, progress.wait_rounds * 2));
  progress.seen = std::move(seen);
  progress.record = record_after;
  progress.due_round = rounds_ + progress.wait_rounds;
  return advanced;
}

Status PeriodClearing::advance(const std::string& id, std::string& seen) {
  Result<clearing::Period> period = clearing::parse_period(id, manifest_.period_seconds);
  if (!period.ok()) return period.status();
  if (service_.now_ms() < period->to_ms) return Status::success();
  std::map<clearing::Region, nlohmann::json> views;
  for (clearing::Region peer : peers()) {
    Result<PeerResponse> response = transport_.get(peer, "/v1/peer/period?period=" + id);
    if (!response.ok())
      return Status(response.status().code(), code_of(peer) + ": " + response.status().message());
    nlohmann::json view = nlohmann::json::parse(response->body, nullptr, false);
    if (response->status != 200 || !well_formed_view(view)) {
      return Status(Code::io_error, code_of(peer) + "'s period answer is unusable (HTTP " +
                                        std::to_string(response->status) + ")");
    }
    // What moved: the peer's lines, close and signature (its checkpoint moves with any entry).
    seen += code_of(peer) + view["lines"].dump() + view["complete"].dump() + view["close"].dump() +
            view["office_signature"].dump();
    views[peer] = std::move(view);
  }
  Result<std::optional<nlohmann::json>> stored = service_.state(clearing::Table::settlements, id);
  if (!stored.ok()) return stored.status();
  const nlohmann::json record = stored->value_or(nlohmann::json::object());
  if (!record.contains("close")) return close(*period, views);
  if (!record.contains("proposal")) {
    nlohmann::json closes = {{code_of(service_.identity().region), record["close"]}};
    for (const auto& [peer, view] : views) {
      if (view["close"].is_null()) return Status::success();  // not yet
      closes[code_of(peer)] = view["close"];
    }
    return submit_own("settlement.propose", {{"closes", closes}, {"period", id}});
  }
  if (!record.contains("office_signature")) return Status::success();  // the office decides
  Result<nlohmann::json> own =
      entry_statement(service_, record["office_signature"]["index"].get<std::uint64_t>());
  if (!own.ok()) return own.status();
  nlohmann::json signatures = {{code_of(service_.identity().region), *own}};
  for (const auto& [peer, view] : views) {
    if (view["office_signature"].is_null()) return Status::success();  // not yet
    signatures[code_of(peer)] = view["office_signature"];
  }
  if (Status s = submit_own("settlement.record", {{"period", id}, {"signatures", signatures}});
      !s.ok()) {
    return s;
  }
  return write_settled(id, signatures);
}

Status PeriodClearing::write_settled(const std::string& period,
                                     const nlohmann::json& signatures) const {
  if (options_.statements_dir.empty()) return Status::success();
  const clearing::Region own = service_.identity().region;
  nlohmann::json view;
  Status read = service_.read([&](const clearing::Store& store) -> Status {
    Result<nlohmann::json> found = clearing::settlement_view(store, own, period);
    if (!found.ok()) return found.status();
    view = std::move(*found);
    return Status::success();
  });
  if (!read.ok()) return read;
  Result<clearing::RegionStatement> statement = clearing::region_statement(own, view);
  if (!statement.ok()) return statement.status();
  const nlohmann::json& proposal = view["settlement"]["proposal"];
  const nlohmann::json settled = {{"document", proposal["document"]},
                                  {"document_sha256", proposal["document_sha256"]},
                                  {"period", period},
                                  {"settled_ms", view["settlement"]["settled"]["settled_ms"]},
                                  {"signatures", signatures}};
  std::vector<clearing::StatementFile> files = clearing::statement_files(
      *statement, {clearing::StatementFormat::csv, clearing::StatementFormat::camt053});
  files.push_back({code_of(own) + ".settlement.json", crypto::canonical_dump(settled) + "\n"});
  const std::filesystem::path dir = options_.statements_dir / period;
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status(Code::io_error, "cannot create " + dir.string());
  for (const clearing::StatementFile& file : files) {
    if (Status s = write_file_atomically(dir / file.name, file.text); !s.ok()) return s;
  }
  return Status::success();
}

Status PeriodClearing::close(const clearing::Period& period,
                             const std::map<clearing::Region, nlohmann::json>& views) {
  nlohmann::json agreed = nlohmann::json::object();
  nlohmann::json reports = nlohmann::json::object();
  bool complete = true;
  bool any_lines = false;  // a period nobody has lines in is not closed: nothing is written
  for (const auto& [peer, view] : views) {
    std::vector<clearing::ObligationLine> theirs;
    for (const auto& item : view.value("lines", nlohmann::json::array())) {
      Result<clearing::ObligationLine> line = clearing::line_from_json(item);
      if (!line.ok())
        return Status(Code::bad_encoding,
                      code_of(peer) + "'s statement: " + line.status().message());
      theirs.push_back(std::move(*line));
    }
    std::vector<clearing::ObligationLine> mine;
    bool clear = false;
    Status read = service_.read([&](const clearing::Store& store) -> Status {
      Result<std::vector<clearing::ObligationLine>> lines =
          clearing::bilateral_lines(store, period, service_.identity().region, peer);
      Result<bool> outbox = clearing::outbox_clear(store, period, peer);
      if (!lines.ok()) return lines.status();
      if (!outbox.ok()) return outbox.status();
      mine = std::move(*lines);
      clear = *outbox;
      return Status::success();
    });
    if (!read.ok()) return read;
    complete = complete && clear && view.value("complete", false);
    any_lines = any_lines || !mine.empty() || !theirs.empty() || view.value("has_lines", false);
    const std::vector<clearing::Difference> found = clearing::compare_statements(mine, theirs);
    if (!found.empty()) reports[code_of(peer)] = difference_report(peer, found, view);
    agreed[code_of(peer)] = clearing::lines_digest(mine);
  }
  {
    std::lock_guard lock(mutex_);
    differences_[period.id] = reports;
  }
  if (!any_lines) {
    Result<bool> own_lines = Status::success();
    Status read = service_.read([&](const clearing::Store& store) -> Status {
      own_lines = has_lines_in(store, period);
      return own_lines.status();
    });
    if (!read.ok()) return read;
    if (!*own_lines) {
      std::lock_guard lock(mutex_);
      peer_active_.erase(period.id);  // nobody has lines: an empty period, never written
      return Status::success();
    }
  }
  if (!complete) return Status::success();  // requests of the period are still in flight
  if (!reports.empty()) {
    return Status(Code::statements_differ, "period " + period.id + ": statements differ with " +
                                               std::to_string(reports.size()) +
                                               " peer(s); not settling");
  }
  return submit_own("period.close", {{"agreed", agreed}, {"period", period.id}});
}

nlohmann::json PeriodClearing::difference_report(clearing::Region peer,
                                                 const std::vector<clearing::Difference>& found,
                                                 const nlohmann::json& view) {
  // Evidence needs a checkpoint that covers the entries shown: sign one now.
  Result<std::string> checkpoint = service_.ledger().sign_checkpoint();
  Result<ledger::ReadView> ledger_view = service_.ledger().view();
  Result<ledger::CheckpointBody> body = checkpoint.ok()
                                            ? ledger::parse_checkpoint_body(*checkpoint)
                                            : Result<ledger::CheckpointBody>(checkpoint.status());
  nlohmann::json items = nlohmann::json::array();
  for (const clearing::Difference& difference : found) {
    if (items.size() >= difference_report_lines_max) break;
    nlohmann::json item = {{"id", difference.id},
                           {"kind", clearing::difference_name(difference.kind)}};
    if (difference.mine) {
      item["mine"] = {{"line", clearing::to_json(*difference.mine)}};
      if (ledger_view.ok() && body.ok() && difference.mine->index < body->size) {
        Result<ledger::InclusionProof> proof =
            ledger_view->prove_inclusion(difference.mine->index, body->size);
        if (proof.ok()) item["mine"]["inclusion"] = inclusion_json(*proof);
      }
    }
    if (difference.theirs) {
      // The peer's entry: anyone can fetch its inclusion proof from the peer's public ledger API.
      item["theirs"] = {
          {"line", clearing::to_json(*difference.theirs)},
          {"proof_url",
           "/v1/ledger/proof/inclusion?index=" + std::to_string(difference.theirs->index) +
               "&size=" + std::to_string(view.value("checkpoint_size", 0))}};
    }
    items.push_back(std::move(item));
  }
  return {{"differences", items},
          {"mine_checkpoint", checkpoint.ok() ? *checkpoint : std::string()},
          {"peer", code_of(peer)},
          {"their_checkpoint", view.value("checkpoint", "")},
          {"total", found.size()}};
}

Result<std::string> PeriodClearing::view_for(clearing::Region peer, const std::string& id) const {
  Result<clearing::Period> period = clearing::parse_period(id, manifest_.period_seconds);
  if (!period.ok()) return period.status();
  nlohmann::json answer = {{"period", id}};
  Status read = service_.read([&](const clearing::Store& store) -> Status {
    Result<std::vector<clearing::ObligationLine>> lines =
        clearing::bilateral_lines(store, *period, service_.identity().region, peer);
    Result<bool> clear = clearing::outbox_clear(store, *period, peer);
    Result<std::optional<nlohmann::json>> record = store.get(clearing::Table::settlements, id);
    Result<bool> has_lines = has_lines_in(store, *period);
    for (const Status& s : {lines.status(), clear.status(), record.status(), has_lines.status()}) {
      if (!s.ok()) return s;
    }
    answer["has_lines"] = *has_lines;
    nlohmann::json list = nlohmann::json::array();
    for (const clearing::ObligationLine& line : *lines) list.push_back(clearing::to_json(line));
    answer["lines"] = std::move(list);
    answer["complete"] = *clear;
    const nlohmann::json settlement = record->value_or(nlohmann::json::object());
    answer["close"] = settlement.value("close", nlohmann::json());
    answer["office_signature"] = nlohmann::json();
    if (settlement.contains("office_signature")) {
      Result<nlohmann::json> signed_statement =
          entry_statement(service_, settlement["office_signature"]["index"].get<std::uint64_t>());
      if (!signed_statement.ok()) return signed_statement.status();
      answer["office_signature"] = *signed_statement;
    }
    return Status::success();
  });
  if (!read.ok()) return read;
  Result<ledger::ReadView> view = service_.ledger().view();
  if (view.ok()) {
    Result<std::string> checkpoint = view->latest_checkpoint();
    Result<ledger::CheckpointBody> body = checkpoint.ok()
                                              ? ledger::parse_checkpoint_body(*checkpoint)
                                              : Result<ledger::CheckpointBody>(checkpoint.status());
    answer["checkpoint"] = checkpoint.ok() ? *checkpoint : std::string();
    answer["checkpoint_size"] = body.ok() ? body->size : 0;
  }
  return answer.dump();
}

nlohmann::json PeriodClearing::differences(const std::string& period) const {
  std::lock_guard lock(mutex_);
  const auto found = differences_.find(period);
  return found == differences_.end() ? nlohmann::json::object() : found->second;
}

}  // namespace innoclear::nodes
