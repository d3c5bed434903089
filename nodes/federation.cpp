#include "nodes/federation.h"

#include <cstdio>

#include "clearing/federation.h"
#include "crypto/canonical_json.h"

namespace innoclear::nodes {

Federation::Federation(Service& service, Manifest manifest, PeerTransport& transport,
                       FederationOptions options)
    : service_(service),
      manifest_(std::move(manifest)),
      transport_(transport),
      options_(std::move(options)) {
  assert(manifest_.find(service_.identity().region) != nullptr);
  witnessing_ = std::make_unique<Witnessing>(service_, manifest_, transport_, options_.witness_dir,
                                             [this](const std::string& line) { log(line); });
  clearing_ = std::make_unique<PeriodClearing>(
      service_, manifest_, transport_,
      PeriodClearingOptions{options_.clearing_interval_ms, options_.clearing_retry_ms_min,
                            options_.clearing_retry_ms_max, options_.statements_dir});
  answerer_ =
      std::make_unique<PeerAnswerer>(service_, manifest_, *witnessing_, *clearing_,
                                     options_.sender.batch_requests_max, options_.peer_rate);
  directories_ = std::make_unique<Directories>(service_, manifest_, transport_);
  cosigned_ = std::make_unique<Cosigned>(service_, manifest_, transport_);
  for (clearing::Region peer : peers()) {
    senders_[peer] = std::make_unique<OutboxSender>(service_, transport_, peer, options_.sender);
  }
}

Federation::~Federation() { stop(); }

std::vector<clearing::Region> Federation::peers() const {
  std::vector<clearing::Region> regions;
  for (const Member& member : manifest_.members) {
    if (member.region != service_.identity().region) regions.push_back(member.region);
  }
  return regions;
}

void Federation::log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

Status Federation::join() {
  service_.set_gate([this](const clearing::Statement& statement) -> Status {
    const std::optional<clearing::Region> peer =
        clearing::cross_region_peer(statement, service_.identity().region);
    if (peer && witnessing_->is_forked(*peer)) {
      return {Code::peer_forked, code_of(*peer) + " showed two histories; no new work with it"};
    }
    return Status::success();
  });
  if (Status s = adopt_manifest(); !s.ok()) return s;
  return witnessing_->open();
}

Status Federation::adopt_manifest() {
  // Already recorded? The same version with the same keys needs no new entry.
  Result<std::optional<nlohmann::json>> recorded =
      service_.state(clearing::Table::settings, "federation");
  if (!recorded.ok()) return recorded.status();
  // What the rules record from this manifest (members by region: accepts and name).
  nlohmann::json members = nlohmann::json::object();
  const nlohmann::json adoption = adoption_body(manifest_);  // outlives the loop below
  for (const nlohmann::json& member : adoption["members"]) {
    members[member["region"].get<std::string>()] = {{"accepts", member["accepts"]},
                                                    {"name", member["name"]}};
  }
  bool same = recorded->has_value() && (**recorded)["version"] == manifest_.version &&
              (**recorded).value("period_seconds", std::int64_t{-1}) == manifest_.period_seconds &&
              (**recorded)["members"] == members;
  for (clearing::Region peer : peers()) {
    const Member& member = *manifest_.find(peer);
    for (const auto& [id, key] : {std::pair{"node." + code_of(peer), member.node_key},
                                  std::pair{"office." + code_of(peer), member.office_key}}) {
      Result<std::optional<nlohmann::json>> actor = service_.state(clearing::Table::actors, id);
      if (!actor.ok()) return actor.status();
      same = same && actor->has_value() &&
             (**actor).value("key", "") == crypto::encode_public_key(key);
    }
  }
  if (same) return Status::success();
  const SignedStatement signed_statement =
      service_.sign_as_node("federation.manifest", adoption, service_.identity().region);
  return service_.submit_and_wait(signed_statement.bytes, signed_statement.signature_base64)
      .status();
}

void Federation::start() {
  stopping_ = false;
  for (auto& [peer, sender] : senders_) {
    threads_.emplace_back([this, &sender = *sender] { send_loop(sender); });
  }
  if (witnessing_->enabled()) threads_.emplace_back([this] { witness_loop(); });
  threads_.emplace_back([this] { clearing_loop(); });
  threads_.emplace_back([this] { directory_loop(); });
  threads_.emplace_back([this] { cosigned_loop(); });
}

void Federation::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

bool Federation::sleep_for(std::uint32_t ms) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
  return !stopping_;
}

void Federation::send_loop(OutboxSender& sender) {
  while (!stopping_) {
    if (witnessing_->is_forked(sender.peer())) {
      if (!sleep_for(options_.witness_interval_ms)) return;
      continue;
    }
    (void)sender.round();
    if (const std::string news = sender.news(); !news.empty()) log(news);
    const std::uint32_t wait_ms = sender.next_wait_ms();
    if (wait_ms > 0 && !sleep_for(wait_ms)) return;
  }
}

void Federation::witness_loop() {
  while (sleep_for(options_.witness_interval_ms)) witnessing_->round();
}

void Federation::clearing_loop() {
  std::string last_error;
  while (sleep_for(options_.clearing_interval_ms)) {
    Status status = clearing_->round();
    if (!status.ok() && status.message() != last_error) log("clearing: " + status.message());
    last_error = status.ok() ? std::string() : status.message();
  }
}

void Federation::directory_loop() {
  while (!stopping_) {
    const bool all_read = directories_->round();
    if (!sleep_for(all_read ? directory_interval_ms : directory_retry_ms)) return;
  }
}

void Federation::cosigned_loop() {
  while (!stopping_) {
    const bool all_read = cosigned_->round();
    if (!sleep_for(all_read ? cosigned_interval_ms : cosigned_retry_ms)) return;
  }
}

nlohmann::json Federation::status() const {
  nlohmann::json peers_json = nlohmann::json::object();
  for (const auto& [region, sender] : senders_) {
    nlohmann::json peer = sender->status();
    peer["forked"] = witnessing_->is_forked(region);
    peers_json[code_of(region)] = std::move(peer);
  }
  return {{"forks", witnessing_->fork_count()},
          {"peers", peers_json},
          {"region", code_of(service_.identity().region)}};
}

}  // namespace innoclear::nodes
