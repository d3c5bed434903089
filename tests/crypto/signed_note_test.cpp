#include "crypto/signed_note.h"

#include <catch2/catch.hpp>

#include "crypto/encoding.h"

using namespace innoclear;
using namespace innoclear::crypto;

namespace {
KeyPair seeded_key(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  return KeyPair::from_seed(seed);
}
}  // namespace

TEST_CASE("a verifier key line round-trips and names its key id", "[note]") {
  const KeyPair key = seeded_key(7);
  const NoteVerifier verifier = make_note_verifier("innoclear.BJ", key.public_key());
  const std::string line = verifier_key_line(verifier);
  CHECK(line.rfind("innoclear.BJ+", 0) == 0);
  Result<NoteVerifier> parsed = parse_verifier_key_line(line);
  REQUIRE(parsed.ok());
  CHECK(parsed->name == "innoclear.BJ");
  CHECK(parsed->key_id == verifier.key_id);
  CHECK(parsed->key == key.public_key());

  SECTION("a key id that does not match the key is refused") {
    std::string bad = line;
    bad[13] = bad[13] == '0' ? '1' : '0';
    CHECK(parse_verifier_key_line(bad).status().code() == Code::bad_key);
  }
  SECTION("malformed lines are refused") {
    CHECK(parse_verifier_key_line("").status().code() == Code::bad_key);
    CHECK(parse_verifier_key_line("name+00").status().code() == Code::bad_key);
    CHECK(parse_verifier_key_line("+" + line).status().code() == Code::bad_key);
  }
}

TEST_CASE("verifier keys whose base64 holds '+' round-trip", "[note]") {
  // About half of all keys have a '+' in their base64; find some and round-trip each.
  int with_plus = 0;
  for (std::uint8_t fill = 0; fill < 64 && with_plus < 5; ++fill) {
    const KeyPair key = seeded_key(fill);
    const std::string line =
        verifier_key_line(make_note_verifier("innoclear.BJ", key.public_key()));
    if (line.find('+', line.find('+', 13) + 1) == std::string::npos) continue;
    ++with_plus;
    Result<NoteVerifier> parsed = parse_verifier_key_line(line);
    REQUIRE(parsed.ok());
    CHECK(parsed->key == key.public_key());
    CHECK(parsed->name == "innoclear.BJ");
  }
  CHECK(with_plus == 5);
}

TEST_CASE("the Go sumdb/note example verifier key is understood", "[note]") {
  // From the documentation of golang.org/x/mod/sumdb/note.
  Result<NoteVerifier> parsed =
      parse_verifier_key_line("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  REQUIRE(parsed.ok());
  CHECK(parsed->name == "PeterNeumann");
  CHECK(parsed->key_id == 0xc74f20a3);
}

TEST_CASE("a signed note opens with the signer's verifier", "[note]") {
  const KeyPair key = seeded_key(1);
  const NoteSigner signers[] = {{"innoclear.BJ", &key}};
  Result<std::string> note = sign_note("innoclear.BJ\n3\nAAAA\n", signers);
  REQUIRE(note.ok());
  CHECK(note->rfind("innoclear.BJ\n3\nAAAA\n\n\xE2\x80\x94 innoclear.BJ ", 0) == 0);
  const NoteVerifier known[] = {make_note_verifier("innoclear.BJ", key.public_key())};
  Result<OpenedNote> opened = open_note(*note, known);
  REQUIRE(opened.ok());
  CHECK(opened->text == "innoclear.BJ\n3\nAAAA\n");
  CHECK(opened->verified_by == std::vector<std::string>{"innoclear.BJ"});

  SECTION("a changed text fails the signature") {
    std::string tampered = *note;
    tampered[13] = '4';
    CHECK(open_note(tampered, known).status().code() == Code::bad_signature);
  }
  SECTION("signatures of unknown keys are ignored, not trusted") {
    const KeyPair other = seeded_key(2);
    const NoteSigner both[] = {{"witness.TJ", &other}, {"innoclear.BJ", &key}};
    Result<std::string> cosigned = sign_note("innoclear.BJ\n3\nAAAA\n", both);
    REQUIRE(cosigned.ok());
    Result<OpenedNote> reopened = open_note(*cosigned, known);
    REQUIRE(reopened.ok());
    REQUIRE(reopened->unverified.size() == 1);
    CHECK(reopened->unverified[0].name == "witness.TJ");
    const NoteVerifier only_other[] = {make_note_verifier("someone", other.public_key())};
    CHECK(open_note(*note, only_other).status().code() == Code::unknown_signer);
  }
  SECTION("malformed notes are refused") {
    CHECK(open_note("no signature block\n", known).status().code() == Code::bad_note);
    CHECK(open_note("text\n\n- innoclear.BJ AAAA\n", known).status().code() == Code::bad_note);
    std::string no_newline = *note;
    no_newline.pop_back();
    CHECK(open_note(no_newline, known).status().code() == Code::bad_note);
    CHECK(open_note("te\x01xt\n" + note->substr(note->find("\n\n")), known).status().code() ==
          Code::bad_note);
  }
}

TEST_CASE("note texts that cannot be signed are refused", "[note]") {
  const KeyPair key = seeded_key(1);
  const NoteSigner signers[] = {{"innoclear.BJ", &key}};
  CHECK(sign_note("", signers).status().code() == Code::bad_note);
  CHECK(sign_note("no final newline", signers).status().code() == Code::bad_note);
  CHECK(sign_note("a\n\nb\n", signers).status().code() == Code::bad_note);
  CHECK(sign_note("bad \xff utf8\n", signers).status().code() == Code::bad_note);
  const NoteSigner bad_name[] = {{"has space", &key}};
  CHECK(sign_note("ok\n", bad_name).status().code() == Code::bad_key);
  CHECK_FALSE(valid_key_name("a+b"));
  CHECK_FALSE(
      valid_key_name("a\xE3\x80\x80"
                     "b"));  // ideographic space
  CHECK(valid_key_name("innoclear.北京"));
}
