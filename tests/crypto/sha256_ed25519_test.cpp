#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

using namespace innoclear;
using namespace innoclear::crypto;

TEST_CASE("SHA-256 matches the FIPS 180-2 examples", "[sha256]") {
  // FIPS 180-2 Appendix B.1 and B.2, and the empty message.
  CHECK(hex_encode(sha256(std::string_view("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_encode(
            sha256(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex_encode(sha256(std::string_view(""))) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("a reused SHA-256 context gives the same digest as a fresh one", "[sha256]") {
  Sha256 hasher;
  const Hash first = hasher.update(std::string_view("ab")).update(std::uint8_t{'c'}).finish();
  const Hash second = hasher.update(std::string_view("abc")).finish();
  CHECK(first == second);
  CHECK(first == sha256(std::string_view("abc")));
}

TEST_CASE("base64 and hex round-trip and refuse malformed text", "[encoding]") {
  const Bytes data{0x00, 0xff, 0x10, 0x20};
  CHECK(base64_encode(data) == "AP8QIA==");
  CHECK(*base64_decode("AP8QIA==") == data);
  CHECK(base64_decode("AP8QIA=").status().code() == Code::bad_encoding);
  CHECK(base64_decode("AP8QIB==").status().code() == Code::bad_encoding);  // stray bits
  CHECK(base64_decode("AP8Q IA==").status().code() == Code::bad_encoding);
  CHECK(hex_encode(data) == "00ff1020");
  CHECK(*hex_decode("00FF1020") == data);
  CHECK(hex_decode("00f").status().code() == Code::bad_encoding);
  CHECK(hex_decode("0g").status().code() == Code::bad_encoding);
}

TEST_CASE("Ed25519 matches RFC 8032 test 1 and rejects altered messages", "[ed25519]") {
  // RFC 8032 section 7.1, TEST 1 (empty message).
  const Bytes seed =
      *hex_decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const KeyPair pair = KeyPair::from_seed(std::span<const std::uint8_t, 32>(seed.data(), 32));
  CHECK(hex_encode(pair.public_key()) ==
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const Signature signature = pair.sign(std::string_view(""));
  CHECK(hex_encode(signature) ==
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701c"
        "f9b46bd25bf5f0595bbe24655141438e7a100b");
  CHECK(verify(pair.public_key(), std::string_view(""), signature));
  CHECK_FALSE(verify(pair.public_key(), std::string_view("x"), signature));
  Signature bad = signature;
  bad[10] ^= 1;
  CHECK_FALSE(verify(pair.public_key(), std::string_view(""), bad));
  CHECK_FALSE(verify(pair.public_key(), std::string_view(""), std::span(signature.data(), 63)));
}

TEST_CASE("a key file is private, never overwritten, and loads to the same key", "[ed25519]") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("innoclear-key-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = dir / "node.key";
  const KeyPair pair = KeyPair::generate();
  REQUIRE(pair.save(path).ok());
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(pair.save(path).code() == Code::already_exists);
  Result<KeyPair> loaded = KeyPair::load(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == pair.public_key());

  SECTION("a key file others can read is refused") {
    std::filesystem::permissions(path, std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    CHECK(KeyPair::load(path).status().code() == Code::key_file);
  }
  SECTION("a missing or malformed key file is refused") {
    CHECK(KeyPair::load(dir / "absent.key").status().code() == Code::key_file);
    const auto junk = dir / "junk.key";
    { std::ofstream(junk) << "not a key\n"; }
    std::filesystem::permissions(
        junk, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    CHECK(KeyPair::load(junk).status().code() == Code::key_file);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("public keys travel as base64 of 32 bytes", "[ed25519]") {
  const KeyPair pair = KeyPair::generate();
  CHECK(*decode_public_key(encode_public_key(pair.public_key())) == pair.public_key());
  CHECK(decode_public_key("AAAA").status().code() == Code::bad_key);
}
