#include "nodes/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <initializer_list>
#include <sstream>

#include "crypto/canonical_json.h"
#include "crypto/signed_note.h"
#include "crypto/tls_cert.h"
#include "nodes/service.h"
#include "nodes/state_store.h"

namespace innoclear::nodes {

namespace {

// Makes a rename or a creation in `directory` durable: without it a crash can lose the name.
bool sync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

}  // namespace

Status write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  const auto temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return {Code::io_error, "cannot write " + temporary};
  // The mode is set explicitly: the process umask must not widen (or narrow) it.
  const bool private_mode = ::fchmod(fd, 0600) == 0;
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  std::error_code error;
  if (private_mode && written && synced) std::filesystem::rename(temporary, path, error);
  if (!private_mode || !written || !synced || error ||
      !sync_directory(path.parent_path().empty() ? "." : path.parent_path())) {
    return {Code::io_error, "cannot write " + path.string()};
  }
  return Status::success();
}

Result<std::string> read_small_file(const std::filesystem::path& path, std::size_t bytes_max) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {Code::not_found, "cannot read " + path.string()};
  std::string text(bytes_max + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return {Code::io_error, "cannot read " + path.string()};
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > bytes_max) {
    return {Code::invalid_argument,
            path.string() + " is larger than " + std::to_string(bytes_max) + " bytes"};
  }
  return text;
}

namespace {

constexpr std::filesystem::perms private_directory_mode = std::filesystem::perms::owner_all;
constexpr std::filesystem::perms private_file_mode =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

nlohmann::json identity_json(const NodeIdentity& identity) {
  return {{"region", std::string(clearing::region_code(identity.region))},
          {"origin", identity.origin},
          {"public_key", crypto::encode_public_key(identity.public_key)},
          {"verifier_key", identity.verifier_key},
          {"tls_fingerprint", identity.tls_fingerprint}};
}

// Sets `mode` on each path, whatever the umask made of it: a node's secrets and records are its
// operator's alone.
Status make_private(std::initializer_list<std::filesystem::path> paths,
                    std::filesystem::perms mode) {
  for (const std::filesystem::path& path : paths) {
    std::error_code error;
    std::filesystem::permissions(path, mode, std::filesystem::perm_options::replace, error);
    if (error) return {Code::io_error, "cannot restrict " + path.string() + ": " + error.message()};
  }
  return Status::success();
}

}  // namespace

std::string origin_of(clearing::Region region) {
  return "innoclear." + std::string(clearing::region_code(region));
}

Result<NodeIdentity> init_data_dir(const DataDir& dir, clearing::Region region) {
  std::error_code error;
  for (const auto& path : {dir.identity_file(), dir.key_file(), dir.office_key_file(),
                           dir.tls_certificate(), dir.tls_key(), dir.ledger_dir()}) {
    if (std::filesystem::exists(path, error)) {
      return {Code::already_exists, path.string() + " exists; refusing to overwrite a node"};
    }
  }
  std::filesystem::create_directories(dir.root / "tls", error);
  if (error) return {Code::io_error, "cannot create " + dir.root.string()};
  if (Status private_dirs = make_private({dir.root, dir.root / "tls"}, private_directory_mode);
      !private_dirs.ok()) {
    return private_dirs;
  }

  NodeIdentity identity;
  identity.region = region;
  identity.origin = origin_of(region);
  const crypto::KeyPair key = crypto::KeyPair::generate();
  if (Status saved = key.save(dir.key_file()); !saved.ok()) return saved;
  identity.public_key = key.public_key();
  identity.verifier_key =
      crypto::verifier_key_line(crypto::make_note_verifier(identity.origin, key.public_key()));
  if (Status tls =
          crypto::create_tls_identity(identity.origin, {dir.tls_certificate(), dir.tls_key()});
      !tls.ok()) {
    return tls;
  }
  Result<std::string> fingerprint = crypto::certificate_fingerprint(dir.tls_certificate());
  if (!fingerprint.ok()) return fingerprint.status();
  identity.tls_fingerprint = *fingerprint;

  // The finance office's key: generated here for a new region (the office keeps office.key);
  // an office that brings its own key registers it with `office rotate-key` later.
  const crypto::KeyPair office_key = crypto::KeyPair::generate();
  if (Status saved = office_key.save(dir.office_key_file()); !saved.ok()) return saved;
  Result<std::unique_ptr<ledger::Ledger>> ledger =
      ledger::Ledger::open(ledger_options(dir, identity, &key, false));
  if (!ledger.ok()) return ledger.status();
  if (Status genesis =
          record_genesis(**ledger, key, office_key.public_key(), region, system_clock_ms());
      !genesis.ok()) {
    return genesis;
  }
  if (Result<std::string> checkpoint = (*ledger)->sign_checkpoint(); !checkpoint.ok()) {
    return checkpoint.status();
  }
  ledger->reset();
  if (Status private_files = make_private({dir.ledger_dir()}, private_directory_mode);
      !private_files.ok()) {
    return private_files;
  }
  if (Status private_files =
          make_private({dir.tls_key(), dir.key_file(), dir.office_key_file()}, private_file_mode);
      !private_files.ok()) {
    return private_files;
  }
  if (Status written =
          write_file_atomically(dir.identity_file(), identity_json(identity).dump(2) + "\n");
      !written.ok()) {
    return written;
  }
  return identity;
}

Result<NodeIdentity> read_identity(const DataDir& dir) {
  std::ifstream in(dir.identity_file());
  if (!in) {
    return {Code::not_found, dir.root.string() + " is not an innoclear data directory (run init)"};
  }
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  const auto field = [&](const char* name) -> std::string {
    if (!json.is_object() || !json.contains(name) || !json[name].is_string()) return {};
    return json[name].get<std::string>();
  };
  Result<clearing::Region> region = clearing::parse_region(field("region"));
  Result<crypto::PublicKey> key = crypto::decode_public_key(field("public_key"));
  if (json.is_discarded() || !region.ok() || !key.ok() || field("origin") != origin_of(*region)) {
    return {Code::invalid_argument, dir.identity_file().string() + " is malformed"};
  }
  NodeIdentity identity;
  identity.region = *region;
  identity.origin = field("origin");
  identity.public_key = *key;
  identity.verifier_key =
      crypto::verifier_key_line(crypto::make_note_verifier(identity.origin, identity.public_key));
  identity.tls_fingerprint = field("tls_fingerprint");
  return identity;
}

ledger::Options ledger_options(const DataDir& dir, const NodeIdentity& identity,
                               const crypto::KeyPair* key, bool read_only) {
  ledger::Options options;
  options.directory = dir.ledger_dir();
  options.origin = identity.origin;
  options.checkpoint_key = key;
  options.read_only = read_only;
  options.tables = node_tables();
  options.derive = live_deriver(identity.region);
  options.derive_for_audit = audit_deriver(identity.region);
  return options;
}

}  // namespace innoclear::nodes
