// What the portal reads and states beyond the voucher rules: published services and the public
// directory, messages to the office, lists with filters and pages, a voucher's timeline, the
// office's provider assessment, a provider's ratings and an enterprise's quota.
#include <catch2/catch.hpp>

#include "clearing/directory.h"
#include "clearing/queries.h"
#include "tests/clearing/books.h"

using namespace innoclear;
using namespace innoclear::clearing;
using namespace innoclear::clearing::testing;

namespace {

Result<json> ask(Books& books, const std::string& actor, const std::string& kind, json body) {
  return query(books.store, books.statement(actor, kind, std::move(body)));
}

json service_body(const std::string& id, std::int64_t price, const std::string& state) {
  return {{"capacity", 20},   {"category", "testing"}, {"price", price},
          {"service_id", id}, {"state", state},        {"title", "Tensile test 拉伸试验"}};
}

// Enterprise A with a redeemed voucher rated `rating` (the lab's service) and a live one.
std::string rated_voucher(Books& books, std::int64_t rating, const std::string& comment) {
  const std::string voucher = books.issue(enterprise_a, 300'000);
  const std::string receipt = "R-" + voucher;
  books.serve(lab, receipt, enterprise_a, "testing", 400'000, 400'000);
  books.redeem(enterprise_a, voucher, lab, receipt);
  books.now_ms += second_ms;  // each rating later than the one before
  books.accept(
      books.enterprise(enterprise_a, "feedback.rate",
                       {{"comment", comment}, {"rating", rating}, {"voucher_id", voucher}}));
  return voucher;
}

}  // namespace

TEST_CASE("A provider publishes a service, edits it by its id, and withdraws it") {
  Books books;
  books.open_year();
  const Result<json> first =
      books.provider(lab, "service.publish", service_body("S1", 80'000, "offered"));
  REQUIRE(first.ok());
  CHECK((*first)["service"]["price"] == 80'000);
  CHECK((*first)["service"]["provider"] == lab);
  books.now_ms += day_ms;
  REQUIRE(books.provider(lab, "service.publish", service_body("S1", 90'000, "offered")).ok());
  json service = books.record(Table::services, key_of(lab, "S1"));
  CHECK(service["price"] == 90'000);
  CHECK(service["published_ms"] == start_ms);
  CHECK(service["updated_ms"] == start_ms + day_ms);
  Result<json> listed = directory(books.store, Region::BJ);
  REQUIRE(listed.ok());
  REQUIRE((*listed)["providers"].size() == 2);  // the broker has no service but is listed
  CHECK((*listed)["providers"][1]["services"].size() == 1);
  REQUIRE(books.provider(lab, "service.publish", service_body("S1", 90'000, "withdrawn")).ok());
  listed = directory(books.store, Region::BJ);
  CHECK((*listed)["providers"][1]["services"].empty());
}

TEST_CASE(
    "A service is refused for a category the provider lacks, a bad state, price or capacity") {
  Books books;
  books.open_year();
  json body = service_body("S1", 80'000, "offered");
  body["category"] = "transfer";
  CHECK(books.provider(lab, "service.publish", body).status().code() == Code::category_not_allowed);
  CHECK(
      books.provider(lab, "service.publish", service_body("S1", 80'000, "sold")).status().code() ==
      Code::bad_statement);
  CHECK(books.provider(lab, "service.publish", service_body("S1", 0, "offered")).status().code() ==
        Code::amount_invalid);
  body = service_body("S1", 80'000, "offered");
  body["capacity"] = -1;
  CHECK(books.provider(lab, "service.publish", body).status().code() == Code::amount_invalid);
  body["capacity"] = 1;
  body["title"] = std::string(201, 'x');
  CHECK(books.provider(lab, "service.publish", body).status().code() == Code::bad_statement);
  body = service_body("bad id", 80'000, "offered");
  CHECK(books.provider(lab, "service.publish", body).status().code() == Code::invalid_id);
  CHECK(books.enterprise(enterprise_a, "service.publish", service_body("S1", 1, "offered"))
            .status()
            .code() == Code::forbidden);
}

TEST_CASE("The directory shows providers, services and ratings, and nothing private") {
  Books books;
  books.open_year();
  REQUIRE(books.provider(lab, "service.publish", service_body("S1", 80'000, "offered")).ok());
  rated_voucher(books, 5, "good");
  rated_voucher(books, 2, "slow");
  Result<json> listed = directory(books.store, Region::BJ);
  REQUIRE(listed.ok());
  const json& provider = (*listed)["providers"][1];
  CHECK(provider["id"] == lab);
  CHECK(provider["ratings"] == 2);
  CHECK(provider["rating_average_x100"] == 350);
  const std::string text = listed->dump();
  for (const std::string& secret : {enterprise_a, std::string("BANK-"), std::string("amount"),
                                    std::string("\"key\""), std::string("good")}) {
    INFO(secret);
    CHECK(text.find(secret) == std::string::npos);
  }
  Result<json> policy = public_policy(books.store, Region::BJ);
  REQUIRE(policy.ok());
  CHECK((*policy)["policy"]["face_cap"] == 500'000);
  CHECK((*policy)["region"] == "BJ");
}

TEST_CASE("The federation's directory adds the ratings other regions keep for a provider") {
  const json bj = {{"foreign_ratings", {{"TJ|P-TJ", {{"rating_sum", 9}, {"ratings", 2}}}}},
                   {"providers", json::array()},
                   {"region", "BJ"}};
  const json tj_said = {{"foreign_ratings", json::object()},
                        {"providers",
                         {{{"categories", {"testing"}},
                           {"id", "P-TJ"},
                           {"name", "Tianjin lab"},
                           {"rating_average_x100", 100},
                           {"rating_sum", 1},
                           {"ratings", 1},
                           {"region", "TJ"},
                           {"services", json::array()},
                           {"secret", "dropped"}}}},
                        {"region", "TJ"}};
  Result<json> tj = checked_directory(tj_said, Region::TJ);
  REQUIRE(tj.ok());
  CHECK_FALSE((*tj)["providers"][0].contains("secret"));
  const json view = federation_directory(
      {{Region::BJ, 5, true, bj}, {Region::TJ, 4, false, *tj}, {Region::HE, 0, false, nullptr}});
  CHECK(view["regions"][1]["providers"][0]["ratings"] == 3);
  CHECK(view["regions"][1]["providers"][0]["rating_average_x100"] == 333);
  CHECK(view["regions"][1]["reachable"] == false);
  CHECK(view["regions"][1]["as_of_ms"] == 4);
  CHECK(view["regions"][2]["providers"].empty());
  CHECK(checked_directory(tj_said, Region::HE).status().code() == Code::bad_statement);
  json bad = tj_said;
  bad["providers"][0]["ratings"] = -1;
  CHECK_FALSE(checked_directory(bad, Region::TJ).ok());
  bad = tj_said;
  bad["providers"][0]["region"] = "BJ";
  CHECK_FALSE(checked_directory(bad, Region::TJ).ok());
}

TEST_CASE("Messages: an author posts and reads its own, the office reads all, newest first") {
  Books books;
  books.open_year();
  const std::string voucher = books.issue(enterprise_a, 100'000);
  const json post = {{"message_id", "M1"},
                     {"subject", "发票问题"},
                     {"text", "The invoice is late."},
                     {"voucher_id", voucher}};
  const Result<json> posted = books.enterprise(enterprise_a, "message.post", post);
  REQUIRE(posted.ok());
  CHECK((*posted)["message"]["author"] == enterprise_a);
  // The same id again: the same message, nothing new; other content is a conflict.
  CHECK(books.enterprise(enterprise_a, "message.post", post).ok());
  json other = post;
  other["text"] = "changed";
  CHECK(books.enterprise(enterprise_a, "message.post", other).status().code() == Code::id_conflict);
  other = {{"message_id", "M2"}, {"subject", "s"}, {"text", "t"}, {"voucher_id", voucher}};
  CHECK(books.enterprise(enterprise_b, "message.post", other).status().code() ==
        Code::not_own_party);
  other.erase("voucher_id");
  REQUIRE(books.enterprise(enterprise_b, "message.post", other).ok());
  REQUIRE(
      books.provider(lab, "message.post", {{"message_id", "M1"}, {"subject", "s"}, {"text", "t"}})
          .ok());
  Result<json> all = ask(books, office_id, "query.messages", {{"limit", 2}});
  REQUIRE(all.ok());
  CHECK((*all)["total"] == 3);
  REQUIRE((*all)["messages"].size() == 2);
  CHECK((*all)["messages"][0]["author"] == lab);  // newest first
  Result<json> own = ask(books, enterprise_a, "query.messages", json::object());
  REQUIRE(own.ok());
  CHECK((*own)["total"] == 1);
  CHECK(ask(books, enterprise_a, "query.messages", {{"author", enterprise_b}}).status().code() ==
        Code::not_own_party);
  CHECK(ask(books, office_id, "query.messages", {{"author", enterprise_b}})->at("total") == 1);
  json long_text = {{"message_id", "M3"}, {"subject", "s"}, {"text", std::string(2001, 'x')}};
  CHECK(books.enterprise(enterprise_a, "message.post", long_text).status().code() ==
        Code::bad_statement);
}

TEST_CASE("Voucher lists: filters, pages and totals, each role seeing what it may") {
  Books books;
  books.open_year();
  const std::string redeemed = rated_voucher(books, 4, "ok");
  books.issue(enterprise_a, 100'000);
  books.issue(enterprise_b, 100'000);
  Result<json> all = ask(books, office_id, "query.vouchers", {{"limit", 2}});
  REQUIRE(all.ok());
  CHECK((*all)["total"] == 3);
  CHECK((*all)["vouchers"].size() == 2);
  CHECK((*all)["limit"] == 2);
  CHECK(ask(books, office_id, "query.vouchers", {{"offset", 2}})->at("vouchers").size() == 1);
  CHECK(ask(books, office_id, "query.vouchers", {{"state", "live"}})->at("total") == 2);
  CHECK(ask(books, office_id, "query.vouchers", {{"enterprise", enterprise_b}})->at("total") == 1);
  CHECK(ask(books, office_id, "query.vouchers", {{"provider", lab}})->at("total") == 1);
  CHECK(ask(books, enterprise_a, "query.vouchers", json::object())->at("total") == 2);
  CHECK(
      ask(books, enterprise_a, "query.vouchers", {{"enterprise", enterprise_b}}).status().code() ==
      Code::not_own_party);
  Result<json> labs = ask(books, lab, "query.vouchers", json::object());
  REQUIRE(labs.ok());
  REQUIRE((*labs)["total"] == 1);
  CHECK((*labs)["vouchers"][0]["id"] == redeemed);
  CHECK(ask(books, broker, "query.vouchers", json::object())->at("total") == 0);
  for (const json& bad :
       {json{{"limit", 0}}, json{{"limit", 501}}, json{{"offset", -1}}, json{{"state", "lost"}}}) {
    INFO(bad.dump());
    CHECK(ask(books, office_id, "query.vouchers", bad).status().code() == Code::invalid_argument);
  }
}

TEST_CASE("A voucher's timeline names each step with its time and entry") {
  Books books;
  books.open_year();
  const std::uint64_t applied_at = books.index;
  const std::string voucher = books.issue(enterprise_a, 300'000);
  books.serve(lab, "R1", enterprise_a, "testing", 400'000, 400'000);
  const std::uint64_t confirmed_at = books.index - 1;
  books.now_ms += hour_ms;
  books.redeem(enterprise_a, voucher, lab, "R1");
  books.accept(books.office("payout.record", {{"bank_ref", "B1"}, {"voucher_id", voucher}}));
  const json timeline = books.voucher(voucher)["timeline"];
  REQUIRE(timeline.size() == 5);
  const std::vector<std::string> states = {"applied", "issued", "receipted", "redeemed", "paid"};
  for (std::size_t i = 0; i < states.size(); ++i) CHECK(timeline[i]["state"] == states[i]);
  CHECK(timeline[0]["index"] == applied_at);
  CHECK(timeline[1]["index"] == applied_at + 1);
  CHECK(timeline[2]["index"] == confirmed_at);
  CHECK(timeline[3]["time_ms"] == start_ms + hour_ms);
  Result<json> applications = ask(books, office_id, "query.applications", {{"state", "approved"}});
  REQUIRE(applications.ok());
  CHECK((*applications)["total"] == 1);
  CHECK((*applications)["applications"][0]["voucher_id"] == voucher);
}

TEST_CASE("The approval queue lists pending applications oldest first; an enterprise its own") {
  Books books;
  books.open_year();
  for (const std::string id : {"A1", "A2"}) {
    books.accept(books.enterprise(enterprise_b, "voucher.apply",
                                  {{"application_id", id}, {"category", "testing"}, {"face", 1}}));
  }
  books.accept(books.enterprise(enterprise_a, "voucher.apply",
                                {{"application_id", "A0"}, {"category", "testing"}, {"face", 1}}));
  Result<json> queue = ask(books, office_id, "query.applications", {{"state", "pending"}});
  REQUIRE(queue.ok());
  REQUIRE((*queue)["total"] == 3);
  CHECK((*queue)["applications"][0]["application_id"] == "A1");
  CHECK((*queue)["applications"][2]["application_id"] == "A0");
  CHECK(ask(books, enterprise_a, "query.applications", json::object())->at("total") == 1);
  CHECK(ask(books, enterprise_a, "query.applications", {{"enterprise", enterprise_b}})
            .status()
            .code() == Code::not_own_party);
  CHECK(ask(books, lab, "query.applications", json::object()).status().code() == Code::forbidden);
}

TEST_CASE("The office assesses each provider by month: services, amounts, ratings, complaints") {
  Books books;
  books.open_year();
  rated_voucher(books, 5, "good");
  rated_voucher(books, 1, "rude");
  Result<json> report = ask(books, office_id, "query.report", {{"month", "2024-03"}});
  REQUIRE(report.ok());
  REQUIRE((*report)["assessment"].size() == 1);
  const json& row = (*report)["assessment"][0];
  CHECK(row["provider"] == lab);
  CHECK(row["name"] == "Provider " + lab);
  CHECK(row["services"] == 2);
  CHECK(row["amount"] == 400'000);
  CHECK(row["ratings"] == 2);
  CHECK(row["rating_average_x100"] == 300);
  CHECK(row["complaints"] == 1);
  CHECK(ask(books, office_id, "query.report", {{"month", "2024-04"}})->at("assessment").empty());
  // The provider reads its figures and what was said, newest first, without who said it.
  Result<json> own = ask(books, lab, "query.stats", json::object());
  REQUIRE(own.ok());
  REQUIRE((*own)["ratings"].size() == 2);
  CHECK((*own)["ratings"][1]["comment"] == "good");
  CHECK((*own)["stats"].size() == 1);
  CHECK(own->dump().find(enterprise_a) == std::string::npos);
  CHECK(ask(books, broker, "query.stats", json::object())->at("total") == 0);
}

TEST_CASE("An enterprise's quota: issued, reserved, used and left this year") {
  Books books;
  books.open_year();
  rated_voucher(books, 5, "good");     // face ¥3,000, ¥2,000 redeemed
  books.issue(enterprise_a, 100'000);  // live: reserves ¥1,000
  books.accept(books.enterprise(enterprise_a, "voucher.apply",
                                {{"application_id", "P1"}, {"category", "testing"}, {"face", 1}}));
  Result<json> own = ask(books, enterprise_a, "query.actor", json::object());
  REQUIRE(own.ok());
  const json& quota = (*own)["quota"];
  CHECK(quota["year"] == 2024);
  CHECK(quota["issued"] == json{{"amount", 400'000}, {"count", 2}});
  CHECK(quota["reserved"] == json{{"amount", 100'000}, {"count", 1}});
  CHECK(quota["used"] == json{{"amount", 200'000}, {"count", 1}});
  CHECK(quota["applications_pending"] == 1);
  CHECK(quota["left"] == json{{"amount", 600'000}, {"count", 2}});
  CHECK_FALSE(ask(books, lab, "query.actor", json::object())->contains("quota"));
}
