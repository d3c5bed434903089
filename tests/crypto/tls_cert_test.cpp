#include "crypto/tls_cert.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.h"

using namespace innoclear;
using namespace innoclear::crypto;

namespace {

// A fresh directory per test case, removed afterwards, with the two identity file names in it.
class TempDirectory : public innoclear::testing::TempDir {
 public:
  TempDirectory() : TempDir("tls") {}
  TlsIdentityFiles files() const { return {path() / "cert.pem", path() / "key.pem"}; }
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout only; stderr passes through to the test log
};

// Runs a shell command through the openssl CLI, the independent judge of what we wrote.
CommandResult run(const std::string& command) {
  CommandResult result;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.output.append(buffer, count);
  const int status = ::pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

unsigned file_mode(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

std::string certificate_text(const std::filesystem::path& certificate) {
  const CommandResult text = run("openssl x509 -noout -text -in " + quoted(certificate));
  REQUIRE(text.exit_code == 0);
  return text.output;
}

}  // namespace

TEST_CASE("a new TLS identity keeps the key private and the certificate readable", "[tls]") {
  TempDirectory directory;
  const TlsIdentityFiles files = directory.files();
  REQUIRE(create_tls_identity("node-1", files).ok());
  CHECK(file_mode(files.private_key) == 0600);
  CHECK(file_mode(files.certificate) == 0644);
  CHECK(read_file(files.private_key).rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
  CHECK(read_file(files.certificate).rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
}

TEST_CASE("creating an identity twice refuses and leaves the first one untouched", "[tls]") {
  TempDirectory directory;
  const TlsIdentityFiles files = directory.files();
  REQUIRE(create_tls_identity("node-1", files).ok());
  const std::string key_before = read_file(files.private_key);
  const std::string certificate_before = read_file(files.certificate);

  const Status again = create_tls_identity("node-1", files);
  CHECK(again.code() == Code::already_exists);
  CHECK(read_file(files.private_key) == key_before);
  CHECK(read_file(files.certificate) == certificate_before);
}

TEST_CASE("an existing file of either kind stops creation before anything is written", "[tls]") {
  TempDirectory directory;
  const TlsIdentityFiles files = directory.files();
  SECTION("the private key exists") {
    std::ofstream(files.private_key) << "someone else's key";
    CHECK(create_tls_identity("node-1", files).code() == Code::already_exists);
    CHECK(read_file(files.private_key) == "someone else's key");
    CHECK_FALSE(std::filesystem::exists(files.certificate));
  }
  SECTION("the certificate exists") {
    std::ofstream(files.certificate) << "someone else's certificate";
    CHECK(create_tls_identity("node-1", files).code() == Code::already_exists);
    CHECK(read_file(files.certificate) == "someone else's certificate");
    CHECK_FALSE(std::filesystem::exists(files.private_key));
  }
}

TEST_CASE("the fingerprint is SHA-256 of the DER certificate in lowercase hex", "[tls]") {
  TempDirectory directory;
  const TlsIdentityFiles files = directory.files();
  REQUIRE(create_tls_identity("node-1", files).ok());
  const Result<std::string> fingerprint = certificate_fingerprint(files.certificate);
  REQUIRE(fingerprint.ok());
  CHECK(fingerprint->size() == 64);
  CHECK(fingerprint->find_first_not_of("0123456789abcdef") == std::string::npos);

  const CommandResult expected =
      run("openssl x509 -in " + quoted(files.certificate) + " -outform DER | sha256sum");
  REQUIRE(expected.exit_code == 0);
  CHECK(*fingerprint == expected.output.substr(0, 64));
}

TEST_CASE("two identities never share a fingerprint", "[tls]") {
  TempDirectory first;
  TempDirectory second;
  REQUIRE(create_tls_identity("node-1", first.files()).ok());
  REQUIRE(create_tls_identity("node-1", second.files()).ok());
  CHECK(*certificate_fingerprint(first.files().certificate) !=
        *certificate_fingerprint(second.files().certificate));
}

TEST_CASE("the certificate carries the key that was written beside it", "[tls]") {
  TempDirectory directory;
  const TlsIdentityFiles files = directory.files();
  REQUIRE(create_tls_identity("node-1", files).ok());
  const CommandResult certificate_key =
      run("openssl x509 -noout -pubkey -in " + quoted(files.certificate));
  const CommandResult private_key = run("openssl pkey -pubout -in " + quoted(files.private_key));
  REQUIRE(certificate_key.exit_code == 0);
  REQUIRE(private_key.exit_code == 0);
  CHECK_FALSE(certificate_key.output.empty());
  CHECK(certificate_key.output == private_key.output);
}

TEST_CASE("the certificate names the node and serves localhost on P-256 for ten years", "[tls]") {
  TempDirectory directory;
  const TlsIdentityFiles files = directory.files();
  REQUIRE(create_tls_identity("node-1", files).ok());
  const std::string text = certificate_text(files.certificate);
  CHECK(text.find("Version: 3 (0x2)") != std::string::npos);
  CHECK(text.find("Subject: O = innoclear, CN = node-1\n") != std::string::npos);
  CHECK(text.find("Issuer: O = innoclear, CN = node-1\n") != std::string::npos);
  CHECK(text.find("ASN1 OID: prime256v1") != std::string::npos);
  CHECK(text.find("Signature Algorithm: ecdsa-with-SHA256") != std::string::npos);
  CHECK(text.find("DNS:localhost, IP Address:127.0.0.1") != std::string::npos);
  // An end entity, not a CA: trusting this file must not trust what the node's key signs.
  CHECK(text.find("CA:FALSE") != std::string::npos);
  CHECK(text.find("Key Usage: critical\n                Digital Signature\n") != std::string::npos);

  const std::string certificate = quoted(files.certificate);
  // Valid now, and still valid a day short of tls_certificate_days from now.
  CHECK(run("openssl x509 -noout -checkend 0 -in " + certificate).exit_code == 0);
  const long seconds = (tls_certificate_days - 1) * 86400L;
  CHECK(run("openssl x509 -noout -checkend " + std::to_string(seconds) + " -in " + certificate)
            .exit_code == 0);
}

TEST_CASE("the serial number is a positive 159-bit random number", "[tls]") {
  TempDirectory directory;
  const TlsIdentityFiles files = directory.files();
  REQUIRE(create_tls_identity("node-1", files).ok());
  const CommandResult serial = run("openssl x509 -noout -serial -in " + quoted(files.certificate));
  REQUIRE(serial.exit_code == 0);
  // "serial=" then 40 hex digits; the top bit of 160 is clear and bit 159 set: 4..7 first.
  REQUIRE(serial.output.size() == 7 + 40 + 1);
  CHECK(std::string("4567").find(serial.output[7]) != std::string::npos);
}

TEST_CASE("the self-signed certificate verifies as its own trust anchor", "[tls]") {
  TempDirectory directory;
  const TlsIdentityFiles files = directory.files();
  REQUIRE(create_tls_identity("node-1", files).ok());
  const std::string certificate = quoted(files.certificate);
  const std::string verify = "openssl verify -CAfile " + certificate + " ";
  CHECK(run(verify + certificate).exit_code == 0);
  // What a TLS client checks: the server purpose and the names it connected to.
  CHECK(run(verify + "-purpose sslserver -verify_hostname localhost " + certificate).exit_code ==
        0);
  CHECK(run(verify + "-purpose sslserver -verify_ip 127.0.0.1 " + certificate).exit_code == 0);
  CHECK(run(verify + "-verify_hostname example.com " + certificate + " 2>/dev/null").exit_code !=
        0);
  // Strict mode is what newer clients (Python 3.13, for one) turn on by default.
  CHECK(run(verify + "-x509_strict " + certificate).exit_code == 0);
}

TEST_CASE("a file without a PEM certificate has no fingerprint", "[tls]") {
  TempDirectory directory;
  const std::filesystem::path path = directory.path() / "cert.pem";
  SECTION("garbage") {
    std::ofstream(path) << "not a certificate\n";
    CHECK(certificate_fingerprint(path).status().code() == Code::bad_certificate);
  }
  SECTION("a damaged certificate body") {
    std::ofstream(path) << "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    CHECK(certificate_fingerprint(path).status().code() == Code::bad_certificate);
  }
  SECTION("a private key instead of a certificate") {
    const TlsIdentityFiles files = directory.files();
    REQUIRE(create_tls_identity("node-1", files).ok());
    CHECK(certificate_fingerprint(files.private_key).status().code() == Code::bad_certificate);
  }
  SECTION("no file at all") {
    CHECK(certificate_fingerprint(path).status().code() == Code::bad_certificate);
  }
}

TEST_CASE("an identity cannot be written into a missing directory", "[tls]") {
  TempDirectory directory;
  const std::filesystem::path missing = directory.path() / "missing";
  const Status status = create_tls_identity("node-1", {missing / "cert.pem", missing / "key.pem"});
  CHECK(status.code() == Code::io_error);
  CHECK_FALSE(std::filesystem::exists(missing));
}

TEST_CASE("a failed certificate write removes the key already written", "[tls]") {
  TempDirectory directory;
  const TlsIdentityFiles files{directory.path() / "missing" / "cert.pem",
                               directory.path() / "key.pem"};
  CHECK(create_tls_identity("node-1", files).code() == Code::io_error);
  CHECK_FALSE(std::filesystem::exists(files.private_key));
}

TEST_CASE("a common name too long for X.509 is refused and writes nothing", "[tls]") {
  TempDirectory directory;
  const TlsIdentityFiles files = directory.files();
  // RFC 5280 caps a common name at 64 characters.
  CHECK(create_tls_identity(std::string(65, 'n'), files).code() == Code::io_error);
  CHECK_FALSE(std::filesystem::exists(files.private_key));
  CHECK_FALSE(std::filesystem::exists(files.certificate));
}
