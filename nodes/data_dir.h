// A region node's data directory: what `innoclear init` creates and every other verb opens.
//
//   DIR/node.json     identity: region, origin, verifier key, public key, TLS fingerprint
//   DIR/node.key      the node's Ed25519 key (mode 0600): signs checkpoints and peer requests
//   DIR/office.key    the finance office's first key (mode 0600), registered by the genesis entry
//   DIR/tls/cert.pem  self-signed TLS certificate; DIR/tls/key.pem its key (mode 0600)
//   DIR/ledger/       the LMDB environment
//
// node.json is written last, atomically: a directory without it is not an initialised node.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/status.h"
#include "clearing/region.h"
#include "crypto/ed25519.h"
#include "ledger/ledger.h"

namespace innoclear::nodes {

struct NodeIdentity {
  clearing::Region region = clearing::Region::BJ;
  std::string origin;  // "innoclear.BJ": checkpoint origin and note key name
  crypto::PublicKey public_key{};
  std::string verifier_key;     // C2SP vkey line
  std::string tls_fingerprint;  // SHA-256 of the certificate DER, hex
};

struct DataDir {
  std::filesystem::path root;
  std::filesystem::path identity_file() const { return root / "node.json"; }
  std::filesystem::path key_file() const { return root / "node.key"; }
  // The finance office's key, created by init for the office to take away and keep.
  std::filesystem::path office_key_file() const { return root / "office.key"; }
  std::filesystem::path tls_certificate() const { return root / "tls" / "cert.pem"; }
  std::filesystem::path tls_key() const { return root / "tls" / "key.pem"; }
  std::filesystem::path ledger_dir() const { return root / "ledger"; }
};

std::string origin_of(clearing::Region region);

// Creates keys, certificate, ledger (with a signed checkpoint of the empty tree) and node.json.
// Directories are 0700, keys and node.json 0600, whatever the umask. Fails with already_exists if
// DIR holds a node or any part of one; nothing is overwritten.
Result<NodeIdentity> init_data_dir(const DataDir& dir, clearing::Region region);

// Reads node.json. Fails with not_found if DIR is not an initialised node.
Result<NodeIdentity> read_identity(const DataDir& dir);

// Writes `text` to `path` (mode 0600) via a temporary file: fsync the file, rename, fsync the
// directory, so readers never see half and a crash after success cannot lose the new name.
Status write_file_atomically(const std::filesystem::path& path, const std::string& text);
// Reads a whole file of at most `bytes_max` bytes (not_found, io_error, invalid_argument).
Result<std::string> read_small_file(const std::filesystem::path& path, std::size_t bytes_max);

// Ledger options for this node. `key` may be null for read-only use.
ledger::Options ledger_options(const DataDir& dir, const NodeIdentity& identity,
                               const crypto::KeyPair* key, bool read_only);

}  // namespace innoclear::nodes
