// Every byte that is not printable ASCII, in every text field of every statement and query a
// client may send, signed by an actor who may send it: refused, nothing recorded, the node lives.
// (The HTTP front door's own bytes test is tests/api/front_door_test.cpp; peer requests are in
// hostile_member_test.cpp.)
#include <catch2/catch.hpp>

#include "clearing/kinds.h"
#include "tests/nodes/cross_region.h"

using namespace innoclear;
using namespace innoclear::testing;

namespace {

// A body with every field of `kind`, text fields holding a marker "x@<field>" (lists one such
// item) so that the byte can replace the '@' in the signed bytes.
nlohmann::json marked_body(const clearing::Kind& kind) {
  nlohmann::json body = nlohmann::json::object();
  for (const clearing::Field& field : kind.fields) {
    const std::string key(field.key);
    switch (field.type) {
      case clearing::FieldType::text:
        body[key] = "x@" + key;
        break;
      case clearing::FieldType::list:
        body[key] = nlohmann::json::array({"x@" + key});
        break;
      case clearing::FieldType::integer:
      case clearing::FieldType::fen:
        body[key] = 1;
        break;
      case clearing::FieldType::object:
        body[key] = nlohmann::json::object();
        break;
    }
  }
  return body;
}

bool has_text(const clearing::Kind& kind) {
  for (const clearing::Field& field : kind.fields) {
    if (field.type == clearing::FieldType::text || field.type == clearing::FieldType::list) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("Every non-printable byte in every client text field is refused and writes nothing",
          "[hostile]") {
  CrossRegion books;
  std::size_t tried = 0;
  for (const clearing::Kind& kind : clearing::kinds()) {
    if (kind.poster != clearing::Poster::client || !has_text(kind)) continue;
    // An actor who may state the kind: Beijing's enterprise or office, or Tianjin's laboratory.
    const bool by_enterprise = (kind.roles & clearing::enterprise_role) != 0;
    const bool by_office = !by_enterprise && (kind.roles & clearing::office_role) != 0;
    const bool by_provider = !by_enterprise && !by_office;
    if (by_provider && (kind.roles & clearing::provider_role) == 0) continue;
    RegionNode& node = by_provider ? books.lab : books.home;
    const crypto::KeyPair& key =
        by_enterprise ? enterprise_key : (by_office ? books.home.office : provider_key);
    const std::string actor =
        by_enterprise ? enterprise_id : (by_office ? "office.BJ" : provider_id);
    const SignedStatement marked =
        nodes::sign_statement(key, actor, std::string(kind.name), marked_body(kind), node.code,
                              node.service->now_ms(), "n");
    for (std::size_t at = marked.bytes.find("\"x@"); at != std::string::npos;
         at = marked.bytes.find("\"x@", at + 1)) {
      for (int value = 0; value < 256; ++value) {
        if (value >= 0x20 && value < 0x7f) continue;
        INFO(kind.name << " at byte " << at << ": " << value);
        std::string bytes = marked.bytes;
        bytes[at + 2] = static_cast<char>(value);
        const std::string signature = crypto::base64_encode(key.sign(bytes));
        const std::uint64_t size = node.service->ledger().size();
        if (clearing::is_query(kind)) {
          CHECK_FALSE(node.service->query(bytes, signature).ok());
        } else {
          CHECK_FALSE(node.service->submit_and_wait(bytes, signature).ok());
        }
        CHECK(node.service->ledger().size() == size);
        ++tried;
      }
    }
  }
  CHECK(tried > 1000);
  CHECK(books.home.as_office("budget.allocate", {{"amount", 100}, {"year", 2027}}).ok());
}
