// A peer request's proof that its region's actor asked for it (docs/security.md, "member nodes").
//
// The coordinator adds to each request body, from its own ledger, the actor's signed statement
// (the entry that locked the voucher or receipt) and the entry that gave the actor its key (a
// registration or key rotation its office signed): both fixed for the request, so a request asked
// again has the same body. Beside the statement it sends an RFC 9162 inclusion proof of that key
// entry in its tree of the size the participant last verified as its witness (the participant's
// GET /v1/witness/<coordinator>). The participant checks the proof against the root it verified
// (here) and the signatures and what was asked (clearing/rules_peer_proof.cpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "ledger/ledger.h"
#include "nodes/service.h"
#include "nodes/witnessing.h"

namespace innoclear::nodes {

// Inclusion proofs of a key entry are at most this long (a tree below 2^64 leaves).
constexpr std::size_t actor_proof_hashes_max = 64;

struct ActorProof {
  nlohmann::json body;          // the row's body with actor_statement and key_entry
  std::uint64_t key_index = 0;  // the key entry's index in this node's ledger
};

// The outbox row's request body with its actor's proof. Fails with not_found when the row or the
// actor's record names no entry (a row locked before actors recorded key_index): such a request
// is sent as it is, and the participant refuses it.
Result<ActorProof> with_actor_proof(const ledger::ReadView& view, const Service& service,
                                    const nlohmann::json& row);

// {"hashes":[base64…],"index":I,"tree_size":N}: entry I is in this ledger's tree of N leaves.
Result<nlohmann::json> inclusion_proof(const ledger::ReadView& view, std::uint64_t index,
                                       std::uint64_t tree_size);

// The tree size in a checkpoint note (the participant's cosigned view of this ledger).
std::optional<std::uint64_t> checkpoint_size(std::string_view note);

// Whether the key entry in `body` is in `caller`'s ledger per `proof`, checked against a root
// this node verified as the caller's witness. peer_unproven when the proof is missing, malformed,
// of a size this node has not verified (the caller retries), or does not lead to that root.
// Success when the body has no key entry (the rules refuse it, and record the refusal) or when
// this node does not witness (tests without witnessing).
Status check_key_entry_included(const Witnessing& witnessing, clearing::Region caller,
                                const nlohmann::json& body, const nlohmann::json& proof);

}  // namespace innoclear::nodes
