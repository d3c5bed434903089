// `innoclear up`'s federation directory: DIR/<code>/ for each region (created by init on the first
// run) and DIR/manifest.json naming them, created once and checked against them on every run after.
#include <cstdio>
#include <string>
#include <system_error>

#include "clearing/region.h"
#include "cli/up.h"
#include "crypto/ed25519.h"
#include "nodes/data_dir.h"

namespace innoclear::cli {

namespace fs = std::filesystem;
using clearing::Region;

fs::path manifest_file_of(const fs::path& dir) { return dir / "manifest.json"; }

fs::path node_log_of(const fs::path& dir, Region region) {
  return dir / std::string(clearing::region_code(region)) / "node.log";
}

namespace {

Result<crypto::PublicKey> office_public_key(const nodes::DataDir& data) {
  Result<crypto::KeyPair> key = crypto::KeyPair::load(data.office_key_file());
  if (!key.ok()) return key.status();
  return key->public_key();
}

// DIR/<code>'s identity; the directory is created (init) if it holds no node yet.
Result<nodes::NodeIdentity> open_or_init(const nodes::DataDir& data, Region region) {
  Result<nodes::NodeIdentity> identity = nodes::read_identity(data);
  if (identity.ok()) {
    std::printf("reused  %s node in %s\n", std::string(clearing::region_code(region)).c_str(),
                data.root.c_str());
    return identity;
  }
  if (identity.status().code() != Code::not_found) return identity.status();
  identity = nodes::init_data_dir(data, region);
  if (identity.ok()) {
    std::printf("created %s node in %s\n", std::string(clearing::region_code(region)).c_str(),
                data.root.c_str());
  }
  return identity;
}

// First run: every region's directory (created where missing) and a new manifest naming them,
// region i listening on base_port + 1 + i.
Result<nodes::Manifest> create_federation(const fs::path& dir, const UpArguments& arguments) {
  nodes::Manifest manifest;
  manifest.period_seconds = arguments.period_seconds;
  for (std::size_t i = 0; i < clearing::all_regions.size(); ++i) {
    const Region region = clearing::all_regions[i];
    const nodes::DataDir data{dir / std::string(clearing::region_code(region))};
    Result<nodes::NodeIdentity> identity = open_or_init(data, region);
    if (!identity.ok()) return identity.status();
    Result<crypto::PublicKey> office = office_public_key(data);
    if (!office.ok()) return office.status();
    const int port = arguments.base_port + 1 + static_cast<int>(i);
    manifest.members.push_back({region,
                                std::string(clearing::region_name(region)),
                                "https://127.0.0.1:" + std::to_string(port),
                                identity->public_key,
                                *office,
                                identity->tls_fingerprint,
                                {clearing::all_regions.begin(), clearing::all_regions.end()}});
  }
  // The nodes load it by these rules (period_seconds among them): refuse now what they would.
  if (Result<nodes::Manifest> valid = nodes::parse_manifest(nodes::to_json(manifest));
      !valid.ok()) {
    return valid.status();
  }
  if (Status saved = nodes::save_manifest(manifest_file_of(dir), manifest); !saved.ok()) {
    return saved;
  }
  std::printf("created %s (period %s)\n", manifest_file_of(dir).c_str(),
              manifest.period_seconds == 0
                  ? "monthly"
                  : (std::to_string(manifest.period_seconds) + " s").c_str());
  return manifest;
}

// The manifest must describe DIR/<code> exactly: the node key and certificate in node.json and,
// while the office still keeps it there, the office key in office.key.
Status check_member(const fs::path& dir, const fs::path& manifest_file,
                    const nodes::Member& member) {
  const std::string code(clearing::region_code(member.region));
  const nodes::DataDir data{dir / code};
  Result<nodes::NodeIdentity> identity = nodes::read_identity(data);
  if (!identity.ok()) {
    return Status(identity.status().code(), manifest_file.string() + " lists " + code + " but " +
                                                data.root.string() + " is not its node (" +
                                                identity.status().message() + ")");
  }
  const std::string mismatch = manifest_file.string() + " does not match " + data.root.string();
  if (identity->region != member.region)
    return Status(Code::invalid_argument, mismatch + ": region");
  if (identity->public_key != member.node_key) {
    return Status(Code::invalid_argument, mismatch + ": node key");
  }
  if (identity->tls_fingerprint != member.tls_fingerprint) {
    return Status(Code::invalid_argument, mismatch + ": TLS fingerprint");
  }
  std::error_code error;
  if (fs::exists(data.office_key_file(), error)) {
    Result<crypto::PublicKey> office = office_public_key(data);
    if (!office.ok()) return office.status();
    if (*office != member.office_key) {
      return Status(Code::invalid_argument, mismatch + ": office key");
    }
  }
  return Status::success();
}

Result<nodes::Manifest> reuse_federation(const fs::path& dir, const UpArguments& arguments) {
  const fs::path file = manifest_file_of(dir);
  Result<nodes::Manifest> manifest = nodes::load_manifest(file);
  if (!manifest.ok()) return manifest.status();
  for (const nodes::Member& member : manifest->members) {
    if (Status s = check_member(dir, file, member); !s.ok()) return s;
  }
  std::printf("reused  the data directories %s/<region>/ of the manifest's members\n", dir.c_str());
  std::printf("reused  %s (%zu members, period %s)\n", file.c_str(), manifest->members.size(),
              manifest->period_seconds == 0
                  ? "monthly"
                  : (std::to_string(manifest->period_seconds) + " s").c_str());
  if (arguments.base_port_given || arguments.period_given) {
    std::printf(
        "        ports and period come from the manifest; --base-port and "
        "--period-seconds apply only when it is created\n");
  }
  return manifest;
}

}  // namespace

Result<nodes::Manifest> prepare_federation(const fs::path& dir, const UpArguments& arguments) {
  std::error_code error;
  if (fs::exists(manifest_file_of(dir), error)) return reuse_federation(dir, arguments);
  return create_federation(dir, arguments);
}

}  // namespace innoclear::cli
