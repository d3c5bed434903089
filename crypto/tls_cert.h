// Self-signed TLS identities for nodes: an ECDSA P-256 key and an X.509 certificate, PEM files.
// Peers pin each other's certificates by fingerprint (DESIGN.md, "Regions and nodes").
#pragma once

#include <filesystem>
#include <string>

#include "base/status.h"

namespace innoclear::crypto {

constexpr int tls_certificate_days = 3650;

struct TlsIdentityFiles {
  std::filesystem::path certificate;  // PEM, mode 0644
  std::filesystem::path private_key;  // PEM (PKCS#8), mode 0600
};

// Generates a new key and a self-signed certificate with subject CN=`common_name`, subjectAltName
// DNS:localhost and IP:127.0.0.1, valid for tls_certificate_days. Fails with already_exists if
// either file exists (nothing is overwritten) and io_error otherwise.
Status create_tls_identity(const std::string& common_name, const TlsIdentityFiles& files);

// SHA-256 of the certificate's DER encoding, lowercase hex: the value a manifest pins.
Result<std::string> certificate_fingerprint(const std::filesystem::path& certificate_pem);

}  // namespace innoclear::crypto
