#include "nodes/period_clearing.h"

#include <cstdio>

#include "clearing/federation.h"
#include "crypto/canonical_json.h"
#include "crypto/encoding.h"

namespace innoclear::nodes {

namespace {

constexpr std::size_t difference_report_lines_max = 100;

std::string code_of(clearing::Region region) { return std::string(clearing::region_code(region)); }

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

}  // namespace

PeriodClearing::PeriodClearing(Service& service, const Manifest& manifest, PeerTransport& transport)
    : service_(service), manifest_(manifest), transport_(transport) {}

std::vector<clearing::Region> PeriodClearing::peers() const {
  std::vector<clearing::Region> regions;
  for (const Member& member : manifest_.members) {
    if (member.region != service_.identity().region) regions.push_back(member.region);
  }
  return regions;
}

void PeriodClearing::activate(const std::string& period) {
  std::lock_guard lock(mutex_);
  active_.insert(period);
}

Status PeriodClearing::submit_own(const std::string& kind, const nlohmann::json& body) {
  const SignedStatement statement = service_.sign_as_node(kind, body, service_.identity().region);
  return service_.submit_and_wait(statement.bytes, statement.signature_base64).status();
}

Status PeriodClearing::round() {
  const std::int64_t now_ms = service_.now_ms();
  std::set<std::string> ended;
  Status scanned = service_.read([&](const clearing::Store& store) -> Status {
    Result<std::vector<std::pair<std::string, nlohmann::json>>> rows =
        store.scan(clearing::Table::obligations, "");
    if (!rows.ok()) return rows.status();
    for (const auto& [id, row] : *rows) {
      const clearing::Period period = clearing::period_containing(
          row.value("requested_ms", std::int64_t{0}), manifest_.period_seconds);
      if (period.to_ms <= now_ms) ended.insert(period.id);
    }
    return Status::success();
  });
  if (!scanned.ok()) return scanned;
  std::set<std::string> periods;
  {
    std::lock_guard lock(mutex_);
    active_.insert(ended.begin(), ended.end());
    periods = active_;
  }
  Status first_failure;
  for (const std::string& period : periods) {
    Result<std::optional<nlohmann::json>> record =
        service_.state(clearing::Table::settlements, period);
    if (!record.ok()) return record.status();
    if (record->has_value() && (**record).contains("settled")) {
      std::lock_guard lock(mutex_);
      active_.erase(period);
      continue;
    }
    // A period that cannot advance (a peer down, a difference open) holds back no other.
    Status advanced = advance(period);
    if (!advanced.ok() && first_failure.ok()) first_failure = advanced;
  }
  return first_failure;
}

Status PeriodClearing::advance(const std::string& id) {
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
  return submit_own("settlement.record", {{"period", id}, {"signatures", signatures}});
}

Status PeriodClearing::close(const clearing::Period& period,
                             const std::map<clearing::Region, nlohmann::json>& views) {
  nlohmann::json agreed = nlohmann::json::object();
  nlohmann::json reports = nlohmann::json::object();
  bool complete = true;
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
    const std::vector<clearing::Difference> found = clearing::compare_statements(mine, theirs);
    if (!found.empty()) reports[code_of(peer)] = difference_report(peer, found, view);
    agreed[code_of(peer)] = clearing::lines_digest(mine);
  }
  {
    std::lock_guard lock(mutex_);
    differences_[period.id] = reports;
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
    for (const Status& s : {lines.status(), clear.status(), record.status()}) {
      if (!s.ok()) return s;
    }
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
