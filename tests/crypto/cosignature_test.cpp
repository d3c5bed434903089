// Witness cosignatures on checkpoints: C2SP tlog-cosignature v1 with Ed25519.
#include "crypto/cosignature.h"

#include <catch2/catch.hpp>

#include "crypto/encoding.h"
#include "crypto/signed_note.h"

using namespace innoclear;
using namespace innoclear::crypto;

namespace {

KeyPair fill_seeded_key(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  return KeyPair::from_seed(seed);
}

const std::string checkpoint = "innoclear.TJ\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const std::string witness = "innoclear.BJ";
constexpr std::uint64_t when_s = 1'790'000'000;

// The line's payload re-encoded after `change` edits it: forged variants of a real cosignature.
template <class Change>
std::string edited_line(const std::string& line, Change change) {
  const std::size_t space = line.rfind(' ');
  Bytes payload = *base64_decode(line.substr(space + 1, line.size() - space - 2));
  change(payload);
  return line.substr(0, space + 1) + base64_encode(payload) + "\n";
}

}  // namespace

TEST_CASE("a cosignature verifies and tells when the witness signed", "[cosignature]") {
  const KeyPair key = fill_seeded_key(1);
  Result<std::string> line = cosign_checkpoint(checkpoint, witness, key, when_s);
  REQUIRE(line.ok());
  CHECK(line->rfind("\xE2\x80\x94 innoclear.BJ ", 0) == 0);
  CHECK(line->back() == '\n');

  Result<std::uint64_t> verified = verify_cosignature(checkpoint, *line, witness, key.public_key());
  REQUIRE(verified.ok());
  CHECK(*verified == when_s);

  Result<CosignatureLine> parsed = parse_cosignature_line(*line);
  REQUIRE(parsed.ok());
  CHECK(parsed->name == witness);
  CHECK(parsed->key_id == note_key_id(witness, key.public_key(), 0x04));
  CHECK(parsed->timestamp_s == when_s);
  CHECK(verify(key.public_key(), "cosignature/v1\ntime 1790000000\n" + checkpoint,
               parsed->signature));
}

TEST_CASE("a cosignature is refused for another key, time, text or name", "[cosignature]") {
  const KeyPair key = fill_seeded_key(1);
  const Cosigner cosigner = make_cosigner(witness, key.public_key());
  const std::string line = *cosign_checkpoint(checkpoint, witness, key, when_s);

  SECTION("another key under the same name is another cosigner") {
    const KeyPair other = fill_seeded_key(2);
    CHECK(verify_cosignature(checkpoint, line, witness, other.public_key()).status().code() ==
          Code::unknown_signer);
  }
  SECTION("a changed timestamp fails the signature") {
    const std::string later = edited_line(line, [](Bytes& payload) { payload[11] ^= 1; });
    CHECK(verify_cosignature(checkpoint, later, cosigner).status().code() == Code::bad_signature);
  }
  SECTION("a changed checkpoint fails the signature") {
    std::string bigger = checkpoint;
    bigger[13] = '6';
    CHECK(verify_cosignature(bigger, line, cosigner).status().code() == Code::bad_signature);
  }
  SECTION("a changed signature fails") {
    const std::string forged = edited_line(line, [](Bytes& payload) { payload[40] ^= 1; });
    CHECK(verify_cosignature(checkpoint, forged, cosigner).status().code() == Code::bad_signature);
  }
  SECTION("the same signature under another name is another cosigner") {
    std::string renamed = line;
    renamed.replace(renamed.find("BJ"), 2, "SH");
    CHECK(verify_cosignature(checkpoint, renamed, cosigner).status().code() ==
          Code::unknown_signer);
  }
  SECTION("a timestamp above 2^63 - 1 is refused") {
    const std::string huge = edited_line(line, [](Bytes& payload) { payload[4] |= 0x80; });
    CHECK(verify_cosignature(checkpoint, huge, cosigner).status().code() == Code::bad_signature);
    CHECK(cosign_checkpoint(checkpoint, witness, key, cosignature_timestamp_s_max + 1)
              .status()
              .code() == Code::invalid_argument);
  }
  SECTION("malformed lines and texts are refused as such") {
    CHECK(verify_cosignature(checkpoint, "", cosigner).status().code() == Code::bad_note);
    CHECK(verify_cosignature(checkpoint, "- innoclear.BJ AAAA\n", cosigner).status().code() ==
          Code::bad_note);
    const std::string short_line = edited_line(line, [](Bytes& payload) { payload.resize(68); });
    CHECK(verify_cosignature(checkpoint, short_line, cosigner).status().code() == Code::bad_note);
    CHECK(verify_cosignature("no newline", line, cosigner).status().code() == Code::bad_note);
    CHECK(cosign_checkpoint("a\n\nb\n", witness, key, when_s).status().code() == Code::bad_note);
    CHECK(cosign_checkpoint(checkpoint, "bad name", key, when_s).status().code() == Code::bad_key);
  }
}

TEST_CASE("a cosigner key is typed 0x04, so its key id differs from the note key id",
          "[cosignature]") {
  const KeyPair key = fill_seeded_key(3);
  const Cosigner cosigner = make_cosigner(witness, key.public_key());
  const NoteVerifier plain = make_note_verifier(witness, key.public_key());
  CHECK(cosigner.key_id == note_key_id(witness, key.public_key(), 0x04));
  CHECK(cosigner.key_id != plain.key_id);

  const std::string vkey = cosigner_verifier_key(witness, key.public_key());
  const std::size_t second_plus = vkey.find('+', witness.size() + 1);
  Bytes typed_key = *base64_decode(vkey.substr(second_plus + 1));
  REQUIRE(typed_key.size() == 33);
  CHECK(typed_key[0] == 0x04);
  Result<Cosigner> parsed = parse_cosigner_verifier_key(vkey);
  REQUIRE(parsed.ok());
  CHECK(parsed->name == witness);
  CHECK(parsed->key_id == cosigner.key_id);
  CHECK(parsed->key == key.public_key());

  SECTION("a plain note verifier key is not a cosigner key") {
    CHECK(parse_cosigner_verifier_key(verifier_key_line(plain)).status().code() == Code::bad_key);
  }
  SECTION("a key id that does not match the key is refused") {
    std::string bad = vkey;
    bad[witness.size() + 1] = bad[witness.size() + 1] == '0' ? '1' : '0';
    CHECK(parse_cosigner_verifier_key(bad).status().code() == Code::bad_key);
    CHECK(parse_cosigner_verifier_key("innoclear.BJ+00").status().code() == Code::bad_key);
  }
}

TEST_CASE("a checkpoint carrying a cosignature still opens for the log's key", "[cosignature]") {
  const KeyPair log_key = fill_seeded_key(4);
  const KeyPair witness_key = fill_seeded_key(5);
  const NoteSigner signers[] = {{"innoclear.TJ", &log_key}};
  const std::string note = *sign_note(checkpoint, signers);
  const std::string cosigned = note + *cosign_checkpoint(checkpoint, witness, witness_key, when_s);
  const Cosigner cosigner = make_cosigner(witness, witness_key.public_key());

  const NoteVerifier log[] = {make_note_verifier("innoclear.TJ", log_key.public_key())};
  Result<OpenedNote> opened = open_note(cosigned, log);
  REQUIRE(opened.ok());
  CHECK(opened->text == checkpoint);
  CHECK(opened->verified_by == std::vector<std::string>{"innoclear.TJ"});
  REQUIRE(opened->unverified.size() == 1);
  CHECK(opened->unverified[0].name == witness);
  CHECK(opened->unverified[0].key_id == cosigner.key_id);

  Result<std::uint64_t> cosigned_at = verify_note_cosignature(cosigned, cosigner);
  REQUIRE(cosigned_at.ok());
  CHECK(*cosigned_at == when_s);

  SECTION("a note the witness did not cosign has no cosignature by it") {
    CHECK(verify_note_cosignature(note, cosigner).status().code() == Code::unknown_signer);
  }
  SECTION("a cosignature is no plain signature by the same key") {
    const NoteVerifier as_plain[] = {make_note_verifier(witness, witness_key.public_key())};
    CHECK(open_note(cosigned, as_plain).status().code() == Code::unknown_signer);
  }
  SECTION("a cosigned note with a changed body fails the cosignature") {
    std::string tampered = cosigned;
    tampered[13] = '6';
    CHECK(verify_note_cosignature(tampered, cosigner).status().code() == Code::bad_signature);
  }
  SECTION("a note without a signature block is malformed") {
    CHECK(verify_note_cosignature(checkpoint, cosigner).status().code() == Code::bad_note);
  }
}

TEST_CASE("the spec's example cosignature carries the time of its example message",
          "[cosignature]") {
  // c2sp.org/tlog-cosignature: the example checkpoint's witness line and signed message. The
  // witness's key is not published, so the signature itself cannot be checked here.
  const std::string body =
      "example.com/behind-the-sofa\n20852163\n"
      "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  Result<CosignatureLine> line = parse_cosignature_line(
      "\xE2\x80\x94 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZC"
      "B9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n");
  REQUIRE(line.ok());
  CHECK(line->name == "witness.example.com/w1");
  CHECK(line->key_id == 0x8d66cf3f);
  CHECK(line->timestamp_s == 1679315147);
  CHECK(cosignature_message(body, line->timestamp_s) ==
        "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
}

TEST_CASE("a public witness's cosigner key has the key id it was published with", "[cosignature]") {
  // A witness's vkey from the tests of github.com/transparency-dev/formats (note package).
  const std::string vkey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
  Result<Cosigner> parsed = parse_cosigner_verifier_key(vkey);
  REQUIRE(parsed.ok());
  CHECK(parsed->key_id == 0xda77ade7);
  CHECK(cosigner_verifier_key(parsed->name, parsed->key) == vkey);
}
