#include "nodes/actor_proof.h"

#include "crypto/canonical_json.h"
#include "crypto/encoding.h"
#include "ledger/merkle.h"
#include "nodes/witness.h"

namespace innoclear::nodes {

namespace {

Result<nlohmann::json> entry_at(const ledger::ReadView& view, std::uint64_t index) {
  Result<std::string> bytes = view.entry(index);
  if (!bytes.ok()) return bytes.status();
  return nlohmann::json::parse(*bytes);
}

std::optional<std::uint64_t> unsigned_at(const nlohmann::json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_number_unsigned()) return std::nullopt;
  return found->get<std::uint64_t>();
}

Status unproven(const std::string& why) { return {Code::peer_unproven, why}; }

}  // namespace

Result<ActorProof> with_actor_proof(const ledger::ReadView& view, const Service& service,
                                    const nlohmann::json& row) {
  const std::optional<std::uint64_t> lock_index = unsigned_at(row, "entry_index");
  if (!lock_index) return Status(Code::not_found, "the outbox row names no locking entry");
  Result<nlohmann::json> lock = entry_at(view, *lock_index);
  if (!lock.ok()) return lock.status();
  const std::string actor = (*lock)["statement"].value("actor", "");
  Result<std::optional<nlohmann::json>> record = service.state(clearing::Table::actors, actor);
  if (!record.ok()) return record.status();
  const std::optional<std::uint64_t> key_index =
      record->has_value() ? unsigned_at(**record, "key_index") : std::nullopt;
  if (!key_index) return Status(Code::not_found, actor + "'s record names no key entry");
  Result<nlohmann::json> key_entry = entry_at(view, *key_index);
  if (!key_entry.ok()) return key_entry.status();
  ActorProof proof{row["body"], *key_index};
  proof.body["actor_statement"] = {{"signature", (*lock)["signature"]},
                                   {"statement", (*lock)["statement"]}};
  proof.body["key_entry"] = std::move(*key_entry);
  return proof;
}

Result<nlohmann::json> inclusion_proof(const ledger::ReadView& view, std::uint64_t index,
                                       std::uint64_t tree_size) {
  Result<ledger::InclusionProof> proof = view.prove_inclusion(index, tree_size);
  if (!proof.ok()) return proof.status();
  nlohmann::json hashes = nlohmann::json::array();
  for (const ledger::Hash& hash : proof->hashes) hashes.push_back(crypto::base64_encode(hash));
  return nlohmann::json{{"hashes", hashes}, {"index", index}, {"tree_size", tree_size}};
}

std::optional<std::uint64_t> checkpoint_size(std::string_view note) {
  Result<ledger::CheckpointBody> body = ledger::parse_checkpoint_body(note);
  if (!body.ok()) return std::nullopt;
  return body->size;
}

Status check_key_entry_included(const Witnessing& witnessing, clearing::Region caller,
                                const nlohmann::json& body, const nlohmann::json& proof) {
  const auto key_entry = body.find("key_entry");
  if (key_entry == body.end() || !witnessing.enabled()) return Status::success();
  const std::optional<std::uint64_t> index =
      proof.is_object() ? unsigned_at(proof, "index") : std::nullopt;
  const std::optional<std::uint64_t> size =
      proof.is_object() ? unsigned_at(proof, "tree_size") : std::nullopt;
  if (!index || !size || !proof.contains("hashes")) {
    return unproven("the request has no inclusion proof of its key entry");
  }
  const std::optional<ledger::Hash> root = witnessing.witnessed_root(caller, *size);
  if (!root) {
    return unproven("this node has not verified a checkpoint of size " + std::to_string(*size) +
                    " of the caller yet");
  }
  Result<std::vector<ledger::Hash>> path =
      hashes_from_json(proof["hashes"], actor_proof_hashes_max);
  if (!path.ok()) return unproven("the inclusion proof: " + path.status().message());
  const ledger::Hash leaf = ledger::leaf_hash(crypto::canonical_dump(*key_entry));
  if (!ledger::verify_inclusion(*index, *size, leaf, *path, *root)) {
    return unproven("the key entry is not in the caller's ledger as this node witnessed it");
  }
  return Status::success();
}

}  // namespace innoclear::nodes
