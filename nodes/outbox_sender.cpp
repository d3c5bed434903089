#include "nodes/outbox_sender.h"

#include <algorithm>
#include <condition_variable>
#include <memory>

#include "nodes/actor_proof.h"

namespace innoclear::nodes {

namespace {

// Waits for the answers of one batch to be recorded, all in one group commit.
struct Recording {
  std::mutex mutex;
  std::condition_variable finished;
  std::size_t remaining = 0;
  std::size_t recorded = 0;
  Status first_failure;

  void note(const Status& status) {
    std::lock_guard lock(mutex);
    if (status.ok()) {
      ++recorded;
    } else if (first_failure.ok()) {
      first_failure = status;
    }
    if (--remaining == 0) finished.notify_all();
  }
  Result<std::size_t> wait() {
    std::unique_lock lock(mutex);
    finished.wait(lock, [&] { return remaining == 0; });
    if (!first_failure.ok() && recorded == 0) return first_failure;
    return recorded;
  }
};

// An answer item of a peer's batch: {"answer":{"signature","statement"}} or a problem. Peer data:
// every field is checked before use.
const nlohmann::json* signed_answer(const nlohmann::json& item) {
  if (!item.is_object()) return nullptr;
  const auto answer = item.find("answer");
  if (answer == item.end() || !answer->is_object()) return nullptr;
  const auto statement = answer->find("statement");
  const auto signature = answer->find("signature");
  if (statement == answer->end() || !statement->is_string() || signature == answer->end() ||
      !signature->is_string()) {
    return nullptr;
  }
  return &*answer;
}

}  // namespace

OutboxSender::OutboxSender(Service& service, PeerTransport& transport, clearing::Region peer,
                           SenderOptions options)
    : service_(service), transport_(transport), peer_(peer), options_(options) {}

Result<std::size_t> OutboxSender::round() {
  Result<std::size_t> sent = send_batch();
  note(sent);
  return sent;
}

void OutboxSender::note(const Result<std::size_t>& sent) {
  std::lock_guard lock(mutex_);
  news_.clear();
  if (!sent.ok()) {
    if (last_error_ != sent.status().message()) {
      news_ = "federation: " + code_of(peer_) + ": " + sent.status().message() + "; retrying";
    }
    backoff_ms_ =
        backoff_ms_ == 0 ? options_.retry_ms_min : std::min(options_.retry_ms_max, backoff_ms_ * 2);
    last_error_ = sent.status().message();
    wait_ms_ = backoff_ms_;
    return;
  }
  backoff_ms_ = 0;
  last_error_.clear();
  delivered_ += *sent;
  wait_ms_ = *sent > 0 ? 0 : options_.poll_ms;
}

std::uint32_t OutboxSender::next_wait_ms() const {
  std::lock_guard lock(mutex_);
  return wait_ms_;
}

std::string OutboxSender::news() const {
  std::lock_guard lock(mutex_);
  return news_;
}

nlohmann::json OutboxSender::status() const {
  std::lock_guard lock(mutex_);
  return {{"backoff_ms", backoff_ms_},
          {"delivered", delivered_},
          {"last_batch", last_batch_},
          {"last_error", last_error_}};
}

std::optional<std::uint64_t> OutboxSender::witnessed_size() {
  Result<PeerResponse> note =
      transport_.get(peer_, "/v1/witness/" + code_of(service_.identity().region));
  if (!note.ok() || note->status != 200) return std::nullopt;
  return checkpoint_size(note->body);
}

Result<nlohmann::json> OutboxSender::requests_for(
    const std::vector<std::pair<std::string, nlohmann::json>>& rows) {
  nlohmann::json requests = nlohmann::json::array();
  if (rows.empty()) return requests;
  Result<ledger::ReadView> view = service_.ledger().view();
  if (!view.ok()) return view.status();
  // Without the size the peer verified, requests go without inclusion proofs: the peer answers
  // with a problem and they are sent again.
  const std::optional<std::uint64_t> size = witnessed_size();
  std::size_t batch_bytes = 0;
  for (const auto& [request_id, row] : rows) {
    if (row.value("peer", "") != code_of(peer_)) continue;
    Result<ActorProof> proven = with_actor_proof(*view, service_, row);
    const SignedStatement request = service_.sign_as_node(
        row["kind"].get<std::string>(), proven.ok() ? proven->body : row["body"], peer_);
    nlohmann::json item = {{"signature", request.signature_base64}, {"statement", request.bytes}};
    if (proven.ok() && size && proven->key_index < *size) {
      Result<nlohmann::json> inclusion = inclusion_proof(*view, proven->key_index, *size);
      if (inclusion.ok()) item["proof"] = std::move(*inclusion);
    }
    batch_bytes += item.dump().size();
    if (!requests.empty() && batch_bytes > peer_batch_bytes_max) break;
    requests.push_back(std::move(item));
  }
  return requests;
}

Result<std::size_t> OutboxSender::send_batch() {
  // Rows are canonical JSON: the peer's field can be recognised without parsing every row.
  const std::string for_peer = "\"peer\":\"" + code_of(peer_) + "\"";
  Result<std::vector<std::pair<std::string, nlohmann::json>>> rows = service_.scan_some(
      clearing::Table::outbox, options_.batch_requests_max,
      [&](std::string_view record) { return record.find(for_peer) != std::string_view::npos; });
  if (!rows.ok()) return rows.status();
  Result<nlohmann::json> requests = requests_for(*rows);
  if (!requests.ok()) return requests.status();
  {
    std::lock_guard lock(mutex_);
    last_batch_ = requests->size();
  }
  if (requests->empty()) return std::size_t{0};
  Result<PeerResponse> response = transport_.post(peer_, std::string(peer_requests_path),
                                                  nlohmann::json{{"requests", *requests}}.dump());
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return Status(Code::io_error, "HTTP " + std::to_string(response->status) + " " +
                                      utf8_prefix(response->body, problem_detail_bytes_max));
  }
  const nlohmann::json answers = nlohmann::json::parse(response->body, nullptr, false);
  if (!answers.is_object() || !answers.contains("answers") || !answers["answers"].is_array() ||
      answers["answers"].size() != requests->size()) {
    return Status(Code::io_error, "the peer's answer is malformed");
  }
  // Record every answer, all at once (one group commit); the rows they answer leave the outbox
  // in the same entries.
  auto recording = std::make_shared<Recording>();
  recording->remaining = answers["answers"].size();
  for (const nlohmann::json& item : answers["answers"]) {
    const nlohmann::json* answer = signed_answer(item);
    if (answer == nullptr) {
      const auto problem = item.is_object() ? item.find("problem") : item.end();
      recording->note(
          Status(Code::io_error, "the peer refused a request: " +
                                     (problem == item.end() ? item.dump() : problem->dump())));
      continue;
    }
    service_.submit((*answer)["statement"].get<std::string>(),
                    (*answer)["signature"].get<std::string>(),
                    [recording](Result<Accepted> accepted) {
                      recording->note(accepted.ok() ? Status::success()
                                                    : Status(accepted.status().code(),
                                                             "cannot record the peer's answer: " +
                                                                 accepted.status().message()));
                    },
                    "peer.answer");
  }
  return recording->wait();
}

}  // namespace innoclear::nodes
