#include "crypto/tls_cert.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>
#include <vector>

#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace innoclear::crypto {

namespace {

template <auto free_function>
struct OpensslFree {
  template <class T>
  void operator()(T* object) const {
    free_function(object);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OpensslFree<EVP_PKEY_free>>;
using PkeyContextPtr = std::unique_ptr<EVP_PKEY_CTX, OpensslFree<EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, OpensslFree<X509_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpensslFree<X509_EXTENSION_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpensslFree<BN_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslFree<BIO_free>>;

// RFC 5280 allows serials up to 20 octets. 159 bits with the top bit set always encodes as
// exactly 20 positive octets (no sign padding) and leaves 158 random bits.
constexpr int serial_bits = 159;
// Peers' clocks may run slightly behind ours; a certificate "not yet valid" for them would
// fail every handshake right after a node is provisioned.
constexpr long clock_skew_seconds_max = 3600;

// Drains the thread's OpenSSL error queue, so a stale error never surfaces in a later,
// unrelated call, and returns the earliest reason for the message.
std::string openssl_error() {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(first, text, sizeof text);
  return text;
}

Status openssl_failure(const std::string& what) {
  return {Code::io_error, what + ": " + openssl_error()};
}

Result<PkeyPtr> generate_p256_key() {
  PkeyContextPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(context.get(), "P-256") != 1) {
    return openssl_failure("cannot set up P-256 key generation");
  }
  EVP_PKEY* raw_key = nullptr;
  if (EVP_PKEY_generate(context.get(), &raw_key) != 1) {
    return openssl_failure("cannot generate P-256 key");
  }
  return PkeyPtr(raw_key);
}

bool set_random_serial(X509* certificate) {
  BignumPtr serial(BN_new());
  return serial && BN_rand(serial.get(), serial_bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1 &&
         BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate)) != nullptr;
}

// Subject and issuer are the same name: the certificate is self-signed and pinned by peers.
// X.501 order is most significant first, so O precedes CN ("CN=<name>,O=innoclear").
bool set_names(X509* certificate, const std::string& common_name) {
  X509_NAME* name = X509_get_subject_name(certificate);
  const auto add = [name](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  return add("O", "innoclear") && add("CN", common_name) &&
         X509_set_issuer_name(certificate, name) == 1;
}

bool set_validity(X509* certificate) {
  return X509_gmtime_adj(X509_getm_notBefore(certificate), -clock_skew_seconds_max) != nullptr &&
         X509_time_adj_ex(X509_getm_notAfter(certificate), tls_certificate_days, 0, nullptr) !=
             nullptr;
}

// An end-entity certificate (CA:FALSE, no keyCertSign): OpenSSL 3 accepts a self-signed leaf as
// its own trust anchor (`openssl verify -CAfile cert.pem`, curl `--cacert`, strict mode too), and
// CA:TRUE would let anyone who trusts this file also trust whatever the node's key signs, for any
// name. The key identifiers match `openssl req -x509` defaults so strict verifiers are content.
bool add_extensions(X509* certificate) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  const std::pair<int, const char*> extensions[] = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
      {NID_subject_key_identifier, "hash"},
      // After the subject key identifier: "keyid" copies it from the issuer, this certificate.
      {NID_authority_key_identifier, "keyid:always"},
  };
  for (const auto& [nid, value] : extensions) {
    ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
    if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) return false;
  }
  return true;
}

Result<X509Ptr> build_certificate(const std::string& common_name, EVP_PKEY* key) {
  X509Ptr certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
      !set_random_serial(certificate.get()) || !set_validity(certificate.get()) ||
      X509_set_pubkey(certificate.get(), key) != 1) {
    return openssl_failure("cannot fill in certificate");
  }
  if (!set_names(certificate.get(), common_name)) {
    return openssl_failure("cannot use common name '" + common_name + "'");
  }
  if (!add_extensions(certificate.get())) return openssl_failure("cannot add extensions");
  if (X509_sign(certificate.get(), key, EVP_sha256()) == 0) {
    return openssl_failure("cannot sign certificate");
  }
  return certificate;
}

std::string errno_text(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

bool path_taken(const std::filesystem::path& path) {
  std::error_code error;
  // symlink_status: a dangling symlink also counts, since O_EXCL would refuse it.
  return std::filesystem::symlink_status(path, error).type() !=
             std::filesystem::file_type::not_found &&
         !error;
}

// Creates `path` (never replacing an existing file), writes it through `write_pem`, and makes
// it durable. On failure the file is removed if this call created it.
template <class WritePem>
Status write_new_file(const std::filesystem::path& path, mode_t mode, WritePem write_pem) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return {Code::already_exists, "file exists: " + path.string()};
    return {Code::io_error, errno_text("cannot create", path)};
  }
  // The umask may have cleared bits the contract promises (0644 for the certificate).
  if (::fchmod(fd, mode) != 0) {
    Status status(Code::io_error, errno_text("cannot set mode of", path));
    ::close(fd);
    ::unlink(path.c_str());
    return status;
  }
  std::FILE* file = ::fdopen(fd, "w");
  if (file == nullptr) {
    Status status(Code::io_error, errno_text("cannot open stream for", path));
    ::close(fd);
    ::unlink(path.c_str());
    return status;
  }
  // Each message is taken where the failure happens, before fclose can change errno.
  std::string failure;
  if (write_pem(file) != 1) {
    failure = "cannot write " + path.string() + ": " + openssl_error();
  } else if (std::fflush(file) != 0 || ::fsync(fd) != 0) {
    failure = errno_text("cannot write", path);
  }
  if (std::fclose(file) != 0 && failure.empty()) failure = errno_text("cannot close", path);
  if (!failure.empty()) {
    ::unlink(path.c_str());
    return {Code::io_error, failure};
  }
  return Status::success();
}

// A new file's name is durable only once its directory entry is.
Status sync_parent_directory(const std::filesystem::path& path) {
  std::filesystem::path directory = path.parent_path();
  if (directory.empty()) directory = ".";
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return {Code::io_error, errno_text("cannot open directory", directory)};
  const bool synced = ::fsync(fd) == 0;
  Status status = synced ? Status::success()
                         : Status(Code::io_error, errno_text("cannot sync directory", directory));
  ::close(fd);
  return status;
}

}  // namespace

Status create_tls_identity(const std::string& common_name, const TlsIdentityFiles& files) {
  if (files.certificate.lexically_normal() == files.private_key.lexically_normal()) {
    return {Code::io_error,
            "certificate and private key need two files: " + files.certificate.string()};
  }
  // Checked before any work so a refusal writes nothing; O_EXCL below closes the race.
  for (const std::filesystem::path& path : {files.private_key, files.certificate}) {
    if (path_taken(path)) return {Code::already_exists, "file exists: " + path.string()};
  }
  Result<PkeyPtr> key = generate_p256_key();
  if (!key.ok()) return key.status();
  Result<X509Ptr> certificate = build_certificate(common_name, key->get());
  if (!certificate.ok()) return certificate.status();

  Status status = write_new_file(files.private_key, 0600, [&](std::FILE* file) {
    // PEM_write_PrivateKey writes PKCS#8; no cipher because the node must start unattended.
    return PEM_write_PrivateKey(file, key->get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!status.ok()) return status;  // write_new_file removed what it created
  status = write_new_file(files.certificate, 0644, [&](std::FILE* file) {
    return PEM_write_X509(file, certificate->get());
  });
  const bool certificate_created = status.ok();
  if (status.ok()) status = sync_parent_directory(files.private_key);
  if (status.ok()) status = sync_parent_directory(files.certificate);
  if (!status.ok()) {
    // Remove only what this call created: a half identity is worse than none.
    std::error_code ignored;
    std::filesystem::remove(files.private_key, ignored);
    if (certificate_created) std::filesystem::remove(files.certificate, ignored);
  }
  return status;
}

Result<std::string> certificate_fingerprint(const std::filesystem::path& certificate_pem) {
  const auto refuse = [&](const char* what) {
    return Result<std::string>(Code::bad_certificate,
                               what + certificate_pem.string() + ": " + openssl_error());
  };
  BioPtr input(BIO_new_file(certificate_pem.c_str(), "r"));
  if (!input) return refuse("cannot read ");
  X509Ptr certificate(PEM_read_bio_X509(input.get(), nullptr, nullptr, nullptr));
  if (!certificate) return refuse("no PEM certificate in ");
  const int der_bytes = i2d_X509(certificate.get(), nullptr);
  if (der_bytes <= 0) return refuse("cannot DER-encode ");
  std::vector<std::uint8_t> der(static_cast<std::size_t>(der_bytes));
  unsigned char* cursor = der.data();
  if (i2d_X509(certificate.get(), &cursor) != der_bytes) return refuse("cannot DER-encode ");
  return hex_encode(sha256(std::span<const std::uint8_t>(der)));
}

}  // namespace innoclear::crypto
