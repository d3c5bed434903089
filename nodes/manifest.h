// The federation manifest: who the regions' nodes are and how to reach and trust them.
//
//   {"members":[{"accepts":["BJ",…],"base_url":"https://127.0.0.1:7101","name":"Beijing 北京",
//                "node_key":"<base64 Ed25519>","office_key":"<base64 Ed25519>","region":"BJ",
//                "tls_fingerprint":"<hex SHA-256 of the certificate DER>"},…],
//    "period_seconds":0,"version":1}
//
// Loaded from configuration (`innoclear up` writes it); each node records the parts its rules
// need — the members, their node and office keys, what they accept — as a federation.manifest
// statement of its own, so its ledger says which peer keys it trusted from when. A new station
// joins by a new version. Format: docs/formats.md.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "clearing/region.h"
#include "crypto/ed25519.h"

namespace innoclear::nodes {

constexpr std::size_t manifest_bytes_max = 64 * 1024;

struct Member {
  clearing::Region region = clearing::Region::BJ;
  std::string name;
  std::string base_url;  // https://host:port
  crypto::PublicKey node_key{};
  crypto::PublicKey office_key{};
  std::string tls_fingerprint;            // lowercase hex, 64 digits
  std::vector<clearing::Region> accepts;  // regions whose vouchers this member takes
};

struct Manifest {
  std::int64_t version = 1;
  // Length of a clearing period in seconds; 0: calendar months in Asia/Shanghai (the default).
  std::int64_t period_seconds = 0;
  std::vector<Member> members;  // at most one per region, in region order

  const Member* find(clearing::Region region) const;
};

// Fails with bad_statement naming the member and field on anything malformed.
Result<Manifest> parse_manifest(const nlohmann::json& value);
Result<Manifest> load_manifest(const std::filesystem::path& file);
nlohmann::json to_json(const Manifest& manifest);
// Writes atomically (temporary file, fsync, rename).
Status save_manifest(const std::filesystem::path& file, const Manifest& manifest);

// The body of the federation.manifest statement a node records (no URLs or fingerprints: those
// are transport, not rules).
nlohmann::json adoption_body(const Manifest& manifest);

}  // namespace innoclear::nodes
