// The voucher rules of one region: pure functions from (state, statement) to a decision.
//
// A statement is what an actor signed: canonical JSON {actor, body, kind, nonce, region, time}.
// apply() checks the actor's standing and the rule for its kind, writes the effects to the Store
// and returns the result to record and reply with; a rejection writes nothing. Nodes call apply()
// twice per accepted statement — once to decide (on a scratch overlay), once as the ledger's
// deriver — and an auditor's replay calls it a third time; it must therefore depend only on the
// store, the statement and the context.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "clearing/region.h"
#include "clearing/store.h"
#include "crypto/ed25519.h"

namespace innoclear::clearing {

constexpr std::int64_t clock_skew_ms_max = 300'000;
constexpr std::int64_t voucher_face_max = 500'000;  // ¥5,000: the most any voucher may carry
constexpr std::size_t identifier_bytes_max = 64;
constexpr std::size_t text_bytes_max = 500;
constexpr std::int64_t shanghai_offset_ms = 8 * 3'600'000;

struct Statement {
  std::string actor;
  std::string kind;
  std::string nonce;
  std::string region;
  std::int64_t time_ms = 0;
  nlohmann::json body;
};

// Checks the statement's shape (exactly those six keys, right types and sizes). bad_statement.
Result<Statement> parse_statement(const nlohmann::json& value);

struct Context {
  Region region = Region::BJ;    // the node's region
  std::int64_t accepted_ms = 0;  // node time when the statement was accepted (UTC ms)
  std::uint64_t index = 0;       // the ledger index its entry takes
};

// Refuses a statement whose time is more than clock_skew_ms_max from `now_ms` (stale_time).
Status check_time(const Statement& statement, std::int64_t now_ms);

// Checks the signature against the actor's registered key: unknown_actor, actor_revoked,
// key_revoked (signed by a key the office retired), bad_signature, wrong_region.
Status authenticate(const Store& store, const Statement& statement, std::string_view bytes,
                    std::span<const std::uint8_t> signature, Region region);

// authenticate() in two steps, for an audit that checks signatures on other threads: first who
// must have signed, from state (wrong_region, unknown_actor, actor_revoked; bad_statement for a
// genesis without its node key), then the signature alone, which reads no state (bad_signature,
// key_revoked). authenticate() is exactly signer_of() followed by check_signature().
struct Signer {
  std::string actor;
  std::optional<crypto::PublicKey> key;  // none when the registered key does not decode
  std::vector<crypto::PublicKey> retired_keys;
};
Result<Signer> signer_of(const Store& store, const Statement& statement, Region region);
Status check_signature(const Signer& signer, std::string_view bytes,
                       std::span<const std::uint8_t> signature);

// Applies an authenticated statement. See the file comment.
Result<nlohmann::json> apply(Store& store, const Statement& statement, const Context& context);

// The year (Asia/Shanghai) of a UTC time, e.g. for budgets; and "YYYY-MM" for periods.
int shanghai_year(std::int64_t utc_ms);
std::string shanghai_month(std::int64_t utc_ms);

// Record keys.
std::string key_of(std::string_view first, std::string_view second);

}  // namespace innoclear::clearing
