// What a region shows everyone, without a signature: its policy and its provider directory, and
// the federation's directory gathered from every member's. Nothing private: no credit codes, no
// amounts redeemed, no budgets; a provider's ratings only as a count and a sum.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "clearing/region.h"
#include "clearing/store.h"

namespace innoclear::clearing {

// Bounds of a directory, this region's or a peer's (a larger peer directory is refused).
constexpr std::size_t directory_providers_max = 2'000;
constexpr std::size_t directory_services_max = 100;  // per provider
constexpr std::size_t directory_foreign_ratings_max = 10'000;

// GET /v1/policy: {"policy":<the policy in force, or the defaults>,"region":"<CODE>"}.
Result<nlohmann::json> public_policy(const Store& store, Region region);

// GET /v1/directory: {"foreign_ratings":{"<region>|<provider>":{"rating_sum","ratings"},…},
// "providers":[<provider>,…],"region":"<CODE>"}. A provider is this region's active provider:
// {"categories","id","name","rating_average_x100","rating_sum","ratings","region",
// "services":[{"capacity","category","price","service_id","title"},…]} with only its offered
// services, in id order. foreign_ratings are the ratings this region's enterprises gave other
// regions' providers (kept here, where the voucher lives); the federation view adds them to
// those providers.
Result<nlohmann::json> directory(const Store& store, Region region);

// A peer's directory as it said it: rebuilt from the members above only, each of its type,
// within the bounds; bad_statement if anything differs (another region, a wrong type, too many).
Result<nlohmann::json> checked_directory(const nlohmann::json& said, Region peer);

// One member's directory as the federation view shows it.
struct MemberDirectory {
  Region region = Region::BJ;
  std::int64_t as_of_ms = 0;  // when it was read; 0: never
  bool reachable = false;     // whether the last attempt to read it succeeded
  nlohmann::json directory;   // directory() or checked_directory(); null: never read
};

// GET /v1/directory?scope=federation: {"regions":[{"as_of_ms","providers","reachable",
// "region"},…],"scope":"federation"} in the order given, each provider's ratings summed with the
// foreign_ratings every member keeps for it (average recomputed).
nlohmann::json federation_directory(const std::vector<MemberDirectory>& members);

}  // namespace innoclear::clearing
