#include "nodes/peer_answerer.h"

#include <memory>
#include <mutex>

#include "base/utf8.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "nodes/actor_proof.h"
#include "nodes/outbox_sender.h"

namespace innoclear::nodes {

namespace {

nlohmann::json problem_of(const Status& status) {
  return {{"code", static_cast<int>(status.code())},
          {"detail", utf8_prefix(status.message(), problem_detail_bytes_max)}};
}

// What a batch of answers is waiting for: one slot per request.
struct PendingBatch {
  std::mutex mutex;
  std::vector<nlohmann::json> answers;
  std::size_t remaining = 0;
  PeerAnswerer::AnswerDone done;

  void fill(std::size_t slot, nlohmann::json item) {
    std::unique_lock lock(mutex);
    answers[slot] = std::move(item);
    if (--remaining > 0) return;
    lock.unlock();
    // Every text in the answers was checked or cut to whole characters; replace is the last
    // guard, so that a dump can never throw on the thread that fills the last slot.
    done(nlohmann::json{{"answers", answers}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace));
  }
};

// The answer item for one recorded (or refused) request.
nlohmann::json answer_item(Service& service, clearing::Region caller,
                           const Result<Accepted>& accepted) {
  if (!accepted.ok()) return {{"problem", problem_of(accepted.status())}};
  Result<ledger::ReadView> view = service.ledger().view();
  Result<std::string> entry =
      view.ok() ? view->entry(accepted->index) : Result<std::string>(view.status());
  if (!entry.ok()) return {{"problem", problem_of(entry.status())}};
  const SignedStatement answer =
      service.sign_as_node("peer.answer",
                           {{"entry_index", accepted->index},
                            {"entry_sha256", crypto::hex_encode(crypto::sha256(*entry))},
                            {"request_id", accepted->result.value("request_id", "")},
                            {"result", accepted->result}},
                           caller);
  return {{"answer", {{"signature", answer.signature_base64}, {"statement", answer.bytes}}}};
}

// Why a request of the batch cannot be submitted at all, or success. Every field is checked for
// type (and text for UTF-8) before it is used; nothing of the request is echoed back. A request
// whose key entry is not proven in the caller's ledger is not recorded: the caller may prove it
// again.
Status check_request(const nlohmann::json& request, const std::string& caller_actor,
                     const Witnessing& witnessing, clearing::Region caller) {
  if (!request.is_object() || !request.contains("statement") || !request["statement"].is_string() ||
      !request.contains("signature") || !request["signature"].is_string()) {
    return {Code::bad_statement, "a request is {\"signature\",\"statement\"}"};
  }
  const std::string& bytes = request["statement"].get_ref<const std::string&>();
  if (!is_valid_utf8(bytes)) return {Code::json_invalid_utf8, "a peer request is not UTF-8"};
  const nlohmann::json parsed = nlohmann::json::parse(bytes, nullptr, false);
  const auto text = [&](const char* key) -> const std::string* {
    if (!parsed.is_object()) return nullptr;
    const auto found = parsed.find(key);
    return found != parsed.end() && found->is_string() ? &found->get_ref<const std::string&>()
                                                       : nullptr;
  };
  const std::string* actor = text("actor");
  if (actor == nullptr || *actor != caller_actor) {
    return {Code::forbidden, "a peer request must be stated by " + caller_actor};
  }
  const std::string* kind = text("kind");
  if (kind == nullptr || (*kind != "peer.receipt.consume" && *kind != "peer.voucher.honour")) {
    return {Code::unknown_kind,
            "not a peer request kind (peer.receipt.consume, "
            "peer.voucher.honour)"};
  }
  if (!parsed.contains("body") || !parsed["body"].is_object()) {
    return {Code::bad_statement, "a peer request has a body object"};
  }
  return check_key_entry_included(witnessing, caller, parsed["body"],
                                  request.value("proof", nlohmann::json()));
}

}  // namespace

PeerAnswerer::PeerAnswerer(Service& service, const Manifest& manifest, const Witnessing& witnessing,
                           PeriodClearing& clearing, std::size_t batch_requests_max,
                           RateLimit peer_rate)
    : service_(service),
      manifest_(manifest),
      witnessing_(witnessing),
      clearing_(clearing),
      batch_requests_max_(batch_requests_max),
      peer_limiter_(peer_rate) {}

const Member* PeerAnswerer::peer_with(const std::string& client_fingerprint) const {
  if (client_fingerprint.empty()) return nullptr;
  for (const Member& member : manifest_.members) {
    if (member.tls_fingerprint == client_fingerprint &&
        member.region != service_.identity().region) {
      return &member;
    }
  }
  return nullptr;
}

void PeerAnswerer::answer(const std::string& client_fingerprint, const std::string& body,
                          AnswerDone done) {
  const Member* caller = peer_with(client_fingerprint);
  if (caller == nullptr) {
    return done(Status(Code::forbidden, "peer requests need the TLS certificate of a member node"));
  }
  if (Status s = peer_limiter_.take("node." + code_of(caller->region), service_.now_ms());
      !s.ok()) {
    return done(s);
  }
  if (witnessing_.is_forked(caller->region)) {
    return done(Status(Code::peer_forked, "this node saw " + code_of(caller->region) +
                                              " show two histories; it takes no new work from it"));
  }
  const nlohmann::json batch = nlohmann::json::parse(body, nullptr, false);
  if (!batch.is_object() || !batch.contains("requests") || !batch["requests"].is_array() ||
      batch["requests"].empty() || batch["requests"].size() > batch_requests_max_) {
    return done(Status(Code::bad_statement, "a batch is {\"requests\":[…]} of 1…" +
                                                std::to_string(batch_requests_max_)));
  }
  auto pending = std::make_shared<PendingBatch>();
  pending->answers.resize(batch["requests"].size());
  pending->remaining = batch["requests"].size();
  pending->done = std::move(done);
  const clearing::Region caller_region = caller->region;
  const std::string caller_actor = "node." + code_of(caller_region);
  for (std::size_t slot = 0; slot < batch["requests"].size(); ++slot) {
    const nlohmann::json& request = batch["requests"][slot];
    if (Status refused = check_request(request, caller_actor, witnessing_, caller_region);
        !refused.ok()) {
      pending->fill(slot, answer_item(service_, caller_region, refused));
      continue;
    }
    service_.submit(request["statement"].get<std::string>(),
                    request["signature"].get<std::string>(),
                    [this, pending, slot, caller_region](Result<Accepted> accepted) {
                      pending->fill(slot, answer_item(service_, caller_region, accepted));
                    },
                    {});
  }
}

Result<std::string> PeerAnswerer::answer_period(const std::string& client_fingerprint,
                                                const std::string& id) {
  const Member* caller = peer_with(client_fingerprint);
  if (caller == nullptr)
    return Status(Code::forbidden, "period statements are for member nodes (mutual TLS)");
  if (Status s = peer_limiter_.take("node." + code_of(caller->region), service_.now_ms());
      !s.ok()) {
    return s;
  }
  Result<clearing::Period> period = clearing::parse_period(id, manifest_.period_seconds);
  if (!period.ok()) return period.status();
  // Read-only: a question alone never makes this node work a period or write anything; the next
  // clearing round asks the caller whether it has lines there (PeriodClearing::note_asked).
  if (service_.now_ms() >= period->to_ms) clearing_.note_asked(caller->region, id);
  return clearing_.view_for(caller->region, id);
}

}  // namespace innoclear::nodes
